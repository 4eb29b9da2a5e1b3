"""The local runtime's edge and control endpoints as a test suite meets them (local/edge.py, local/control.py):
ready means ready, malformed control input is a 400 that changes nothing, the clock never moves back."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.control import ControlApp, ControlError, parse_advance
from local.edge import EdgeApp

SIGNED_FOR_BACKUP = (
    "AWS4-HMAC-SHA256 Credential=test/20260301/us-east-1/backup/aws4_request, SignedHeaders=host, Signature=ab"
)


class FakeRuntime:
    def __init__(self) -> None:
        self.ready = False
        self.now = datetime(2026, 3, 1, tzinfo=UTC)
        self.advanced: list[timedelta] = []
        self.resets = 0

    @property
    def endpoint(self) -> str:
        return "http://127.0.0.1:4566"

    def now_iso(self) -> str:
        return self.now.isoformat()

    def advance(self, delta: timedelta) -> int:
        self.advanced.append(delta)
        self.now += delta
        return 0

    def reset(self) -> None:
        self.resets += 1

    def counters(self) -> dict[str, int]:
        return {"scheduler_failures": 0, "delivery_errors": 0}


def _call(app: Any, method: str, path: str, body: bytes = b"", **headers: str) -> tuple[str, dict[str, str], Any]:
    answer: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        answer["status"], answer["headers"] = status, dict(response_headers)

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
    }
    chunks: Iterable[bytes] = app(environ, start_response)
    data = b"".join(chunks)
    return answer["status"], answer["headers"], json.loads(data) if data.startswith(b"{") else data


def _edge(runtime: FakeRuntime) -> EdgeApp:
    def backup(_environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"backup"]

    def moto(_environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"moto"]

    return EdgeApp(moto, backup, ControlApp(runtime))


def test_given_bootstrap_not_done_then_the_backup_api_answers_503_with_retry_after_and_moto_answers() -> None:
    runtime = FakeRuntime()
    edge = _edge(runtime)
    # Given the runtime is still bootstrapping
    status, headers, body = _call(edge, "GET", "/backup-vaults/", AUTHORIZATION=SIGNED_FOR_BACKUP)
    # Then a Backup API call is told to come back, as AWS says when it cannot serve yet
    assert (status, headers["Retry-After"], headers["x-amzn-ErrorType"]) == (
        "503 Service Unavailable",
        "1",
        "ServiceUnavailableException",
    )
    assert body["ready"] is False
    # while the emulated services the bootstrap itself uses answer
    assert _call(edge, "POST", "/", b"Action=ListQueues")[2] == b"moto"
    # and health says not ready
    assert _call(edge, "GET", "/_strongroom/health")[0] == "503 Service Unavailable"
    # When bootstrap is done
    edge.ready = runtime.ready = True
    assert _call(edge, "GET", "/backup-vaults/", AUTHORIZATION=SIGNED_FOR_BACKUP)[2] == b"backup"
    status, _, body = _call(edge, "GET", "/_strongroom/health")
    assert (status, body["ready"]) == ("200 OK", True)


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (b"{not json", "JSON object"),
        (b"[1, 2]", "JSON object"),
        (b"{}", "say how far"),
        (b'{"days": -1}', "never moves backwards"),
        (b'{"days": "2"}', "must be a number"),
        (b'{"days": true}', "must be a number"),
        (b'{"days": 1e400}', "must be a number"),
        (b'{"weeks": 1}', "unknown field"),
        (b'{"days": 100000}', "at most"),
        (b"[" * 50000, "JSON object"),
    ],
    ids=["not-json", "array", "empty", "negative", "string", "bool", "infinite", "unknown", "too-far", "deep"],
)
def test_given_malformed_advance_input_then_400_naming_it_and_the_clock_stays(body: bytes, complaint: str) -> None:
    runtime = FakeRuntime()
    runtime.ready = True
    status, headers, answer = _call(ControlApp(runtime), "POST", "/_strongroom/advance", body)
    assert (status, headers["Content-Type"]) == ("400 Bad Request", "application/json")
    assert complaint in answer["message"]
    assert runtime.advanced == []


def test_given_a_valid_advance_then_units_add_up() -> None:
    assert parse_advance(b'{"days": 1, "hours": 2.5, "minutes": 1, "seconds": 30}') == timedelta(
        days=1, hours=2, minutes=31, seconds=30
    )
    with pytest.raises(ControlError):
        parse_advance(b'{"hours": -0.5}')


def test_given_control_calls_then_clock_advance_and_reset_answer_json_and_wrong_methods_405() -> None:
    runtime = FakeRuntime()
    runtime.ready = True
    app = ControlApp(runtime)
    status, _, body = _call(app, "POST", "/_strongroom/advance", b'{"days": 2}')
    assert (status, body["now"]) == ("200 OK", "2026-03-03T00:00:00+00:00")
    assert _call(app, "POST", "/_strongroom/reset")[2]["reset"] is True and runtime.resets == 1
    assert _call(app, "GET", "/_strongroom/advance")[0] == "405 Method Not Allowed"
    assert _call(app, "GET", "/_strongroom/nothing")[0] == "404 Not Found"


def test_given_moto_test_server_mode_when_it_resets_then_strongroom_resets_and_moto_alone_is_not_reset() -> None:
    # Given a test suite in moto's TEST_SERVER_MODE, which POSTs /moto-api/reset before each test
    runtime = FakeRuntime()
    edge = _edge(runtime)
    edge.ready = runtime.ready = True
    # When it resets
    status, _, body = _call(edge, "POST", "/moto-api/reset")
    # Then the whole runtime is reset (moto's own reset would drop Strongroom's table, functions and schedules)
    assert (status, body["reset"], runtime.resets) == ("200 OK", True, 1)
