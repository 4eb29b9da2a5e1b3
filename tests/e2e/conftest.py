"""End-to-end tests share one local runtime per module and reset it between tests: a reset puts every service,
the stand-ins, EFS files, the deployment and the virtual clock back to right after bootstrap (local/
emulator_state.py) for a fraction of a start, which builds and bootstraps the whole emulated deployment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from local.runtime import LocalRuntime, LocalSettings


class _SharedRuntime:
    def __init__(self, runtime: LocalRuntime) -> None:
        self.runtime = runtime
        self.used = False


@pytest.fixture(scope="module")
def _module_runtime() -> Iterator[_SharedRuntime]:
    with LocalRuntime(LocalSettings(start=datetime(2026, 5, 1, tzinfo=UTC))) as started:
        yield _SharedRuntime(started)


@pytest.fixture
def runtime(_module_runtime: _SharedRuntime) -> LocalRuntime:
    """A runtime fresh from bootstrap on 2026-05-01: the module's, reset if an earlier test used it."""
    if _module_runtime.used:
        _module_runtime.runtime.reset()
    _module_runtime.used = True
    return _module_runtime.runtime
