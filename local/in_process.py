"""The in-process path from Strongroom's own clients to the edge: a botocore `before-send` hook that hands the
signed request to the edge's WSGI application in this thread and returns its answer, instead of a TCP round
trip to the port the same process serves (moto's `mock_aws` stubs botocore the same way).

The request is the one botocore signed for the wire, so the edge sees exactly what it would over HTTP: the same
routing by credential scope, the same SigV4 check on the Backup API, the same moto responses. Only the socket,
the HTTP parsing and the server thread hand-off are gone: about two thirds of a scheduled invocation's time
when every call crossed the socket (docs/performance.md)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from io import BytesIO
from typing import Any
from urllib.parse import unquote, urlsplit

from botocore.awsrequest import AWSPreparedRequest, AWSResponse

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Shortcut = Callable[[AWSPreparedRequest], AWSResponse | None]

_log = logging.getLogger("strongroom.local.in_process")
# The JSON targets moto's DynamoDB handler answers (DynamoDB Streams and the 2011 API have other handlers).
_DYNAMODB_TARGET = "DynamoDB_20120810."


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


def dynamodb_directly(request: AWSPreparedRequest) -> AWSResponse | None:
    """A DynamoDB request answered by moto's DynamoDB handler itself, as moto's `mock_aws` answers it
    (moto/core/botocore_stubber.py), skipping what only the HTTP path needs: the WSGI environ, moto's dispatcher
    (which reads the service and API version back out of the headers) and Flask's request and response objects.
    That was about a sixth of an API call's CPU (docs/performance.md). The handler, the backend and every patch
    of them are the same, so are the answers (tests/integration/test_in_process_dynamodb.py compares them, errors
    included). None for anything else (DynamoDB Streams, the 2011 API), which takes the WSGI path."""
    target = request.headers.get("X-Amz-Target")
    text = target.decode() if isinstance(target, bytes) else target
    if not text or not text.startswith(_DYNAMODB_TARGET):
        return None
    from botocore.exceptions import ClientError
    from moto.core.request import normalize_request
    from moto.dynamodb.responses import DynamoHandler
    from moto.moto_api import recorder
    from moto.settings import DISABLE_GLOBAL_CORS
    from werkzeug.exceptions import HTTPException, InternalServerError

    normalized = normalize_request(request)
    try:
        recorder._record_request(normalized)  # as moto's Flask view does (a no-op unless recording is on)
        status, headers, body = DynamoHandler.dispatch(normalized, normalized.raw_url, dict(normalized.headers))
    except HTTPException as error:  # what Flask turns into the error's own answer
        status, headers, body = error.code or 500, dict(error.get_headers()), error.get_body()
    except ClientError as error:  # as moto's Flask view answers a ClientError
        status, headers, body = 400, {}, error.response["Error"]["Message"]
    except Exception:  # noqa: BLE001 - Flask answers 500 to a handler's crash: so does this path, never a raise
        _log.exception("moto's DynamoDB handler failed on %s", text)
        failed = InternalServerError()
        status, headers, body = 500, dict(failed.get_headers()), failed.get_body()
    data = body.encode() if isinstance(body, str) else bytes(body or b"")
    answer = {str(name): str(value) for name, value in headers.items()}
    answer["Content-Length"] = str(len(data))
    if not DISABLE_GLOBAL_CORS:
        answer["Access-Control-Allow-Origin"] = "*"  # what moto's server adds to every answer (flask-cors)
    return AWSResponse(request.url, status, answer, _RawBody(data))


def _in_process_authorization(request_signer: Any, when: datetime) -> str:
    """The Authorization header's credential scope, which tells moto the caller's account (by access key) and
    Region, without the signature: nothing on the path to moto checks it (the edge verifies signatures on the
    Backup API only, and moto's emulated services, like the edge, take the scope as it comes)."""
    key = request_signer._credentials.get_frozen_credentials().access_key  # botocore keeps them there
    scope = f"{key}/{when:%Y%m%d}/{request_signer.region_name}/{request_signer.signing_name}/aws4_request"
    return f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host, Signature=in-process"


def caller(shortcut: Shortcut, endpoint: str) -> Callable[..., tuple[AWSResponse, dict[str, Any]] | None]:
    """A `before-call` handler for Strongroom's own clients in the local runtime: a DynamoDB call to `endpoint`
    is answered by `shortcut` (the edge's: moto's DynamoDB handler) right after botocore has validated and
    serialized it, and parsed by botocore's own parser, without what only a wire needs: signing the request
    (an HMAC chain per call), preparing it for urllib3, the retry and CRC32 checks of a network answer. That
    was about half the CPU of a DynamoDB call (docs/performance.md). The answer, its errors included, is the one
    the `before-send` path parses (tests/integration/test_in_process_dynamodb.py). None leaves the call to
    botocore (any other service, any other URL, a request the shortcut declines)."""
    from botocore.awsrequest import create_request_object
    from botocore.endpoint import convert_to_response_dict
    from botocore.parsers import create_parser

    target = urlsplit(endpoint)
    host, port = target.hostname or "127.0.0.1", target.port or 80
    parsers: dict[str, Any] = {}

    def answer(model: Any, params: dict[str, Any], request_signer: Any, **_: Any) -> Any:
        if model.service_model.signing_name != "dynamodb" or model.has_streaming_output:
            return None
        url = urlsplit(params["url"])
        if url.hostname != host or (url.port or 80) != port:
            return None
        request = create_request_object(params)
        request.headers["Authorization"] = _in_process_authorization(request_signer, datetime.now(UTC))
        response = shortcut(request.prepare())
        if response is None:
            return None
        protocol = model.service_model.resolved_protocol
        parser = parsers.get(protocol) or parsers.setdefault(protocol, create_parser(protocol))
        answered = convert_to_response_dict(response, model)
        parsed = parser.parse(answered, model.output_shape)
        code = parsed.get("Error", {}).get("Code") if response.status_code >= 300 else None
        error_shape = model.service_model.shape_for_error_code(code) if code else None
        if error_shape is not None:  # the error's modeled members, as botocore's endpoint adds them
            parsed.update(parser.parse(answered, error_shape))
        if "ResponseMetadata" in parsed:
            parsed["ResponseMetadata"]["RetryAttempts"] = 0  # as botocore's endpoint adds it
        return response, parsed

    return answer


def router(app: WsgiApp, endpoint: str, shortcut: Shortcut | None = None) -> Callable[..., AWSResponse | None]:
    """The `before-send` handler: requests to `endpoint` run in process; any other URL goes on the wire.
    `shortcut(request)` answers first when it can (the edge's `shortcut`); None leaves the request to `app`."""
    target = urlsplit(endpoint)
    host, port = target.hostname or "127.0.0.1", target.port or 80

    def route(request: AWSPreparedRequest, **_: Any) -> AWSResponse | None:
        url = urlsplit(request.url)
        if url.hostname != host or (url.port or 80) != port:
            return None
        if shortcut is not None and (answered := shortcut(request)) is not None:
            return answered
        return call(app, request, host, port)

    return route
