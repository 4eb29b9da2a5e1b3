"""IAM policy evaluation, as IAM's documentation describes it, for identity policies (what a caller may do)
and resource policies (a backup vault's access policy) alike.

- A statement applies when its Action (or NotAction), Resource (or NotResource), Principal (or NotPrincipal,
  resource policies only) and every Condition match the request.
- An applying Deny wins over any Allow; without an applying Allow the request is implicitly denied.
- Condition operators are ANDed, the keys under one operator are ANDed, the values of one key are ORed.
- A key missing from the request context makes a condition false, except: a negated operator (StringNotEquals,
  ArnNotLike, NotIpAddress...) is then true, ...IfExists is true, ForAllValues is true, Null tests presence.
- Actions match case-insensitively, resources and ARNs case-sensitively; `*` and `?` are the only wildcards.
- `${aws:username}`-style policy variables in Resource and condition values take the request's values; a
  variable the request lacks makes that value match nothing.

No I/O: the caller of this module collects the policies and builds the request context."""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any


class Decision(StrEnum):
    """The values of IAM's policy simulator's EvalDecision."""

    ALLOWED = "allowed"
    EXPLICIT_DENY = "explicitDeny"
    IMPLICIT_DENY = "implicitDeny"


@dataclass(frozen=True)
class Request:
    """One action on one resource by one principal; context keys are lower-case, each with its values."""

    action: str
    resource: str
    principal: str | None = None  # the caller's ARN, or a service principal's name
    principal_account: str | None = None
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# Wildcards


@lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    """`*` any run of characters, `?` one character; everything else literal (unlike fnmatch, `[` is too)."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def glob_matches(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def arn_matches(pattern: str, value: str) -> bool:
    """ArnLike/ArnEquals: the six colon-separated parts match one by one (a wildcard never spans a colon of the
    first five)."""
    wanted = pattern.split(":", 5)
    actual = value.split(":", 5)
    if pattern == "*":
        return True
    if len(wanted) != 6 or len(actual) != 6:
        return False  # a pattern or value that is not an ARN of six parts matches nothing
    return all(glob_matches(w, a) for w, a in zip(wanted, actual, strict=True))


# Policy variables

_VARIABLE = re.compile(r"\$\{([^}]+)\}")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


def substitute(value: str, context: Mapping[str, tuple[str, ...]]) -> str | None:
    """The value with ${key} replaced by the request's value; None when a key has no single value."""
    missing = False

    def replace(match: re.Match[str]) -> str:
        nonlocal missing
        name = match.group(1).strip()
        if name in _ESCAPES:
            return _ESCAPES[name]
        name, _, default = name.partition(",")
        values = context.get(name.strip().lower())
        if values and len(values) == 1:
            return values[0]
        default = default.strip()
        if default.startswith("'") and default.endswith("'") and len(default) >= 2:
            return default[1:-1]
        missing = True
        return ""

    result = _VARIABLE.sub(replace, value)
    return None if missing else result


# Condition operators: (compare one request value with one policy value, negated)


def _number(value: str) -> float:
    return float(value)


def _date(value: str) -> datetime:
    text = value.strip()
    try:
        return datetime.fromtimestamp(float(text), tz=UTC)
    except ValueError:
        pass
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _typed(convert: Callable[[str], Any], test: Callable[[Any, Any], bool]) -> Callable[[str, str], bool]:
    def compare(actual: str, wanted: str) -> bool:
        try:
            return bool(test(convert(actual), convert(wanted)))
        except (ValueError, TypeError, OverflowError):
            return False  # a value of the wrong type matches nothing

    return compare


def _in_network(actual: str, wanted: str) -> bool:
    try:
        return ipaddress.ip_address(actual.strip()) in ipaddress.ip_network(wanted.strip(), strict=False)
    except ValueError:
        return False


def _binary(actual: str, wanted: str) -> bool:
    try:
        return base64.b64decode(actual, validate=True) == base64.b64decode(wanted, validate=True)
    except ValueError:
        return False


_EQ: Callable[[Any, Any], bool] = lambda a, b: a == b  # noqa: E731
_LT: Callable[[Any, Any], bool] = lambda a, b: a < b  # noqa: E731
_LE: Callable[[Any, Any], bool] = lambda a, b: a <= b  # noqa: E731
_GT: Callable[[Any, Any], bool] = lambda a, b: a > b  # noqa: E731
_GE: Callable[[Any, Any], bool] = lambda a, b: a >= b  # noqa: E731

Compare = Callable[[str, str], bool]
_string_equals: Compare = lambda a, b: a == b  # noqa: E731
_string_equals_ci: Compare = lambda a, b: a.lower() == b.lower()  # noqa: E731
_string_like: Compare = lambda a, b: glob_matches(b, a)  # noqa: E731
_bool: Compare = lambda a, b: a.strip().lower() == b.strip().lower()  # noqa: E731
_arn: Compare = lambda a, b: arn_matches(b, a)  # noqa: E731

OPERATORS: dict[str, tuple[Compare, bool]] = {
    "StringEquals": (_string_equals, False),
    "StringNotEquals": (_string_equals, True),
    "StringEqualsIgnoreCase": (_string_equals_ci, False),
    "StringNotEqualsIgnoreCase": (_string_equals_ci, True),
    "StringLike": (_string_like, False),
    "StringNotLike": (_string_like, True),
    "NumericEquals": (_typed(_number, _EQ), False),
    "NumericNotEquals": (_typed(_number, _EQ), True),
    "NumericLessThan": (_typed(_number, _LT), False),
    "NumericLessThanEquals": (_typed(_number, _LE), False),
    "NumericGreaterThan": (_typed(_number, _GT), False),
    "NumericGreaterThanEquals": (_typed(_number, _GE), False),
    "DateEquals": (_typed(_date, _EQ), False),
    "DateNotEquals": (_typed(_date, _EQ), True),
    "DateLessThan": (_typed(_date, _LT), False),
    "DateLessThanEquals": (_typed(_date, _LE), False),
    "DateGreaterThan": (_typed(_date, _GT), False),
    "DateGreaterThanEquals": (_typed(_date, _GE), False),
    "Bool": (_bool, False),
    "BinaryEquals": (_binary, False),
    "IpAddress": (_in_network, False),
    "NotIpAddress": (_in_network, True),
    "ArnEquals": (_arn, False),
    "ArnLike": (_arn, False),
    "ArnNotEquals": (_arn, True),
    "ArnNotLike": (_arn, True),
}
_SUBSTITUTES = ("String", "Arn")  # the operator families whose policy values may carry policy variables
_SET_OPERATORS = ("ForAllValues", "ForAnyValue")


def is_known_operator(operator: str) -> bool:
    if operator == "Null":
        return True
    prefix, _, base = operator.rpartition(":")
    if prefix and prefix not in _SET_OPERATORS:
        return False
    return base.removesuffix("IfExists") in OPERATORS


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _one_value(compare: Compare, negated: bool, actual: str, wanted: list[str]) -> bool:
    matched = any(compare(actual, w) for w in wanted)
    return not matched if negated else matched


def condition_test_holds(operator: str, key: str, policy_values: Any, context: Mapping[str, tuple[str, ...]]) -> bool:
    """One key under one operator of a Condition block."""
    actual = context.get(key.lower())
    if operator == "Null":
        wants_absent = _text(as_list(policy_values)[0]).lower() == "true"
        return (not actual) == wants_absent
    set_operator, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    if base not in OPERATORS or (set_operator and set_operator not in _SET_OPERATORS):
        return False  # IAM refuses such a policy; here it matches nothing
    compare, negated = OPERATORS[base]
    wanted: list[str] = []
    for raw in as_list(policy_values):
        value: str | None = _text(raw)
        if base.startswith(_SUBSTITUTES) and value is not None:
            value = substitute(value, context)
        if value is not None:
            wanted.append(value)
    if actual is None:
        if if_exists or set_operator == "ForAllValues":
            return True
        if set_operator == "ForAnyValue":
            return False
        return negated
    if set_operator == "ForAllValues":
        return all(_one_value(compare, negated, a, wanted) for a in actual)
    if set_operator == "ForAnyValue":
        return any(_one_value(compare, negated, a, wanted) for a in actual)
    if negated:  # no request value may match any policy value
        return all(_one_value(compare, True, a, wanted) for a in actual)
    return any(_one_value(compare, False, a, wanted) for a in actual)


def conditions_hold(block: Mapping[str, Any] | None, context: Mapping[str, tuple[str, ...]]) -> bool:
    for operator, tests in (block or {}).items():
        if not isinstance(tests, Mapping):
            return False
        for key, values in tests.items():
            if not condition_test_holds(operator, key, values, context):
                return False
    return True


# Principals


def _account_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 else ""


def _same_role(named: str, caller: str) -> bool:
    """A policy naming a role (arn:aws:iam::A:role/path/Name) matches its sessions
    (arn:aws:sts::A:assumed-role/Name/session)."""
    if ":assumed-role/" not in caller or ":role/" not in named:
        return False
    role_name = caller.split(":assumed-role/", 1)[1].split("/", 1)[0]
    return _account_of(named) == _account_of(caller) and named.rsplit("/", 1)[-1] == role_name


def principal_matches(principal: Any, request: Request) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    caller = request.principal or ""
    for kind, values in principal.items():
        for value in as_list(values):
            value = str(value)
            if kind == "AWS":
                if value == "*" or value == caller or _same_role(value, caller):
                    return True
                account = value if value.isdigit() else value[: -len(":root")] if value.endswith(":root") else ""
                if account and request.principal_account and account.rsplit(":", 1)[-1] == request.principal_account:
                    return True
            elif value == caller or value == "*":  # Service, Federated, CanonicalUser
                return True
    return False


# Statements


def _any_glob(patterns: Any, value: str, *, ignore_case: bool, context: Mapping[str, tuple[str, ...]]) -> bool:
    for pattern in as_list(patterns):
        resolved = substitute(str(pattern), context)
        if resolved is not None and glob_matches(resolved, value, ignore_case=ignore_case):
            return True
    return False


def statement_applies(statement: Mapping[str, Any], request: Request, *, resource_policy: bool) -> bool:
    context = request.context
    if "Action" in statement:
        if not _any_glob(statement["Action"], request.action, ignore_case=True, context={}):
            return False
    elif "NotAction" in statement:
        if _any_glob(statement["NotAction"], request.action, ignore_case=True, context={}):
            return False
    else:
        return False
    if "Resource" in statement:
        if not _any_glob(statement["Resource"], request.resource, ignore_case=False, context=context):
            return False
    elif "NotResource" in statement:
        if _any_glob(statement["NotResource"], request.resource, ignore_case=False, context=context):
            return False
    elif not resource_policy:
        return False  # an identity policy statement without a resource grants nothing
    if resource_policy:
        if "Principal" in statement:
            if not principal_matches(statement["Principal"], request):
                return False
        elif "NotPrincipal" in statement:
            if principal_matches(statement["NotPrincipal"], request):
                return False
        else:
            return False
    return conditions_hold(statement.get("Condition"), context)


def statements_of(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    statements = document.get("Statement", [])
    return [s for s in as_list(statements) if isinstance(s, Mapping)]


def evaluate(documents: Iterable[Mapping[str, Any]], request: Request, *, resource_policy: bool = False) -> Decision:
    """Explicit Deny in any statement wins; else an applying Allow allows; else the implicit deny."""
    allowed = False
    for document in documents:
        for statement in statements_of(document):
            if not statement_applies(statement, request, resource_policy=resource_policy):
                continue
            if statement.get("Effect") == "Deny":
                return Decision.EXPLICIT_DENY
            if statement.get("Effect") == "Allow":
                allowed = True
    return Decision.ALLOWED if allowed else Decision.IMPLICIT_DENY
