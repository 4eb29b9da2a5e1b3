"""The detective check, for the services that have no lock of their own (RDS, Aurora, DocumentDB, Neptune,
DynamoDB, FSx): where a native backup can still be deleted by someone allowed to (the deny policy the stack
generates prevents it only once the user attaches it), the hourly run notices it.

Which points: the live points that something protects, those of a locked vault and those under a legal hold,
since for them a deletion outside Strongroom is a breach, not housekeeping. Each run asks their services, in
batches where the adapter can (BatchStatus), whether the backup is still there and whole. One that is gone (or
broken) marks its point EXPIRED, AWS Backup's status for a recovery point that can no longer serve a restore
(of RecoveryPointStatus, the others say a backup is being made, deleted, or continuous backup stopped), with a
StatusMessage that says what happened; a RECOVERY_POINT_MODIFIED event goes out (EventBridge and the vault's
SNS topic), and the NativeBackupsMissing metric counts it, which alarms the alerts topic. A point is marked
once: the check skips points already EXPIRED. Its own lifecycle still ends it (deleting a gone backup counts as
deleted). Every type is checked, the locked ones too: a lock can be lifted by anyone allowed to."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit

from lambdas.common.observability import logger, metrics
from lambdas.domain.errors import ConflictException
from lambdas.domain.legal_holds import LegalHold
from lambdas.domain.recovery_points import RecoveryPoint, RecoveryPointStatus
from lambdas.domain.vaults import BackupVault
from lambdas.resources.base import BatchStatus, Phase, Progress
from lambdas.resources.vault_storage import WorkBudget
from lambdas.services.context import ServiceContext

_PAGE = 200
_CHECKED = (RecoveryPointStatus.COMPLETED, RecoveryPointStatus.AVAILABLE)


def protected_points(
    ctx: ServiceContext, locked_vaults: list[BackupVault], open_holds: list[LegalHold] | None = None
) -> Iterator[RecoveryPoint]:
    """Live points of the locked vaults (the run read the vaults once), then live points under a hold that is
    not canceled (each once; `open_holds` if the caller read them already)."""
    seen: set[str] = set()
    for vault in locked_vaults:
        point_token: str | None = None
        while True:
            points, point_token = ctx.stores.recovery_points.search(
                vault_name=vault.BackupVaultName, keep=_checkable, limit=_PAGE, token=point_token
            )
            for point in points:
                seen.add(point.RecoveryPointArn)
                yield point
            if point_token is None:
                break
    # The sparse index of the holds not canceled: the canceled ones, which protect nothing, are never read.
    for hold in ctx.stores.legal_holds.open_holds() if open_holds is None else open_holds:
        if not hold.protects:
            continue
        hold_token: str | None = None
        while True:
            held, hold_token = ctx.stores.legal_holds.points_of(hold.LegalHoldId, _PAGE, hold_token)
            for entry in held:
                if entry.RecoveryPointArn in seen:
                    continue
                found = ctx.stores.recovery_points.find(entry.RecoveryPointArn)
                if found is not None and _checkable(found):
                    seen.add(found.RecoveryPointArn)
                    yield found
            if hold_token is None:
                break


def _checkable(point: RecoveryPoint) -> bool:
    return point.StorageClass != "DELETED" and point.Status in _CHECKED


def find_missing(
    ctx: ServiceContext,
    now: datetime,
    budget: WorkBudget,
    locked_vaults: list[BackupVault],
    open_holds: list[LegalHold] | None = None,
) -> list[str]:
    """Marks the protected points (of `locked_vaults`, and under a hold) whose native backup is gone; returns
    their ARNs."""
    missing: list[str] = []
    batch: list[RecoveryPoint] = []
    for point in protected_points(ctx, locked_vaults, open_holds):
        if budget.exhausted:
            break
        budget.spend()
        batch.append(point)
        if len(batch) == _PAGE:
            missing += _check(ctx, batch, now)
            batch = []
    if batch:
        missing += _check(ctx, batch, now)
    if missing:
        metrics.add_metric(name="NativeBackupsMissing", unit=MetricUnit.Count, value=len(missing))
    return missing


def _check(ctx: ServiceContext, points: list[RecoveryPoint], now: datetime) -> list[str]:
    by_type: dict[str, list[RecoveryPoint]] = {}
    for point in points:
        by_type.setdefault(point.ResourceType, []).append(point)
    missing: list[str] = []
    for resource_type, same_type in by_type.items():
        try:
            statuses = _statuses(ctx, resource_type, [point.NativeBackupId for point in same_type])
        except Exception as error:  # noqa: BLE001 - a service that cannot answer proves nothing; next run asks again
            logger.warning("native backups could not be checked", extra={"type": resource_type, "error": str(error)})
            continue
        for point in same_type:
            progress = statuses[point.NativeBackupId]
            if progress.phase == Phase.FAILED and _mark(ctx, point, progress, now):
                missing.append(point.RecoveryPointArn)
    return missing


def _statuses(ctx: ServiceContext, resource_type: str, native_ids: list[str]) -> dict[str, Progress]:
    adapter = ctx.adapters.for_type(resource_type)
    if isinstance(adapter, BatchStatus):
        return adapter.backup_statuses(native_ids)
    return {native_id: adapter.backup_status(native_id) for native_id in native_ids}


def _mark(ctx: ServiceContext, point: RecoveryPoint, progress: Progress, now: datetime) -> bool:
    marked = point.model_copy(
        update={
            "Status": RecoveryPointStatus.EXPIRED,
            "StatusMessage": (
                f"The native backup {point.NativeBackupId} was deleted or damaged outside Strongroom "
                f"(found at {now.isoformat()}: {progress.message or 'it no longer exists'}); this recovery point "
                "cannot be restored"
            ),
        }
    )
    try:
        ctx.stores.recovery_points.save(marked, point.Status.value)
    except ConflictException:
        return False  # changed meanwhile (deleted, say): the next run looks again
    logger.error("native backup missing", extra={"arn": point.RecoveryPointArn, "native_id": point.NativeBackupId})
    ctx.events.publish_recovery_point(marked, ctx.stores.vaults.cached(point.BackupVaultName), now)
    return True
