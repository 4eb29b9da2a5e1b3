from __future__ import annotations

import pytest

from local.shared_loader import share_one_loader
from tests import cpu_per_file
from tests.fakes import World, make_world

share_one_loader()  # before any test makes a Session: see local/shared_loader.py


# Slowest kinds of file first, so that on `pytest -n 2 --dist loadfile --no-loadscope-reorder` (make test) the
# two workers end together: an e2e file runs for minutes, a unit file for a second, and xdist hands out files in
# collection order. By default it orders them by test count, which left a long e2e file running alone at the end.
_SLOWEST_FIRST = (
    "tests/e2e/",
    "tests/browser/",
    "tests/api/",
    "tests/infrastructure/",
    "tests/integration/",
    "tests/unit/",
)


def pytest_configure(config: pytest.Config) -> None:
    cpu_per_file.install(config)  # STRONGROOM_TEST_CPU=path: CPU per test file (tests/cpu_per_file.py)


def _kind(item: pytest.Item) -> int:
    return next((i for i, kind in enumerate(_SLOWEST_FIRST) if item.nodeid.startswith(kind)), len(_SLOWEST_FIRST))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_kind)  # stable: each file's tests stay together and in their order


@pytest.fixture
def world() -> World:
    return make_world()
