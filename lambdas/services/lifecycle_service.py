"""Expiry: recovery points past their DeleteAt lose their native backup and are marked DELETED. A deletion
that fails leaves the point EXPIRED, still in the expiry index, so the next run tries again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit

from lambdas.common.observability import logger, metrics
from lambdas.domain.errors import ConflictException, InvalidRequestException
from lambdas.domain.recovery_points import RecoveryPoint, RecoveryPointStatus
from lambdas.services.context import ServiceContext


@dataclass
class LifecycleResult:
    deleted: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def run_lifecycle(ctx: ServiceContext, now: datetime) -> LifecycleResult:
    result = LifecycleResult()
    for point in ctx.stores.recovery_points.due_for_deletion(now):
        try:
            expire(ctx, point, now)
            result.deleted.append(point.RecoveryPointArn)
        except ProtectedByLock:
            logger.info("kept by its vault lock", extra={"arn": point.RecoveryPointArn})
        except ConflictException:
            logger.info("point changed meanwhile; left for the next run", extra={"arn": point.RecoveryPointArn})
        except Exception as error:  # noqa: BLE001 - recorded on the point, retried next run
            logger.warning("deletion failed", extra={"arn": point.RecoveryPointArn, "error": str(error)})
            failed = point.model_copy(
                update={
                    "Status": RecoveryPointStatus.EXPIRED,
                    "StatusMessage": f"Deletion failed and will be retried: {error}",
                    "DeletionAttempts": point.DeletionAttempts + 1,
                }
            )
            ctx.stores.recovery_points.save(failed, point.Status.value)
            result.failed.append(point.RecoveryPointArn)
    metrics.add_metric(name="RecoveryPointsDeleted", unit=MetricUnit.Count, value=len(result.deleted))
    if result.failed:
        metrics.add_metric(name="RecoveryPointDeletionFailures", unit=MetricUnit.Count, value=len(result.failed))
    return result


class ProtectedByLock(InvalidRequestException):
    """A vault lock's MinRetentionDays keeps the point: not a failure, the point waits."""


def expire(ctx: ServiceContext, point: RecoveryPoint, now: datetime) -> RecoveryPoint:
    vault = ctx.stores.vaults.find(point.BackupVaultName)
    until = vault.Lock.retained_until(point.CreationDate) if vault and vault.Lock else None
    if until is not None and now < until:
        raise ProtectedByLock(
            f"Recovery point {point.RecoveryPointArn} is protected by the lock of backup vault "
            f"{point.BackupVaultName} until {until.isoformat()}"
        )
    ctx.adapters.for_type(point.ResourceType).delete_backup(point.NativeBackupId)
    deleted = point.model_copy(
        update={
            "StorageClass": "DELETED",
            "Status": RecoveryPointStatus.EXPIRED,
            "StatusMessage": f"Deleted by its lifecycle at {now.isoformat()}",
        }
    )
    ctx.stores.recovery_points.save(deleted, point.Status.value)
    return deleted
