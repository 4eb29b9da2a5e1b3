"""One endpoint for everything: a request whose SigV4 credential scope names the service `backup` goes to
Strongroom's API; `/_strongroom/...` is the local runtime's own control (local/control.py: health, the
virtual clock, reset); everything else goes to moto."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import Any

from local.control import MOTO_RESET, not_ready

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def signed_service(environ: dict[str, Any]) -> str | None:
    match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return match.group(1) if match else None


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
    def __init__(self, moto_app: WsgiApp, backup_app: WsgiApp, control_app: WsgiApp) -> None:
        self._moto = moto_app
        self._backup = backup_app
        self._control = control_app  # local/control.py
        # The runtime sets it once Strongroom is bootstrapped on the emulator (and clears it while it resets):
        # until then the Backup API answers 503 with Retry-After, while moto, which the bootstrap uses, answers.
        self.ready = False
        self.writes = 0  # requests that may have changed state: when it moves, `serve --state-dir` saves
        # Signed service -> the stand-in answering it where moto has nothing or too little (stand_in_services.py)
        self.stand_ins: dict[str, WsgiApp] = {}
        self.console: WsgiApp | None = None  # the web console's static files (local/console_site.py)

    def shortcut(self, request: Any) -> Any:
        """For the in-process path (local/in_process.py): the answer of moto's own handler to a signed request
        this edge would hand to moto, without the WSGI round trip; None when the request takes the WSGI path.
        Only DynamoDB has a shortcut (most of Strongroom's calls): a stand-in for it would take precedence."""
        from local.in_process import dynamodb_directly

        authorization = request.headers.get("Authorization") or b""
        text = authorization.decode() if isinstance(authorization, bytes) else authorization
        match = _SCOPE.search(text)
        if match is None or match.group(1) != "dynamodb" or "dynamodb" in self.stand_ins:
            return None
        answer = dynamodb_directly(request)
        if answer is not None and request.method not in ("GET", "HEAD"):
            self.writes += 1  # as __call__ counts it: `serve --state-dir` saves when this moves
        return answer

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_strongroom/") or path == MOTO_RESET:
            return self._control(environ, start_response)
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            self.writes += 1
        service = signed_service(environ)
        console = self._console_for(environ, service)
        if console is not None:
            return console(environ, start_response)
        # `execute-api` is how clients sign for a deployed Strongroom (clients/strongroom_backup.py).
        if _is_api_request(environ, service):
            if not self.ready:
                return not_ready(start_response, "Strongroom is starting: retry after the Retry-After seconds")
            # An unsigned call to an AWS Backup route is Strongroom's to refuse (403), not S3's to misread.
            return self._backup(environ, start_response)
        if service in self.stand_ins:
            return self.stand_ins[service](environ, start_response)
        return self._moto(environ, start_response)

    def _console_for(self, environ: dict[str, Any], service: str | None) -> WsgiApp | None:
        """An unsigned request under /console/ is a browser loading the console; a signed or presigned one stays
        the service's (an S3 bucket may be called `console`)."""
        from local.console_site import is_console_path

        if service is not None or "X-Amz-Signature" in environ.get("QUERY_STRING", ""):
            return None
        return self.console if is_console_path(environ.get("PATH_INFO", "")) else None
