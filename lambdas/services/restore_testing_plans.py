"""Restore testing plans and selections: create, get, update, delete, list, with AWS's CreatorRequestId
idempotency. A plan's schedule follows the plan; a plan with selections cannot be deleted (AWS: "you must delete
all associated restore testing selections before deleting the plan")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lambdas.domain.errors import (
    AlreadyExistsException,
    InvalidParameterValueException,
    InvalidRequestException,
    ResourceNotFoundException,
)
from lambdas.domain.ids import new_id
from lambdas.domain.restore_testing.plans import (
    CreatePlanInput,
    CreateSelectionInput,
    RestoreTestingPlan,
    RestoreTestingSelection,
    UpdatePlanInput,
    UpdateSelectionInput,
    plan_arn,
)
from lambdas.domain.validation import parse_model
from lambdas.services.context import ServiceContext


def create_plan(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> RestoreTestingPlan:
    data = parse_model(CreatePlanInput, request)
    given = data.RestoreTestingPlan
    store = ctx.stores.restore_testing
    existing = store.find_plan(given.RestoreTestingPlanName)
    if existing is not None:
        if data.CreatorRequestId and existing.CreatorRequestId == data.CreatorRequestId:
            return existing  # the same request retried
        raise AlreadyExistsException(f"A restore testing plan named {given.RestoreTestingPlanName} already exists")
    plan = RestoreTestingPlan(
        **given.model_dump(),
        RestoreTestingPlanArn=plan_arn(ctx.region, ctx.account, given.RestoreTestingPlanName, new_id()[:6]),
        CreationTime=now,
        CreatorRequestId=data.CreatorRequestId,
        Tags=data.Tags,
    )
    if not store.create_plan(plan):
        raise AlreadyExistsException(f"A restore testing plan named {given.RestoreTestingPlanName} already exists")
    if ctx.restore_test_scheduler is not None:
        try:
            ctx.restore_test_scheduler.sync(plan)
        except Exception:
            store.delete_plan(plan.RestoreTestingPlanName)  # no plan without its schedule
            raise
    return plan


def get_plan(ctx: ServiceContext, name: str) -> RestoreTestingPlan:
    plan = ctx.stores.restore_testing.find_plan(name)
    if plan is None:
        raise ResourceNotFoundException(f"Restore testing plan {name} does not exist")
    return plan


def update_plan(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> RestoreTestingPlan:
    data = parse_model(UpdatePlanInput, request)
    plan = get_plan(ctx, data.RestoreTestingPlanName)
    changes = data.RestoreTestingPlan.model_dump(exclude_none=True)
    if not changes:
        raise InvalidParameterValueException("RestoreTestingPlan names nothing to update")
    updated = RestoreTestingPlan.model_validate({**plan.model_dump(), **changes, "LastUpdateTime": now})
    ctx.stores.restore_testing.save_plan(updated)  # ConflictException when it changed meanwhile
    if ctx.restore_test_scheduler is not None:
        ctx.restore_test_scheduler.sync(updated)
    return updated


def delete_plan(ctx: ServiceContext, name: str) -> RestoreTestingPlan:
    plan = get_plan(ctx, name)
    selections, _ = ctx.stores.restore_testing.selection_page(name, 1, None)
    if selections:
        raise InvalidRequestException(
            f"Restore testing plan {name} still has selections ({selections[0].RestoreTestingSelectionName}): "
            "delete them first"
        )
    if ctx.restore_test_scheduler is not None:
        ctx.restore_test_scheduler.remove(name)
    ctx.stores.restore_testing.delete_plan(name)
    return plan


def plan_by_arn(ctx: ServiceContext, arn: str) -> RestoreTestingPlan:
    """The plan an ARN names (restore-testing-plan:Name-id; a plan's name has no hyphen), the same plan only: a plan
    deleted and made again under the name has another id."""
    name = arn.split(":restore-testing-plan:", 1)[-1].rsplit("-", 1)[0]
    plan = ctx.stores.restore_testing.find_plan(name)
    if plan is None or plan.RestoreTestingPlanArn != arn:
        raise ResourceNotFoundException(f"No restore testing plan has the ARN {arn}")
    return plan


def set_plan_tags(ctx: ServiceContext, plan: RestoreTestingPlan, tags: dict[str, str]) -> None:
    ctx.stores.restore_testing.save_plan(plan.model_copy(update={"Tags": tags}))


def _check_type(ctx: ServiceContext, resource_type: str) -> None:
    ctx.adapters.for_type(resource_type)  # InvalidParameterValueException naming the supported types


def create_selection(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> RestoreTestingSelection:
    data = parse_model(CreateSelectionInput, request)
    plan = get_plan(ctx, data.RestoreTestingPlanName)
    given = data.RestoreTestingSelection
    _check_type(ctx, given.ProtectedResourceType)
    store = ctx.stores.restore_testing
    existing = store.find_selection(plan.RestoreTestingPlanName, given.RestoreTestingSelectionName)
    if existing is not None:
        if data.CreatorRequestId and existing.CreatorRequestId == data.CreatorRequestId:
            return existing
        raise AlreadyExistsException(
            f"Restore testing plan {plan.RestoreTestingPlanName} already has a selection named "
            f"{given.RestoreTestingSelectionName}"
        )
    selection = RestoreTestingSelection(
        **given.model_dump(),
        RestoreTestingPlanName=plan.RestoreTestingPlanName,
        CreationTime=now,
        CreatorRequestId=data.CreatorRequestId,
    )
    if not store.create_selection(selection):
        raise AlreadyExistsException(f"Selection {given.RestoreTestingSelectionName} already exists")
    return selection


def get_selection(ctx: ServiceContext, plan_name: str, name: str) -> RestoreTestingSelection:
    get_plan(ctx, plan_name)
    selection = ctx.stores.restore_testing.find_selection(plan_name, name)
    if selection is None:
        raise ResourceNotFoundException(f"Restore testing plan {plan_name} has no selection named {name}")
    return selection


def update_selection(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> RestoreTestingSelection:
    data = parse_model(UpdateSelectionInput, request)
    selection = get_selection(ctx, data.RestoreTestingPlanName, data.RestoreTestingSelectionName)
    changes = data.RestoreTestingSelection.model_dump(exclude_none=True)
    if not changes:
        raise InvalidParameterValueException("RestoreTestingSelection names nothing to update")
    merged = {**selection.model_dump(), **changes, "LastUpdateTime": now}
    # Naming specific ARNs replaces the conditions (the two cannot be combined).
    arns_only = "ProtectedResourceArns" in changes and "ProtectedResourceConditions" not in changes
    if arns_only and "*" not in changes["ProtectedResourceArns"]:
        merged["ProtectedResourceConditions"] = None
    updated = parse_model(RestoreTestingSelection, merged)
    ctx.stores.restore_testing.save_selection(updated)
    return updated


def delete_selection(ctx: ServiceContext, plan_name: str, name: str) -> None:
    get_selection(ctx, plan_name, name)
    ctx.stores.restore_testing.delete_selection(plan_name, name)
