"""Backup vault access policies: resource-based IAM policies evaluated on the operations they name, with IAM's
semantics (lambdas/domain/iam_policy.py: every condition operator, NotAction, NotResource, NotPrincipal).

Within the vault's own account the caller's identity policy already allowed the call (lambdas/api/
authorization.py), so what a vault policy can still do is deny: `denies` answers whether an explicit Deny
applies. Across accounts (a copy into this vault from another account) AWS Backup also needs an Allow:
`decision` gives the whole answer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lambdas.domain.errors import InvalidParameterValueException
from lambdas.domain.iam_policy import Decision, Request, as_list, evaluate, is_known_operator


@dataclass(frozen=True)
class Caller:
    """Who signed the request, as API Gateway's IAM authorization tells the function."""

    arn: str
    account: str
    source_ip: str | None = None
    access_key: str | None = None

    @property
    def is_root(self) -> bool:
        return self.arn.endswith(f":iam::{self.account}:root")

    def context(self, now: datetime | None, region: str | None = None) -> dict[str, tuple[str, ...]]:
        """The global condition keys this request carries (lower-case keys, as IAM compares them)."""
        keys: dict[str, tuple[str, ...]] = {
            "aws:principalarn": (self.arn,),
            "aws:principalaccount": (self.account,),
            "aws:securetransport": ("true",),  # API Gateway answers HTTPS only
            "aws:viaawsservice": ("false",),
        }
        principal_type = _principal_type(self.arn)
        if principal_type:
            keys["aws:principaltype"] = (principal_type,)
        if principal_type == "User":
            keys["aws:username"] = (self.arn.rsplit("/", 1)[-1],)
        if self.source_ip:
            keys["aws:sourceip"] = (self.source_ip,)
        if now is not None:
            keys["aws:currenttime"] = (now.strftime("%Y-%m-%dT%H:%M:%SZ"),)
            keys["aws:epochtime"] = (str(int(now.timestamp())),)
        if region:
            keys["aws:requestedregion"] = (region,)
        return keys


def _principal_type(arn: str) -> str | None:
    if arn.endswith(":root"):
        return "Account"
    if ":user/" in arn:
        return "User"
    if ":assumed-role/" in arn:
        return "AssumedRole"
    if ":federated-user/" in arn:
        return "FederatedUser"
    return None


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
        _check_conditions(statement.get("Condition"))
    return {**policy, "Statement": statements}


def _check_conditions(block: Any) -> None:
    """IAM refuses a policy with an operator it does not know (MalformedPolicyDocument); so does Strongroom,
    rather than store a condition that can never hold."""
    if block is None:
        return
    if not isinstance(block, dict):
        raise InvalidParameterValueException("A statement's Condition must be an object of operators")
    for operator, tests in block.items():
        if not is_known_operator(operator):
            raise InvalidParameterValueException(f"Policy names an unknown condition operator {operator}")
        values = [v for t in tests.values() for v in as_list(t)] if isinstance(tests, dict) else None
        if values is None or not all(isinstance(v, str | int | float | bool) for v in values):
            raise InvalidParameterValueException(f"Condition operator {operator} needs an object of keys and values")


def decision(
    policy: dict[str, Any] | None,
    caller: Caller,
    action: str,
    resource: str,
    now: datetime | None = None,
) -> Decision:
    if not policy:
        return Decision.IMPLICIT_DENY
    request = Request(
        action=action,
        resource=resource,
        principal=caller.arn,
        principal_account=caller.account,
        context=caller.context(now),
    )
    return evaluate([policy], request, resource_policy=True)


def denies(
    policy: dict[str, Any] | None, caller: Caller, action: str, resource: str, now: datetime | None = None
) -> bool:
    return decision(policy, caller, action, resource, now) == Decision.EXPLICIT_DENY
