"""The CLI's unit tests: the commands run with typer's CliRunner on a fake backup client and a fixed "now"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from click.testing import Result
from typer.testing import CliRunner

from strongroom_cli.app import Connection, app
from tests.cli.fake_backup import FakeBackup

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/backup"


def volume(name: str) -> str:
    return f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/{name}"


@pytest.fixture
def fake() -> FakeBackup:
    return FakeBackup()


@pytest.fixture
def run(fake: FakeBackup) -> Callable[..., Result]:
    def invoke(*args: str) -> Result:
        return CliRunner().invoke(app, list(args), obj=Connection(lambda: fake, NOW), env={"COLUMNS": "400"})

    return invoke
