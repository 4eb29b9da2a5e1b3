"""IAM where moto has a gap that Strongroom's authorization depends on.

moto (5.x) does not implement `iam:SimulatePrincipalPolicy`, the call the Api function makes to learn whether
a caller's identity policy allows an AWS Backup action. This stand-in answers it from moto's own IAM state:
the principal's inline and attached policies, its groups' policies and its permissions boundary, evaluated by
Strongroom's IAM evaluator (lambdas/domain/iam_policy.py), with the context entries of the request. Without
it every non-root caller of the local endpoint would get a 5xx, and no local test could show a denial."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from lambdas.domain.iam_policy import Decision, Request, evaluate
from local.patching import Patch, PatchSet


def _document(text: str) -> dict[str, Any]:
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = json.loads(unquote(text))
    return parsed if isinstance(parsed, dict) else {}


def _managed(policy: Any) -> dict[str, Any]:
    for version in policy.versions:
        if version.version_id == policy.default_version_id:
            return _document(version.document)
    return {}


def _own_policies(entity: Any) -> list[dict[str, Any]]:
    return [_document(text) for text in entity.policies.values()] + [
        _managed(policy) for policy in entity.managed_policies.values()
    ]


def principal_policies(backend: Any, source_arn: str) -> tuple[str, list[dict[str, Any]], dict[str, Any] | None]:
    """(the principal's ARN, its identity policies, its permissions boundary) from moto's IAM state."""
    kind = source_arn.split(":", 5)[-1].split("/", 1)[0]
    name = source_arn.rsplit("/", 1)[-1]
    if kind == "user":
        user = backend.get_user(name)
        documents = _own_policies(user)
        for group in backend.get_groups_for_user(name):
            documents += _own_policies(group)
        boundary_arn = getattr(user, "permissions_boundary_arn", None)
        arn = str(user.arn)
    elif kind == "role":
        role = backend.get_role_by_arn(source_arn)
        documents = _own_policies(role)
        boundary_arn = role.permissions_boundary_arn
        arn = str(role.arn)
    elif kind == "group":
        group = backend.get_group(name)
        documents, boundary_arn, arn = _own_policies(group), None, str(group.arn)
    else:
        raise ValueError(f"{source_arn} is not a user, role or group")
    boundary = _managed(backend.get_policy(boundary_arn)) if boundary_arn else None
    return arn, documents, boundary


def simulate(
    principal_arn: str,
    account: str,
    documents: list[dict[str, Any]],
    boundary: dict[str, Any] | None,
    actions: Iterable[str],
    resources: list[str],
    context: dict[str, tuple[str, ...]],
) -> list[dict[str, Any]]:
    """The simulator's EvaluationResults: one per action; the decision over every resource asked about."""
    results = []
    for action in actions:
        decisions = []
        for resource in resources or ["*"]:
            request = Request(action, resource, principal_arn, account, context)
            decision = evaluate(documents, request)
            if boundary is not None and decision == Decision.ALLOWED:
                decision = evaluate([boundary], request)  # a boundary caps what the policies allow
            decisions.append(decision)
        if Decision.EXPLICIT_DENY in decisions:
            overall = Decision.EXPLICIT_DENY
        elif all(d == Decision.ALLOWED for d in decisions):
            overall = Decision.ALLOWED
        else:
            overall = Decision.IMPLICIT_DENY
        results.append(
            {"EvalActionName": action, "EvalResourceName": (resources or ["*"])[0], "EvalDecision": overall.value}
        )
    return results


def simulate_principal_policy(self: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.iam.exceptions import NotFoundException

    source_arn = self._get_param("PolicySourceArn")
    entries = self._get_param("ContextEntries", []) or []
    context = {
        str(entry["ContextKeyName"]).lower(): tuple(str(v) for v in entry.get("ContextKeyValues", []))
        for entry in entries
    }
    try:
        arn, documents, boundary = principal_policies(self.backend, source_arn)
    except (NotFoundException, ValueError) as error:
        raise NotFoundException(f"The principal {source_arn} was not found: {error}") from None
    results = simulate(
        arn,
        self.current_account,
        documents,
        boundary,
        self._get_param("ActionNames", []) or [],
        self._get_param("ResourceArns", []) or [],
        context,
    )
    return ActionResult({"EvaluationResults": results, "IsTruncated": False})


PATCHES = PatchSet(
    "IAM policy simulation",
    [
        Patch.add(
            "moto.iam.responses:IamResponse",
            "simulate_principal_policy",
            simulate_principal_policy,
            why="the principal's identity policies, its groups' and its permissions boundary decide each action "
            "(IAM API Reference, SimulatePrincipalPolicy; IAM User Guide, Policy evaluation logic)",
        )
    ],
)
