"""Use cases on backup plans, their templates and their selections. Validation happens before anything is
written, and the plan's schedules follow the plan: created with it, updated with it, removed with it.

A CreatorRequestId makes a create idempotent: it names the plan (or selection) it creates, so a retried
request finds what the first attempt wrote, finishes what it left undone, and answers with it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from lambdas.domain.arns import parse_arn, plan_arn
from lambdas.domain.errors import (
    AlreadyExistsException,
    InvalidParameterValueException,
    InvalidRequestException,
    LimitExceededException,
    ResourceNotFoundException,
)
from lambdas.domain.ids import new_id, new_version_id
from lambdas.domain.plan_templates import TEMPLATES, PlanTemplate, find_template
from lambdas.domain.plans import (
    MAX_PLANS_PER_ACCOUNT,
    BackupPlan,
    BackupPlanInput,
    BackupRule,
    CreateBackupPlanRequest,
    UpdateBackupPlanRequest,
    derived_id,
)
from lambdas.domain.selections import (
    MAX_SELECTIONS_PER_PLAN,
    BackupSelection,
    CreateBackupSelectionRequest,
)
from lambdas.domain.validation import parse_model
from lambdas.services import notifications
from lambdas.services.audit_trigger import evaluate_soon
from lambdas.services.context import ServiceContext
from lambdas.services.event_details import PlanState

MAX_TEMPLATE_JSON_CHARACTERS = 100_000


def _only(request: dict[str, Any], *names: str) -> dict[str, Any]:
    """The body members a use case validates (path members such as BackupPlanId are not among them)."""
    return {name: request[name] for name in names if request.get(name) is not None}


def _check_vaults(ctx: ServiceContext, plan: BackupPlanInput) -> None:
    for name in sorted(plan.vault_names()):
        if ctx.stores.vaults.find(name) is None:
            raise InvalidParameterValueException(f"Invalid TargetBackupVaultName: backup vault {name} does not exist")
    for rule in plan.Rules:
        for copy in rule.CopyActions:
            destination = parse_arn(copy.DestinationBackupVaultArn)
            local = destination.region == ctx.region and destination.account == ctx.account
            name = destination.resource.split(":", 1)[1]
            if local and ctx.stores.vaults.find(name) is None:
                raise InvalidParameterValueException(
                    f"Invalid DestinationBackupVaultArn in rule {rule.RuleName}: backup vault {name} does not exist"
                )


def _rules(plan: BackupPlanInput, previous: BackupPlan | None, plan_id: str, stable: bool) -> list[BackupRule]:
    # A rule keeps its id (and so its schedule) across updates as long as its name is unchanged. The rules of
    # an idempotent create get ids derived from the plan's, so a retry names the same schedules.
    known = {rule.RuleName: rule.RuleId for rule in previous.Rules} if previous else {}

    def rule_id(name: str) -> str:
        return known.get(name) or (derived_id("rule", plan_id, name) if stable else new_id())

    return [BackupRule(**rule.model_dump(), RuleId=rule_id(rule.RuleName)) for rule in plan.Rules]


# Plans ----------------------------------------------------------------------------------------------------------


def create_plan(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> BackupPlan:
    data = parse_model(CreateBackupPlanRequest, _only(request, "BackupPlan", "BackupPlanTags", "CreatorRequestId"))
    document = data.BackupPlan
    request_id = data.CreatorRequestId
    plan_id = derived_id("plan", ctx.account, ctx.region, request_id) if request_id else new_id()
    if request_id:
        existing = ctx.stores.plans.find(plan_id)
        if existing is not None:
            return _replay(ctx, existing, document)
    _check_vaults(ctx, document)
    live = ctx.stores.plans.live()
    if any(plan.as_input() == document for plan in live):
        raise AlreadyExistsException("Backup plan with the same plan document already exists")
    if len(live) >= MAX_PLANS_PER_ACCOUNT:
        raise LimitExceededException(f"This account already has {len(live)} backup plans, the most allowed")
    plan = BackupPlan(
        BackupPlanId=plan_id,
        BackupPlanArn=plan_arn(ctx.region, ctx.account, plan_id),
        BackupPlanName=document.BackupPlanName,
        VersionId=new_version_id(),
        Rules=_rules(document, None, plan_id, stable=request_id is not None),
        AdvancedBackupSettings=document.AdvancedBackupSettings,
        ScanSettings=document.ScanSettings,
        CreationDate=now,
        CreatorRequestId=request_id,
        Tags=data.BackupPlanTags,
    )
    if ctx.scheduler:
        ctx.scheduler.sync(plan, None)
    try:
        ctx.stores.plans.create(plan)
    except AlreadyExistsException:
        # The same request, retried concurrently, got there first: answer as it did.
        raced = ctx.stores.plans.find(plan_id) if request_id else None
        if raced is None:
            raise
        return _replay(ctx, raced, document)
    except Exception:
        if ctx.scheduler:
            ctx.scheduler.remove(plan)
        raise
    notifications.plan_changed(ctx, plan, PlanState.CREATED, now)
    return plan


def _replay(ctx: ServiceContext, existing: BackupPlan, document: BackupPlanInput) -> BackupPlan:
    """A create retried with its CreatorRequestId: the plan it made, once what it left undone is done."""
    versions = ctx.stores.plans.versions(existing.BackupPlanId)
    original = versions[0] if versions else existing
    if original.as_input() != document:
        raise AlreadyExistsException(
            f"CreatorRequestId {existing.CreatorRequestId} already created backup plan {existing.BackupPlanId} "
            "from a different plan document"
        )
    if existing.DeletionDate is not None:
        raise AlreadyExistsException(
            f"CreatorRequestId {existing.CreatorRequestId} already created backup plan {existing.BackupPlanId}, "
            "which has since been deleted"
        )
    if not versions:
        ctx.stores.plans.put_version(existing)
        if ctx.scheduler:
            ctx.scheduler.sync(existing, None)
    return existing


def get_plan(ctx: ServiceContext, plan_id: str, version_id: str | None = None) -> BackupPlan:
    """A plan, or one of its versions; a deleted plan is still shown, with its DeletionDate."""
    plan = ctx.stores.plans.find(plan_id, version_id)
    if plan is None:
        suffix = f" version {version_id}" if version_id else ""
        raise ResourceNotFoundException(f"Backup plan {plan_id}{suffix} does not exist")
    return plan


def update_plan(ctx: ServiceContext, plan_id: str, request: dict[str, Any], now: datetime) -> BackupPlan:
    data = parse_model(UpdateBackupPlanRequest, {"BackupPlan": request.get("BackupPlan")}).BackupPlan
    current = ctx.stores.plans.get(plan_id)
    _check_vaults(ctx, data)
    updated = current.model_copy(
        update={
            "BackupPlanName": data.BackupPlanName,
            "VersionId": new_version_id(),
            "Rules": _rules(data, current, plan_id, stable=False),
            "AdvancedBackupSettings": data.AdvancedBackupSettings,
            "ScanSettings": data.ScanSettings,
            "CreationDate": now,
        }
    )
    # The version that wins the conditional write is the one whose schedules are synced: a loser leaves
    # no schedule behind. A crash between the two is healed by the next update, which syncs again.
    ctx.stores.plans.replace(updated, expected_version=current.VersionId)
    if ctx.scheduler:
        ctx.scheduler.sync(updated, current)
    notifications.plan_changed(ctx, updated, PlanState.MODIFIED, now, previous=current)
    return updated


def delete_plan(ctx: ServiceContext, plan_id: str, now: datetime) -> BackupPlan:
    current = ctx.stores.plans.get(plan_id)
    if ctx.stores.plans.selections(plan_id):
        raise InvalidRequestException(
            f"Backup plan {plan_id} still has resource selections; delete them before deleting the plan"
        )
    # "Deleting a backup plan deletes the current version": that version, with its own VersionId, now carries
    # the DeletionDate (GetBackupPlan with its VersionId shows it); earlier versions stay as they were.
    deleted = current.model_copy(update={"DeletionDate": now})
    ctx.stores.plans.replace(deleted, expected_version=current.VersionId)
    if ctx.scheduler:
        ctx.scheduler.remove(current)
    notifications.plan_changed(ctx, deleted, PlanState.DELETED, now)
    return deleted


def list_plans(
    ctx: ServiceContext, limit: int, token: str | None, include_deleted: bool = False
) -> tuple[list[BackupPlan], str | None]:
    return ctx.stores.plans.page(limit, token, include_deleted=include_deleted)


def list_versions(
    ctx: ServiceContext, plan_id: str, limit: int, token: str | None
) -> tuple[list[BackupPlan], str | None]:
    get_plan(ctx, plan_id)
    return ctx.stores.plans.version_page(plan_id, limit, token)


# Templates and JSON -----------------------------------------------------------------------------------------------


def export_template(ctx: ServiceContext, plan_id: str) -> str:
    """The plan as a JSON document that GetBackupPlanFromJSON (and CreateBackupPlan) accept."""
    return json.dumps(ctx.stores.plans.get(plan_id).as_input().document())


def plan_from_json(text: str) -> BackupPlanInput:
    if len(text) > MAX_TEMPLATE_JSON_CHARACTERS:
        raise LimitExceededException(
            f"BackupPlanTemplateJson is {len(text)} characters long; at most {MAX_TEMPLATE_JSON_CHARACTERS} are allowed"
        )
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidParameterValueException(
            f"BackupPlanTemplateJson is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    except RecursionError:
        raise InvalidParameterValueException("BackupPlanTemplateJson is nested too deeply to be read") from None
    except ValueError as error:  # numbers longer than Python reads
        raise InvalidParameterValueException(f"BackupPlanTemplateJson is not valid JSON: {error}") from None
    if not isinstance(payload, dict):
        raise InvalidParameterValueException(
            "BackupPlanTemplateJson must be a JSON object with BackupPlanName and Rules"
        )
    return parse_model(BackupPlanInput, payload)


def templates() -> tuple[PlanTemplate, ...]:
    return TEMPLATES


def template(template_id: str) -> PlanTemplate:
    found = find_template(template_id)
    if found is None:
        raise ResourceNotFoundException(f"Backup plan template {template_id} does not exist")
    return found


# Selections -------------------------------------------------------------------------------------------------------


def create_selection(ctx: ServiceContext, plan_id: str, request: dict[str, Any], now: datetime) -> BackupSelection:
    data = parse_model(CreateBackupSelectionRequest, _only(request, "BackupSelection", "CreatorRequestId"))
    chosen = data.BackupSelection
    ctx.stores.plans.get(plan_id)
    for arn in chosen.Resources + chosen.NotResources:
        if "*" not in arn:
            ctx.adapters.for_arn(arn)  # an ARN of a type Strongroom cannot protect is refused now, not at 5 a.m.
    request_id = data.CreatorRequestId
    selection_id = derived_id("selection", plan_id, request_id) if request_id else new_id()
    if request_id:
        existing = ctx.stores.plans.find_selection(plan_id, selection_id)
        if existing is not None:
            return _replay_selection(existing, data)
    count = len(ctx.stores.plans.selections(plan_id))
    if count >= MAX_SELECTIONS_PER_PLAN:
        raise LimitExceededException(
            f"Backup plan {plan_id} already has {count} resource selections, the most a plan can have"
        )
    selection = BackupSelection(
        SelectionId=selection_id,
        BackupPlanId=plan_id,
        Selection=chosen,
        CreationDate=now,
        CreatorRequestId=request_id,
    )
    try:
        ctx.stores.plans.add_selection(selection)
    except AlreadyExistsException:
        raced = ctx.stores.plans.find_selection(plan_id, selection_id) if request_id else None
        if raced is None:
            raise
        return _replay_selection(raced, data)
    evaluate_soon(ctx.audit_trigger, now)  # its resources may be protected now
    return selection


def _replay_selection(existing: BackupSelection, data: CreateBackupSelectionRequest) -> BackupSelection:
    if existing.Selection != data.BackupSelection:
        raise AlreadyExistsException(
            f"CreatorRequestId {data.CreatorRequestId} already created selection {existing.SelectionId} "
            "from a different selection document"
        )
    return existing


def get_selection(ctx: ServiceContext, plan_id: str, selection_id: str) -> BackupSelection:
    get_plan(ctx, plan_id)
    return ctx.stores.plans.get_selection(plan_id, selection_id)


def delete_selection(ctx: ServiceContext, plan_id: str, selection_id: str, now: datetime) -> None:
    get_plan(ctx, plan_id)
    ctx.stores.plans.delete_selection(plan_id, selection_id)
    evaluate_soon(ctx.audit_trigger, now)  # its resources may be unprotected now


def list_selections(
    ctx: ServiceContext, plan_id: str, limit: int, token: str | None
) -> tuple[list[BackupSelection], str | None]:
    get_plan(ctx, plan_id)
    return ctx.stores.plans.selection_page(plan_id, limit, token)
