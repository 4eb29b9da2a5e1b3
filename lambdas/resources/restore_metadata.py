"""Restore metadata as AWS Backup reads it: keys are not case sensitive, the caller's overrides come after the
recorded keys, flags are true or false, lists are JSON lists of strings. Any adapter's restore reads it so."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from lambdas.domain.errors import InvalidParameterValueException


def metadata_value(metadata: dict[str, str], key: str) -> str | None:
    """Restore metadata keys are not case sensitive (as in AWS Backup); the caller's overrides come after
    the recorded keys, so the last matching key wins."""
    found = None
    wanted = key.lower()
    for name, value in metadata.items():
        if name.lower() == wanted:
            found = value
    return found


def flag(metadata: dict[str, str], key: str) -> bool | None:
    raw = metadata_value(metadata, key)
    if raw is None or raw == "":
        return None
    if raw.lower() not in ("true", "false"):
        raise InvalidParameterValueException(f"Restore metadata {key} must be true or false, got {raw!r}")
    return raw.lower() == "true"


def json_value(metadata: dict[str, str], key: str, valid: Callable[[Any], bool], expected: str) -> Any:
    """A key whose value is JSON (a list of security groups, a placement object): the parsed value, None when the
    key is absent or empty, and InvalidParameterValueException, saying what was `expected`, when it is not JSON
    or `valid` refuses it."""
    raw = metadata_value(metadata, key)
    if raw is None or raw == "":
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if value is None or not valid(value):
        raise InvalidParameterValueException(f"Restore metadata {key} must be {expected}, got {raw!r}")
    return value


def json_list(metadata: dict[str, str], key: str) -> list[str] | None:
    value: list[str] | None = json_value(
        metadata,
        key,
        lambda value: isinstance(value, list) and all(isinstance(item, str) for item in value),
        'a JSON list of strings, such as ["sg-0123456789abcdef0"]',
    )
    return value


def refuse_unknown_keys(metadata: dict[str, str], known: tuple[str, ...], resource_type: str) -> None:
    """A key the restore would not carry out is refused, never accepted and ignored."""
    accepted = {key.lower() for key in known}
    unknown = sorted(key for key in metadata if key.lower() not in accepted)
    if unknown:
        raise InvalidParameterValueException(
            f"Restore metadata {', '.join(unknown)} is not supported for {resource_type}; "
            f"supported keys: {', '.join(known)}"
        )
