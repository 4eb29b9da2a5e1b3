"""Backup vault access policies: resource-based IAM policies evaluated on the operations they name.

Strongroom runs in the caller's own account, where the caller's identity policy already allows the call;
what a vault policy can still do is deny. So the evaluation answers one question: does an explicit Deny
statement match this principal, action and resource? A Deny carrying a condition Strongroom cannot
evaluate is applied (refusing is the safe side of a backup's protection)."""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from typing import Any

from lambdas.domain.errors import InvalidParameterValueException

SUPPORTED_CONDITION_KEYS = {"aws:principalarn", "aws:principalaccount", "aws:userid"}


@dataclass(frozen=True)
class Caller:
    arn: str
    account: str


def parse_policy(document: str) -> dict[str, Any]:
    try:
        policy = json.loads(document)
    except RecursionError:
        raise InvalidParameterValueException("Policy is nested too deeply to be read") from None
    except ValueError as error:  # JSONDecodeError, and numbers longer than Python reads
        reason = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        raise InvalidParameterValueException(f"Policy is not valid JSON: {reason}") from None
    statements = policy.get("Statement") if isinstance(policy, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise InvalidParameterValueException("Policy needs a Statement list with at least one statement")
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") not in ("Allow", "Deny"):
            raise InvalidParameterValueException("Every policy statement needs an Effect of Allow or Deny")
        if "Action" not in statement and "NotAction" not in statement:
            raise InvalidParameterValueException("Every policy statement needs an Action")
        if "Principal" not in statement and "NotPrincipal" not in statement:
            raise InvalidParameterValueException("A resource-based policy statement needs a Principal")
    return {**policy, "Statement": statements}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _matches(patterns: Any, value: str) -> bool:
    return any(fnmatch.fnmatchcase(value.lower(), str(p).lower()) for p in _as_list(patterns))


def _principal_matches(principal: Any, caller: Caller) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        values = _as_list(principal.get("AWS", []))
        return any(
            v == "*" or v == caller.arn or v == caller.account or v == f"arn:aws:iam::{caller.account}:root"
            for v in values
        )
    return False


def _condition_holds(condition: dict[str, Any], caller: Caller) -> bool:
    context = {"aws:principalarn": caller.arn, "aws:principalaccount": caller.account, "aws:userid": caller.arn}
    for operator, tests in condition.items():
        for key, expected in dict(tests).items():
            key = key.lower()
            if key not in SUPPORTED_CONDITION_KEYS:
                continue  # unknown to Strongroom: the Deny stands
            actual = context[key]
            if operator in ("StringEquals", "ArnEquals") and actual not in _as_list(expected):
                return False
            if operator in ("StringNotEquals", "ArnNotEquals") and actual in _as_list(expected):
                return False
            if operator in ("StringLike", "ArnLike") and not _matches(expected, actual):
                return False
            if operator in ("StringNotLike", "ArnNotLike") and _matches(expected, actual):
                return False
    return True


def denies(policy: dict[str, Any] | None, caller: Caller, action: str, resource: str) -> bool:
    if not policy:
        return False
    for statement in policy["Statement"]:
        if statement["Effect"] != "Deny":
            continue
        if "Action" in statement and not _matches(statement["Action"], action):
            continue
        if "NotAction" in statement and _matches(statement["NotAction"], action):
            continue
        if "Resource" in statement and not _matches(statement["Resource"], resource):
            continue
        if "Principal" in statement and not _principal_matches(statement["Principal"], caller):
            continue
        if "NotPrincipal" in statement and _principal_matches(statement["NotPrincipal"], caller):
            continue
        if _condition_holds(statement.get("Condition", {}), caller):
            return True
    return False
