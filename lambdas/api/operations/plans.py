"""Backup plan operations: create, get, update, delete, list, versions, templates and JSON documents."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from lambdas.api.operations import operation
from lambdas.api.operations.paging import page_size
from lambdas.domain.errors import InvalidParameterValueException
from lambdas.services import plan_service
from lambdas.services.context import ServiceContext

MAX_SCHEDULED_RUNS_PREVIEW = 10


@operation("CreateBackupPlan")
def create_backup_plan(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    plan = plan_service.create_plan(ctx, request, now)
    return {
        "BackupPlanId": plan.BackupPlanId,
        "BackupPlanArn": plan.BackupPlanArn,
        "CreationDate": plan.CreationDate,
        "VersionId": plan.VersionId,
        "AdvancedBackupSettings": plan.document().get("AdvancedBackupSettings"),
    }


@operation("GetBackupPlan")
def get_backup_plan(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    plan = plan_service.get_plan(ctx, request["BackupPlanId"], request.get("VersionId"))
    document = plan.document()
    output: dict[str, Any] = {
        "BackupPlan": document,
        "BackupPlanId": plan.BackupPlanId,
        "BackupPlanArn": plan.BackupPlanArn,
        "VersionId": plan.VersionId,
        "CreatorRequestId": plan.CreatorRequestId,
        "CreationDate": plan.CreationDate,
        "DeletionDate": plan.DeletionDate,
        "LastExecutionDate": plan.LastExecutionDate,
        "AdvancedBackupSettings": document.get("AdvancedBackupSettings"),
    }
    preview = request.get("MaxScheduledRunsPreview")
    if preview is not None:
        if not 0 <= preview <= MAX_SCHEDULED_RUNS_PREVIEW:
            raise InvalidParameterValueException(
                f"MaxScheduledRunsPreview must be between 0 and {MAX_SCHEDULED_RUNS_PREVIEW}, got {preview}"
            )
        if preview and plan.DeletionDate is None:
            output["ScheduledRunsPreview"] = plan.scheduled_runs(now, preview)
    return output


@operation("UpdateBackupPlan")
def update_backup_plan(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    plan = plan_service.update_plan(ctx, request["BackupPlanId"], request, now)
    document = plan.document()
    return {
        "BackupPlanId": plan.BackupPlanId,
        "BackupPlanArn": plan.BackupPlanArn,
        "CreationDate": plan.CreationDate,
        "VersionId": plan.VersionId,
        "AdvancedBackupSettings": document.get("AdvancedBackupSettings"),
        "ScanSettings": document.get("ScanSettings"),
    }


@operation("DeleteBackupPlan")
def delete_backup_plan(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    plan = plan_service.delete_plan(ctx, request["BackupPlanId"], now)
    return {
        "BackupPlanId": plan.BackupPlanId,
        "BackupPlanArn": plan.BackupPlanArn,
        "DeletionDate": plan.DeletionDate,
        "VersionId": plan.VersionId,
    }


@operation("ListBackupPlans")
def list_backup_plans(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    plans, token = plan_service.list_plans(
        ctx, page_size(request), request.get("NextToken"), bool(request.get("IncludeDeleted", False))
    )
    return {"BackupPlansList": [plan.summary() for plan in plans], "NextToken": token}


@operation("ListBackupPlanVersions")
def list_backup_plan_versions(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    versions, token = plan_service.list_versions(
        ctx, request["BackupPlanId"], page_size(request), request.get("NextToken")
    )
    return {"BackupPlanVersionsList": [version.summary() for version in versions], "NextToken": token}


@operation("ExportBackupPlanTemplate")
def export_backup_plan_template(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"BackupPlanTemplateJson": plan_service.export_template(ctx, request["BackupPlanId"])}


@operation("GetBackupPlanFromJSON")
def get_backup_plan_from_json(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"BackupPlan": plan_service.plan_from_json(request["BackupPlanTemplateJson"]).document()}


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        offset = int(base64.urlsafe_b64decode(token.encode()).decode().removeprefix("templates:"))
    except ValueError:
        raise InvalidParameterValueException(f"Invalid NextToken: {token!r}") from None
    if offset < 0:
        raise InvalidParameterValueException(f"Invalid NextToken: {token!r}")
    return offset


@operation("ListBackupPlanTemplates")
def list_backup_plan_templates(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    start, size = _offset(request.get("NextToken")), page_size(request)
    shipped = plan_service.templates()
    page = shipped[start : start + size]
    end = start + len(page)
    token = base64.urlsafe_b64encode(f"templates:{end}".encode()).decode() if end < len(shipped) else None
    return {"BackupPlanTemplatesList": [template.listed() for template in page], "NextToken": token}


@operation("GetBackupPlanFromTemplate")
def get_backup_plan_from_template(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"BackupPlanDocument": plan_service.template(request["BackupPlanTemplateId"]).plan.document()}
