"""EBS snapshot lock, which moto (5.2) lacks, patched into moto's EC2 (local runtime, and tests that install it).

AWS refuses to delete a locked snapshot; moto has no LockSnapshot, UnlockSnapshot or DescribeLockedSnapshots,
and its DeleteSnapshot deletes anything. Without this patch "a recovery point in a compliance-locked vault
cannot be deleted with ec2:DeleteSnapshot" could not even be asked of the local runtime. What is emulated,
after the EC2 API reference (LockSnapshot, UnlockSnapshot, DescribeLockedSnapshots) and the EBS user guide's
"snapshot lock concepts":

- LockSnapshot: governance or compliance mode, for LockDuration days (1 to 36,500) or until ExpirationDate
  (exactly one of the two); CoolOffPeriod (1 to 72 hours) only in compliance mode. A governance lock, and a
  compliance lock still in its cooling-off period, can be changed in every way; a compliance lock past its
  cooling-off period can only be extended (same mode, a later or equal expiry).
- UnlockSnapshot: a governance lock, or a compliance lock in its cooling-off period; never a compliance lock
  past it.
- DescribeLockedSnapshots: by SnapshotIds and the lock-state filter; states governance, compliance-cooloff,
  compliance, and expired once the lock's time is over.
- DeleteSnapshot of a snapshot whose lock has not expired: SnapshotLocked (HTTP 400), and nothing is deleted.

Time is the engine's clock (lambdas.common.clock), which the local runtime makes virtual: a lock set for
7 days ends when the virtual clock has moved 7 days, as lifecycle expiry sees it. Not emulated: who may unlock
(IAM: any caller may, as any caller may call anything on moto), and DryRun. The error code for a change a
compliance lock refuses is an assumption (the reference names none): SnapshotLocked, as for the deletion."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from local.patching import Patch, PatchSet

MAX_LOCK_DAYS = 36500
MAX_COOL_OFF_HOURS = 72


@dataclass
class SnapshotLock:
    mode: str  # governance | compliance
    created: datetime
    expires: datetime
    duration_days: int | None
    cool_off_hours: int | None

    def state(self, now: datetime) -> str:
        if now >= self.expires:
            return "expired"
        if self.mode == "compliance" and self.cool_off_ends and now < self.cool_off_ends:
            return "compliance-cooloff"
        return self.mode

    @property
    def cool_off_ends(self) -> datetime | None:
        return self.created + timedelta(hours=self.cool_off_hours) if self.cool_off_hours else None

    def changeable(self, now: datetime) -> bool:
        return self.state(now) in ("governance", "compliance-cooloff", "expired")


# snapshot id -> its lock; per process, as moto's backends are (reset with the emulator by reset()).
LOCKS: dict[str, SnapshotLock] = {}


def reset() -> None:
    LOCKS.clear()


def _now() -> datetime:
    from lambdas.common import clock

    return clock.now()


def _error(code: str, message: str) -> Exception:
    from moto.ec2.exceptions import EC2ClientError

    return EC2ClientError(code, message)


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _int(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


def lock(snapshot_id: str, mode: str, duration: int | None, expiration: Any, cool_off: int | None) -> SnapshotLock:
    """The checks and the state change of LockSnapshot (the snapshot is known to exist)."""
    now = _now()
    if mode not in ("governance", "compliance"):
        raise _error("InvalidParameterValue", f"LockMode must be governance or compliance, not {mode!r}")
    if (duration is None) == (expiration is None):
        raise _error("InvalidParameterCombination", "Specify exactly one of LockDuration and ExpirationDate")
    if cool_off is not None and mode != "compliance":
        raise _error("InvalidParameterCombination", "CoolOffPeriod is only for locks in compliance mode")
    if cool_off is not None and not 1 <= cool_off <= MAX_COOL_OFF_HOURS:
        raise _error("InvalidParameterValue", f"CoolOffPeriod must be 1 to {MAX_COOL_OFF_HOURS} hours")
    if duration is not None:
        if not 1 <= duration <= MAX_LOCK_DAYS:
            raise _error("InvalidParameterValue", f"LockDuration must be 1 to {MAX_LOCK_DAYS} days, not {duration}")
        expires = now + timedelta(days=duration)
    else:
        expires = _as_datetime(expiration)
        if expires <= now or expires > now + timedelta(days=MAX_LOCK_DAYS):
            raise _error(
                "InvalidParameterValue", f"ExpirationDate must be in the next {MAX_LOCK_DAYS} days, not {expires}"
            )
    existing = LOCKS.get(snapshot_id)
    if existing is not None and not existing.changeable(now):
        if mode != "compliance" or expires < existing.expires:
            raise _error(
                "SnapshotLocked",
                f"The snapshot '{snapshot_id}' is locked in compliance mode after its cooling-off period: its lock "
                "can only be extended",
            )
        cool_off = None  # a cooling-off period over stays over
    new = SnapshotLock(mode, now, expires, duration, cool_off)
    LOCKS[snapshot_id] = new
    return new


def unlock(snapshot_id: str) -> None:
    existing = LOCKS.get(snapshot_id)
    if existing is not None and not existing.changeable(_now()):
        raise _error(
            "SnapshotLocked",
            f"The snapshot '{snapshot_id}' is locked in compliance mode and its cooling-off period is over: it "
            "cannot be unlocked",
        )
    LOCKS.pop(snapshot_id, None)


def ensure_deletable(snapshot_id: str) -> None:
    existing = LOCKS.get(snapshot_id)
    if existing is not None and existing.state(_now()) != "expired":
        raise _error(
            "SnapshotLocked",
            f"The snapshot '{snapshot_id}' is locked in {existing.mode} mode until "
            f"{existing.expires:%Y-%m-%dT%H:%M:%SZ} and cannot be deleted",
        )


def _info(snapshot_id: str, owner: str, found: SnapshotLock, now: datetime) -> dict[str, Any]:
    info: dict[str, Any] = {
        "OwnerId": owner,
        "SnapshotId": snapshot_id,
        "LockState": found.state(now),
        "LockCreatedOn": found.created,
        "LockDurationStartTime": found.created,
        "LockExpiresOn": found.expires,
    }
    if found.duration_days is not None:
        info["LockDuration"] = found.duration_days
    if found.cool_off_hours:
        info["CoolOffPeriod"] = found.cool_off_hours
        info["CoolOffPeriodExpiresOn"] = found.cool_off_ends
    return info


def _delete_snapshot(original: Callable[..., Any]) -> Callable[..., Any]:
    def delete_snapshot(self: Any, snapshot_id: str) -> Any:
        ensure_deletable(snapshot_id)
        found = original(self, snapshot_id)
        LOCKS.pop(snapshot_id, None)
        return found

    return delete_snapshot


def lock_snapshot(self: Any) -> Any:
    from moto.core.responses import ActionResult

    snapshot_id = self._get_param("SnapshotId")
    self.ec2_backend.get_snapshot(snapshot_id)  # InvalidSnapshot.NotFound
    made = lock(
        snapshot_id,
        self._get_param("LockMode"),
        _int(self._get_param("LockDuration")),
        self._get_param("ExpirationDate"),
        _int(self._get_param("CoolOffPeriod")),
    )
    info = _info(snapshot_id, self.current_account, made, _now())
    info.pop("OwnerId")
    return ActionResult(info)


def unlock_snapshot(self: Any) -> Any:
    from moto.core.responses import ActionResult

    snapshot_id = self._get_param("SnapshotId")
    self.ec2_backend.get_snapshot(snapshot_id)
    unlock(snapshot_id)
    return ActionResult({"SnapshotId": snapshot_id})


def describe_locked_snapshots(self: Any) -> Any:
    from moto.core.responses import ActionResult

    wanted = self._get_param("SnapshotIds", []) or list(LOCKS)
    states = {
        value
        for each in self._get_param("Filters", []) or []
        if each.get("Name") == "lock-state"
        for value in each.get("Values", [])
    }
    now = _now()
    found = []
    for snapshot_id in wanted:
        held = LOCKS.get(snapshot_id)
        if held is None or snapshot_id not in self.ec2_backend.snapshots:
            continue
        if states and held.state(now) not in states:
            continue
        found.append(_info(snapshot_id, self.current_account, held, now))
    return ActionResult({"Snapshots": found})


_EC2 = "moto.ec2.responses:EC2Response"
PATCHES = PatchSet(
    "EBS snapshot lock",
    [
        Patch.wrap(
            "moto.ec2.models.elastic_block_store:EBSBackend",
            "delete_snapshot",
            _delete_snapshot,
            why="a snapshot whose lock has not expired cannot be deleted (Amazon EBS User Guide, Lock an Amazon EBS "
            "snapshot)",
        ),
        Patch.add(_EC2, "lock_snapshot", lock_snapshot, why="EC2 API Reference, LockSnapshot"),
        Patch.add(_EC2, "unlock_snapshot", unlock_snapshot, why="EC2 API Reference, UnlockSnapshot"),
        Patch.add(
            _EC2,
            "describe_locked_snapshots",
            describe_locked_snapshots,
            why="EC2 API Reference, DescribeLockedSnapshots",
        ),
    ],
    before_undo=reset,  # the locks go with the patches that keep them
)
