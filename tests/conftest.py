from __future__ import annotations

import pytest

from local.shared_loader import share_one_loader
from tests import cpu_per_file
from tests.fakes import World, make_world
from tests.file_costs import expected_seconds

share_one_loader()  # before any test makes a Session: see local/shared_loader.py


def pytest_configure(config: pytest.Config) -> None:
    cpu_per_file.install(config)  # STRONGROOM_TEST_CPU=path: CPU per test file (tests/cpu_per_file.py)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Longest files first, so that on `pytest -n 2 --dist loadfile --no-loadscope-reorder` (make test) the two
    # workers end together (tests/file_costs.py): xdist hands out files in collection order; by default it orders
    # them by test count, which left a long e2e file (two tests, minutes) running alone at the end.
    items.sort(key=lambda item: -expected_seconds(item.location[0]))  # stable: a file's tests stay in order


@pytest.fixture
def world() -> World:
    return make_world()
