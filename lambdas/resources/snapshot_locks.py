"""EBS snapshot lock for the backups made of EBS snapshots (EBS volumes, the snapshots of an EC2 AMI, Storage
Gateway volumes): LockSnapshot, UnlockSnapshot, DescribeLockedSnapshots.

A locked snapshot cannot be deleted by anyone (DeleteSnapshot fails with SnapshotLocked) until its lock expires
or, for a governance lock or a compliance lock still in its cooling-off period, someone allowed
ec2:UnlockSnapshot unlocks it. A compliance lock past its cooling-off period can only be extended: a request
that would shorten or weaken it is not sent (it would fail), the stronger lock stays.

Locked snapshots (and a locked AMI) are also tagged strongroom:locked=true, the tag the optional Recycle Bin
retention rules select: a locked AMI deregistered anyway, or a snapshot deleted after its lock, stays
recoverable from the Recycle Bin for the rule's retention."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from lambdas.domain.native_locks import LOCKED_TAG, NativeLock, NativeLockMode
from lambdas.resources.base import NativeLockState

_GONE = ("InvalidSnapshot.NotFound", "InvalidSnapshotID.Malformed")
_LIVE_STATES = ["governance", "compliance-cooloff", "compliance"]


def snapshot_locks(ec2: Any, snapshot_ids: list[str]) -> dict[str, NativeLockState]:
    """The locks not yet expired of the snapshots asked for, by snapshot id (one DescribeLockedSnapshots)."""
    if not snapshot_ids:
        return {}
    try:
        found = ec2.describe_locked_snapshots(
            SnapshotIds=snapshot_ids, Filters=[{"Name": "lock-state", "Values": _LIVE_STATES}]
        )["Snapshots"]
    except ClientError as error:
        if error.response["Error"]["Code"] in _GONE:
            return {}
        raise
    return {item["SnapshotId"]: NativeLockState(item["LockState"], item["LockExpiresOn"]) for item in found}


def earliest_lock(ec2: Any, snapshot_ids: list[str]) -> NativeLockState | None:
    """The lock that ends first among the snapshots: the backup is whole until then (None: one is not locked)."""
    locks = snapshot_locks(ec2, snapshot_ids)
    if not snapshot_ids or len(locks) < len(snapshot_ids):
        return None
    return min(locks.values(), key=lambda state: state.until)


def lock_snapshots(ec2: Any, snapshot_ids: list[str], needed: NativeLock, also_tag: tuple[str, ...] = ()) -> None:
    lock = needed.one_lock()
    current = snapshot_locks(ec2, snapshot_ids)
    for snapshot_id in snapshot_ids:
        held = current.get(snapshot_id)
        stronger = held is not None and not held.undoable
        if stronger and (held.until >= lock.until or lock.mode != NativeLockMode.COMPLIANCE):  # type: ignore[union-attr]
            continue  # a compliance lock past its cooling-off period: only ever extended, never weakened
        request: dict[str, Any] = {"SnapshotId": snapshot_id, "LockMode": lock.mode.value, "ExpirationDate": lock.until}
        if lock.mode == NativeLockMode.COMPLIANCE and lock.cool_off_hours and (held is None or held.undoable):
            request["CoolOffPeriod"] = lock.cool_off_hours
        try:
            ec2.lock_snapshot(**request)
        except ClientError as error:
            if error.response["Error"]["Code"] not in _GONE:
                raise
    _tag(ec2, [*snapshot_ids, *also_tag], add=True)


def unlock_snapshots(ec2: Any, snapshot_ids: list[str], also_untag: tuple[str, ...] = ()) -> None:
    kept: set[str] = set()  # compliance locks past their cooling-off period: they stay, and so does their tag
    for snapshot_id, held in snapshot_locks(ec2, snapshot_ids).items():
        if held.undoable:
            ec2.unlock_snapshot(SnapshotId=snapshot_id)
        else:
            kept.add(snapshot_id)
    _tag(ec2, [each for each in snapshot_ids if each not in kept] + ([] if kept else list(also_untag)), add=False)


def _tag(ec2: Any, resource_ids: list[str], *, add: bool) -> None:
    if not resource_ids:
        return
    try:
        if add:
            ec2.create_tags(Resources=resource_ids, Tags=[{"Key": LOCKED_TAG, "Value": "true"}])
        else:
            ec2.delete_tags(Resources=resource_ids, Tags=[{"Key": LOCKED_TAG}])
    except ClientError as error:
        if not error.response["Error"]["Code"].startswith(("InvalidSnapshot", "InvalidAMIID")):
            raise
