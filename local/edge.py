"""One endpoint for everything: a request whose SigV4 credential scope names the service `backup` goes to
Strongroom's API; `/_strongroom/...` is the local runtime's own control (the virtual clock); everything
else goes to moto."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from local.clock import VirtualClock

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def signed_service(environ: dict[str, Any]) -> str | None:
    match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return match.group(1) if match else None


def _json(
    start_response: Callable[..., Any], status: str, body: dict[str, Any], headers: list[tuple[str, str]] | None = None
) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *(headers or [])])
    return [data]


@functools.cache
def _moto_services() -> frozenset[str]:
    """The signing names moto answers for: a request signed for one of them is that service's, whatever its path
    (S3 paths are bucket names; EKS also has /tags/{arn})."""
    from moto.backends import ALT_SERVICE_NAMES, list_of_moto_modules
    from moto.moto_server.werkzeug_app import SIGNING_ALIASES

    return frozenset(list_of_moto_modules()) | set(ALT_SERVICE_NAMES) | set(SIGNING_ALIASES)


def _is_api_request(environ: dict[str, Any], service: str | None) -> bool:
    """Strongroom's when signed for `backup`; when unsigned or signed for `execute-api` (a deployed Strongroom's
    clients) or for a service nothing here emulates, on an AWS Backup route, so that its SigV4 check answers
    the 403 API Gateway would (credential scope, missing token) rather than moto a 500."""
    if service == "backup":
        return True
    if service in (None, "execute-api") or service not in _moto_services():
        return _is_backup_route(environ, service)
    return False


def _is_backup_route(environ: dict[str, Any], service: str | None) -> bool:
    if service is None and "X-Amz-Signature" in environ.get("QUERY_STRING", ""):
        return False
    from lambdas.api.protocol import match
    from lambdas.domain.errors import BackupError

    try:
        match(environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/"))
    except BackupError:
        return False
    return True


class EdgeApp:
    def __init__(
        self, moto_app: WsgiApp, backup_app: WsgiApp, clock: VirtualClock, on_advance: Callable[[], None]
    ) -> None:
        self._moto = moto_app
        self._backup = backup_app
        self._clock = clock
        self._on_advance = on_advance
        self.ready = False  # the runtime sets it once Strongroom is bootstrapped on the emulator

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_strongroom/"):
            return self._control(environ, start_response, path)
        service = signed_service(environ)
        # `execute-api` is how clients sign for a deployed Strongroom (clients/strongroom_backup.py).
        if _is_api_request(environ, service):
            # An unsigned call to an AWS Backup route is Strongroom's to refuse (403), not S3's to misread.
            return self._backup(environ, start_response)
        return self._moto(environ, start_response)

    def _control(self, environ: dict[str, Any], start_response: Callable[..., Any], path: str) -> list[bytes]:
        if not self.ready:
            return _json(start_response, "503 Service Unavailable", {"message": "the local runtime is starting"})
        if path == "/_strongroom/clock" and environ["REQUEST_METHOD"] == "GET":
            return _json(start_response, "200 OK", {"now": self._clock.now().isoformat()})
        if path == "/_strongroom/advance" and environ["REQUEST_METHOD"] == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
            delta = timedelta(
                days=float(body.get("days", 0)),
                hours=float(body.get("hours", 0)),
                minutes=float(body.get("minutes", 0)),
            )
            self._clock.advance(delta)
            self._on_advance()
            return _json(start_response, "200 OK", {"now": self._clock.now().isoformat()})
        return _json(start_response, "404 Not Found", {"message": f"unknown control path {path}"})
