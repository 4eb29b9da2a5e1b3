"""Each built-in control as a pure function over an Estate snapshot, as AWS Backup describes it ("Controls and
remediation"), returning one Verdict per thing the control evaluates in its scope. A NON_COMPLIANT verdict
says why and what would fix it; INSUFFICIENT_DATA says what is missing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from lambdas.domain.arns import parse_arn
from lambdas.domain.audit import control_catalog as catalog
from lambdas.domain.audit.facts import Estate, PlanFacts, PointFacts, ResourceFacts, VaultFacts
from lambdas.domain.audit.frameworks import FrameworkControl, Scope
from lambdas.domain.audit.results import Compliance

OK, BAD, UNKNOWN = Compliance.COMPLIANT, Compliance.NON_COMPLIANT, Compliance.INSUFFICIENT_DATA
PLAN_TYPE, VAULT_TYPE, POINT_TYPE = "AWS::Backup::BackupPlan", "AWS::Backup::BackupVault", "AWS::Backup::RecoveryPoint"


@dataclass(frozen=True)
class Verdict:
    resource_id: str
    resource_type: str
    status: Compliance
    reason: str | None = None


def in_scope(scope: Scope | None, ids: Iterable[str], types: Iterable[str], tags: dict[str, str]) -> bool:
    """AWS's ControlScope: the listed resources, the listed types, and the one tag (an empty value: the key)."""
    if scope is None:
        return True
    if scope.ComplianceResourceIds and not set(ids) & set(scope.ComplianceResourceIds):
        return False
    if scope.ComplianceResourceTypes and not set(types) & set(scope.ComplianceResourceTypes):
        return False
    return all(key in tags and value in ("", tags[key]) for key, value in (scope.Tags or {}).items())


def _short_id(arn: str) -> str:
    return arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def _resources(control: FrameworkControl, estate: Estate) -> list[ResourceFacts]:
    return [
        r
        for r in estate.resources
        if in_scope(control.ControlScope, (r.arn, _short_id(r.arn)), (r.resource_type,), r.tags)
    ]


def _days(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g} hours" if hours < 48 else f"{hours / 24:g} days"


# Resources in a backup plan


def protected_by_backup_plan(control: FrameworkControl, estate: Estate) -> list[Verdict]:
    def judge(r: ResourceFacts) -> Verdict:
        if estate.plans_of(r):
            return Verdict(r.arn, r.resource_type, OK)
        return Verdict(
            r.arn,
            r.resource_type,
            BAD,
            f"{r.arn} is not selected by any backup plan. Fix: assign it to a plan (CreateBackupSelection naming "
            "its ARN, or a tag it carries).",
        )

    return [judge(r) for r in _resources(control, estate)]


def plan_min_frequency_and_retention(control: FrameworkControl, estate: Estate) -> list[Verdict]:
    params = control.parameters
    unit, value = str(params["requiredFrequencyUnit"]), int(str(params["requiredFrequencyValue"]))
    needed = timedelta(hours=value) if unit == "hours" else timedelta(days=value)
    keep = int(str(params["requiredRetentionDays"]))

    def judge(plan: PlanFacts) -> Verdict:
        for rule in plan.rules:
            often = rule.frequency is not None and rule.frequency <= needed
            if often and (rule.retention_days is None or rule.retention_days >= keep):
                return Verdict(plan.arn, PLAN_TYPE, OK)
        seen = "; ".join(
            f"rule {rule.name} runs "
            f"{f'every {_days(rule.frequency)}' if rule.frequency else 'on no repeating schedule'}"
            f" and keeps points {'forever' if rule.retention_days is None else f'{rule.retention_days} days'}"
            for rule in plan.rules
        )
        return Verdict(
            plan.arn,
            PLAN_TYPE,
            BAD,
            f"Backup plan {plan.name} has no rule that runs at least every {value} {unit} and keeps points at least "
            f"{keep} days ({seen}). Fix: UpdateBackupPlan with such a rule.",
        )

    plans = [
        p for p in estate.plans.values() if in_scope(control.ControlScope, (p.arn, p.plan_id), (PLAN_TYPE,), p.tags)
    ]
    return [judge(plan) for plan in plans]


# Recovery points


def _points(control: FrameworkControl, estate: Estate) -> list[PointFacts]:
    return [
        p
        for p in estate.points
        if in_scope(control.ControlScope, (p.arn, p.resource_arn), (p.resource_type, POINT_TYPE), p.tags)
    ]


def recovery_point_minimum_retention(control: FrameworkControl, estate: Estate) -> list[Verdict]:
    keep = int(str(control.parameters["requiredRetentionDays"]))

    def judge(p: PointFacts) -> Verdict:
        if p.retention_days is None or p.retention_days >= keep:
            return Verdict(p.arn, p.resource_type, OK)
        return Verdict(
            p.arn,
            p.resource_type,
            BAD,
            f"Recovery point {p.arn} is kept {p.retention_days:g} days, less than the required {keep}. Fix: "
            f"UpdateRecoveryPointLifecycle with DeleteAfterDays of at least {keep}, and raise the rule's retention.",
        )

    return [judge(p) for p in _points(control, estate)]


def recovery_point_encrypted(control: FrameworkControl, estate: Estate) -> list[Verdict]:
    def judge(p: PointFacts) -> Verdict:
        if p.encrypted:
            return Verdict(p.arn, p.resource_type, OK)
        return Verdict(
            p.arn,
            p.resource_type,
            BAD,
            f"Recovery point {p.arn} is not encrypted. Fix: encrypt the source resource (its backups inherit its "
            "encryption) or copy the point into a vault with a KMS key, then delete the unencrypted point.",
        )

    return [judge(p) for p in _points(control, estate)]


# Vaults


def _listify(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _denies_deletion(statement: dict[str, Any]) -> bool:
    actions = {str(a) for a in _listify(statement.get("Action", []))}
    principal = statement.get("Principal")
    everyone = principal == "*" or (isinstance(principal, dict) and "*" in _listify(principal.get("AWS", [])))
    return (
        statement.get("Effect") == "Deny"
        and everyone
        and bool(actions & {"backup:DeleteRecoveryPoint", "backup:*", "*"})
    )


def _exempted(statement: dict[str, Any]) -> set[str]:
    """The principals a Deny statement leaves out through its condition on aws:PrincipalArn."""
    exempt: set[str] = set()
    for operator, keys in (statement.get("Condition") or {}).items():
        if operator.startswith(("ArnNot", "StringNot")) and isinstance(keys, dict):
            for key, values in keys.items():
                if key.lower() == "aws:principalarn":
                    exempt.update(str(v) for v in _listify(values))
    return exempt


def manual_deletion_disabled(control: FrameworkControl, estate: Estate) -> list[Verdict]:
    allowed = set(control.parameters.get("principalArnList", ()) or ())  # type: ignore[call-overload]

    def judge(vault: VaultFacts) -> Verdict:
        fix = (
            "Fix: PutBackupVaultAccessPolicy with a statement that denies backup:DeleteRecoveryPoint to Principal * "
            "(exempting at most the principals the control lists)."
        )
        try:
            statements = _listify(json.loads(vault.access_policy).get("Statement", [])) if vault.access_policy else []
        except (ValueError, AttributeError):
            statements = []
        denying = [s for s in statements if isinstance(s, dict) and _denies_deletion(s)]
        if not denying:
            why = f"Vault {vault.name} lets anyone IAM allows delete its recovery points."
            return Verdict(vault.arn, VAULT_TYPE, BAD, f"{why} {fix}")
        for statement in denying:
            extra = _exempted(statement) - allowed
            if not extra:
                return Verdict(vault.arn, VAULT_TYPE, OK)
        others = sorted(set().union(*(_exempted(s) for s in denying)) - allowed)
        return Verdict(
            vault.arn,
            VAULT_TYPE,
            BAD,
            f"Vault {vault.name}'s access policy still lets {', '.join(others)} delete recovery points, which the "
            f"control does not allow. {fix}",
        )

    vaults = [
        v for v in estate.vaults.values() if in_scope(control.ControlScope, (v.arn, v.name), (VAULT_TYPE,), v.tags)
    ]
    return [judge(vault) for vault in vaults]


# Copies and locks, through the plans that select a resource


def _copy_targets(estate: Estate, resource: ResourceFacts, part: Callable[[str], str]) -> set[str]:
    return {part(arn) for plan in estate.plans_of(resource) for rule in plan.rules for arn in rule.copy_destinations}


def _protected_elsewhere(control: FrameworkControl, estate: Estate, where: str) -> list[Verdict]:
    if where == "Region":
        listed, own, part = control.parameters.get("crossRegionList"), estate.region, lambda a: parse_arn(a).region
    else:
        listed, own, part = control.parameters.get("crossAccountList"), estate.account, lambda a: parse_arn(a).account
    wanted = set(listed or ())  # type: ignore[call-overload]

    def judge(r: ResourceFacts) -> Verdict:
        others = _copy_targets(estate, r, part) - {own}
        missing = wanted - others
        if others and not missing:
            return Verdict(r.arn, r.resource_type, OK)
        need = f"to {', '.join(sorted(missing))}" if wanted else f"to another {where}"
        plans = ", ".join(p.name for p in estate.plans_of(r)) or "none"
        return Verdict(
            r.arn,
            r.resource_type,
            BAD,
            f"No backup plan selecting {r.arn} (plans: {plans}) copies its backups {need}. Fix: add a CopyAction "
            f"{need} to a rule of a plan that selects it.",
        )

    return [judge(r) for r in _resources(control, estate)]


def protected_by_cross_region(control: FrameworkControl, estate: Estate) -> list[Verdict]:
    return _protected_elsewhere(control, estate, "Region")


def protected_by_cross_account(control: FrameworkControl, estate: Estate) -> list[Verdict]:
    return _protected_elsewhere(control, estate, "account")


def protected_by_vault_lock(control: FrameworkControl, estate: Estate) -> list[Verdict]:
    low, high = control.parameters.get("minRetentionDays"), control.parameters.get("maxRetentionDays")

    def fits(vault: VaultFacts | None) -> bool:
        lock = vault.lock if vault else None
        if lock is None:
            return False
        if low is not None and (lock.min_retention_days is None or lock.min_retention_days < int(str(low))):
            return False
        return high is None or (lock.max_retention_days is not None and lock.max_retention_days <= int(str(high)))

    def judge(r: ResourceFacts) -> Verdict:
        vaults = {rule.vault_name for plan in estate.plans_of(r) for rule in plan.rules}
        if any(fits(estate.vaults.get(name)) for name in vaults):
            return Verdict(r.arn, r.resource_type, OK)
        bounds = "".join(
            [f", MinRetentionDays at least {low}" if low else "", f", MaxRetentionDays at most {high}" if high else ""]
        )
        where = f"its plans back it up into {', '.join(sorted(vaults))}" if vaults else "no backup plan selects it"
        return Verdict(
            r.arn,
            r.resource_type,
            BAD,
            f"{r.arn} has no backups in a locked vault{bounds} ({where}). Fix: PutBackupVaultLockConfiguration on "
            "the rule's target vault with those bounds, or target a locked vault.",
        )

    return [judge(r) for r in _resources(control, estate)]


# Recent backups and restores


def last_recovery_point_created(control: FrameworkControl, estate: Estate) -> list[Verdict]:
    unit, value = str(control.parameters["recoveryPointAgeUnit"]), int(str(control.parameters["recoveryPointAgeValue"]))
    age = timedelta(hours=value) if unit == "hours" else timedelta(days=value)

    def judge(r: ResourceFacts) -> Verdict:
        last = r.last_recovery_point
        if last is not None and last >= estate.now - age:
            return Verdict(r.arn, r.resource_type, OK)
        when = f"the last one is from {last:%Y-%m-%d %H:%M} UTC" if last else "it has none"
        return Verdict(
            r.arn,
            r.resource_type,
            BAD,
            f"{r.arn} has no recovery point from the last {value} {unit} ({when}). Fix: StartBackupJob now, and "
            f"select it in a plan whose rule runs at least every {value} {unit}.",
        )

    return [judge(r) for r in _resources(control, estate)]


def restore_time_meets_target(control: FrameworkControl, estate: Estate) -> list[Verdict]:
    target = int(str(control.parameters["maxRestoreTime"]))

    def judge(r: ResourceFacts) -> Verdict:
        minutes = r.last_restore_minutes
        if minutes is None:
            return Verdict(
                r.arn,
                r.resource_type,
                UNKNOWN,
                f"No restore of {r.arn} has completed, so its restore time is unknown. Fix: test a restore "
                "(StartRestoreJob) of one of its recovery points.",
            )
        if minutes <= target:
            return Verdict(r.arn, r.resource_type, OK)
        return Verdict(
            r.arn,
            r.resource_type,
            BAD,
            f"The latest restore of {r.arn} took {minutes:.0f} minutes, more than the {target} minute target. Fix: "
            "restore from a smaller or warmer recovery point, or raise maxRestoreTime to what is achievable.",
        )

    return [judge(r) for r in _resources(control, estate)]


EVALUATORS: dict[str, Callable[[FrameworkControl, Estate], list[Verdict]]] = {
    catalog.PROTECTED_BY_BACKUP_PLAN: protected_by_backup_plan,
    catalog.PLAN_MIN_FREQUENCY_AND_RETENTION: plan_min_frequency_and_retention,
    catalog.RECOVERY_POINT_MIN_RETENTION: recovery_point_minimum_retention,
    catalog.RECOVERY_POINT_ENCRYPTED: recovery_point_encrypted,
    catalog.MANUAL_DELETION_DISABLED: manual_deletion_disabled,
    catalog.CROSS_REGION: protected_by_cross_region,
    catalog.CROSS_ACCOUNT: protected_by_cross_account,
    catalog.VAULT_LOCK: protected_by_vault_lock,
    catalog.LAST_RECOVERY_POINT_CREATED: last_recovery_point_created,
    catalog.RESTORE_TIME: restore_time_meets_target,
}


def evaluate(control: FrameworkControl, estate: Estate) -> list[Verdict]:
    return EVALUATORS[control.ControlName](control, estate)
