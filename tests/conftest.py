from __future__ import annotations

from typing import Any

import botocore.loaders
import botocore.session
import pytest

from tests.fakes import World, make_world


class _PathsOnce(list[str]):
    """boto3 appends its own data path to the loader of every Session it makes; once is enough."""

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)


_loaders: dict[str | None, botocore.loaders.Loader] = {}


def _shared_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
    """One botocore data loader for the whole test process, as one Session has one.

    Strongroom (lambdas/common/aws.py), moto and the tests make a new boto3 Session for most clients, and every
    Session's loader parses the service's JSON model again (EC2's alone is megabytes): profiled, that parsing
    was half the integration suite's CPU. The models are read-only data, and botocore already hands the same
    parsed model to every client of one Session, so sharing the loader across Sessions changes no behaviour."""
    loader = _loaders.get(search_path_string)
    if loader is None:
        loader = _loaders[search_path_string] = _create_loader(search_path_string)
        loader._search_paths = _PathsOnce(loader.search_paths)
    return loader


_create_loader: Any = botocore.session.create_loader
botocore.session.create_loader = _shared_loader


# Slowest kinds of file first, so that on `pytest -n 2 --dist loadfile --no-loadscope-reorder` (make test) the
# two workers end together: an e2e file runs for minutes, a unit file for a second, and xdist hands out files in
# collection order. By default it orders them by test count, which left a long e2e file running alone at the end.
_SLOWEST_FIRST = ("tests/e2e/", "tests/api/", "tests/infrastructure/", "tests/integration/", "tests/unit/")


def _kind(item: pytest.Item) -> int:
    return next((i for i, kind in enumerate(_SLOWEST_FIRST) if item.nodeid.startswith(kind)), len(_SLOWEST_FIRST))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_kind)  # stable: each file's tests stay together and in their order


@pytest.fixture
def world() -> World:
    return make_world()
