"""Which lock a recovery point's native backup needs, so that vault locks and legal holds hold outside Strongroom's
API too (an EBS snapshot lock, S3 Object Lock retention): pure rules, no I/O.

A vault lock keeps a point until its retention ends: its DeleteAt, and never before CreationDate +
MinRetentionDays (a point kept forever is locked for the longest lock the services take, 36,500 days). Its mode:

- a governance vault lock (no ChangeableForDays), and a compliance one still in its grace time, may be removed
  by the vault's owner: the native lock is governance (the owner, or Strongroom, may unlock it);
- a compliance vault lock past its LockDate can never be removed: the native lock is compliance;
- a compliance vault lock whose grace ends within COOL_OFF_HOURS: compliance with a cooling-off period that
  ends when the grace does, so the native lock becomes immutable at the vault lock's own moment. (EBS takes a
  cooling-off period of at most 72 hours; ChangeableForDays is at least 3 days, so every grace time ends in one.)
  The hourly run turns the governance locks of a vault into these when its grace comes that close.

A legal hold has no end: S3 sets the object's legal hold; a service with one lock per backup (EBS) locks it in
governance mode for the longest duration, unlocked when the last hold on the point is canceled and no vault lock
needs it. When a compliance vault lock and a hold meet there, the vault's compliance lock wins (NativeLock.one_lock);
when it ends while the hold is still on, the expiry that the hold keeps waiting locks the point again, for the hold."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.domain.vaults import LockConfiguration

MAX_LOCK = timedelta(days=36500)  # EBS LockSnapshot's longest duration; S3 retention takes as long
COOL_OFF_HOURS = 72  # EBS LockSnapshot's longest cooling-off period
LOCKED_TAG = "strongroom:locked"  # on locked EBS snapshots and AMIs: what the Recycle Bin rules select


class NativeLockMode(StrEnum):
    GOVERNANCE = "governance"
    COMPLIANCE = "compliance"


@dataclass(frozen=True)
class Retention:
    """A lock until a moment: what a vault lock asks (or, on a service with one lock per backup, a hold)."""

    mode: NativeLockMode
    until: datetime
    cool_off_hours: int | None = None  # compliance only: hours during which it may still be undone


@dataclass(frozen=True)
class NativeLock:
    """What a point's native backup needs: the vault lock's retention and whether a legal hold is on it. S3
    Object Lock has both (a retention and a legal hold per object); EBS takes one lock per snapshot: one_lock."""

    retention: Retention | None
    held_until: datetime | None = None  # a legal hold is on it: the longest lock the service takes

    def one_lock(self) -> Retention:
        """The single lock for a service that takes one: the vault's compliance lock wins over a hold (a longer
        compliance lock could never be undone after the hold is canceled), else the longer of the two."""
        retention, held_until = self.retention, self.held_until
        if held_until is None or (retention is not None and retention.mode == NativeLockMode.COMPLIANCE):
            assert retention is not None  # a NativeLock has at least one of the two
            return retention
        if retention is not None and retention.until >= held_until:
            return retention
        return Retention(NativeLockMode.GOVERNANCE, held_until)


def vault_lock_needs(point: RecoveryPoint, lock: LockConfiguration | None, now: datetime) -> Retention | None:
    """The retention a vault lock asks of a point, or None when the lock keeps it no longer."""
    if lock is None:
        return None
    minimum = lock.retained_until(point.CreationDate)
    delete_at = point.CalculatedLifecycle.DeleteAt
    until = now + MAX_LOCK if delete_at is None else max(delete_at, minimum or delete_at)
    until = min(until, now + MAX_LOCK)
    if until <= now:
        return None
    if lock.LockDate is None:
        return Retention(NativeLockMode.GOVERNANCE, until)
    grace_left = lock.LockDate - now
    if grace_left <= timedelta(0):
        return Retention(NativeLockMode.COMPLIANCE, until)
    if grace_left <= timedelta(hours=COOL_OFF_HOURS):
        hours = max(1, math.ceil(grace_left.total_seconds() / 3600))
        if now + timedelta(hours=hours) < until:
            return Retention(NativeLockMode.COMPLIANCE, until, cool_off_hours=hours)
    return Retention(NativeLockMode.GOVERNANCE, until)


def required_lock(point: RecoveryPoint, lock: LockConfiguration | None, held: bool, now: datetime) -> NativeLock | None:
    """What the point's native backup needs now, or None when nothing keeps it."""
    if point.StorageClass == "DELETED":
        return None
    retention = vault_lock_needs(point, lock, now)
    if retention is None and not held:
        return None
    return NativeLock(retention, now + MAX_LOCK if held else None)


def grace_ends_soon(lock: LockConfiguration | None, now: datetime) -> bool:
    """Whether a vault's points locked in governance during its grace time are due to become compliance locks."""
    return lock is not None and lock.LockDate is not None and lock.LockDate - now <= timedelta(hours=COOL_OFF_HOURS)
