"""Recovery points as the API sees them: describe, list, delete, change the lifecycle, read the restore
metadata, and disassociate (AWS Backup lets go of the point and leaves the native backup in place)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lambdas.common.observability import logger
from lambdas.domain.arns import parse_arn
from lambdas.domain.errors import InvalidParameterValueException, InvalidRequestException, ResourceNotFoundException
from lambdas.domain.lifecycle import calculate
from lambdas.domain.plans import Lifecycle
from lambdas.domain.recovery_points import RecoveryPoint, RecoveryPointStatus
from lambdas.domain.validation import parse_model
from lambdas.services.context import ServiceContext
from lambdas.services.legal_hold_service import ensure_not_held
from lambdas.services.lifecycle_service import expire

# Only a finished, usable point can be deleted or handed back to its service.
SETTLED = frozenset({RecoveryPointStatus.COMPLETED, RecoveryPointStatus.AVAILABLE})
# ParentRecoveryPointArn filters composite points' children: Strongroom makes no composite points.
_NO_COMPOSITES = "ByParentRecoveryPointArn"


def _check_account(ctx: ServiceContext, request: dict[str, Any]) -> None:
    account = request.get("BackupVaultAccountId")
    if account and account != ctx.account:
        raise ResourceNotFoundException(
            f"Backup vault {request.get('BackupVaultName')} does not exist in account {account}"
        )


def describe(ctx: ServiceContext, request: dict[str, Any]) -> RecoveryPoint:
    """The point, if it lives in the vault the request names: the same ARN under another vault is not found."""
    _check_account(ctx, request)
    return ctx.stores.recovery_points.get(request["RecoveryPointArn"], request["BackupVaultName"])


def list_in_vault(ctx: ServiceContext, request: dict[str, Any], limit: int) -> tuple[list[RecoveryPoint], str | None]:
    _check_account(ctx, request)
    vault = ctx.stores.vaults.get(request["BackupVaultName"])
    if request.get(_NO_COMPOSITES):
        return [], None
    resource_type = request.get("ByResourceType")
    plan_id = request.get("ByBackupPlanId")

    def keep(point: RecoveryPoint) -> bool:
        return (resource_type is None or point.ResourceType == resource_type) and (
            plan_id is None or point.CreatedBy.BackupPlanId == plan_id
        )

    return ctx.stores.recovery_points.search(
        vault_name=vault.BackupVaultName,
        resource_arn=request.get("ByResourceArn"),
        keep=keep if resource_type or plan_id else None,
        limit=limit,
        token=request.get("NextToken"),
        created_after=request.get("ByCreatedAfter"),
        created_before=request.get("ByCreatedBefore"),
    )


def list_of_resource(
    ctx: ServiceContext, request: dict[str, Any], limit: int
) -> tuple[list[RecoveryPoint], str | None]:
    # Every point Strongroom lists it made itself, so ManagedByAWSBackupOnly changes nothing.
    resource_arn = request["ResourceArn"]
    parse_arn(resource_arn)  # a malformed ARN is refused; a well-formed one with no points lists nothing
    return ctx.stores.recovery_points.search(resource_arn=resource_arn, limit=limit, token=request.get("NextToken"))


def _settled(point: RecoveryPoint, action: str) -> None:
    if point.Status not in SETTLED:
        raise InvalidRequestException(
            f"Recovery point {point.RecoveryPointArn} is {point.Status.value}: only a COMPLETED or AVAILABLE "
            f"recovery point can be {action}"
        )


def delete(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> RecoveryPoint:
    """Deletes the native backup and marks the point deleted, exactly as expiry does."""
    point = ctx.stores.recovery_points.get(request["RecoveryPointArn"], request["BackupVaultName"])
    _settled(point, "deleted")
    deleted = expire(ctx, point, now)
    logger.info("recovery point deleted on request", extra={"arn": point.RecoveryPointArn})
    return deleted


def update_lifecycle(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> RecoveryPoint:
    """Sets the point's lifecycle and recomputes its dates from its CreationDate; the 90-day cold-storage
    minimum holds, and the cold-storage day cannot change once the point has moved to cold storage."""
    point = ctx.stores.recovery_points.get(request["RecoveryPointArn"], request["BackupVaultName"])
    if point.Status in (RecoveryPointStatus.EXPIRED, RecoveryPointStatus.DELETING):
        raise InvalidRequestException(
            f"Recovery point {point.RecoveryPointArn} is {point.Status.value}; its lifecycle can no longer change"
        )
    raw = request.get("Lifecycle")
    lifecycle = parse_model(Lifecycle, raw) if raw else None
    before = point.Lifecycle.MoveToColdStorageAfterDays if point.Lifecycle else None
    after = lifecycle.MoveToColdStorageAfterDays if lifecycle else None
    if point.StorageClass == "COLD" and after != before:
        raise InvalidRequestException(
            f"Recovery point {point.RecoveryPointArn} is in cold storage already: "
            "MoveToColdStorageAfterDays cannot change any more"
        )
    vault = ctx.stores.vaults.find(point.BackupVaultName)
    refused = vault.refuses_retention(lifecycle.DeleteAfterDays if lifecycle else None) if vault else None
    if refused:
        raise InvalidParameterValueException(refused)
    # A type with no cold tier ignores MoveToColdStorageAfterDays: the dates claim no move (as at creation).
    cold_storage = ctx.adapters.for_type(point.ResourceType).supports_cold_storage
    calculated = calculate(point.CreationDate, lifecycle, cold_storage=cold_storage)
    updated = point.model_copy(
        update={"Lifecycle": lifecycle, "CalculatedLifecycle": calculated, "LifecycleRetryAt": None}
    )
    ctx.stores.recovery_points.save(updated, point.Status.value)
    ctx.events.publish_recovery_point(updated, vault, now)
    return updated


def restore_metadata(ctx: ServiceContext, request: dict[str, Any]) -> RecoveryPoint:
    _check_account(ctx, request)
    return ctx.stores.recovery_points.get(request["RecoveryPointArn"], request["BackupVaultName"])


def disassociate(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> RecoveryPoint:
    """Strongroom stops managing the point: it leaves every listing and its lifecycle no longer applies,
    but the native backup (snapshot, table backup) stays where it is, the source service's to keep."""
    point = ctx.stores.recovery_points.get(request["RecoveryPointArn"], request["BackupVaultName"])
    _settled(point, "disassociated")
    ensure_not_held(ctx, point)
    released = point.model_copy(
        update={
            # The store's mark for "not in Strongroom any more": out of every index, found by no listing.
            "StorageClass": "DELETED",
            "StatusMessage": (
                f"Disassociated at {now.isoformat()}: the native backup {point.NativeBackupId} is kept "
                "and no longer managed by Strongroom"
            ),
        }
    )
    ctx.stores.recovery_points.save(released, point.Status.value)
    logger.info("recovery point disassociated", extra={"arn": point.RecoveryPointArn})
    return released
