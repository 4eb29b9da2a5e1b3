"""The API's authorization hook (lambdas/api/authorization.py) on fakes: which IAM action and resource each
operation asks the caller's identity policy for, the PassRole it adds, the simulator's cache, and vault access
policies whose conditions are evaluated as IAM evaluates them."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from lambdas.api import authorization
from lambdas.api.operations import load_all
from lambdas.domain.access_policy import Caller
from lambdas.domain.authorization import SCOPES, Place, Requirement, requirements
from lambdas.domain.errors import AccessDeniedException
from lambdas.domain.iam_policy import Decision
from lambdas.services import vault_service
from tests.fakes import ACCOUNT, REGION, ROLE, T0, World

USER = Caller(arn=f"arn:aws:iam::{ACCOUNT}:user/alice", account=ACCOUNT, source_ip="203.0.113.7")
PLACE = Place("aws", REGION, ACCOUNT)
VAULT_ARN = f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:main"
POINT = f"arn:aws:ec2:{REGION}::snapshot/snap-0001"


class RecordingAuthorizer:
    """Answers from a fixed set of (action, resource) pairs and records what it was asked."""

    def __init__(self, *allowed: tuple[str, str]) -> None:
        self.allowed = set(allowed)
        self.asked: list[tuple[str, Requirement, dict[str, tuple[str, ...]]]] = []

    def principal_of(self, caller: Caller) -> str:
        return caller.arn

    def decide(self, principal_arn: str, requirement: Requirement, context: Any) -> Decision:
        self.asked.append((principal_arn, requirement, dict(context)))
        allowed = (requirement.action, requirement.resource) in self.allowed
        return Decision.ALLOWED if allowed else Decision.IMPLICIT_DENY


def test_every_implemented_operation_has_its_resource_type_from_the_reference() -> None:
    # A new operation without a row would be authorized on "*" silently: each one must be mapped on purpose.
    assert set(load_all()) <= set(SCOPES)


@pytest.mark.parametrize(
    ("operation", "request_", "resource"),
    [
        ("ListBackupJobs", {}, "*"),
        ("DescribeBackupVault", {"BackupVaultName": "main"}, VAULT_ARN),
        ("DeleteRecoveryPoint", {"BackupVaultName": "main", "RecoveryPointArn": POINT}, POINT),
        ("GetBackupPlan", {"BackupPlanId": "p-1"}, f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-plan:p-1"),
        ("CreateBackupPlan", {"BackupPlan": {}}, f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-plan:*"),
        ("GetLegalHold", {"LegalHoldId": "h-1"}, f"arn:aws:backup:{REGION}:{ACCOUNT}:legal-hold:h-1"),
        ("ListTags", {"ResourceArn": VAULT_ARN}, VAULT_ARN),
        ("StartBackupJob", {"BackupVaultName": "main", "ResourceArn": "x", "IamRoleArn": ROLE}, VAULT_ARN),
        ("DescribeFramework", {"FrameworkName": "core"}, f"arn:aws:backup:{REGION}:{ACCOUNT}:framework:core-*"),
        ("StartReportJob", {"ReportPlanName": "daily"}, f"arn:aws:backup:{REGION}:{ACCOUNT}:report-plan:daily-*"),
        ("ListReportJobs", {}, "*"),
    ],
)
def test_each_operation_asks_for_its_own_action_on_its_resource(
    operation: str, request_: dict[str, Any], resource: str
) -> None:
    needed = requirements(operation, request_, PLACE)[0]
    assert (needed.action, needed.resource) == (f"backup:{operation}", resource)


def test_operations_that_hand_over_a_role_also_need_pass_role_to_backup() -> None:
    cases: list[tuple[str, dict[str, Any]]] = [
        ("StartRestoreJob", {"RecoveryPointArn": POINT, "IamRoleArn": ROLE}),
        ("StartCopyJob", {"RecoveryPointArn": POINT, "IamRoleArn": ROLE}),
        ("CreateBackupSelection", {"BackupPlanId": "p", "BackupSelection": {"IamRoleArn": ROLE}}),
    ]
    for operation, request_ in cases:
        pass_role = requirements(operation, request_, PLACE)[-1]
        assert (pass_role.action, pass_role.resource) == ("iam:PassRole", ROLE)
        assert pass_role.context == {"iam:passedtoservice": ("backup.amazonaws.com",)}
    # a restore without a role passes none
    assert [r.action for r in requirements("StartRestoreJob", {"RecoveryPointArn": POINT}, PLACE)] == [
        "backup:StartRestoreJob"
    ]


def test_given_a_user_allowed_the_action_but_not_the_role_then_refused_naming_pass_role(world: World) -> None:
    identity = RecordingAuthorizer(("backup:StartRestoreJob", POINT))
    request_ = {"RecoveryPointArn": POINT, "IamRoleArn": ROLE, "Metadata": {}}
    with pytest.raises(AccessDeniedException, match=f"iam:PassRole on resource: {ROLE}"):
        authorization.check_identity(world.ctx, "StartRestoreJob", request_, USER, T0, identity)
    # the request's context went along: the caller's address and the time, for aws:SourceIp and aws:CurrentTime
    _, _, context = identity.asked[0]
    assert context["aws:sourceip"] == ("203.0.113.7",) and context["aws:currenttime"] == ("2026-03-01T05:00:00Z",)


def test_given_the_root_user_then_nothing_is_asked_and_other_accounts_are_refused(world: World) -> None:
    identity = RecordingAuthorizer()
    root = Caller(arn=f"arn:aws:iam::{ACCOUNT}:root", account=ACCOUNT)
    authorization.check_identity(world.ctx, "DeleteBackupVault", {"BackupVaultName": "main"}, root, T0, identity)
    assert identity.asked == []
    stranger = Caller(arn="arn:aws:iam::999999999999:user/eve", account="999999999999")
    with pytest.raises(AccessDeniedException, match="account 123456789012 only"):
        authorization.check_identity(world.ctx, "ListBackupJobs", {}, stranger, T0, identity)


class FakeIam:
    def __init__(self, decision: str = "allowed") -> None:
        self.decision = decision
        self.simulations: list[dict[str, Any]] = []
        self.role_lookups = 0

    def simulate_principal_policy(self, **request: Any) -> dict[str, Any]:
        self.simulations.append(request)
        return {"EvaluationResults": [{"EvalDecision": self.decision}]}

    def get_role(self, RoleName: str) -> dict[str, Any]:
        self.role_lookups += 1
        return {"Role": {"Arn": f"arn:aws:iam::{ACCOUNT}:role/team/{RoleName}"}}


def test_the_simulator_is_asked_once_per_decision_until_the_cache_expires() -> None:
    iam, now = FakeIam(), [0.0]
    simulator = authorization.PolicySimulator(iam, ttl=60, clock=lambda: now[0])
    session = Caller(arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/ops/me", account=ACCOUNT)
    principal = simulator.principal_of(session)
    # an assumed-role session is simulated as its role, found with its path
    assert principal == f"arn:aws:iam::{ACCOUNT}:role/team/ops"
    need = Requirement("backup:DescribeBackupVault", VAULT_ARN)
    for second in (0, 1, 2):  # the time changes every request, and is not part of the cache key
        now[0] = second
        assert simulator.decide(principal, need, {"aws:currenttime": (f"2026-03-01T05:00:0{second}Z",)}) == "allowed"
    assert len(iam.simulations) == 1 and iam.simulations[0]["ResourceArns"] == [VAULT_ARN]
    assert iam.simulations[0]["ContextEntries"][0]["ContextKeyType"] == "date"
    simulator.principal_of(session)
    assert iam.role_lookups == 1
    now[0] = 61  # after the time to live, IAM is asked again (a policy change is seen within a minute)
    simulator.decide(principal, need, {})
    assert len(iam.simulations) == 2


# Vault access policies with conditions


def _vault_with_deny(world: World, **extra: Any) -> None:
    if world.ctx.stores.vaults.find("main") is None:
        vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    statement = {"Effect": "Deny", "Principal": "*", "Action": "backup:DeleteRecoveryPoint", **extra}
    vault_service.put_access_policy(world.ctx, "main", json.dumps({"Statement": [statement]}))


def _deletes(world: World, caller: Caller = USER, now: Any = T0) -> bool:
    request_ = {"BackupVaultName": "main", "RecoveryPointArn": POINT}
    try:
        authorization.check_vault_policy(world.ctx, "DeleteRecoveryPoint", request_, caller, now)
    except AccessDeniedException:
        return False
    return True


def test_a_deny_until_a_date_applies_before_it_and_not_after(world: World) -> None:
    _vault_with_deny(world, Resource="*", Condition={"DateLessThan": {"aws:CurrentTime": "2026-04-01T00:00:00Z"}})
    assert not _deletes(world, now=T0)
    assert _deletes(world, now=T0 + timedelta(days=40))


def test_a_deny_outside_an_address_range_uses_the_callers_address(world: World) -> None:
    _vault_with_deny(world, Resource="*", Condition={"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    assert not _deletes(world)  # 203.0.113.7
    assert _deletes(world, Caller(USER.arn, ACCOUNT, source_ip="10.1.1.1"))


def test_string_equals_ignore_case_and_if_exists_and_not_resource(world: World) -> None:
    _vault_with_deny(world, Resource="*", Condition={"StringEqualsIgnoreCase": {"aws:PrincipalArn": USER.arn.upper()}})
    assert not _deletes(world)
    assert _deletes(world, Caller(f"arn:aws:iam::{ACCOUNT}:user/bob", ACCOUNT, source_ip="203.0.113.7"))

    # a key the request lacks: ...IfExists holds, so the Deny applies
    _vault_with_deny(world, Resource="*", Condition={"StringEqualsIfExists": {"aws:PrincipalTag/team": "ops"}})
    assert not _deletes(world)
    # the same without IfExists does not hold: the Deny does not apply
    _vault_with_deny(world, Resource="*", Condition={"StringEquals": {"aws:PrincipalTag/team": "ops"}})
    assert _deletes(world)

    # NotResource: everything but the named point is protected
    _vault_with_deny(world, NotResource=POINT)
    assert _deletes(world)
    _vault_with_deny(world, NotResource=f"arn:aws:ec2:{REGION}::snapshot/snap-other")
    assert not _deletes(world)


def test_a_policy_with_an_operator_iam_does_not_know_is_refused(world: World) -> None:
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    statement: dict[str, Any] = {"Effect": "Deny", "Principal": "*", "Action": "backup:*", "Resource": "*"}
    statement["Condition"] = {"StringSortOf": {"aws:SourceIp": "x"}}
    with pytest.raises(Exception, match="unknown condition operator StringSortOf"):
        vault_service.put_access_policy(world.ctx, "main", json.dumps({"Statement": [statement]}))
