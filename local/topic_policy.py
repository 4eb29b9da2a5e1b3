"""Whether an AWS service may publish to an SNS topic, decided by the topic's access policy as AWS decides it.

On AWS, an EventBridge rule delivers to a topic, and a CloudWatch alarm notifies one, only when the topic's
policy allows the service's principal (`events.amazonaws.com`, `cloudwatch.amazonaws.com`) `sns:Publish`, and
the statement's conditions hold for the request the service makes on the rule's or the alarm's behalf
(`aws:SourceArn` is the rule's or the alarm's ARN, `aws:SourceAccount` its account). Otherwise the delivery
fails: the rule counts a FailedInvocation, and no one hears of the failure it was meant to report. A new topic's
default policy allows only its owner account's principals, not services. moto delivers whatever the policy says,
so the local runtime asks this module first (local/emulator_gaps.py, EventBridge to SNS).

The evaluation is IAM's for the part a service delivery can meet: an explicit Deny wins, then any Allow whose
principal, action, resource and every condition match. Condition operators: String/Arn Equals and Like, their
Not forms, IfExists, Bool and Null. An operator this module does not know makes its statement not match (an Allow
is not granted, a Deny not applied), so an unknown condition never grants a delivery."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PUBLISH = "sns:publish"
EVENTS = "events.amazonaws.com"
CLOUDWATCH = "cloudwatch.amazonaws.com"


@dataclass(frozen=True)
class ServiceDelivery:
    """A publish a service makes on behalf of one of its resources (a rule, an alarm)."""

    service: str  # "events.amazonaws.com"
    source_arn: str
    source_account: str

    def context(self) -> dict[str, str]:
        # Condition keys are case-insensitive; services sign over TLS.
        return {
            "aws:sourcearn": self.source_arn,
            "aws:sourceaccount": self.source_account,
            "aws:securetransport": "true",
        }


def service_may_publish(policy: str | dict[str, Any] | None, topic_arn: str, delivery: ServiceDelivery) -> bool:
    document = json.loads(policy) if isinstance(policy, str) else (policy or {})
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    context = delivery.context()
    matching = [s for s in statements if _applies(s, topic_arn, delivery.service, context)]
    if any(s.get("Effect") == "Deny" for s in matching):
        return False
    return any(s.get("Effect") == "Allow" for s in matching)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _like(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value, pattern)


def _applies(statement: dict[str, Any], topic_arn: str, service: str, context: dict[str, str]) -> bool:
    return (
        _principal_matches(statement, service)
        and _action_matches(statement)
        and _resource_matches(statement, topic_arn)
        and _conditions_hold(statement.get("Condition", {}), context)
    )


def _principal_matches(statement: dict[str, Any], service: str) -> bool:
    if "NotPrincipal" in statement:
        return not _principal_names(statement["NotPrincipal"], service)
    return _principal_names(statement.get("Principal"), service)


def _principal_names(principal: Any, service: str) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    # {"AWS": "*"} is everyone, services included (their requests are then judged by the conditions).
    return service in _as_list(principal.get("Service", [])) or "*" in _as_list(principal.get("AWS", []))


def _action_matches(statement: dict[str, Any]) -> bool:
    if "NotAction" in statement:
        return not any(_like(str(a).lower(), PUBLISH) for a in _as_list(statement["NotAction"]))
    return any(_like(str(a).lower(), PUBLISH) for a in _as_list(statement.get("Action", [])))


def _resource_matches(statement: dict[str, Any], topic_arn: str) -> bool:
    if "NotResource" in statement:
        return not any(_like(str(r), topic_arn) for r in _as_list(statement["NotResource"]))
    return any(_like(str(r), topic_arn) for r in _as_list(statement.get("Resource", "*")))


def _equals(expected: str, actual: str) -> bool:
    return actual == expected


def _equals_ignore_case(expected: str, actual: str) -> bool:
    return actual.lower() == expected.lower()


_COMPARE: dict[str, Callable[[str, str], bool]] = {
    "stringequals": _equals,
    "stringequalsignorecase": _equals_ignore_case,
    "stringlike": _like,
    "arnequals": _equals,
    "arnlike": _like,
    "bool": _equals_ignore_case,
}


def _conditions_hold(conditions: dict[str, Any], context: dict[str, str]) -> bool:
    for operator, checks in conditions.items():
        for key, expected in checks.items():
            if not _condition_holds(operator.lower(), key.lower(), _as_list(expected), context):
                return False
    return True


def _condition_holds(operator: str, key: str, expected: list[Any], context: dict[str, str]) -> bool:
    actual = context.get(key)
    if operator == "null":
        return any(str(e).lower() == ("true" if actual is None else "false") for e in expected)
    if_exists = operator.endswith("ifexists")
    base = operator.removesuffix("ifexists")
    negated = base.startswith("stringnot") or base.startswith("arnnot")
    base = base.replace("stringnot", "string").replace("arnnot", "arn")
    compare = _COMPARE.get(base)
    if compare is None:
        return False  # an operator not evaluated here never makes a statement match
    if actual is None:
        return if_exists or negated
    found = any(compare(str(e), actual) for e in expected)
    return not found if negated else found
