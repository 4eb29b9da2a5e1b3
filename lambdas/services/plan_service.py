"""Use cases on backup plans and selections. Validation happens before anything is written, and the
plan's schedules follow the plan: created with it, updated with it, removed with it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lambdas.domain.arns import plan_arn
from lambdas.domain.errors import InvalidParameterValueException, InvalidRequestException
from lambdas.domain.ids import new_id, new_version_id
from lambdas.domain.plans import BackupPlan, BackupPlanInput, BackupRule
from lambdas.domain.selections import BackupSelection, BackupSelectionInput
from lambdas.domain.validation import parse_model
from lambdas.services.context import ServiceContext


def _check_vaults(ctx: ServiceContext, plan: BackupPlanInput) -> None:
    for name in sorted(plan.vault_names()):
        if ctx.stores.vaults.find(name) is None:
            raise InvalidParameterValueException(f"Invalid TargetBackupVaultName: backup vault {name} does not exist")


def _rules(plan: BackupPlanInput, previous: BackupPlan | None) -> list[BackupRule]:
    # A rule keeps its id (and so its schedule) across updates as long as its name is unchanged.
    known = {rule.RuleName: rule.RuleId for rule in previous.Rules} if previous else {}
    return [
        BackupRule(**rule.model_dump(exclude_unset=False), RuleId=known.get(rule.RuleName) or new_id())
        for rule in plan.Rules
    ]


def create_plan(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> BackupPlan:
    data = parse_model(BackupPlanInput, request.get("BackupPlan"))
    _check_vaults(ctx, data)
    plan_id = new_id()
    plan = BackupPlan(
        BackupPlanId=plan_id,
        BackupPlanArn=plan_arn(ctx.region, ctx.account, plan_id),
        BackupPlanName=data.BackupPlanName,
        VersionId=new_version_id(),
        Rules=_rules(data, None),
        AdvancedBackupSettings=data.AdvancedBackupSettings,
        CreationDate=now,
        CreatorRequestId=request.get("CreatorRequestId"),
    )
    if ctx.scheduler:
        ctx.scheduler.sync(plan, None)
    try:
        ctx.stores.plans.create(plan)
    except Exception:
        if ctx.scheduler:
            ctx.scheduler.remove(plan)
        raise
    return plan


def update_plan(ctx: ServiceContext, plan_id: str, request: dict[str, Any], now: datetime) -> BackupPlan:
    data = parse_model(BackupPlanInput, request.get("BackupPlan"))
    current = ctx.stores.plans.get(plan_id)
    _check_vaults(ctx, data)
    updated = current.model_copy(
        update={
            "BackupPlanName": data.BackupPlanName,
            "VersionId": new_version_id(),
            "Rules": _rules(data, current),
            "AdvancedBackupSettings": data.AdvancedBackupSettings,
            "CreationDate": now,
        }
    )
    if ctx.scheduler:
        ctx.scheduler.sync(updated, current)
    ctx.stores.plans.replace(updated, expected_version=current.VersionId)
    return updated


def delete_plan(ctx: ServiceContext, plan_id: str, now: datetime) -> BackupPlan:
    current = ctx.stores.plans.get(plan_id)
    if ctx.stores.plans.selections(plan_id):
        raise InvalidRequestException(
            f"Backup plan {plan_id} still has resource selections; delete them before deleting the plan"
        )
    deleted = current.model_copy(update={"DeletionDate": now, "VersionId": new_version_id()})
    ctx.stores.plans.replace(deleted, expected_version=current.VersionId)
    if ctx.scheduler:
        ctx.scheduler.remove(current)
    return deleted


def create_selection(ctx: ServiceContext, plan_id: str, request: dict[str, Any], now: datetime) -> BackupSelection:
    data = parse_model(BackupSelectionInput, request.get("BackupSelection"))
    ctx.stores.plans.get(plan_id)
    for arn in data.Resources + data.NotResources:
        if "*" not in arn:
            ctx.adapters.for_arn(arn)  # an ARN of a type Strongroom cannot protect is refused now, not at 5 a.m.
    selection = BackupSelection(
        SelectionId=new_id(),
        BackupPlanId=plan_id,
        Selection=data,
        CreationDate=now,
        CreatorRequestId=request.get("CreatorRequestId"),
    )
    ctx.stores.plans.add_selection(selection)
    return selection
