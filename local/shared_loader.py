"""One botocore data loader for every session the local runtime makes.

A botocore session parses each service's model (JSON files of up to a few MB) the first time one of its clients
is made, and keeps it for itself only: every `runtime.session()` (each `runtime.client(...)`, the benchmarks'
and the demo's clients) parsed the models again, 13 s of the demo's profiled 26 s start. The models are files
installed with botocore, read-only for the life of the process, so one loader (which caches what it parsed)
serves every session."""

from __future__ import annotations

import threading
from typing import Any

import boto3
import botocore.loaders
import botocore.session

_loader: Any = None
_lock = threading.Lock()


def _shared() -> Any:
    global _loader
    with _lock:
        if _loader is None:
            _loader = botocore.loaders.create_loader()
        return _loader


def session(access_key: str, secret_key: str, region: str) -> boto3.session.Session:
    core = botocore.session.Session()
    loader = _shared()
    core.register_component("data_loader", loader)
    made = boto3.session.Session(
        aws_access_key_id=access_key, aws_secret_access_key=secret_key, region_name=region, botocore_session=core
    )
    with _lock:
        # boto3 appends its own data folder to the loader's search paths for each session: once is enough.
        paths = loader.search_paths
        paths[:] = list(dict.fromkeys(paths))
    return made
