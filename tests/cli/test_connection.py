"""How the CLI reaches an endpoint: signed as a deployed stack's API Gateway requires, and which clock it reads."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from strongroom_cli import connection
from strongroom_cli.connection import backup_client, current_time


class _Raw:
    def stream(self, **_: Any) -> Any:
        yield b'{"BackupVaultList": []}'


def test_calls_are_signed_for_execute_api_as_api_gateway_with_iam_authorization_requires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the CLI's client for a deployed stack's API
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    client = backup_client("https://abc123.execute-api.eu-west-1.amazonaws.com/v1", "eu-west-1", None)
    sent: list[Any] = []

    def capture(request: Any, **_: Any) -> AWSResponse:
        sent.append(request)
        return AWSResponse(request.url, 200, {}, _Raw())

    client.meta.events.register("before-send.backup.*", capture)
    # When it lists vaults
    client.list_backup_vaults()
    # Then the signature's credential scope names execute-api, not backup
    (request,) = sent
    assert "/eu-west-1/execute-api/aws4_request" in request.headers["Authorization"].decode()


def test_an_explicit_now_wins_and_a_naive_one_is_utc() -> None:
    assert current_time(datetime(2026, 1, 2, 3, 4), None) == datetime(2026, 1, 2, 3, 4, tzinfo=UTC)


def test_an_endpoint_that_is_not_the_local_runtime_means_the_wall_clock() -> None:
    # Given an endpoint nothing answers on (the network is off; a deployed API has no /_strongroom/clock either)
    before = datetime.now(UTC)
    now = current_time(None, "http://127.0.0.1:9")
    assert before <= now <= datetime.now(UTC)


def test_on_the_local_runtime_ages_are_read_against_its_virtual_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an endpoint that answers /_strongroom/clock, as the local runtime does after an advance
    asked: list[str] = []

    class Answer(io.BytesIO):
        def __enter__(self) -> Answer:
            return self

        def __exit__(self, *_: object) -> None:
            return None

    def urlopen(url: str, timeout: float) -> Answer:
        asked.append(url)
        return Answer(b'{"now": "2026-06-11T10:00:00+00:00"}')

    monkeypatch.setattr(connection.urllib.request, "urlopen", urlopen)
    # When the CLI asks what time it is, with no --now
    now = current_time(None, "http://127.0.0.1:4566/")
    # Then it is the virtual clock's, read from the endpoint's control path
    assert now == datetime(2026, 6, 11, 10, tzinfo=UTC)
    assert asked == ["http://127.0.0.1:4566/_strongroom/clock"]
