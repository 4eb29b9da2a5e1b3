from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from local.runtime import LocalRuntime, LocalSettings


@pytest.fixture
def runtime() -> Iterator[LocalRuntime]:
    with LocalRuntime(LocalSettings(start=datetime(2026, 5, 1, tzinfo=UTC))) as started:
        yield started
