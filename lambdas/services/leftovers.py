"""Native backups no job owns: recorded where they are found (starting, tracking, copying), deleted by the
Lifecycle function's next run. Lifecycle and the Backup API are the only functions whose roles may destroy a
backup, so a fault in the start or tracking paths can never delete a recovery point; and before deleting a
leftover, Lifecycle checks that no recovery point is it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lambdas.common.observability import logger
from lambdas.services.context import ServiceContext
from lambdas.store.leftover_store import Leftover
from lambdas.store.stores import Stores

PAGE_SIZE = 100
MAX_ATTEMPTS = 24  # a day of hourly runs: after that the leftover is reported and forgotten


@dataclass
class LeftoverResult:
    deleted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # a recovery point is this backup: never deleted as a leftover
    failed: list[str] = field(default_factory=list)  # tried again next run


def leave_over(
    stores: Stores, resource_type: str, native_id: str, recovery_point_arn: str, reason: str, now: datetime
) -> None:
    logger.info("native backup left over for deletion", extra={"native_backup_id": native_id, "reason": reason})
    stores.leftovers.add(
        Leftover(
            ResourceType=resource_type,
            NativeBackupId=native_id,
            RecoveryPointArn=recovery_point_arn,
            Reason=reason,
            Since=now,
        )
    )


def dispose_leftovers(ctx: ServiceContext, limit: int = PAGE_SIZE) -> LeftoverResult:
    result = LeftoverResult()
    for leftover in ctx.stores.leftovers.oldest(limit):
        point = ctx.stores.recovery_points.find(leftover.RecoveryPointArn)
        if point is not None and point.NativeBackupId == leftover.NativeBackupId:
            logger.error(
                "a leftover is a recovery point: kept",
                extra={"native_backup_id": leftover.NativeBackupId, "reason": leftover.Reason},
            )
            result.kept.append(leftover.NativeBackupId)
            ctx.stores.leftovers.remove(leftover)
            continue
        try:
            ctx.adapters.for_type(leftover.ResourceType).delete_backup(leftover.NativeBackupId)
        except Exception:  # noqa: BLE001 - tried again next run, up to MAX_ATTEMPTS
            logger.exception("leftover backup not deleted", extra={"native_backup_id": leftover.NativeBackupId})
            result.failed.append(leftover.NativeBackupId)
            if leftover.Attempts + 1 >= MAX_ATTEMPTS:
                ctx.stores.leftovers.remove(leftover)
            else:
                ctx.stores.leftovers.save(leftover.model_copy(update={"Attempts": leftover.Attempts + 1}))
            continue
        ctx.stores.leftovers.remove(leftover)
        result.deleted.append(leftover.NativeBackupId)
    return result
