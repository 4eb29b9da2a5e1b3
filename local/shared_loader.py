"""One botocore data loader for every botocore Session in the process.

A botocore Session parses each service's model (JSON files of up to a few MB) the first time one of its clients
is made, and keeps it for itself only. Strongroom's handlers (lambdas/common/aws.py), moto, the runtime's own
sessions, the benchmarks and the tests make a new Session for most clients, so the models were parsed again and
again: 13 s of the demo's profiled 26 s start, and half the integration suite's CPU (`python -m
benchmarks.test_costs` prints it). The models are read-only files installed with botocore, and botocore already
hands the same parsed model to every client of one Session, so sharing the loader across Sessions changes no
behaviour. The local runtime installs it when it starts; tests/conftest.py before any test makes a Session."""

from __future__ import annotations

import threading
from typing import Any

import boto3
import botocore.loaders
import botocore.session


class _PathsOnce(list[str]):
    """boto3 appends its own data path to the loader of every Session it makes; once is enough."""

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)


_own_create_loader: Any = botocore.session.create_loader
_loaders: dict[str | None, botocore.loaders.Loader] = {}
_lock = threading.Lock()


def _shared_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
    with _lock:
        loader = _loaders.get(search_path_string)
        if loader is None:
            loader = _loaders[search_path_string] = _own_create_loader(search_path_string)
            loader._search_paths = _PathsOnce(loader.search_paths)
        return loader


def share_one_loader() -> None:
    """Every botocore Session made from now on in this process uses the same data loader."""
    botocore.session.create_loader = _shared_loader


def own_loader_per_session() -> None:
    """botocore's default back (for the benchmark's comparison)."""
    botocore.session.create_loader = _own_create_loader
    _loaders.clear()


def session(access_key: str, secret_key: str, region: str) -> boto3.session.Session:
    """A boto3 Session with its own credentials and Region, on the shared loader."""
    share_one_loader()
    return boto3.session.Session(aws_access_key_id=access_key, aws_secret_access_key=secret_key, region_name=region)
