"""Which native lock a recovery point needs (lambdas/domain/native_locks.py): the mode follows the vault lock's
(governance, compliance in grace, compliance), the lock lasts the point's retention within the services' bounds,
and a legal hold and a vault lock combine into the one lock a snapshot takes."""

from __future__ import annotations

from datetime import timedelta

from lambdas.domain.lifecycle import CalculatedLifecycle
from lambdas.domain.native_locks import MAX_LOCK, NativeLockMode, Retention, required_lock
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.domain.vaults import LockConfiguration
from tests.fakes import T0


def point(delete_days: int | None) -> RecoveryPoint:
    delete_at = T0 + timedelta(days=delete_days) if delete_days is not None else None
    return RecoveryPoint(
        RecoveryPointArn="arn:aws:ec2:us-east-1::snapshot/snap-1",
        BackupVaultName="main",
        BackupVaultArn="arn:aws:backup:us-east-1:123456789012:backup-vault:main",
        ResourceArn="arn:aws:ec2:us-east-1:123456789012:volume/vol-1",
        ResourceType="EBS",
        CreationDate=T0,
        CalculatedLifecycle=CalculatedLifecycle(DeleteAt=delete_at),
        NativeBackupId="snap-1",
    )


def test_no_lock_and_no_hold_need_nothing() -> None:
    assert required_lock(point(30), None, held=False, now=T0) is None


def test_a_governance_vault_lock_locks_in_governance_until_delete_at_never_before_min_retention() -> None:
    lock = LockConfiguration(MinRetentionDays=7)
    needed = required_lock(point(30), lock, held=False, now=T0)
    assert needed is not None and needed.retention == Retention(NativeLockMode.GOVERNANCE, T0 + timedelta(days=30))
    # A point whose lifecycle is shorter than the lock's minimum (imported, say) is kept the minimum
    short = required_lock(point(3), lock, held=False, now=T0)
    assert short is not None and short.retention is not None and short.retention.until == T0 + timedelta(days=7)


def test_a_compliance_vault_lock_is_governance_in_grace_then_compliance_with_a_cool_off_that_ends_with_the_grace() -> (
    None
):
    lock = LockConfiguration(MinRetentionDays=7, ChangeableForDays=10, LockDate=T0 + timedelta(days=10))
    early = required_lock(point(30), lock, held=False, now=T0)
    assert early is not None and early.retention is not None and early.retention.mode == NativeLockMode.GOVERNANCE
    # 50 hours before the vault lock becomes immutable: compliance, undoable for exactly those 50 hours
    near = required_lock(point(30), lock, held=False, now=T0 + timedelta(days=10) - timedelta(hours=50))
    assert near is not None and near.retention is not None
    assert (near.retention.mode, near.retention.cool_off_hours) == (NativeLockMode.COMPLIANCE, 50)
    after = required_lock(point(30), lock, held=False, now=T0 + timedelta(days=11))
    assert after is not None and after.retention == Retention(NativeLockMode.COMPLIANCE, T0 + timedelta(days=30))


def test_a_point_kept_forever_is_locked_for_the_longest_lock_and_a_past_retention_needs_none() -> None:
    lock = LockConfiguration(MinRetentionDays=7)
    forever = required_lock(point(None), lock, held=False, now=T0)
    assert forever is not None and forever.retention is not None and forever.retention.until == T0 + MAX_LOCK
    assert required_lock(point(30), lock, held=False, now=T0 + timedelta(days=31)) is None


def test_a_hold_and_a_vault_lock_make_one_snapshot_lock_the_compliance_one_winning() -> None:
    # A hold alone: governance for the longest lock
    held = required_lock(point(30), None, held=True, now=T0)
    assert held is not None and held.one_lock() == Retention(NativeLockMode.GOVERNANCE, T0 + MAX_LOCK)
    # A hold and a governance vault lock: the longer, in governance
    governance = required_lock(point(30), LockConfiguration(MinRetentionDays=7), held=True, now=T0)
    assert governance is not None and governance.one_lock().until == T0 + MAX_LOCK
    # A hold and an immutable compliance vault lock: the compliance lock (a longer one could never be lifted)
    compliance = LockConfiguration(MinRetentionDays=7, ChangeableForDays=3, LockDate=T0 - timedelta(days=1))
    both = required_lock(point(30), compliance, held=True, now=T0)
    assert both is not None and both.one_lock() == Retention(NativeLockMode.COMPLIANCE, T0 + timedelta(days=30))
    assert both.held_until == T0 + MAX_LOCK  # S3 sets the object's legal hold besides the retention
