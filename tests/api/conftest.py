"""API tests drive Strongroom through boto3's own `backup` client (and the AWS CLI) against the local
runtime, so the wire protocol, routes, shapes and errors are checked the way users meet them.
One runtime per test module keeps the suite fast; tests use their own names, so they do not collide."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from local.runtime import LocalRuntime, LocalSettings

ROLE = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"


@pytest.fixture(scope="module")
def runtime() -> Iterator[LocalRuntime]:
    with LocalRuntime(LocalSettings(start=datetime(2026, 6, 1, tzinfo=UTC))) as started:
        yield started


@pytest.fixture(scope="module")
def backup(runtime: LocalRuntime) -> Any:
    return runtime.client("backup")
