"""Hypothesis strategies that make requests from botocore's own shapes of the `backup` model: values that fit
the shape (patterns, enums, bounds), values just outside it, values of the wrong JSON type, and names of
objects that exist, so fuzzed requests reach the operations' code and not only the protocol's refusals.

Also the rule every answer must keep: never a 5xx, and every error code one the operation's model lists or
one AWS sends on every operation."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from botocore.model import Shape
from hypothesis import strategies as st

from lambdas.api.error_codes import allowed

# Values of every JSON type, and the ones the fuzz run of issue #12 found crashing the API.
WRONG_TYPES = st.sampled_from(
    ["notalist", "", -1, 0, 2**31, 10**30, 1.5, True, False, {"a": 1}, [1, "x"], [], {}, "1e400", "Infinity"]
)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=24)


def _pattern(shape: Shape) -> st.SearchStrategy[str] | None:
    pattern = shape.metadata.get("pattern")
    if not pattern:
        return None
    try:
        re.compile(pattern)
    except re.error:
        return None
    return st.from_regex(pattern, fullmatch=True)


def for_shape(shape: Shape, known: Sequence[str], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values for one shape: mostly fitting, sometimes not, sometimes of another type altogether."""
    kind = shape.type_name
    proper: st.SearchStrategy[Any]
    if kind == "structure":
        if depth > 5:
            return st.just({})
        members = shape.members
        required = set(shape.required_members)
        proper = st.fixed_dictionaries(
            {name: for_shape(members[name], known, depth + 1) for name in members if name in required},
            optional={name: for_shape(members[name], known, depth + 1) for name in members if name not in required},
        )
    elif kind == "list":
        proper = st.lists(for_shape(shape.member, known, depth + 1), max_size=3)
    elif kind == "map":
        proper = st.dictionaries(TEXT, for_shape(shape.value, known, depth + 1), max_size=3)
    elif kind == "string":
        choices: list[st.SearchStrategy[Any]] = [st.sampled_from(list(known)), TEXT]
        if shape.enum:
            choices.insert(0, st.sampled_from(list(shape.enum)))
        fitting = _pattern(shape)
        if fitting is not None:
            choices.insert(0, fitting)
        proper = st.one_of(*choices)
    elif kind in ("integer", "long"):
        low, high = shape.metadata.get("min", 0), shape.metadata.get("max", 40_000)
        proper = st.one_of(st.integers(low - 2, high + 2), st.integers(-(2**64), 2**64))
    elif kind == "boolean":
        proper = st.booleans()
    elif kind == "timestamp":
        proper = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC))
    elif kind in ("float", "double"):
        proper = st.floats(allow_nan=False, allow_infinity=False)
    else:
        proper = TEXT
    return st.one_of(proper, WRONG_TYPES) if depth > 0 else proper


# Raw bodies that are not what a client library would ever send.
NASTY_BODIES: list[bytes] = [
    b"\xff\xfe\x00garbage",
    b'{"BackupVaultName": "\xc3\x28"}',
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    b'{"MaxResults": NaN}',
    b'{"MaxResults": Infinity, "MinRetentionDays": -Infinity}',
    b'{"MaxResults": 1e400, "MinRetentionDays": 1e400}',
    b'{"Lifecycle": {"DeleteAfterDays": 1000000000000000000000000000000}}',
    b'{"MaxResults": 1' + b"0" * 5000 + b"}",
    b'{"Policy": {"Version": "2012-10-17"}, "BackupPlanTemplateJson": {"a": 1}}',
    b'{"Policy": "' + b'{\\"a\\":' * 5000 + b"1" + b"}" * 5000 + b'"}',
    b'"just a string"',
    b"null",
    b"",
]


def nasty_body(op_input: Shape | None) -> st.SearchStrategy[bytes]:
    """A body that is broken JSON, or valid JSON with each member of the wrong type."""
    wrong: list[st.SearchStrategy[bytes]] = [st.sampled_from(NASTY_BODIES)]
    if op_input is not None and op_input.members:
        names = list(op_input.members)
        wrong.append(
            st.dictionaries(st.sampled_from(names), WRONG_TYPES, min_size=1, max_size=4).map(
                lambda body: json.dumps(body).encode()
            )
        )
    return st.one_of(*wrong)


def check_answer(operation: str, status: int, code: str | None, message: str) -> None:
    """The property: no 5xx, and every refusal names an error the caller's SDK knows for this operation."""
    assert status < 500, f"{operation} answered {status} {code}: {message}"
    if status >= 400:
        assert code, f"{operation} answered {status} with no AWS error code: {message}"
        assert allowed(operation, code), f"{operation} answered {code}, which its model does not list: {message}"
        assert message, f"{operation} answered {code} with no message"
