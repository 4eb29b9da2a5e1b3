"""Turns one request member from the wire into its model type, checking it against its botocore shape as
AWS's front end does before an operation runs: JSON types, required members at every depth, integer and
length bounds, patterns and enums. Anything else is refused with a message naming the member and saying
what was wrong, so no malformed value ever reaches an operation (and no operation can fail on one).

Values in the path, the query string and headers arrive as text and are converted; values in the JSON
body must already have the member's JSON type (a string is not a number, "true" is not a boolean)."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from botocore.model import Shape

from lambdas.domain.errors import InvalidParameterValueException, MissingParameterValueException

# The ranges of the Java types behind the model's integer and long.
_INTEGER_RANGE = (-(2**31), 2**31 - 1)
_LONG_RANGE = (-(2**63), 2**63 - 1)
_DIGITS = re.compile(r"-?\d{1,20}")
_EPOCH = re.compile(r"-?\d{1,15}(\.\d{1,9})?")


class InvalidMember(InvalidParameterValueException):
    """A value that fails its shape; the dispatcher gives it the operation's own validation error name."""


def _refuse(path: str, value: Any, constraint: str) -> InvalidMember:
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return InvalidMember(
        f"1 validation error detected: Value {shown} at '{path}' failed to satisfy constraint: {constraint}"
    )


@lru_cache(maxsize=512)
def _pattern(text: str) -> re.Pattern[str] | None:
    try:
        return re.compile(text)
    except re.error:  # a Java-only construct: the pattern cannot be checked here, the operation still is
        return None


def _length_bounds(shape: Shape, path: str, value: Any, size: int, unit: str) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and size < low:
        raise _refuse(path, value, f"Member must have {unit} greater than or equal to {low}")
    if high is not None and size > high:
        raise _refuse(path, value, f"Member must have {unit} less than or equal to {high}")


def _string(shape: Shape, value: Any, path: str, in_body: bool) -> str:
    if not isinstance(value, str):
        raise _refuse(path, value, "Member must be a string")
    allowed = shape.metadata.get("enum")
    # botocore does not check enum values on the client side, so the service must (as AWS does).
    if allowed and value not in allowed:
        raise _refuse(path, value, f"Member must satisfy enum value set: [{', '.join(allowed)}]")
    _length_bounds(shape, path, value, len(value), "length")
    pattern = shape.metadata.get("pattern")
    compiled = _pattern(pattern) if pattern else None
    if compiled is not None and not compiled.search(value):
        raise _refuse(path, value, f"Member must satisfy regular expression pattern: {pattern}")
    return value


def _integer(shape: Shape, value: Any, path: str, in_body: bool) -> int:
    if in_body:
        # bool is an int in Python, and 1.0, NaN, Infinity and 1e400 are floats: none is a JSON integer.
        if isinstance(value, bool) or not isinstance(value, int):
            raise _refuse(path, value, "Member must be an integer")
        number = value
    else:
        if not isinstance(value, str) or not _DIGITS.fullmatch(value):
            raise _refuse(path, value, "Member must be an integer")
        number = int(value)
    low, high = _LONG_RANGE if shape.type_name == "long" else _INTEGER_RANGE
    if not low <= number <= high:
        raise _refuse(path, value, f"Member must be a {shape.type_name} between {low} and {high}")
    bottom, top = shape.metadata.get("min"), shape.metadata.get("max")
    if bottom is not None and number < bottom:
        raise _refuse(path, value, f"Member must have value greater than or equal to {bottom}")
    if top is not None and number > top:
        raise _refuse(path, value, f"Member must have value less than or equal to {top}")
    return number


def _number(shape: Shape, value: Any, path: str, in_body: bool) -> float:
    if in_body and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise _refuse(path, value, "Member must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _refuse(path, value, "Member must be a number") from None
    if not math.isfinite(number):
        raise _refuse(path, value, "Member must be a finite number")
    return number


def _boolean(shape: Shape, value: Any, path: str, in_body: bool) -> bool:
    if isinstance(value, bool):
        return value
    if not in_body and value in ("true", "false"):
        return bool(value == "true")
    raise _refuse(path, value, "Member must be a boolean (true or false)")


def _timestamp(shape: Shape, value: Any, path: str, in_body: bool) -> datetime:
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, tz=UTC)
        if isinstance(value, str):
            if _EPOCH.fullmatch(value):
                return datetime.fromtimestamp(float(value), tz=UTC)
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        # a year past 9999, NaN, Infinity, a date that does not exist: none is a time AWS can hold
        pass
    raise _refuse(path, value, "Member must be a timestamp between years 1 and 9999 (ISO 8601 or epoch seconds)")


_SCALARS = {
    "string": _string,
    "integer": _integer,
    "long": _integer,
    "float": _number,
    "double": _number,
    "boolean": _boolean,
    "timestamp": _timestamp,
}


def check_required(shape: Shape, value: dict[str, Any], path: str) -> None:
    for name in shape.required_members:
        if value.get(name) in (None, ""):
            raise MissingParameterValueException(f"Missing required parameter: {path}{name}")


def convert(shape: Shape, value: Any, path: str, in_body: bool = True) -> Any:
    """The member's value in its model type, or InvalidMember / MissingParameterValueException."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise _refuse(path, value, "Member must be an object")
        members = shape.members
        # Members the model does not know are ignored, as AWS's JSON protocol ignores them.
        converted = {
            name: convert(members[name], item, f"{path}.{name}")
            for name, item in value.items()
            if name in members and item is not None
        }
        check_required(shape, converted, f"{path}.")
        return converted
    if kind == "list":
        if not isinstance(value, list):
            raise _refuse(path, value, "Member must be a list")
        _length_bounds(shape, path, value, len(value), "length")
        return [convert(shape.member, item, f"{path}.{index}", in_body) for index, item in enumerate(value)]
    if kind == "map":
        if not isinstance(value, dict):
            raise _refuse(path, value, "Member must be an object (a map)")
        _length_bounds(shape, path, value, len(value), "length")
        return {
            _string(shape.key, key, f"{path}.key", True): convert(shape.value, item, f"{path}.{key}")
            for key, item in value.items()
        }
    check = _SCALARS.get(kind)
    if check is None:
        raise _refuse(path, value, f"Strongroom cannot read a member of type {kind}")
    return check(shape, value, path, in_body)
