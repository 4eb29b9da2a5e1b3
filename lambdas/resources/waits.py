"""What a native service says when a backup may not start yet: a quota or a busy resource that frees itself.

Such a refusal is not a BackupError (which fails the job): start_job leaves the job CREATED and tries again within
its start window, with this message as the job's StatusMessage."""

from __future__ import annotations


class BackupMustWait(Exception):
    """The service refused the backup for now (EC2's pending snapshots per volume, the RDS snapshot quota)."""


# EC2 takes at most 5 pending snapshots of one volume; a 6th CreateSnapshot is SnapshotCreationPerVolumeRateExceeded.
PENDING_SNAPSHOTS_PER_VOLUME = 5


def volume_busy(volume_id: str) -> str:
    return (
        f"{volume_id} already has {PENDING_SNAPSHOTS_PER_VOLUME} pending snapshots; "
        "the backup waits for one to complete"
    )


def snapshot_quota_reached(kind: str, used: int, limit: int) -> str:
    """kind: "manual snapshot" (DB instances) or "manual cluster snapshot"."""
    return f"the RDS {kind} quota is reached ({used} of {limit}); the backup waits for an expiry to free room"


def being_backed_up(what: str) -> str:
    return f"{what} is already being backed up (backing-up); the backup waits for that snapshot to complete"
