"""The web console's static files at /console/ on the edge, as a deployment's CloudFront would host them: the files
`make console` builds into console/dist (docs/console.md), plus /console/config.json, which tells the page the
Region, that it is local (so it shows the virtual clock) and the local credentials to pre-fill at sign-in."""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

PREFIX = "/console"
DIST = Path(__file__).resolve().parents[1] / "console" / "dist"
_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".map": "application/json"}


def is_console_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


class ConsoleSite:
    def __init__(self, config: dict[str, Any], dist: Path = DIST) -> None:
        self._config = json.dumps(config).encode()
        self._dist = dist.resolve()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _answer(start_response, "405 Method Not Allowed", b"the console is read-only", "text/plain")
        if path == PREFIX:  # relative links (app.js, config.json) need the trailing slash
            start_response("301 Moved Permanently", [("Location", PREFIX + "/"), ("Content-Length", "0")])
            return [b""]
        relative = path[len(PREFIX) + 1 :] or "index.html"
        if relative == "config.json":
            return _answer(start_response, "200 OK", self._config, "application/json")
        file = (self._dist / relative).resolve()
        if not file.is_relative_to(self._dist) or not file.is_file():
            if not (self._dist / "index.html").is_file():
                message = b"the console is not built: run `make console` (docs/console.md)"
                return _answer(start_response, "404 Not Found", message, "text/plain")
            return _answer(start_response, "404 Not Found", f"no {relative} in the console".encode(), "text/plain")
        kind = _TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        return _answer(start_response, "200 OK", file.read_bytes(), kind)


def _answer(start_response: Callable[..., Any], status: str, body: bytes, kind: str) -> list[bytes]:
    # no-cache: a rebuilt console shows at the next load, as a deployment invalidates CloudFront's copy
    start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body))), ("Cache-Control", "no-cache")])
    return [body]
