"""EBS snapshots, the native backup of three types: EBS volumes, EC2 instances (an AMI's snapshots) and Storage
Gateway volumes. Progress, deletion, the archive tier (cold storage, and the temporary restore a restore from it
needs first), sharing with another account and copying into a Region, each written once here.

An archived snapshot makes no volume: a restore first asks for a temporary restore of it (RestoreSnapshotTier),
which on AWS takes 24 to 72 hours; until it is done the restore job fails saying so, and is started again later."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from lambdas.common import clock
from lambdas.domain.errors import InvalidRequestException
from lambdas.domain.native_locks import NativeLock
from lambdas.resources.base import (
    JOB_TAG,
    CopySource,
    NativeBackup,
    NativeBackupInUse,
    NativeLockState,
    Phase,
    Progress,
)
from lambdas.resources.snapshot_locks import earliest_lock, lock_snapshots, unlock_snapshots

GIB = 1024**3
TEMPORARY_RESTORE_DAYS = 7  # how long a snapshot restored from the archive tier for a restore job stays usable
SNAPSHOT_GONE = ("InvalidSnapshot.NotFound", "InvalidSnapshotID.Malformed")
_RESTORED = ("temporary-restore-completed", "permanent-restore-completed")


def ebs_tags(raw: list[dict[str, str]] | None) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in raw or []}


def tag_spec(kind: str, tags: dict[str, str]) -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]


def snapshot_progress(snapshot: dict[str, Any] | None, native_id: str) -> Progress:
    """An EBS snapshot's progress (Storage Gateway volumes back up to EBS snapshots too)."""
    if snapshot is None:
        return Progress(Phase.FAILED, message=f"Snapshot {native_id} disappeared before it completed")
    size = int(snapshot.get("VolumeSize", 0)) * GIB
    state = snapshot["State"]
    if state == "completed":
        return Progress(Phase.COMPLETED, "100.0", size)
    if state in ("error", "recoverable"):
        return Progress(Phase.FAILED, message=snapshot.get("StateMessage") or f"Snapshot {native_id} failed")
    return Progress(Phase.RUNNING, (snapshot.get("Progress") or "0%").rstrip("%"), size)


def delete_snapshot(ec2: Any, snapshot_id: str) -> None:
    """Idempotent. A snapshot a registered AMI uses is never deleted (EC2 refuses with InvalidSnapshot.InUse):
    NativeBackupInUse, so its recovery point waits until the AMI lets go of it."""
    try:
        ec2.delete_snapshot(SnapshotId=snapshot_id)
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code == "InvalidSnapshot.InUse":
            raise NativeBackupInUse(
                f"Snapshot {snapshot_id} cannot be deleted while it is in use "
                f"({error.response['Error'].get('Message', 'a registered AMI uses it')})"
            ) from None
        if code not in SNAPSHOT_GONE:
            raise


def archive_snapshot(ec2: Any, snapshot_id: str) -> bool:
    """Moves a snapshot to the EBS archive tier; a snapshot already there is left as it is."""
    snapshot = ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]
    if snapshot.get("StorageTier") != "archive":
        ec2.modify_snapshot_tier(SnapshotId=snapshot_id, StorageTier="archive")
    return True


class SnapshotInArchive(InvalidRequestException):
    """The snapshot is in the EBS archive tier and its temporary restore has not finished yet."""


def thaw_snapshot(ec2: Any, snapshot_id: str) -> None:
    """Makes an archived snapshot usable for a restore: starts a temporary restore of it (TemporaryRestoreDays)
    unless one is under way or done, and raises SnapshotInArchive until it is done. A snapshot in the standard
    tier passes at once. (moto finishes a tier restore at once; AWS takes 24 to 72 hours.)"""

    def tier() -> dict[str, Any]:
        statuses = ec2.describe_snapshot_tier_status(Filters=[{"Name": "snapshot-id", "Values": [snapshot_id]}])
        return dict((statuses.get("SnapshotTierStatuses") or [{}])[0])

    def usable(status: dict[str, Any]) -> bool:
        if status.get("StorageTier", "standard") != "archive":
            return True
        expiry = status.get("RestoreExpiryTime")
        return status.get("LastTieringOperationStatus") in _RESTORED and (
            expiry is None or expiry > clock.wall_time()  # EC2's own clock, not the engine's
        )

    status = tier()
    if usable(status):
        return
    if not str(status.get("LastTieringOperationStatus") or "").endswith("restore-in-progress"):
        ec2.restore_snapshot_tier(SnapshotId=snapshot_id, TemporaryRestoreDays=TEMPORARY_RESTORE_DAYS)
        status = tier()
        if usable(status):
            return
    raise SnapshotInArchive(
        f"Snapshot {snapshot_id} is in the EBS archive tier (cold storage) and is being restored from it, which "
        "takes up to 72 hours; start the restore job again once that is done"
    )


def share_snapshot(ec2: Any, snapshot_id: str, account: str) -> None:
    """Lets `account` copy the snapshot (createVolumePermission); adding an account twice changes nothing."""
    ec2.modify_snapshot_attribute(
        SnapshotId=snapshot_id, Attribute="createVolumePermission", OperationType="add", UserIds=[account]
    )


def copy_snapshot(ec2: Any, source: CopySource, description: str, kms_key_arn: str, tags: dict[str, str]) -> str:
    """CopySnapshot into the client's Region and account, re-encrypted with `kms_key_arn` and tagged at once (so
    a lookup by tag finds it even if the caller crashes next); returns the new snapshot's id. EBS copies across
    Regions and from accounts that shared the snapshot in one call."""
    snapshot = ec2.copy_snapshot(
        SourceSnapshotId=source.native_id,
        SourceRegion=source.region,
        Description=description[:255],
        Encrypted=True,
        KmsKeyId=kms_key_arn,
        TagSpecifications=tag_spec("snapshot", tags),
    )
    return str(snapshot["SnapshotId"])


class OneSnapshotPoint:
    """What an adapter whose recovery point is one EBS snapshot (an EBS volume's, a Storage Gateway volume's)
    does with the point: find it by its job, delete it, archive it, lock it (lambdas/resources/snapshot_locks.py)
    and share it."""

    _ec2: Callable[[], Any]
    _region: str

    def _snapshot_arn(self, snapshot_id: str) -> str:
        return f"arn:aws:ec2:{self._region}::snapshot/{snapshot_id}"  # snapshot ARNs name no account

    def find_backup(self, resource_arn: str, job_id: str) -> NativeBackup | None:
        """The snapshot the job made, found by the job tag it was made with."""
        snapshots = self._ec2().describe_snapshots(
            OwnerIds=["self"], Filters=[{"Name": f"tag:{JOB_TAG}", "Values": [job_id]}]
        )["Snapshots"]
        if not snapshots:
            return None
        snapshot_id = snapshots[0]["SnapshotId"]
        return NativeBackup(snapshot_id, self._snapshot_arn(snapshot_id))

    def delete_backup(self, native_id: str) -> None:
        delete_snapshot(self._ec2(), native_id)

    def move_to_cold(self, native_id: str) -> bool:
        return archive_snapshot(self._ec2(), native_id)

    def lock_backup(self, native_id: str, lock: NativeLock) -> None:
        lock_snapshots(self._ec2(), [native_id], lock)

    def unlock_backup(self, native_id: str) -> None:
        unlock_snapshots(self._ec2(), [native_id])

    def backup_lock(self, native_id: str) -> NativeLockState | None:
        return earliest_lock(self._ec2(), [native_id])

    def share_backup(self, native_id: str, account: str) -> None:
        share_snapshot(self._ec2(), native_id, account)
