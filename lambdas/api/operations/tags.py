"""Tags on Strongroom's own resources: backup vaults, backup plans, recovery points, legal holds, frameworks,
report plans and restore testing plans."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lambdas.api.operations import operation
from lambdas.domain.arns import parse_arn
from lambdas.domain.errors import InvalidParameterValueException, ResourceNotFoundException
from lambdas.services import audit_frameworks, audit_reports, restore_testing_plans, vault_service
from lambdas.services.context import ServiceContext

MAX_TAGS = 50


def _read(ctx: ServiceContext, arn: str) -> dict[str, str]:
    parsed = parse_arn(arn)
    if parsed.service == "backup" and parsed.resource.startswith("backup-vault:"):
        return dict(ctx.stores.vaults.get(parsed.resource.split(":", 1)[1]).Tags)
    if parsed.service == "backup" and parsed.resource.startswith("backup-plan:"):
        return dict(ctx.stores.plans.get(parsed.resource.split(":", 1)[1]).Tags)
    if parsed.service == "backup" and parsed.resource.startswith("legal-hold:"):
        return dict(ctx.stores.legal_holds.get(parsed.resource.split(":", 1)[1]).Tags)
    if parsed.service == "backup" and parsed.resource.startswith("framework:"):
        return dict(audit_frameworks.find_by_arn(ctx, arn).Tags)
    if parsed.service == "backup" and parsed.resource.startswith("report-plan:"):
        return dict(audit_reports.plan_by_arn(ctx, arn).Tags)
    if parsed.service == "backup" and parsed.resource.startswith("restore-testing-plan:"):
        return dict(restore_testing_plans.plan_by_arn(ctx, arn).Tags)
    point = ctx.stores.recovery_points.find(arn)
    if point is None or point.StorageClass == "DELETED":
        raise ResourceNotFoundException(f"No backup vault, backup plan or recovery point has the ARN {arn}")
    return dict(point.Tags)


def _write(ctx: ServiceContext, arn: str, tags: dict[str, str]) -> None:
    if len(tags) > MAX_TAGS:
        raise InvalidParameterValueException(f"A resource has at most {MAX_TAGS} tags; this would make {len(tags)}")
    parsed = parse_arn(arn)
    if parsed.service == "backup" and parsed.resource.startswith("backup-vault:"):
        vault_service.set_tags(ctx, parsed.resource.split(":", 1)[1], tags)
    elif parsed.service == "backup" and parsed.resource.startswith("backup-plan:"):
        ctx.stores.plans.save_tags(parsed.resource.split(":", 1)[1], tags)
    elif parsed.service == "backup" and parsed.resource.startswith("legal-hold:"):
        hold = ctx.stores.legal_holds.get(parsed.resource.split(":", 1)[1])
        ctx.stores.legal_holds.save(hold.model_copy(update={"Tags": tags}), hold.Status.value)
    elif parsed.service == "backup" and parsed.resource.startswith("framework:"):
        audit_frameworks.set_tags(ctx, arn, tags)
    elif parsed.service == "backup" and parsed.resource.startswith("report-plan:"):
        audit_reports.set_plan_tags(ctx, arn, tags)
    elif parsed.service == "backup" and parsed.resource.startswith("restore-testing-plan:"):
        restore_testing_plans.set_plan_tags(ctx, restore_testing_plans.plan_by_arn(ctx, arn), tags)
    else:
        point = ctx.stores.recovery_points.get(arn)
        ctx.stores.recovery_points.save(point.model_copy(update={"Tags": tags}), point.Status.value)


@operation("TagResource")
def tag_resource(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    for key in request["Tags"]:
        if key.lower().startswith("aws:"):
            raise InvalidParameterValueException(f"Tag keys starting with aws: are reserved: {key}")
    arn = request["ResourceArn"]
    _write(ctx, arn, {**_read(ctx, arn), **request["Tags"]})
    return {}


@operation("UntagResource")
def untag_resource(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    arn = request["ResourceArn"]
    removed = set(request["TagKeyList"])
    _write(ctx, arn, {k: v for k, v in _read(ctx, arn).items() if k not in removed})
    return {}


@operation("ListTags")
def list_tags(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"Tags": _read(ctx, request["ResourceArn"])}
