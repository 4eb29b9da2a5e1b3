"""The hourly lifecycle run: WARM recovery points whose MoveToColdStorageAt has passed move to their type's
cold tier (or, for a type that has none, drop the setting, as AWS Backup ignores it), and points past their
DeleteAt lose their native backup and are marked DELETED.

The store's lifecycle index holds every live point at its next lifecycle moment, so a run reads only what is
due, page after page, until the index runs out or the run's budget does. Failures never starve the others:
a failed action leaves the point where it was (EXPIRED for a deletion) with LifecycleRetryAt set an hour
ahead (a day when something else uses the backup), which puts it behind the points that have waited longer,
and the run pages on past it.

A point is marked deleted only when its native backup is really gone: deleted, found already gone, or, for
a backup made of parts (an AMI's snapshots), gone with the parts another live recovery point still needs
released rather than deleted. A backup something else still uses (an EBS snapshot a registered AMI was made
from) is not deleted at all: its point stays EXPIRED and is tried again daily until nothing uses it. Points
whose backup plan was deleted are not touched by the deletion: their own lifecycle ends them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aws_lambda_powertools.metrics import MetricUnit

from lambdas.common.observability import logger, metrics
from lambdas.domain.errors import ConflictException, InvalidRequestException
from lambdas.domain.legal_holds import LegalHold
from lambdas.domain.recovery_points import RecoveryPoint, RecoveryPointStatus
from lambdas.domain.vaults import BackupVault
from lambdas.resources.base import ColdMovePending, CompositeBackup, NativeBackupInUse, NativeLockable
from lambdas.resources.vault_storage import WorkBudget
from lambdas.services import native_locks, notifications
from lambdas.services.backup_metrics import RECOVERY_POINTS_COLD, RECOVERY_POINTS_EXPIRED, count_point
from lambdas.services.context import ServiceContext
from lambdas.services.leftovers import LeftoverResult, dispose_leftovers
from lambdas.services.legal_hold_service import (
    ProtectedByLegalHold,
    ever_held_points,
    held_points,
    holds_on,
    refuse_if_held,
)
from lambdas.services.missing_backups import find_missing
from lambdas.store.table import MAX_TRANSACTION

RETRY_AFTER = timedelta(hours=1)  # a failed deletion or move: the next hourly run, behind the others
IN_USE_RETRY_AFTER = timedelta(days=1)  # a backup something else uses is seldom released within the hour
PAGE_SIZE = 500
RUN_SECONDS = 240.0  # the Lifecycle function's timeout is 300 s


@dataclass
class LifecycleResult:
    deleted: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # deletions that failed; tried again later
    moved_to_cold: list[str] = field(default_factory=list)
    cold_ignored: list[str] = field(default_factory=list)  # types with no cold tier: the setting dropped
    cold_failed: list[str] = field(default_factory=list)  # moves that failed or are still under way
    finished: bool = True  # False: the run's budget ended before the due points did; the next run goes on
    # Native backups no job owns (services/leftovers.py), deleted by this run.
    leftovers: LeftoverResult = field(default_factory=LeftoverResult)
    # Protected points whose native backup was found deleted outside Strongroom (services/missing_backups.py).
    missing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class HoldsView:
    """The legal holds as one run sees them, read once: the points a hold protects now (with its holds), and
    every point a hold was ever applied to (a canceled hold's native lock may outlive it)."""

    open_ids: frozenset[str]
    held: dict[str, list[LegalHold]]
    ever_held: frozenset[str]

    @classmethod
    def read(cls, ctx: ServiceContext) -> HoldsView:
        open_holds = ctx.stores.legal_holds.open_holds()
        open_ids = frozenset(hold.LegalHoldId for hold in open_holds)
        return cls(open_ids, held_points(ctx, open_holds), frozenset(ever_held_points(ctx)))

    def fresh(self, ctx: ServiceContext) -> HoldsView:
        """This view while the open holds are the same ones (one query a page), else read again: a hold
        placed during the run protects its points from the next page on."""
        open_ids = frozenset(hold.LegalHoldId for hold in ctx.stores.legal_holds.open_holds())
        return self if open_ids == self.open_ids else HoldsView.read(ctx)


@dataclass
class _Page:
    """What one page of due points reads once (each vault) and writes together (the deleted points)."""

    holds: HoldsView
    vaults: dict[str, BackupVault | None] = field(default_factory=dict)
    deleted: list[tuple[RecoveryPoint, RecoveryPoint]] = field(default_factory=list)  # (to save, as read)

    def vault(self, ctx: ServiceContext, name: str) -> BackupVault | None:
        if name not in self.vaults:
            self.vaults[name] = ctx.stores.vaults.find(name)
        return self.vaults[name]

    @property
    def full(self) -> bool:
        """One more point could not join the save's transaction (its write and its vault's counter)."""
        vaults = {deleted.BackupVaultName for deleted, _ in self.deleted}
        return len(self.deleted) + len(vaults) + 2 > MAX_TRANSACTION


def run_lifecycle(
    ctx: ServiceContext, now: datetime, *, budget: WorkBudget | None = None, page_size: int = PAGE_SIZE
) -> LifecycleResult:
    """Every point due at `now`, earliest first. `budget` bounds the run (time, and a count in tests)."""
    budget = budget or WorkBudget(RUN_SECONDS)
    work = ctx.stores.lifecycle_work
    marker = work.read()
    if marker.nothing_to_do(now):  # most hourly runs: one small read (lambdas/store/lifecycle_work.py)
        return LifecycleResult()
    result = LifecycleResult(leftovers=dispose_leftovers(ctx))
    # The vaults are read once for the run: the graces below and the missing-backup check both need their locks.
    vaults = _every_vault(ctx)
    try:  # before the deletions: a vault whose compliance grace is ending gets compliance locks on its points
        native_locks.harden_ending_graces(ctx, now, vaults)
    except Exception as error:  # noqa: BLE001 - the deletions go on; the next run tries again
        logger.warning("hardening native locks failed", extra={"error": str(error)})
    token: str | None = None
    holds: HoldsView | None = None
    any_due = False
    while result.finished:
        points, token = ctx.stores.recovery_points.due(now, limit=page_size, token=token)
        if not points:  # nothing due (most hourly runs): the holds need not be read
            if token is None:
                break
            continue
        any_due = True
        holds = HoldsView.read(ctx) if holds is None else holds.fresh(ctx)
        page = _Page(holds)
        with ctx.events.batched():  # the page's events go ten to a PutEvents call
            for point in points:
                if budget.exhausted:
                    result.finished = False
                    break
                budget.spend()
                _advance(ctx, page, point, now, result)
                if page.full:
                    _save_deletions(ctx, page, now, result)
            _save_deletions(ctx, page, now, result)
        if token is None:
            break
    locked = [vault for vault in vaults if vault.Lock is not None]
    open_holds = ctx.stores.legal_holds.open_holds() if holds is None else None  # else the due pages read them
    if result.finished:  # with what is left of the run's budget: protected points whose backup was deleted
        result.missing = find_missing(ctx, now, budget, locked, open_holds)
    leftovers = result.leftovers
    if not (any_due or locked or open_holds or leftovers.deleted or leftovers.kept or leftovers.failed):
        # Nothing to do, and nothing that makes work every hour: say so, and until when (the earliest point).
        work.found_nothing(marker, now, ctx.stores.recovery_points.next_due())
    metrics.add_metric(name="RecoveryPointsDeleted", unit=MetricUnit.Count, value=len(result.deleted))
    if result.failed:
        metrics.add_metric(name="RecoveryPointDeletionFailures", unit=MetricUnit.Count, value=len(result.failed))
    if result.cold_failed:
        metrics.add_metric(name="ColdStorageMovesUnfinished", unit=MetricUnit.Count, value=len(result.cold_failed))
    return result


def _every_vault(ctx: ServiceContext) -> list[BackupVault]:
    vaults: list[BackupVault] = []
    token: str | None = None
    while True:
        page, token = ctx.stores.vaults.page(limit=PAGE_SIZE, token=token)
        vaults.extend(page)
        if token is None:
            return vaults


def _advance(ctx: ServiceContext, page: _Page, point: RecoveryPoint, now: datetime, result: LifecycleResult) -> None:
    """Deletion wins over a move that is due too (a run that comes late): nothing goes to cold to be deleted."""
    calculated = point.CalculatedLifecycle
    if calculated.DeleteAt is not None and calculated.DeleteAt <= now:
        _expire_due(ctx, page, point, now, result)
    elif (
        point.StorageClass == "WARM"
        and calculated.MoveToColdStorageAt is not None
        and calculated.MoveToColdStorageAt <= now
        and point.Status not in (RecoveryPointStatus.EXPIRED, RecoveryPointStatus.DELETING)
    ):
        _move_due(ctx, point, now, result)


def _move_due(ctx: ServiceContext, point: RecoveryPoint, now: datetime, result: LifecycleResult) -> None:
    try:
        moved = move_to_cold(ctx, point)
    except ConflictException:
        logger.info("point changed meanwhile; left for the next run", extra={"arn": point.RecoveryPointArn})
        return
    except ColdMovePending as pending:
        logger.info("move to cold storage under way", extra={"arn": point.RecoveryPointArn, "detail": str(pending)})
        result.cold_failed.append(point.RecoveryPointArn)  # still due: the next run resumes it
        return
    except Exception as error:  # noqa: BLE001 - retried later; the other points go on
        logger.warning("move to cold storage failed", extra={"arn": point.RecoveryPointArn, "error": str(error)})
        _save_quietly(ctx, point.model_copy(update={"LifecycleRetryAt": now + RETRY_AFTER}), point)
        result.cold_failed.append(point.RecoveryPointArn)
        return
    (result.moved_to_cold if moved.StorageClass == "COLD" else result.cold_ignored).append(point.RecoveryPointArn)
    if moved.StorageClass == "COLD":  # a type with no cold tier only drops the setting, as AWS Backup ignores it
        notifications.recovery_point_changed(ctx, moved, now)
        count_point(RECOVERY_POINTS_COLD, moved)


def move_to_cold(ctx: ServiceContext, point: RecoveryPoint) -> RecoveryPoint:
    """WARM -> COLD through the adapter, then a conditional save (the point must still have the status it
    was read with). A type with no cold tier keeps its class and loses its MoveToColdStorageAt instead."""
    if ctx.adapters.for_type(point.ResourceType).move_to_cold(point.NativeBackupId):
        update: dict[str, object] = {"StorageClass": "COLD"}
    else:
        update = {"CalculatedLifecycle": point.CalculatedLifecycle.model_copy(update={"MoveToColdStorageAt": None})}
    changed = point.model_copy(update={**update, "LifecycleRetryAt": None})
    ctx.stores.recovery_points.save(changed, point.Status.value)
    return changed


def _save_quietly(ctx: ServiceContext, changed: RecoveryPoint, read: RecoveryPoint) -> None:
    try:
        ctx.stores.recovery_points.save(changed, read.Status.value)
    except ConflictException:
        logger.info("point changed meanwhile; left for the next run", extra={"arn": read.RecoveryPointArn})


def _expire_due(ctx: ServiceContext, page: _Page, point: RecoveryPoint, now: datetime, result: LifecycleResult) -> None:
    """The native backup is deleted now; the point's save and its event wait for the page's batch."""
    try:
        vault = page.vault(ctx, point.BackupVaultName)
        held = page.holds.held.get(point.RecoveryPointArn, [])
        ever_held = point.RecoveryPointArn in page.holds.ever_held
        page.deleted.append((_delete_checked(ctx, point, now, vault, held, ever_held), point))
    except ProtectedByLock:
        logger.info("kept by its vault lock", extra={"arn": point.RecoveryPointArn})
    except ProtectedByLegalHold:
        logger.info("kept by a legal hold", extra={"arn": point.RecoveryPointArn})
        native_locks.relock_if_released(ctx, point, now)
    except ProtectedByNativeLock as locked:
        # Not a failure, and no call is made in vain: the point is looked at again when its lock ends.
        logger.info("kept by its native lock", extra={"arn": point.RecoveryPointArn, "until": locked.until})
        _save_quietly(ctx, point.model_copy(update={"LifecycleRetryAt": locked.until}), point)
    except ConflictException:
        logger.info("point changed meanwhile; left for the next run", extra={"arn": point.RecoveryPointArn})
    except Exception as error:  # noqa: BLE001 - recorded on the point, retried later
        in_use = isinstance(error, NativeBackupInUse)
        logger.warning("deletion failed", extra={"arn": point.RecoveryPointArn, "error": str(error)})
        failed = point.model_copy(
            update={
                "Status": RecoveryPointStatus.EXPIRED,
                "StatusMessage": f"Deletion failed and will be retried: {error}",
                "DeletionAttempts": point.DeletionAttempts + 1,
                "LifecycleRetryAt": now + (IN_USE_RETRY_AFTER if in_use else RETRY_AFTER),
            }
        )
        _save_quietly(ctx, failed, point)
        result.failed.append(point.RecoveryPointArn)
        count_point(RECOVERY_POINTS_EXPIRED, failed)


class ProtectedByLock(InvalidRequestException):
    """A vault lock's MinRetentionDays keeps the point: not a failure, the point waits."""


class ProtectedByNativeLock(InvalidRequestException):
    """The native backup's own lock outlasts what Strongroom needs (a compliance lock, which nobody can lift, set
    for a lifecycle later shortened, or rounded up by the service): the point waits until the lock ends."""

    def __init__(self, message: str, until: datetime) -> None:
        super().__init__(message)
        self.until = until


def _release_native_lock(ctx: ServiceContext, point: RecoveryPoint) -> None:
    """Asked once Strongroom's own checks let the point go: a governance lock (or one still in its cooling-off
    period) is lifted; a lock nobody can lift keeps the point until it ends. Checked before the deletion, so a
    locked backup never turns into a deletion that fails every hour."""
    adapter = ctx.adapters.for_type(point.ResourceType)
    if not isinstance(adapter, NativeLockable):
        return
    held = adapter.backup_lock(point.NativeBackupId)
    if held is None:
        return
    if not held.undoable:
        raise ProtectedByNativeLock(
            f"Recovery point {point.RecoveryPointArn}: its native backup {point.NativeBackupId} is locked in "
            f"{held.mode} mode until {held.until.isoformat()} and cannot be deleted before",
            held.until,
        )
    adapter.unlock_backup(point.NativeBackupId)


def expire(ctx: ServiceContext, point: RecoveryPoint, now: datetime) -> RecoveryPoint:
    """One point deleted now, its save and its event with it (DeleteRecoveryPoint)."""
    vault = ctx.stores.vaults.find(point.BackupVaultName)
    held = holds_on(ctx, point.RecoveryPointArn)
    ever_held = bool(held) or bool(ctx.stores.legal_holds.holds_on(point.RecoveryPointArn))
    deleted = _delete_checked(ctx, point, now, vault, held, ever_held)
    ctx.stores.recovery_points.save(deleted, point.Status.value)
    ctx.events.publish_recovery_point(deleted, vault, now)  # expiry and DeleteRecoveryPoint alike
    return deleted


def _delete_checked(
    ctx: ServiceContext,
    point: RecoveryPoint,
    now: datetime,
    vault: BackupVault | None,
    held: list[LegalHold],
    ever_held: bool,
) -> RecoveryPoint:
    """The point's native backup deleted, once its legal holds (`held`: those on it now) and its vault's lock
    let it go; the point as it is to be saved. ever_held: a hold was ever on it (a native lock may be left)."""
    refuse_if_held(point, held)  # raises ProtectedByLegalHold: the point waits for its holds to be canceled
    until = vault.Lock.retained_until(point.CreationDate) if vault and vault.Lock else None
    if until is not None and now < until:
        raise ProtectedByLock(
            f"Recovery point {point.RecoveryPointArn} is protected by the lock of backup vault "
            f"{point.BackupVaultName} until {until.isoformat()}"
        )
    if (vault is not None and vault.Lock is not None) or ever_held:
        _release_native_lock(ctx, point)  # only a point a lock or a hold ever kept can have a native lock
    _delete_native_backup(ctx, point)
    return point.model_copy(
        update={
            "StorageClass": "DELETED",
            "Status": RecoveryPointStatus.EXPIRED,
            "StatusMessage": f"Deleted by its lifecycle at {now.isoformat()}",
        }
    )


def _save_deletions(ctx: ServiceContext, page: _Page, now: datetime, result: LifecycleResult) -> None:
    """The page's deleted points saved in one transaction (one by one when it cannot be: a point changed
    meanwhile, or too many vaults), then their events. A save lost to a crash is harmless: the point stays
    due, and the next run finds its native backup already gone and saves it then."""
    pending, page.deleted = page.deleted, []
    if not pending:
        return
    points = ctx.stores.recovery_points
    try:
        batched = points.save_deleted([(deleted, read.Status.value) for deleted, read in pending])
    except Exception as error:  # noqa: BLE001 - the saves are tried one by one below
        logger.warning("batched save of deleted points failed", extra={"error": str(error)})
        batched = False
    for deleted, read in pending:
        if not batched:
            try:
                points.save(deleted, read.Status.value)
            except ConflictException:
                logger.info("point changed meanwhile; left for the next run", extra={"arn": read.RecoveryPointArn})
                continue
            except Exception as error:  # noqa: BLE001 - still due: the next run finds the backup gone
                logger.warning(
                    "saving a deleted point failed", extra={"arn": read.RecoveryPointArn, "error": str(error)}
                )
                result.failed.append(read.RecoveryPointArn)
                continue
        result.deleted.append(deleted.RecoveryPointArn)
        ctx.events.publish_recovery_point(deleted, page.vault(ctx, deleted.BackupVaultName), now)


def _delete_native_backup(ctx: ServiceContext, point: RecoveryPoint) -> None:
    """Deletes what the point owns and nothing another live point needs: the parts of a composite backup
    (an AMI's snapshots) that another recovery point refers to and that is not deleted are kept."""
    adapter = ctx.adapters.for_type(point.ResourceType)
    if not isinstance(adapter, CompositeBackup):
        adapter.delete_backup(point.NativeBackupId)
        return
    needed = frozenset(
        arn
        for arn in adapter.part_arns(point.NativeBackupId)
        if arn != point.RecoveryPointArn
        and (other := ctx.stores.recovery_points.find(arn)) is not None
        and other.StorageClass != "DELETED"
    )
    if needed:
        logger.info(
            "parts another recovery point needs are kept", extra={"arn": point.RecoveryPointArn, "kept": sorted(needed)}
        )
    adapter.delete_backup_keeping(point.NativeBackupId, needed)
