"""The stand-ins for what the emulator lacks, served at the edge as the services themselves would answer: a
request signed for `storagegateway` goes to the in-memory Storage Gateway (local/fakes/storagegateway/), one
signed for `fsx` to moto's FSx with its gaps filled (local/fakes/fsx/). Both services speak AWS's JSON 1.1
protocol: the operation is named by the X-Amz-Target header, the input is the JSON body, the output is JSON and
an error is `{"__type": code, "message": ...}` with its modeled members (Storage Gateway's `error.errorCode`).

So `aws storagegateway ...`, boto3's `storagegateway` client and Strongroom's own adapters all reach the same
gateways, through the endpoint, as they would reach AWS."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from botocore import xform_name
from botocore.exceptions import ClientError, ParamValidationError

# (region) -> the object answering the service's operations as boto3's client methods would
Clients = Callable[[str], Any]


def _plain(value: Any) -> Any:
    """A response as JSON carries it: timestamps as epoch seconds, blobs as base64."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _region(environ: dict[str, Any], default: str) -> str:
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    try:
        return authorization.split("Credential=", 1)[1].split("/")[2]
    except IndexError:
        return default


class JsonStandIn:
    """A WSGI app answering one JSON-protocol service with `clients(region)`'s methods."""

    def __init__(self, clients: Clients, default_region: str) -> None:
        self._clients = clients
        self._default_region = default_region

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        operation = target.rpartition(".")[2]
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length) if length else b""
            params = json.loads(raw or b"{}")
            if not operation or not isinstance(params, dict):
                raise ValueError("expected X-Amz-Target and a JSON object")
        except (ValueError, UnicodeDecodeError) as error:
            return self._error(start_response, 400, {"__type": "SerializationException", "message": str(error)})
        client = self._clients(_region(environ, self._default_region))
        method = getattr(client, xform_name(operation), None)
        if method is None:
            message = f"{operation} is not emulated by the local runtime"
            return self._error(start_response, 400, {"__type": "UnknownOperationException", "message": message})
        try:
            answer = method(**params)
        except ClientError as error:
            response = error.response
            body = {k: v for k, v in response.items() if k not in ("Error", "ResponseMetadata")}
            body |= {"__type": response["Error"]["Code"], "message": response["Error"].get("Message", "")}
            status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 400)
            return self._error(start_response, status, body)
        except (ParamValidationError, TypeError) as error:
            return self._error(start_response, 400, {"__type": "ValidationException", "message": str(error)})
        data = json.dumps(_plain(answer)).encode()
        start_response("200 OK", [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(data)))])
        return [data]

    @staticmethod
    def _error(start_response: Callable[..., Any], status: int, body: dict[str, Any]) -> list[bytes]:
        from http import HTTPStatus

        data = json.dumps(body).encode()
        start_response(
            f"{status} {HTTPStatus(status).phrase}",
            [
                ("Content-Type", "application/x-amz-json-1.1"),
                ("x-amzn-ErrorType", str(body.get("__type"))),
                ("Content-Length", str(len(data))),
            ],
        )
        return [data]
