"""One botocore data loader per test process, as one Session has one.

Strongroom (lambdas/common/aws.py), moto and the tests make a new boto3 Session for most clients, and every
Session's loader parses the service's JSON model again (EC2's alone is megabytes): profiled, that parsing was
half the integration suite's CPU (`python -m benchmarks.test_costs` prints it). The models are read-only data,
and botocore already hands the same parsed model to every client of one Session, so sharing the loader across
Sessions changes no behaviour."""

from __future__ import annotations

from typing import Any

import botocore.loaders
import botocore.session


class _PathsOnce(list[str]):
    """boto3 appends its own data path to the loader of every Session it makes; once is enough."""

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)


_own_create_loader: Any = botocore.session.create_loader
_loaders: dict[str | None, botocore.loaders.Loader] = {}


def _shared_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
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
