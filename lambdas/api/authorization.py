"""Per-operation authorization: before an operation runs, the caller's identity policy must allow its AWS Backup
action on its resource (lambdas/domain/authorization.py), `iam:PassRole` on any role it hands over, and the
vault's access policy must not deny it.

API Gateway's IAM authorization has already checked the signature and `execute-api:Invoke`; it cannot tell
`backup:ListBackupJobs` from `backup:DeleteRecoveryPoint`. So the Api function asks IAM itself, with
`iam:SimulatePrincipalPolicy` on the caller's own identity policies (those attached to the user or role,
its groups, its permissions boundary and the organization's SCPs), and caches each answer for
DECISION_CACHE_SECONDS. The account root is allowed everything, as on AWS. Callers of other accounts and
federated users cannot be simulated and are refused. See docs/authorization.md."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from lambdas.common import aws
from lambdas.common.observability import logger
from lambdas.domain.access_policy import Caller, denies, parse_policy
from lambdas.domain.authorization import Place, Requirement, requirements
from lambdas.domain.errors import AccessDeniedException, ServiceUnavailableException
from lambdas.domain.iam_policy import Decision
from lambdas.services.context import ServiceContext

# A policy change reaches the API within this time; IAM itself is eventually consistent for seconds.
DECISION_CACHE_SECONDS = 60.0
_MAX_CACHED = 10_000
# Context keys that change on every request: simulated, but left out of the cache key.
_VOLATILE_KEYS = frozenset({"aws:currenttime", "aws:epochtime"})
_KEY_TYPES = {
    "aws:currenttime": "date",
    "aws:epochtime": "numeric",
    "aws:sourceip": "ip",
    "aws:securetransport": "boolean",
    "aws:viaawsservice": "boolean",
}


class IdentityAuthorizer(Protocol):
    def decide(self, principal_arn: str, requirement: Requirement, context: Mapping[str, tuple[str, ...]]) -> Decision:
        """The caller's identity policies' decision on the requirement, with the request's context keys."""

    def principal_of(self, caller: Caller) -> str:
        """The IAM user or role whose policies apply to the caller (an assumed-role session's role)."""


class PolicySimulator:
    """IdentityAuthorizer on IAM's policy simulator: one SimulatePrincipalPolicy per uncached decision."""

    def __init__(self, iam: Any = None, ttl: float = DECISION_CACHE_SECONDS, clock: Any = time.monotonic) -> None:
        self._iam = iam
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._decisions: dict[tuple[Any, ...], tuple[float, Decision]] = {}
        self._roles: dict[str, tuple[float, str]] = {}

    def _client(self) -> Any:
        return self._iam if self._iam is not None else aws.client("iam")

    def _cached(self, cache: dict[Any, tuple[float, Any]], key: Any) -> Any:
        with self._lock:
            hit = cache.get(key)
            return hit[1] if hit is not None and hit[0] > self._clock() else None

    def _remember(self, cache: dict[Any, tuple[float, Any]], key: Any, value: Any) -> None:
        with self._lock:
            if len(cache) >= _MAX_CACHED:
                cache.clear()
            cache[key] = (self._clock() + self._ttl, value)

    def principal_of(self, caller: Caller) -> str:
        if ":assumed-role/" not in caller.arn:
            return caller.arn
        role_name = caller.arn.split(":assumed-role/", 1)[1].split("/", 1)[0]
        known = self._cached(self._roles, role_name)
        if known is None:
            try:
                known = str(self._client().get_role(RoleName=role_name)["Role"]["Arn"])  # the ARN with its path
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") == "NoSuchEntity":
                    raise AccessDeniedException(f"{caller.arn}: the role {role_name} no longer exists") from None
                raise
            self._remember(self._roles, role_name, known)
        return str(known)

    def decide(self, principal_arn: str, requirement: Requirement, context: Mapping[str, tuple[str, ...]]) -> Decision:
        stable = tuple(sorted((k, v) for k, v in context.items() if k not in _VOLATILE_KEYS))
        key = (principal_arn, requirement.action, requirement.resource, stable)
        known = self._cached(self._decisions, key)
        if known is not None:
            return Decision(known)
        request: dict[str, Any] = {
            "PolicySourceArn": principal_arn,
            "ActionNames": [requirement.action],
            "ContextEntries": [
                {
                    "ContextKeyName": name,
                    "ContextKeyValues": list(values),
                    "ContextKeyType": _KEY_TYPES.get(name, "string" if len(values) == 1 else "stringList"),
                }
                for name, values in context.items()
            ],
        }
        if requirement.resource != "*":
            request["ResourceArns"] = [requirement.resource]
        try:
            result = self._client().simulate_principal_policy(**request)["EvaluationResults"][0]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchEntity", "InvalidInput"):
                return Decision.IMPLICIT_DENY
            raise
        decision = Decision(result["EvalDecision"])
        self._remember(self._decisions, key, decision)
        return decision


_default: IdentityAuthorizer | None = None


def default_authorizer() -> IdentityAuthorizer:
    global _default
    if _default is None:
        _default = PolicySimulator()
    return _default


def forget_decisions() -> None:
    """For the local runtime's reset: the next call simulates again."""
    global _default
    _default = None


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def _refusal(caller: Caller, requirement: Requirement, decision: Decision) -> AccessDeniedException:
    why = (
        "with an explicit deny in an identity-based policy"
        if decision == Decision.EXPLICIT_DENY
        else f"because no identity-based policy allows the {requirement.action} action"
    )
    return AccessDeniedException(
        f"User: {caller.arn} is not authorized to perform: {requirement.action} on resource: "
        f"{requirement.resource} {why}"
    )


def check_identity(
    ctx: ServiceContext,
    operation: str,
    request: Mapping[str, Any],
    caller: Caller,
    now: datetime,
    identity: IdentityAuthorizer,
) -> None:
    if caller.is_root and caller.account == ctx.account:
        return  # the account's root user: everything, as on AWS
    if caller.account != ctx.account or not (":user/" in caller.arn or ":assumed-role/" in caller.arn):
        raise AccessDeniedException(
            f"{caller.arn or 'The caller'} cannot be authorized: Strongroom authorizes IAM users and roles of "
            f"account {ctx.account} only"
        )
    place = Place(_partition(ctx.region), ctx.region, ctx.account)
    try:
        principal = identity.principal_of(caller)
        for requirement in requirements(operation, request, place):
            context = {**caller.context(now, ctx.region), **requirement.context}
            decision = identity.decide(principal, requirement, context)
            if decision != Decision.ALLOWED:
                raise _refusal(caller, requirement, decision)
    except (ClientError, BotoCoreError) as error:
        logger.warning("the caller's permissions could not be checked", extra={"error": str(error)})
        raise ServiceUnavailableException("Strongroom could not check the caller's permissions; retry") from None


def check_vault_policy(
    ctx: ServiceContext, operation: str, request: Mapping[str, Any], caller: Caller, now: datetime
) -> None:
    """A vault's access policy is checked on every operation that names the vault or one of its points."""
    point_arn = request.get("RecoveryPointArn")
    vault_name = request.get("BackupVaultName") or request.get("SourceBackupVaultName")
    if vault_name is None and point_arn:
        point = ctx.stores.recovery_points.find(point_arn)
        vault_name = point.BackupVaultName if point else None
    if not vault_name:
        return
    vault = ctx.stores.vaults.find(vault_name)
    if vault is None or vault.AccessPolicy is None:
        return
    policy = parse_policy(vault.AccessPolicy)
    action = f"backup:{operation}"
    # The resource the action acts on: the recovery point when the request names one, else the vault.
    resource = str(point_arn) if point_arn else vault.BackupVaultArn
    if denies(policy, caller, action, resource, now):
        raise AccessDeniedException(
            f"{caller.arn} is not authorized to perform {action} on {resource}: "
            f"an explicit deny in the access policy of backup vault {vault_name}"
        )


def authorize(
    ctx: ServiceContext,
    operation: str,
    request: Mapping[str, Any],
    caller: Caller,
    now: datetime,
    identity: IdentityAuthorizer | None = None,
) -> None:
    """Raises AccessDeniedException unless the caller may run the operation as requested."""
    check_identity(ctx, operation, request, caller, now, identity or default_authorizer())
    check_vault_policy(ctx, operation, request, caller, now)
