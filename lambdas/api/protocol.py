"""AWS Backup's wire protocol (rest-json), driven by botocore's own model of the service, so routes,
locations, types and error shapes are the ones the AWS CLI and boto3 use: no hand-written route table.

parse(method, raw_path, query, headers, body) -> (operation name, input dict with model types)
render(operation name, output dict) -> (status, headers, body)
render_error(error) -> (status, headers, body), with x-amzn-ErrorType as botocore expects it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from botocore.model import OperationModel, ServiceModel, Shape

from lambdas.api import wire_input
from lambdas.domain.errors import (
    BackupError,
    InvalidActionException,
    InvalidParameterValueException,
    ResourceNotFoundException,
)

Response = tuple[int, dict[str, str], str]


# botocore's model of the `backup` service as the tests run it (botocore pinned in requirements.txt), shipped
# with the function: the Lambda runtime's own botocore is older, and would route, validate and name errors
# differently from what is tested. tests/unit/test_vendored_model.py keeps the two equal.
MODEL_PATH = Path(__file__).parent / "model" / "backup-2018-11-15.json"


@lru_cache(maxsize=1)
def service_model() -> ServiceModel:
    return ServiceModel(json.loads(MODEL_PATH.read_text(encoding="utf-8")), service_name="backup")


@dataclass(frozen=True)
class Route:
    operation: str
    method: str
    strict: re.Pattern[str]  # on the raw path: a parameter is one encoded segment
    loose: re.Pattern[str]  # on a decoded path: a parameter may hold slashes (ARNs)
    literal_length: int


def _route(operation: OperationModel) -> Route:
    uri = operation.http["requestUri"].split("?")[0]
    strict, loose, literal = "", "", 0
    for part in re.split(r"(\{[^}]+\})", uri):
        if part.startswith("{"):
            name = re.sub(r"\W", "_", part.strip("{}+"))
            strict += f"(?P<{name}>[^/]+)"
            loose += f"(?P<{name}>.+?)"
        else:
            literal += len(part)
            escaped = re.escape(part.rstrip("/")) + ("/?" if part.endswith("/") else "")
            strict += escaped
            loose += escaped
    return Route(
        operation.name,
        operation.http["method"],
        re.compile(f"^{strict}/?$"),
        re.compile(f"^{loose}/?$"),
        literal,
    )


@lru_cache(maxsize=1)
def routes() -> list[Route]:
    model = service_model()
    found = [_route(model.operation_model(name)) for name in model.operation_names]
    # The most specific route first: more literal characters beat fewer (/backup-jobs/summaries before {id}).
    return sorted(found, key=lambda r: -r.literal_length)


def match(method: str, raw_path: str) -> tuple[str, dict[str, str]]:
    decoded = unquote(raw_path)
    for pattern_of, path in (("strict", raw_path), ("loose", decoded)):
        for route in routes():
            if route.method != method:
                continue
            found = getattr(route, pattern_of).match(path)
            if found:
                return route.operation, {k: unquote(v) for k, v in found.groupdict().items()}
    raise ResourceNotFoundException(f"No AWS Backup operation answers {method} {decoded}")


def _allowed_methods(raw_path: str) -> list[str]:
    decoded = unquote(raw_path)
    return sorted({route.method for route in routes() if route.strict.match(raw_path) or route.loose.match(decoded)})


def _no_operation(method: str, raw_path: str) -> InvalidActionException:
    decoded = unquote(raw_path)
    methods = _allowed_methods(raw_path)
    if methods:
        return InvalidActionException(
            f"No AWS Backup operation answers {method} {decoded}: this path takes {', '.join(methods)}"
        )
    return InvalidActionException(f"No AWS Backup operation answers {method} {decoded}")


def _refuse_constant(name: str) -> Any:
    raise InvalidParameterValueException(f"The request body is not valid JSON: {name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise InvalidParameterValueException(f"The request body is not valid JSON: {text} is out of range")
    return number


def read_body(body: str | bytes | None) -> dict[str, Any]:
    """The JSON object of the body. Bytes must be UTF-8; NaN and Infinity are not JSON, a number too large for
    a double is refused, and so is nesting deeper than the parser's stack (AWS's parser has a depth limit too)."""
    if not body:
        return {}
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidParameterValueException(
                f"The request body is not UTF-8 text (byte {error.start} is {body[error.start]:#04x})"
            ) from None
    try:
        payload = json.loads(body, parse_constant=_refuse_constant, parse_float=_finite)
    except RecursionError:
        raise InvalidParameterValueException("The request body is nested too deeply to be read") from None
    except ValueError as error:  # JSONDecodeError, and integers longer than Python will read
        reason = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        raise InvalidParameterValueException(f"The request body is not valid JSON: {reason}") from None
    if not isinstance(payload, dict):
        raise InvalidParameterValueException("The request body must be a JSON object")
    return payload


def route(method: str, raw_path: str) -> tuple[str, dict[str, str]]:
    """The operation a request names, and its path parameters; InvalidAction when it names none."""
    try:
        return match(method, raw_path)
    except ResourceNotFoundException:
        raise _no_operation(method, raw_path) from None


def read_input(
    operation_name: str,
    path_params: dict[str, str],
    query: dict[str, list[str]],
    headers: dict[str, str],
    body: str | bytes | None,
) -> dict[str, Any]:
    """The operation's input, every member checked against its shape (see wire_input)."""
    shape = service_model().operation_model(operation_name).input_shape
    if shape is None:
        return {}
    payload = read_body(body)
    lowered = {k.lower(): v for k, v in headers.items()}
    raw: dict[str, Any] = {}
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if location == "uri":
            value: Any = path_params.get(re.sub(r"\W", "_", wire_name))
        elif location == "querystring":
            values = query.get(wire_name)
            value = None if not values else (values if member.type_name == "list" else values[0])
        elif location == "header":
            value = lowered.get(wire_name.lower())
        else:
            value = payload.get(name)
        if value is not None:
            raw[name] = wire_input.convert(member, value, name, in_body=location is None)
    wire_input.check_required(shape, raw, "")
    return raw


def parse(
    method: str, raw_path: str, query: dict[str, list[str]], headers: dict[str, str], body: str | bytes | None
) -> tuple[str, dict[str, Any]]:
    operation_name, path_params = route(method, raw_path)
    return operation_name, read_input(operation_name, path_params, query, headers, body)


def to_wire(shape: Shape, value: Any) -> Any:
    kind = shape.type_name
    if value is None:
        return None
    if kind == "structure":
        members = shape.members
        out = {}
        for name, member in members.items():
            if name in value and value[name] is not None:
                out[name] = to_wire(member, value[name])
        return out
    if kind == "list":
        return [to_wire(shape.member, item) for item in value]
    if kind == "map":
        return {k: to_wire(shape.value, v) for k, v in value.items()}
    if kind == "timestamp":
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return moment.timestamp()
    if kind in ("integer", "long"):
        return int(value)
    if kind == "boolean":
        return bool(value)
    if kind == "string" and hasattr(value, "value"):
        return value.value  # enums
    return value


def render(operation_name: str, output: dict[str, Any]) -> Response:
    operation = service_model().operation_model(operation_name)
    status = int(operation.http.get("responseCode", 200))
    shape = operation.output_shape
    headers = {"Content-Type": "application/json"}
    if shape is None:
        return status, headers, "{}"
    body: dict[str, Any] = {}
    for name, member in shape.members.items():
        if output.get(name) is None:
            continue
        if member.serialization.get("location") == "header":
            headers[member.serialization["name"]] = str(to_wire(member, output[name]))
        else:
            body[name] = to_wire(member, output[name])
    return status, headers, json.dumps(body)


def render_error(error: BackupError) -> Response:
    body = {"__type": error.code, "Code": error.code, "Message": error.message, "message": error.message}
    return (
        error.http_status,
        {"Content-Type": "application/json", "x-amzn-ErrorType": error.code},
        json.dumps(body),
    )
