"""The local runtime's own control endpoints, under /_strongroom/ on the edge (docs/local-runtime.md):

    GET  /_strongroom/health    200 {"ready": true, ...} once the Backup API answers; 503 {"ready": false} before
    GET  /_strongroom/clock     the virtual clock
    POST /_strongroom/advance   {"days": 1, "hours": 2, "minutes": 3, "seconds": 4}: every schedule due on the
                                way fires at its own time, with the engine's "now" at that time
    POST /_strongroom/reset     every service back to the state right after bootstrap
    POST /moto-api/reset        the same: what moto's TEST_SERVER_MODE calls before each test (moto's own reset
                                would also drop Strongroom's catalog, functions and schedules)

Input is validated (400 and a JSON error naming what is wrong), and the clock never moves backwards."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, Protocol

StartResponse = Callable[..., Any]
ADVANCE_UNITS = ("days", "hours", "minutes", "seconds")
MAX_ADVANCE = timedelta(days=3660)  # ten years in one request: more is a typo, and would take hours to replay
MAX_BODY = 64 * 1024
RETRY_AFTER_SECONDS = "1"
MOTO_RESET = "/moto-api/reset"


class ControlledRuntime(Protocol):
    """What the control endpoints need of the runtime (local/runtime.py)."""

    @property
    def endpoint(self) -> str: ...

    @property
    def ready(self) -> bool: ...

    def now_iso(self) -> str: ...

    def advance(self, delta: timedelta) -> int: ...

    def reset(self) -> None: ...

    def counters(self) -> dict[str, int]: ...


class ControlError(Exception):
    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def respond(
    start_response: StartResponse, status: str, body: dict[str, Any], headers: list[tuple[str, str]] | None = None
) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *(headers or [])])
    return [data]


def not_ready(start_response: StartResponse, message: str) -> list[bytes]:
    """503 with Retry-After, as AWS answers while a service cannot take requests (ServiceUnavailableException)."""
    return respond(
        start_response,
        "503 Service Unavailable",
        {"ready": False, "message": message},
        [("Retry-After", RETRY_AFTER_SECONDS), ("x-amzn-ErrorType", "ServiceUnavailableException")],
    )


def parse_advance(raw: bytes) -> timedelta:
    """The body of /_strongroom/advance as a duration: a JSON object of non-negative finite numbers under
    days/hours/minutes/seconds (at least one), adding up to at most MAX_ADVANCE."""
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, RecursionError):
        raise ControlError("400 Bad Request", 'the body must be a JSON object such as {"days": 1}') from None
    if not isinstance(body, dict):
        raise ControlError("400 Bad Request", 'the body must be a JSON object such as {"days": 1}')
    unknown = sorted(set(body) - set(ADVANCE_UNITS))
    if unknown:
        raise ControlError("400 Bad Request", f"unknown field(s) {unknown}; use {list(ADVANCE_UNITS)}")
    if not body:
        raise ControlError("400 Bad Request", f"say how far to advance, with one of {list(ADVANCE_UNITS)}")
    total = 0.0
    for unit, value in body.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ControlError("400 Bad Request", f"{unit} must be a number, not {json.dumps(value)}")
        if value < 0:
            raise ControlError("400 Bad Request", f"{unit} is negative ({value}): the clock never moves backwards")
        total += value * timedelta(**{unit: 1}).total_seconds()
        if total > MAX_ADVANCE.total_seconds():
            raise ControlError("400 Bad Request", f"at most {MAX_ADVANCE.days} days in one advance")
    return timedelta(seconds=total)


class ControlApp:
    """The WSGI app the edge hands /_strongroom/ paths to."""

    def __init__(self, runtime: ControlledRuntime) -> None:
        self._runtime = runtime

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        runtime = self._runtime
        if path == "/_strongroom/health" and method == "GET":
            if not runtime.ready:
                return not_ready(start_response, "the local runtime is starting")
            return respond(
                start_response,
                "200 OK",
                {"ready": True, "endpoint": runtime.endpoint, "now": runtime.now_iso(), **runtime.counters()},
            )
        routes: dict[tuple[str, str], Callable[[dict[str, Any]], dict[str, Any]]] = {
            ("/_strongroom/clock", "GET"): lambda _: {"now": runtime.now_iso()},
            ("/_strongroom/advance", "POST"): self._advance,
            ("/_strongroom/reset", "POST"): self._reset,
            (MOTO_RESET, "POST"): self._reset,
        }
        known_paths = {p for p, _ in routes}
        handler = routes.get((path, method))
        if handler is None:
            if path in known_paths:
                allowed = ", ".join(m for p, m in routes if p == path)
                message = {"message": f"{path} takes {allowed}"}
                return respond(start_response, "405 Method Not Allowed", message, [("Allow", allowed)])
            return respond(start_response, "404 Not Found", {"message": f"unknown control path {path}"})
        if not runtime.ready:
            return not_ready(start_response, "the local runtime is starting")
        try:
            return respond(start_response, "200 OK", handler(environ))
        except ControlError as refused:
            return respond(start_response, refused.status, {"message": refused.message})

    def _advance(self, environ: dict[str, Any]) -> dict[str, Any]:
        delta = parse_advance(_body(environ))
        fired = self._runtime.advance(delta)
        return {"now": self._runtime.now_iso(), "fired": fired}

    def _reset(self, _environ: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        self._runtime.reset()
        return {"reset": True, "seconds": round(time.perf_counter() - started, 3), "now": self._runtime.now_iso()}


def _body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise ControlError("400 Bad Request", "Content-Length is not a number") from None
    if length < 0 or length > MAX_BODY:
        raise ControlError("413 Content Too Large", f"a control request's body is at most {MAX_BODY} bytes")
    return bytes(environ["wsgi.input"].read(length)) if length else b""
