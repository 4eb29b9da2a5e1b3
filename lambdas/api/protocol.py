"""AWS Backup's wire protocol (rest-json), driven by botocore's own model of the service, so routes,
locations, types and error shapes are the ones the AWS CLI and boto3 use: no hand-written route table.

parse(method, raw_path, query, headers, body) -> (operation name, input dict with model types)
render(operation name, output dict) -> (status, headers, body)
render_error(error) -> (status, headers, body), with x-amzn-ErrorType as botocore expects it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from botocore.model import OperationModel, ServiceModel, Shape

from lambdas.domain.errors import (
    BackupError,
    InvalidParameterValueException,
    MissingParameterValueException,
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


def _scalar(shape: Shape, value: Any, location: str | None) -> Any:
    kind = shape.type_name
    allowed = getattr(shape, "enum", None)
    # botocore does not check enum values on the client side, so the service must (as AWS does).
    if allowed and value not in allowed:
        raise InvalidParameterValueException(f"{value!r} is not one of: {', '.join(allowed)}")
    if kind == "timestamp":
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value, tz=UTC)
        text = str(value)
        if re.fullmatch(r"\d+(\.\d+)?", text):
            return datetime.fromtimestamp(float(text), tz=UTC)
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidParameterValueException(f"Invalid timestamp {text!r}") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if kind in ("integer", "long"):
        try:
            return int(value)
        except (TypeError, ValueError):
            raise InvalidParameterValueException(f"Invalid integer {value!r}") from None
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        return str(value).lower() == "true"
    if kind in ("float", "double"):
        try:
            return float(value)
        except (TypeError, ValueError):
            raise InvalidParameterValueException(f"Invalid number {value!r}") from None
    return value


def from_wire(shape: Shape, value: Any, location: str | None = None) -> Any:
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise InvalidParameterValueException(f"Expected an object for {shape.name}")
        members = shape.members
        return {k: from_wire(members[k], v) for k, v in value.items() if k in members and v is not None}
    if kind == "list":
        items = value if isinstance(value, list) else [value]
        return [from_wire(shape.member, item, location) for item in items]
    if kind == "map":
        if not isinstance(value, dict):
            raise InvalidParameterValueException(f"Expected an object of {shape.name}")
        return {k: from_wire(shape.value, v) for k, v in value.items()}
    return _scalar(shape, value, location)


def _check_required(shape: Shape, value: dict[str, Any], path: str = "") -> None:
    for name in shape.required_members:
        if value.get(name) in (None, ""):
            raise MissingParameterValueException(f"Missing required parameter: {path}{name}")
    for name, member in shape.members.items():
        if member.type_name == "structure" and isinstance(value.get(name), dict):
            _check_required(member, value[name], f"{path}{name}.")


def parse(
    method: str, raw_path: str, query: dict[str, list[str]], headers: dict[str, str], body: str | None
) -> tuple[str, dict[str, Any]]:
    operation_name, path_params = match(method, raw_path)
    operation = service_model().operation_model(operation_name)
    shape = operation.input_shape
    if shape is None:
        return operation_name, {}
    try:
        payload = json.loads(body) if body else {}
    except json.JSONDecodeError:
        raise InvalidParameterValueException("The request body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise InvalidParameterValueException("The request body must be a JSON object")
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
            try:
                raw[name] = from_wire(member, value, location)
            except InvalidParameterValueException as error:
                raise InvalidParameterValueException(f"Invalid value for {name}: {error.message}") from None
    _check_required(shape, raw)
    return operation_name, raw


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
