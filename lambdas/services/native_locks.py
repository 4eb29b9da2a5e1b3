"""Vault locks and legal holds, held by the native services too: a recovery point's native backup is locked as
lambdas/domain/native_locks.py says, wherever its adapter can lock (NativeLockable: EBS snapshots, an AMI's
snapshots, Storage Gateway snapshots, S3 and EFS points' objects in the vault bucket), so that ec2:DeleteSnapshot
or s3:DeleteObjectVersion fails for everyone, Strongroom included, until the lock ends.

When: a point lands in a locked vault (a backup, a copy, an import); a vault lock is put or removed (every live
point of the vault); a legal hold is applied or canceled (each of its points); and by the hourly run, for the
vaults whose compliance grace is ending (their governance locks become compliance ones) and for a held point
whose compliance lock ended while the hold is still on. A lock that fails is logged and counted
(NativeLockFailures) and never fails what called it: the point is recorded, the hold applied."""

from __future__ import annotations

from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit

from lambdas.common.observability import logger, metrics
from lambdas.domain.native_locks import grace_ends_soon, required_lock
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.domain.vaults import BackupVault
from lambdas.resources.base import NativeLockable
from lambdas.services.context import ServiceContext

_PAGE = 500


def is_held(ctx: ServiceContext, point_arn: str) -> bool:
    """Whether a legal hold that is not canceled is on the point (legal_hold_service.holds_on, without the names)."""
    for hold_id in ctx.stores.legal_holds.holds_on(point_arn):
        hold = ctx.stores.legal_holds.find(hold_id)
        if hold is not None and hold.protects:
            return True
    return False


def protect(
    ctx: ServiceContext,
    point: RecoveryPoint,
    now: datetime,
    *,
    vault: BackupVault | None = None,
    held: bool | None = None,
) -> bool:
    """Locks the point's native backup as its vault lock and legal holds need it now, or unlocks it when nothing
    does. False when the adapter cannot lock or the call failed (logged and counted)."""
    adapter = ctx.adapters.for_type(point.ResourceType)
    if not isinstance(adapter, NativeLockable):
        return False
    vault = vault or ctx.stores.vaults.find(point.BackupVaultName)
    held = is_held(ctx, point.RecoveryPointArn) if held is None else held
    return apply_lock(adapter, point, vault, held, now)


def apply_lock(adapter: object, point: RecoveryPoint, vault: BackupVault | None, held: bool, now: datetime) -> bool:
    """protect, for a caller that has the adapter and the vault already (a copy into another deployment)."""
    if not isinstance(adapter, NativeLockable):
        return False
    needed = required_lock(point, vault.Lock if vault else None, held, now)
    try:
        if needed is None:
            adapter.unlock_backup(point.NativeBackupId)
        else:
            adapter.lock_backup(point.NativeBackupId, needed)
    except Exception as error:  # noqa: BLE001 - the caller's change stands; the failure is counted and alarmed
        logger.warning("native lock failed", extra={"arn": point.RecoveryPointArn, "error": str(error)})
        metrics.add_metric(name="NativeLockFailures", unit=MetricUnit.Count, value=1)
        return False
    return True


def protect_new(ctx: ServiceContext, point: RecoveryPoint, now: datetime) -> None:
    """A point just recorded: locked when its vault is locked (no hold can be on a point that did not exist)."""
    vault = ctx.stores.vaults.cached(point.BackupVaultName)
    if vault is not None and vault.Lock is not None:
        protect(ctx, point, now, vault=vault, held=False)


def protect_vault(ctx: ServiceContext, vault_name: str, now: datetime) -> int:
    """Every live point of the vault, after its lock changed. Returns how many were locked or unlocked."""
    vault = ctx.stores.vaults.get(vault_name)
    done = 0
    token: str | None = None
    while True:
        points, token = ctx.stores.recovery_points.search(
            vault_name=vault_name, keep=lambda p: p.StorageClass != "DELETED", limit=_PAGE, token=token
        )
        done += sum(protect(ctx, point, now, vault=vault) for point in points)
        if token is None:
            return done


def harden_ending_graces(ctx: ServiceContext, now: datetime, vaults: list[BackupVault]) -> list[str]:
    """The hourly run, over every vault (read once by the run): a compliance vault lock whose grace ends within
    the cooling-off bound has its points' governance locks turned into compliance locks that become immutable
    when the vault lock does. Each vault once (NativeLocksHardened marks it; a new
    PutBackupVaultLockConfiguration clears it)."""
    hardened: list[str] = []
    for vault in vaults:
        if vault.NativeLocksHardened or not grace_ends_soon(vault.Lock, now):
            continue
        protect_vault(ctx, vault.BackupVaultName, now)
        try:
            ctx.stores.vaults.save(vault.model_copy(update={"NativeLocksHardened": True}))
        except Exception:  # noqa: BLE001 - changed meanwhile: the next run does it again, which is harmless
            logger.info("vault changed while its locks were hardened", extra={"vault": vault.BackupVaultName})
            continue
        hardened.append(vault.BackupVaultName)
    return hardened


def relock_if_released(ctx: ServiceContext, point: RecoveryPoint, now: datetime) -> None:
    """A held point due for expiry: the vault's compliance lock that stood in for the hold may have ended; the
    hold gets its own lock back."""
    adapter = ctx.adapters.for_type(point.ResourceType)
    if isinstance(adapter, NativeLockable) and adapter.backup_lock(point.NativeBackupId) is None:
        protect(ctx, point, now, held=True)
