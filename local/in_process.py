"""The in-process path from Strongroom's own clients to the edge: a botocore `before-send` hook that hands the
signed request to the edge's WSGI application in this thread and returns its answer, instead of a TCP round
trip to the port the same process serves (moto's `mock_aws` stubs botocore the same way).

The request is the one botocore signed for the wire, so the edge sees exactly what it would over HTTP: the same
routing by credential scope, the same SigV4 check on the Backup API, the same moto responses. Only the socket,
the HTTP parsing and the server thread hand-off are gone: about two thirds of a scheduled invocation's time
when every call crossed the socket (docs/performance.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from io import BytesIO
from typing import Any
from urllib.parse import urlsplit

from botocore.awsrequest import AWSPreparedRequest, AWSResponse

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _RawBody(BytesIO):
    """What botocore reads a response body from: `stream()` for streaming outputs, `read()` for the rest."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        while chunk := self.read(65536):
            yield chunk


def _body(request: AWSPreparedRequest) -> bytes:
    body = request.body
    if body is None:
        return b""
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    if isinstance(body, str):
        return body.encode()
    if hasattr(body, "read"):
        data = body.read()
        return data.encode() if isinstance(data, str) else bytes(data)
    return b"".join(body)  # an iterable of chunks


def _environ(request: AWSPreparedRequest, host: str, port: int) -> dict[str, Any]:
    url = urlsplit(request.url)
    body = _body(request)
    raw_uri = url.path + (f"?{url.query}" if url.query else "")
    from urllib.parse import unquote

    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote(url.path, encoding="latin-1") or "/",  # as werkzeug's server decodes it
        "QUERY_STRING": url.query,
        "RAW_URI": raw_uri,
        "REQUEST_URI": raw_uri,
        "SERVER_NAME": host,
        "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "0",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": url.scheme or "http",
        "wsgi.input": BytesIO(body),
        "wsgi.errors": BytesIO(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
    }
    for name, value in request.headers.items():
        text = value.decode() if isinstance(value, bytes) else str(value)
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = text
        elif key != "CONTENT_LENGTH":
            environ[f"HTTP_{key}"] = text
    environ.setdefault("HTTP_HOST", url.netloc)
    return environ


def call(app: WsgiApp, request: AWSPreparedRequest, host: str, port: int) -> AWSResponse:
    """Runs one request through the WSGI app and returns botocore's response for it."""
    answered: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        answered["status"] = int(status.split(" ", 1)[0])
        answered["headers"] = headers
        return lambda _data: None

    chunks = app(_environ(request, host, port), start_response)
    try:
        body = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    headers: dict[str, str] = {}
    for name, value in answered["headers"]:
        headers[name] = value if name not in headers else f"{headers[name]}, {value}"
    return AWSResponse(request.url, answered["status"], headers, _RawBody(body))


def router(app: WsgiApp, endpoint: str) -> Callable[..., AWSResponse | None]:
    """The `before-send` handler: requests to `endpoint` run in process; any other URL goes on the wire."""
    target = urlsplit(endpoint)
    host, port = target.hostname or "127.0.0.1", target.port or 80

    def route(request: AWSPreparedRequest, **_: Any) -> AWSResponse | None:
        url = urlsplit(request.url)
        if url.hostname != host or (url.port or 80) != port:
            return None
        return call(app, request, host, port)

    return route
