"""How the CLI reaches an endpoint: signed as a deployed stack's API Gateway requires, and which clock it reads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

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
    # Given an endpoint nothing answers on (a deployed API has no /_strongroom/clock either)
    before = datetime.now(UTC)
    now = current_time(None, "http://127.0.0.1:9")
    assert before <= now <= datetime.now(UTC)
