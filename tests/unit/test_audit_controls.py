"""The built-in Audit Manager controls, each a pure function over a hand-made snapshot of the estate: the
resources, plans, vaults and recovery points in and out of scope, and the verdict AWS's description gives."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lambdas.domain.audit import control_catalog as catalog
from lambdas.domain.audit.controls import evaluate
from lambdas.domain.audit.facts import Estate, LockFacts, PlanFacts, PointFacts, ResourceFacts, RuleFacts, VaultFacts
from lambdas.domain.audit.frameworks import FrameworkControl
from lambdas.domain.audit.results import Compliance, roll_up
from lambdas.domain.errors import InvalidParameterValueException

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
ACCOUNT, REGION = "123456789012", "eu-west-1"
VOL_A = f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-a"
VOL_B = f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-b"
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"
LOCKED, PLAIN = "locked", "plain"


def vault_arn(name: str, region: str = REGION, account: str = ACCOUNT) -> str:
    return f"arn:aws:backup:{region}:{account}:backup-vault:{name}"


def control(name: str, scope: dict[str, Any] | None = None, **parameters: str) -> FrameworkControl:
    return FrameworkControl.model_validate(
        {
            "ControlName": name,
            "ControlInputParameters": [{"ParameterName": k, "ParameterValue": v} for k, v in parameters.items()],
            "ControlScope": scope,
        }
    )


def estate(**changes: Any) -> Estate:
    """A mixed estate: vol-a in a daily plan into a locked vault with a copy to us-east-1 in another account;
    vol-b in no plan; the table in a weekly plan into a plain vault."""
    daily = PlanFacts(
        "p-daily",
        "arn:aws:backup:eu-west-1:123456789012:backup-plan:p-daily",
        "daily",
        {"tier": "gold"},
        (RuleFacts("d", timedelta(days=1), 35, LOCKED, (vault_arn("dr", "us-east-1", "210987654321"),)),),
    )
    weekly = PlanFacts(
        "p-weekly",
        "arn:aws:backup:eu-west-1:123456789012:backup-plan:p-weekly",
        "weekly",
        rules=(RuleFacts("w", timedelta(days=7), 7, PLAIN),),
    )
    facts: dict[str, Any] = {
        "account": ACCOUNT,
        "region": REGION,
        "now": NOW,
        "resources": (
            ResourceFacts(VOL_A, "EBS", {"env": "prod"}, ("p-daily",), NOW - timedelta(hours=3), 20.0),
            ResourceFacts(VOL_B, "EBS", {"env": "dev"}, (), None, None),
            ResourceFacts(TABLE, "DynamoDB", {"env": "prod"}, ("p-weekly",), NOW - timedelta(days=5), 200.0),
        ),
        "plans": {"p-daily": daily, "p-weekly": weekly},
        "vaults": {
            LOCKED: VaultFacts(LOCKED, vault_arn(LOCKED), lock=LockFacts(7, 400)),
            PLAIN: VaultFacts(PLAIN, vault_arn(PLAIN)),
        },
        "points": (
            PointFacts(f"{VOL_A}-rp", VOL_A, "EBS", LOCKED, NOW - timedelta(hours=3), 35, True),
            PointFacts(f"{TABLE}-rp", TABLE, "DynamoDB", PLAIN, NOW - timedelta(days=5), 7, False),
        ),
    }
    facts.update(changes)
    return Estate(**facts)


def statuses(verdicts: list[Any]) -> dict[str, Compliance]:
    return {v.resource_id: v.status for v in verdicts}


def test_a_resource_no_plan_selects_is_non_compliant_and_told_how_to_fix() -> None:
    # Given the mixed estate, When the plan control runs over every resource
    verdicts = evaluate(control(catalog.PROTECTED_BY_BACKUP_PLAN), estate())
    # Then only vol-b, in no plan, fails, with a reason naming the fix
    assert statuses(verdicts) == {VOL_A: Compliance.COMPLIANT, VOL_B: Compliance.NON_COMPLIANT, TABLE: "COMPLIANT"}
    reason = next(v.reason for v in verdicts if v.resource_id == VOL_B)
    assert reason and "not selected by any backup plan" in reason and "CreateBackupSelection" in reason


def test_scope_by_type_tag_and_id_limits_what_is_evaluated() -> None:
    by_type = evaluate(control(catalog.PROTECTED_BY_BACKUP_PLAN, {"ComplianceResourceTypes": ["DynamoDB"]}), estate())
    by_tag = evaluate(control(catalog.PROTECTED_BY_BACKUP_PLAN, {"Tags": {"env": "dev"}}), estate())
    by_key = evaluate(control(catalog.PROTECTED_BY_BACKUP_PLAN, {"Tags": {"env": ""}}), estate())
    by_id = evaluate(control(catalog.PROTECTED_BY_BACKUP_PLAN, {"ComplianceResourceIds": ["vol-a"]}), estate())
    assert list(statuses(by_type)) == [TABLE]
    assert list(statuses(by_tag)) == [VOL_B]
    assert len(by_key) == 3
    assert list(statuses(by_id)) == [VOL_A]


def test_plan_frequency_and_retention_use_aws_defaults_of_one_day_and_35_days() -> None:
    # Given the defaults (1 day, 35 days): the daily 35-day plan complies, the weekly 7-day one does not
    verdicts = evaluate(control(catalog.PLAN_MIN_FREQUENCY_AND_RETENTION), estate())
    by_plan = {v.resource_id.rsplit(":", 1)[-1]: v for v in verdicts}
    assert by_plan["p-daily"].status == Compliance.COMPLIANT
    assert by_plan["p-weekly"].status == Compliance.NON_COMPLIANT
    assert "rule w runs every 7 days and keeps points 7 days" in (by_plan["p-weekly"].reason or "")
    # When the control asks for every 12 hours, the daily plan fails too
    strict = evaluate(
        control(catalog.PLAN_MIN_FREQUENCY_AND_RETENTION, requiredFrequencyUnit="hours", requiredFrequencyValue="12"),
        estate(),
    )
    assert {v.status for v in strict} == {Compliance.NON_COMPLIANT}


def test_recovery_point_retention_and_encryption() -> None:
    retention = statuses(evaluate(control(catalog.RECOVERY_POINT_MIN_RETENTION), estate()))
    assert retention == {f"{VOL_A}-rp": "COMPLIANT", f"{TABLE}-rp": "NON_COMPLIANT"}
    relaxed = statuses(evaluate(control(catalog.RECOVERY_POINT_MIN_RETENTION, requiredRetentionDays="7"), estate()))
    assert set(relaxed.values()) == {Compliance.COMPLIANT}
    encrypted = statuses(evaluate(control(catalog.RECOVERY_POINT_ENCRYPTED), estate()))
    assert encrypted == {f"{VOL_A}-rp": "COMPLIANT", f"{TABLE}-rp": "NON_COMPLIANT"}


def deny_delete(*exempt: str) -> str:
    statement: dict[str, Any] = {
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"],
        "Resource": "*",
    }
    if exempt:
        statement["Condition"] = {"ArnNotEquals": {"aws:PrincipalArn": list(exempt)}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_manual_deletion_is_disabled_only_by_a_deny_for_everyone_except_the_listed_principals() -> None:
    admin = f"arn:aws:iam::{ACCOUNT}:role/BackupAdmin"
    vaults = {
        "open": VaultFacts("open", vault_arn("open")),
        "sealed": VaultFacts("sealed", vault_arn("sealed"), access_policy=deny_delete()),
        "exempt": VaultFacts("exempt", vault_arn("exempt"), access_policy=deny_delete(admin)),
    }
    plain = statuses(evaluate(control(catalog.MANUAL_DELETION_DISABLED), estate(vaults=vaults)))
    assert plain == {
        vault_arn("open"): "NON_COMPLIANT",
        vault_arn("sealed"): "COMPLIANT",
        vault_arn("exempt"): "NON_COMPLIANT",
    }
    allowed = statuses(
        evaluate(control(catalog.MANUAL_DELETION_DISABLED, principalArnList=admin), estate(vaults=vaults))
    )
    assert allowed[vault_arn("exempt")] == Compliance.COMPLIANT


def test_cross_region_and_cross_account_copies_come_from_the_plans_copy_actions() -> None:
    region = statuses(evaluate(control(catalog.CROSS_REGION), estate()))
    account = statuses(evaluate(control(catalog.CROSS_ACCOUNT), estate()))
    assert region == account == {VOL_A: "COMPLIANT", VOL_B: "NON_COMPLIANT", TABLE: "NON_COMPLIANT"}
    # A list names where the copies must go: us-east-1 is there, eu-central-1 is not
    listed = evaluate(control(catalog.CROSS_REGION, crossRegionList="us-east-1,eu-central-1"), estate())
    vol_a = next(v for v in listed if v.resource_id == VOL_A)
    assert vol_a.status == Compliance.NON_COMPLIANT and "eu-central-1" in (vol_a.reason or "")
    assert (
        statuses(evaluate(control(catalog.CROSS_ACCOUNT, crossAccountList="210987654321"), estate()))[VOL_A]
        == "COMPLIANT"
    )


def test_vault_lock_control_checks_the_rule_target_vault_lock_and_its_bounds() -> None:
    assert statuses(evaluate(control(catalog.VAULT_LOCK), estate())) == {
        VOL_A: "COMPLIANT",
        VOL_B: "NON_COMPLIANT",
        TABLE: "NON_COMPLIANT",
    }
    # The lock keeps at least 7 days: a control that wants 30 finds it too weak
    assert statuses(evaluate(control(catalog.VAULT_LOCK, minRetentionDays="30"), estate()))[VOL_A] == "NON_COMPLIANT"
    assert statuses(evaluate(control(catalog.VAULT_LOCK, maxRetentionDays="500"), estate()))[VOL_A] == "COMPLIANT"


def test_last_recovery_point_within_a_day_by_default() -> None:
    assert statuses(evaluate(control(catalog.LAST_RECOVERY_POINT_CREATED), estate())) == {
        VOL_A: "COMPLIANT",
        VOL_B: "NON_COMPLIANT",
        TABLE: "NON_COMPLIANT",
    }
    week = control(catalog.LAST_RECOVERY_POINT_CREATED, recoveryPointAgeUnit="days", recoveryPointAgeValue="7")
    assert statuses(evaluate(week, estate()))[TABLE] == Compliance.COMPLIANT


def test_restore_time_without_a_restore_is_insufficient_data() -> None:
    verdicts = statuses(evaluate(control(catalog.RESTORE_TIME, maxRestoreTime="60"), estate()))
    assert verdicts == {VOL_A: "COMPLIANT", VOL_B: "INSUFFICIENT_DATA", TABLE: "NON_COMPLIANT"}


def test_roll_up_is_non_compliant_on_any_failure_and_insufficient_when_nothing_complied() -> None:
    assert roll_up([Compliance.COMPLIANT, Compliance.NON_COMPLIANT]) == Compliance.NON_COMPLIANT
    assert roll_up([Compliance.COMPLIANT, Compliance.INSUFFICIENT_DATA]) == Compliance.COMPLIANT
    assert roll_up([]) == Compliance.INSUFFICIENT_DATA


@pytest.mark.parametrize(
    ("name", "parameters", "complaint"),
    [
        ("NOT_A_CONTROL", {}, "Unknown control"),
        (catalog.AIR_GAPPED_VAULT, {}, "air-gapped"),
        (catalog.RECOVERY_POINT_ENCRYPTED, {"requiredRetentionDays": "3"}, "has no input parameter"),
        (catalog.PLAN_MIN_FREQUENCY_AND_RETENTION, {"requiredFrequencyUnit": "weeks"}, "must be one of hours, days"),
        (catalog.LAST_RECOVERY_POINT_CREATED, {"recoveryPointAgeValue": "32"}, "at most 31"),
        (catalog.CROSS_ACCOUNT, {"crossAccountList": "1,2,3,4,5,6"}, "at most 5"),
        (catalog.VAULT_LOCK, {"minRetentionDays": "10", "maxRetentionDays": "5"}, "exceeds"),
    ],
)
def test_bad_controls_and_parameters_are_refused(name: str, parameters: dict[str, str], complaint: str) -> None:
    with pytest.raises(InvalidParameterValueException, match=complaint):
        control(name, **parameters)
