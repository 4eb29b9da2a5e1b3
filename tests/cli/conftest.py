"""The CLI's unit tests: the commands run with typer's CliRunner on a fake backup client and a fixed "now", with
the network disabled (a connection is refused, as by an endpoint that is not there)."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import Result
from rich.console import Console
from typer.testing import CliRunner

import strongroom_cli.app as cli_app
from strongroom_cli.app import Connection, app
from tests.cli.fake_backup import FakeBackup

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/backup"


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    # Rich fixes a console's width when it is made if COLUMNS is set then (as it is under some runners): the tests
    # read whole table cells, so their console is wide whatever the environment says.
    monkeypatch.setattr(cli_app, "console", Console(width=400))


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("unit tests do not use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield


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
