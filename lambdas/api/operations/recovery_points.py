"""Recovery point operations: describe, list by vault and by resource, delete, update the lifecycle, restore
metadata, disassociate."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lambdas.api.operations import operation
from lambdas.api.operations.paging import page_size
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.services import recovery_point_service
from lambdas.services.context import ServiceContext


def _without_empty(fields: dict[str, Any]) -> dict[str, Any]:
    """Drops empty structures (an on-demand point's CreatedBy, a lifecycle with no dates)."""
    return {name: value for name, value in fields.items() if value not in ({}, None)}


def _creator(point: RecoveryPoint) -> dict[str, Any]:
    return point.CreatedBy.model_dump(exclude_none=True)


def _described(point: RecoveryPoint) -> dict[str, Any]:
    return _without_empty(
        {
            **point.model_dump(exclude={"CreatedBy", "CalculatedLifecycle", "Lifecycle"}),
            "CreatedBy": _creator(point),
            "Lifecycle": point.Lifecycle.model_dump(exclude_none=True) if point.Lifecycle else None,
            "CalculatedLifecycle": point.CalculatedLifecycle.model_dump(exclude_none=True),
            "IsParent": False,
            "VaultType": "BACKUP_VAULT",
        }
    )


def _by_resource(point: RecoveryPoint) -> dict[str, Any]:
    return _without_empty(
        {
            "RecoveryPointArn": point.RecoveryPointArn,
            "CreationDate": point.CreationDate,
            "Status": point.Status,
            "StatusMessage": point.StatusMessage,
            "EncryptionKeyArn": point.EncryptionKeyArn,
            "BackupSizeBytes": point.BackupSizeInBytes,
            "BackupVaultName": point.BackupVaultName,
            "IsParent": False,
            "ResourceName": point.ResourceName,
            "VaultType": "BACKUP_VAULT",
        }
    )


@operation("DescribeRecoveryPoint")
def describe_recovery_point(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    return _described(recovery_point_service.describe(ctx, request))


@operation("ListRecoveryPointsByBackupVault")
def list_recovery_points_by_backup_vault(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    points, token = recovery_point_service.list_in_vault(ctx, request, page_size(request))
    return {"RecoveryPoints": [_described(point) for point in points], "NextToken": token}


@operation("ListRecoveryPointsByResource")
def list_recovery_points_by_resource(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    points, token = recovery_point_service.list_of_resource(ctx, request, page_size(request))
    return {"RecoveryPoints": [_by_resource(point) for point in points], "NextToken": token}


@operation("DeleteRecoveryPoint")
def delete_recovery_point(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    recovery_point_service.delete(ctx, request, now)
    return {}


@operation("UpdateRecoveryPointLifecycle")
def update_recovery_point_lifecycle(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    point = recovery_point_service.update_lifecycle(ctx, request, now)
    return _without_empty(
        {
            "BackupVaultArn": point.BackupVaultArn,
            "RecoveryPointArn": point.RecoveryPointArn,
            "Lifecycle": point.Lifecycle.model_dump(exclude_none=True) if point.Lifecycle else None,
            "CalculatedLifecycle": point.CalculatedLifecycle.model_dump(exclude_none=True),
        }
    )


@operation("GetRecoveryPointRestoreMetadata")
def get_recovery_point_restore_metadata(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    point = recovery_point_service.restore_metadata(ctx, request)
    return {
        "BackupVaultArn": point.BackupVaultArn,
        "RecoveryPointArn": point.RecoveryPointArn,
        "RestoreMetadata": point.RestoreMetadata,
        "ResourceType": point.ResourceType,
    }


@operation("DisassociateRecoveryPoint")
def disassociate_recovery_point(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    recovery_point_service.disassociate(ctx, request, now)
    return {}
