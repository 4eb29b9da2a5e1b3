"""Backup selection operations: which resources a plan protects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lambdas.api.operations import operation
from lambdas.api.operations.paging import page_size
from lambdas.services import plan_service
from lambdas.services.context import ServiceContext


@operation("CreateBackupSelection")
def create_backup_selection(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    selection = plan_service.create_selection(ctx, request["BackupPlanId"], request, now)
    return {
        "SelectionId": selection.SelectionId,
        "BackupPlanId": selection.BackupPlanId,
        "CreationDate": selection.CreationDate,
    }


@operation("GetBackupSelection")
def get_backup_selection(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    selection = plan_service.get_selection(ctx, request["BackupPlanId"], request["SelectionId"])
    return {
        "BackupSelection": selection.Selection.document(),
        "SelectionId": selection.SelectionId,
        "BackupPlanId": selection.BackupPlanId,
        "CreationDate": selection.CreationDate,
        "CreatorRequestId": selection.CreatorRequestId,
    }


@operation("DeleteBackupSelection")
def delete_backup_selection(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    plan_service.delete_selection(ctx, request["BackupPlanId"], request["SelectionId"], now)
    return {}


@operation("ListBackupSelections")
def list_backup_selections(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    selections, token = plan_service.list_selections(
        ctx, request["BackupPlanId"], page_size(request), request.get("NextToken")
    )
    return {"BackupSelectionsList": [selection.summary() for selection in selections], "NextToken": token}
