"""EBS volumes: a recovery point is an EBS snapshot, a restore is a new volume from it.

Cold storage is the EBS snapshot archive tier (ModifySnapshotTier). MoveToColdStorageAfterDays alone moves a
point there: OptInToArchiveForSupportedResources is kept and shown, and changes nothing in Strongroom. An
archived snapshot makes no volume: a restore first asks for a temporary restore of it (RestoreSnapshotTier),
which on AWS takes 24 to 72 hours; until it is done the restore job fails saying so, and is started again
later. Storage Gateway points are EBS snapshots too and share these helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from lambdas.common import clock
from lambdas.domain.arns import parse_arn
from lambdas.domain.errors import InvalidParameterValueException, InvalidRequestException, ResourceNotFoundException
from lambdas.domain.native_locks import NativeLock
from lambdas.resources.base import (
    JOB_TAG,
    RESTORE_TAG,
    CopySource,
    NativeBackup,
    NativeBackupInUse,
    NativeLockState,
    NativeRestore,
    Phase,
    Progress,
    ResourceInfo,
    StartCapacity,
)
from lambdas.resources.snapshot_locks import earliest_lock, lock_snapshots, unlock_snapshots
from lambdas.resources.waits import PENDING_SNAPSHOTS_PER_VOLUME, BackupMustWait, volume_busy

GIB = 1024**3
TEMPORARY_RESTORE_DAYS = 7  # how long a snapshot restored from the archive tier for a restore job stays usable
_GONE = ("InvalidSnapshot.NotFound", "InvalidSnapshotID.Malformed")
_RESTORED = ("temporary-restore-completed", "permanent-restore-completed")


def _tags(raw: list[dict[str, str]] | None) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in raw or []}


def _tag_spec(kind: str, tags: dict[str, str]) -> list[dict[str, Any]]:
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
        if code not in _GONE:
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
        TagSpecifications=_tag_spec("snapshot", tags),
    )
    return str(snapshot["SnapshotId"])


STATUS_PAGE = 200  # snapshot ids per DescribeSnapshots call when tracking many jobs
_FILTER_VALUES = 200  # the most values one EC2 filter takes


def _volume_details(volume: dict[str, Any]) -> dict[str, str]:
    """What a restore of this volume's snapshot needs to know about the volume."""
    details = {"availabilityZone": volume["AvailabilityZone"], "volumeType": volume.get("VolumeType", "gp3")}
    if volume.get("Iops"):
        details["iops"] = str(volume["Iops"])
    return details


class EbsAdapter:
    resource_type = "EBS"
    tagging_filter = "ec2:volume"
    supports_cold_storage = True  # the EBS snapshot archive tier

    def __init__(self, ec2: Callable[[], Any], region: str, account: str) -> None:
        self._ec2 = ec2
        self._region = region
        self._account = account
        # Snapshots a batch status call just described, kept for the restore metadata that follows it.
        self._described: dict[str, dict[str, Any]] = {}

    def _volume_arn(self, volume_id: str) -> str:
        return f"arn:aws:ec2:{self._region}:{self._account}:volume/{volume_id}"

    def _snapshot_arn(self, snapshot_id: str) -> str:
        return f"arn:aws:ec2:{self._region}::snapshot/{snapshot_id}"

    def _info(self, volume: dict[str, Any]) -> ResourceInfo:
        tags = _tags(volume.get("Tags"))
        return ResourceInfo(
            arn=self._volume_arn(volume["VolumeId"]),
            resource_type=self.resource_type,
            name=tags.get("Name", volume["VolumeId"]),
            size_bytes=int(volume["Size"]) * GIB,
            tags=tags,
            encryption_key_arn=volume.get("KmsKeyId"),
            is_encrypted=bool(volume.get("Encrypted")),
            details=_volume_details(volume),
        )

    def resource_type_for(self, resource_arn: str) -> str:
        return self.resource_type

    def describe(self, resource_arn: str) -> ResourceInfo:
        volume_id = parse_arn(resource_arn).resource_id
        try:
            volumes = self._ec2().describe_volumes(VolumeIds=[volume_id])["Volumes"]
        except ClientError as error:
            if error.response["Error"]["Code"] in ("InvalidVolume.NotFound", "InvalidVolumeID.Malformed"):
                raise ResourceNotFoundException(f"EBS volume {resource_arn} does not exist") from None
            raise
        return self._info(volumes[0])

    def describe_many(self, resource_arns: list[str]) -> dict[str, ResourceInfo]:
        """One DescribeVolumes per 200 volumes, by a volume-id filter (VolumeIds would fail the whole call for
        one volume gone)."""
        by_id = {parse_arn(arn).resource_id: arn for arn in resource_arns}
        found: dict[str, ResourceInfo] = {}
        for volume in self._volumes_filtered("volume-id", sorted(by_id)):
            found[by_id[volume["VolumeId"]]] = self._info(volume)
        return found

    def _volumes_filtered(self, name: str, values: list[str]) -> Iterator[dict[str, Any]]:
        paginator = self._ec2().get_paginator("describe_volumes")
        for start in range(0, len(values), _FILTER_VALUES):
            chunk = [{"Name": name, "Values": values[start : start + _FILTER_VALUES]}]
            for page in paginator.paginate(Filters=chunk):
                yield from page["Volumes"]

    def start_capacity(self, resource_arns: list[str]) -> StartCapacity:
        """EC2 takes at most 5 pending snapshots of one volume: those of the batch's volumes are counted with one
        DescribeSnapshots (per 200 volumes), and a volume at the limit is busy. No account-wide room."""
        by_id = {parse_arn(arn).resource_id: arn for arn in resource_arns}
        ids = sorted(by_id)
        pending: dict[str, int] = {}
        paginator = self._ec2().get_paginator("describe_snapshots")
        for start in range(0, len(ids), _FILTER_VALUES):
            filters = [
                {"Name": "volume-id", "Values": ids[start : start + _FILTER_VALUES]},
                {"Name": "status", "Values": ["pending"]},
            ]
            for page in paginator.paginate(OwnerIds=["self"], Filters=filters):
                for snapshot in page["Snapshots"]:
                    pending[snapshot["VolumeId"]] = pending.get(snapshot["VolumeId"], 0) + 1
        busy = {
            by_id[volume_id]: volume_busy(volume_id)
            for volume_id, count in pending.items()
            if volume_id in by_id and count >= PENDING_SNAPSHOTS_PER_VOLUME
        }
        return StartCapacity(busy=busy)

    def list_resources(self) -> Iterator[ResourceInfo]:
        for page in self._ec2().get_paginator("describe_volumes").paginate():
            for volume in page["Volumes"]:
                yield self._info(volume)

    def find_backup(self, resource_arn: str, job_id: str) -> NativeBackup | None:
        snapshots = self._ec2().describe_snapshots(
            OwnerIds=["self"], Filters=[{"Name": f"tag:{JOB_TAG}", "Values": [job_id]}]
        )["Snapshots"]
        if not snapshots:
            return None
        snapshot_id = snapshots[0]["SnapshotId"]
        return NativeBackup(snapshot_id, self._snapshot_arn(snapshot_id))

    def start_backup(self, resource_arn: str, job_id: str, tags: dict[str, str]) -> NativeBackup:
        volume_id = parse_arn(resource_arn).resource_id
        try:
            snapshot = self._ec2().create_snapshot(
                VolumeId=volume_id,
                Description=f"Strongroom backup job {job_id}",
                TagSpecifications=_tag_spec("snapshot", {**tags, JOB_TAG: job_id}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "SnapshotCreationPerVolumeRateExceeded":
                raise BackupMustWait(volume_busy(volume_id)) from None  # the job stays CREATED and tries again
            raise
        return NativeBackup(snapshot["SnapshotId"], self._snapshot_arn(snapshot["SnapshotId"]))

    def _one_snapshot(self, native_id: str) -> dict[str, Any] | None:
        try:
            snapshot: dict[str, Any] = self._ec2().describe_snapshots(SnapshotIds=[native_id])["Snapshots"][0]
        except ClientError as error:
            if error.response["Error"]["Code"] != "InvalidSnapshot.NotFound":
                raise
            return None
        return snapshot

    def backup_status(self, native_id: str) -> Progress:
        return snapshot_progress(self._one_snapshot(native_id), native_id)

    def backup_statuses(self, native_ids: list[str]) -> dict[str, Progress]:
        """DescribeSnapshots by id, a page of ids per call; one id gone fails the whole call in EC2, so those
        are asked for again one by one."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(native_ids), STATUS_PAGE):
            ids = native_ids[start : start + STATUS_PAGE]
            try:
                for snapshot in self._ec2().describe_snapshots(SnapshotIds=ids)["Snapshots"]:
                    found[snapshot["SnapshotId"]] = snapshot
            except ClientError as error:
                if error.response["Error"]["Code"] != "InvalidSnapshot.NotFound":
                    raise
                for native_id in ids:
                    snapshot = self._one_snapshot(native_id)
                    if snapshot is not None:
                        found[native_id] = snapshot
        self._described = found
        return {native_id: snapshot_progress(found.get(native_id), native_id) for native_id in native_ids}

    def find_duplicates(self, owners: dict[str, str]) -> list[NativeBackup]:
        found: list[NativeBackup] = []
        job_ids = sorted(owners)
        for start in range(0, len(job_ids), STATUS_PAGE):
            tagged = {"Name": f"tag:{JOB_TAG}", "Values": job_ids[start : start + STATUS_PAGE]}
            pages = self._ec2().get_paginator("describe_snapshots").paginate(OwnerIds=["self"], Filters=[tagged])
            for page in pages:
                for snapshot in page["Snapshots"]:
                    job_id = _tags(snapshot.get("Tags")).get(JOB_TAG, "")
                    if job_id in owners and snapshot["SnapshotId"] != owners[job_id]:
                        found.append(NativeBackup(snapshot["SnapshotId"], self._snapshot_arn(snapshot["SnapshotId"])))
        return found

    def delete_backup(self, native_id: str) -> None:
        delete_snapshot(self._ec2(), native_id)

    def move_to_cold(self, native_id: str) -> bool:
        return archive_snapshot(self._ec2(), native_id)

    # locks: the point is one EBS snapshot (lambdas/resources/snapshot_locks.py)

    def lock_backup(self, native_id: str, lock: NativeLock) -> None:
        lock_snapshots(self._ec2(), [native_id], lock)

    def unlock_backup(self, native_id: str) -> None:
        unlock_snapshots(self._ec2(), [native_id])

    def backup_lock(self, native_id: str) -> NativeLockState | None:
        return earliest_lock(self._ec2(), [native_id])

    def share_backup(self, native_id: str, account: str) -> None:
        share_snapshot(self._ec2(), native_id, account)

    def copy_in(self, source: CopySource, copy_job_id: str, kms_key_arn: str, tags: dict[str, str]) -> NativeBackup:
        """EBS copies a snapshot across Regions and accounts itself; the copy is re-encrypted with the
        destination vault's key."""
        description = f"Strongroom copy job {copy_job_id} of {source.native_id}"
        snapshot_id = copy_snapshot(self._ec2(), source, description, kms_key_arn, {**tags, JOB_TAG: copy_job_id})
        return NativeBackup(snapshot_id, self._snapshot_arn(snapshot_id))

    def restore_metadata(self, native_id: str, source: ResourceInfo | None) -> dict[str, str]:
        snapshot = (
            self._described.pop(native_id, None)
            or self._ec2().describe_snapshots(SnapshotIds=[native_id])["Snapshots"][0]
        )
        metadata = {
            "volumeId": snapshot["VolumeId"],
            "volumeSize": str(snapshot.get("VolumeSize", "")),
            "encrypted": str(bool(snapshot.get("Encrypted"))).lower(),
            "volumeType": "gp3",
            "availabilityZone": f"{self._region}a",
        }
        if snapshot.get("KmsKeyId"):
            metadata["kmsKeyId"] = snapshot["KmsKeyId"]
        if source is not None and source.details and source.arn.endswith(f"/{snapshot['VolumeId']}"):
            return {**metadata, **source.details}  # the volume was described just before: not again
        try:
            volume = self._ec2().describe_volumes(VolumeIds=[snapshot["VolumeId"]])["Volumes"][0]
            metadata.update(_volume_details(volume))
        except ClientError:
            pass  # the source volume may be gone; the snapshot alone is enough to restore
        return metadata

    def check_restore(self, native_id: str, metadata: dict[str, str]) -> None:
        if not metadata.get("availabilityZone"):
            raise InvalidParameterValueException("Restore metadata for EBS is missing: availabilityZone")
        size = metadata.get("volumeSize")
        if size and (not size.isdigit() or int(size) < 1):
            raise InvalidParameterValueException(
                f"Restore metadata volumeSize must be a whole number of GiB, got {size!r}"
            )

    def find_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore | None:
        volumes = self._ec2().describe_volumes(Filters=[{"Name": f"tag:{RESTORE_TAG}", "Values": [restore_job_id]}])
        if not volumes["Volumes"]:
            return None
        volume_id = volumes["Volumes"][0]["VolumeId"]
        return NativeRestore(volume_id, self._volume_arn(volume_id))

    def start_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore:
        if not metadata.get("availabilityZone"):
            raise InvalidParameterValueException("EBS restore metadata needs availabilityZone")
        request: dict[str, Any] = {
            "SnapshotId": native_id,
            "AvailabilityZone": metadata["availabilityZone"],
            "VolumeType": metadata.get("volumeType", "gp3"),
            "TagSpecifications": _tag_spec("volume", {RESTORE_TAG: restore_job_id}),
        }
        if metadata.get("volumeSize"):
            request["Size"] = int(metadata["volumeSize"])
        if metadata.get("encrypted", "false").lower() == "true":
            request["Encrypted"] = True
            if metadata.get("kmsKeyId"):
                request["KmsKeyId"] = metadata["kmsKeyId"]
        if metadata.get("iops") and request["VolumeType"] in ("io1", "io2", "gp3"):
            request["Iops"] = int(metadata["iops"])
        thaw_snapshot(self._ec2(), native_id)
        volume = self._ec2().create_volume(**request)
        return NativeRestore(volume["VolumeId"], self._volume_arn(volume["VolumeId"]))

    def restore_status(self, restore: NativeRestore) -> Progress:
        volume = self._ec2().describe_volumes(VolumeIds=[restore.native_id])["Volumes"][0]
        if volume["State"] in ("available", "in-use"):
            return Progress(Phase.COMPLETED, "100.0", int(volume["Size"]) * GIB)
        if volume["State"] == "error":
            return Progress(Phase.FAILED, message=f"Volume {restore.native_id} failed to create")
        return Progress(Phase.RUNNING, "50.0")
