"""Frameworks: create, describe, update, delete and list, with AWS's idempotency tokens and limits.

Strongroom deploys no AWS Config rules: a framework is COMPLETED (DeploymentStatus) and ACTIVE (FrameworkStatus)
as soon as it is written, and evaluated on the next run of the compliance evaluation (which a change here also
asks for)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lambdas.domain.audit.frameworks import (
    MAX_CONTROLS_PER_ACCOUNT,
    CreateFrameworkInput,
    Framework,
    UpdateFrameworkInput,
    framework_arn,
)
from lambdas.domain.errors import AlreadyExistsException, LimitExceededException, ResourceNotFoundException
from lambdas.domain.ids import new_id
from lambdas.domain.validation import parse_model
from lambdas.services.context import ServiceContext


def _controls_in_use(ctx: ServiceContext, leaving_out: str | None = None) -> int:
    return sum(len(f.FrameworkControls) for f in ctx.stores.audit.every_framework() if f.FrameworkName != leaving_out)


def _check_limit(ctx: ServiceContext, adding: int, leaving_out: str | None = None) -> None:
    in_use = _controls_in_use(ctx, leaving_out)
    if in_use + adding > MAX_CONTROLS_PER_ACCOUNT:
        raise LimitExceededException(
            f"An account uses at most {MAX_CONTROLS_PER_ACCOUNT} controls across its frameworks (a control in two "
            f"frameworks counts twice); {in_use} are in use and this would add {adding}"
        )


def create(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> Framework:
    data = parse_model(CreateFrameworkInput, request)
    existing = ctx.stores.audit.find_framework(data.FrameworkName)
    if existing is not None:
        if data.IdempotencyToken and existing.IdempotencyToken == data.IdempotencyToken:
            return existing  # the same request retried: success, no action
        raise AlreadyExistsException(f"A framework named {data.FrameworkName} already exists")
    _check_limit(ctx, len(data.FrameworkControls))
    framework = Framework(
        FrameworkName=data.FrameworkName,
        FrameworkArn=framework_arn(ctx.region, ctx.account, data.FrameworkName, new_id()),
        FrameworkDescription=data.FrameworkDescription,
        FrameworkControls=data.FrameworkControls,
        CreationTime=now,
        IdempotencyToken=data.IdempotencyToken,
        Tags=data.FrameworkTags,
    )
    if not ctx.stores.audit.create_framework(framework):
        raise AlreadyExistsException(f"A framework named {data.FrameworkName} already exists")
    if ctx.audit_trigger is not None:
        ctx.audit_trigger.framework_changed(now)  # its first results in minutes, not at the next hourly run
    return framework


def get(ctx: ServiceContext, name: str) -> Framework:
    framework = ctx.stores.audit.find_framework(name)
    if framework is None:
        raise ResourceNotFoundException(f"Framework {name} does not exist")
    return framework


def find_by_arn(ctx: ServiceContext, arn: str) -> Framework:
    name = arn.split(":framework:", 1)[-1].rsplit("-", 5)[0]
    framework = ctx.stores.audit.find_framework(name)
    if framework is None or framework.FrameworkArn != arn:
        raise ResourceNotFoundException(f"Framework {arn} does not exist")
    return framework


def update(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> Framework:
    data = parse_model(UpdateFrameworkInput, request)
    framework = get(ctx, data.FrameworkName)
    if data.IdempotencyToken and framework.UpdateToken == data.IdempotencyToken:
        return framework
    changes: dict[str, Any] = {"UpdateToken": data.IdempotencyToken}
    if data.FrameworkDescription is not None:
        changes["FrameworkDescription"] = data.FrameworkDescription
    if data.FrameworkControls is not None:
        _check_limit(ctx, len(data.FrameworkControls), leaving_out=framework.FrameworkName)
        changes["FrameworkControls"] = data.FrameworkControls
    updated = framework.model_copy(update=changes)
    ctx.stores.audit.save_framework(updated, framework.FrameworkArn)
    if ctx.audit_trigger is not None:
        ctx.audit_trigger.framework_changed(now)
    return updated


def delete(ctx: ServiceContext, name: str) -> None:
    get(ctx, name)
    ctx.stores.audit.delete_framework(name)
    ctx.stores.audit.forget_framework(name)


def set_tags(ctx: ServiceContext, arn: str, tags: dict[str, str]) -> None:
    framework = find_by_arn(ctx, arn)
    ctx.stores.audit.save_framework(framework.model_copy(update={"Tags": tags}), framework.FrameworkArn)
