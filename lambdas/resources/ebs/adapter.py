"""EBS volumes: a recovery point is an EBS snapshot, a restore is a new volume from it.

Cold storage is the EBS snapshot archive tier (ModifySnapshotTier). MoveToColdStorageAfterDays alone moves a
point there: OptInToArchiveForSupportedResources is kept and shown, and changes nothing in Strongroom. An
archived snapshot makes no volume: a restore first asks for a temporary restore of it (RestoreSnapshotTier),
which on AWS takes 24 to 72 hours; until it is done the restore job fails saying so, and is started again
later. EBS snapshots are written once in lambdas/resources/ebs_snapshots.py, shared with EC2 and Storage Gateway."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from lambdas.domain.arns import parse_arn
from lambdas.domain.errors import InvalidParameterValueException, ResourceNotFoundException
from lambdas.resources.base import (
    JOB_TAG,
    RESTORE_TAG,
    CopySource,
    NativeBackup,
    NativeRestore,
    OneTypeAdapter,
    Phase,
    Progress,
    ResourceInfo,
    RunMemo,
    StartCapacity,
    memo_in,
)
from lambdas.resources.ebs.spec import EBS
from lambdas.resources.ebs_snapshots import (
    GIB,
    OneSnapshotPoint,
    copy_snapshot,
    ebs_tags,
    snapshot_progress,
    tag_spec,
    thaw_snapshot,
)
from lambdas.resources.paging import filtered
from lambdas.resources.snapshot_engine import refused_as
from lambdas.resources.spec import AdapterContext
from lambdas.resources.waits import PENDING_SNAPSHOTS_PER_VOLUME, BackupMustWait, volume_busy

STATUS_PAGE = 200  # snapshot ids per DescribeSnapshots call when tracking many jobs
_FILTER_VALUES = 200  # the most values one EC2 filter takes
_SNAPSHOTS = "snapshots"  # backup_statuses' snapshots by id, in the run's memo, for restore_metadata


def _volume_details(volume: dict[str, Any]) -> dict[str, str]:
    """What a restore of this volume's snapshot needs to know about the volume."""
    details = {"availabilityZone": volume["AvailabilityZone"], "volumeType": volume.get("VolumeType", "gp3")}
    if volume.get("Iops"):
        details["iops"] = str(volume["Iops"])
    return details


class EbsAdapter(OneSnapshotPoint, OneTypeAdapter):
    def __init__(self, ec2: Callable[[], Any], region: str, account: str) -> None:
        self._ec2 = ec2
        super().__init__(EBS, region, account)

    def _volume_arn(self, volume_id: str) -> str:
        return self._arn_here("ec2", f"volume/{volume_id}")

    def _info(self, volume: dict[str, Any]) -> ResourceInfo:
        tags = ebs_tags(volume.get("Tags"))
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

    def describe(self, resource_arn: str) -> ResourceInfo:
        volume_id = parse_arn(resource_arn).resource_id
        gone = ResourceNotFoundException(f"EBS volume {resource_arn} does not exist")
        with refused_as(("InvalidVolume.NotFound", "InvalidVolumeID.Malformed"), lambda error: gone):
            volumes = self._ec2().describe_volumes(VolumeIds=[volume_id])["Volumes"]
        return self._info(volumes[0])

    def describe_many(self, resource_arns: list[str], *, memo: RunMemo | None = None) -> dict[str, ResourceInfo]:
        """One DescribeVolumes per 200 volumes, by a volume-id filter (VolumeIds would fail the whole call for
        one volume gone)."""
        by_id = {parse_arn(arn).resource_id: arn for arn in resource_arns}
        found: dict[str, ResourceInfo] = {}
        for volume in self._volumes_filtered("volume-id", sorted(by_id)):
            found[by_id[volume["VolumeId"]]] = self._info(volume)
        return found

    def _volumes_filtered(self, name: str, values: list[str]) -> Iterator[dict[str, Any]]:
        return filtered(self._ec2(), "describe_volumes", "Volumes", name, values, _FILTER_VALUES)

    def start_capacity(self, resource_arns: list[str], *, memo: RunMemo | None = None) -> StartCapacity:
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

    def start_backup(
        self, resource_arn: str, job_id: str, tags: dict[str, str], *, memo: RunMemo | None = None
    ) -> NativeBackup:
        volume_id = parse_arn(resource_arn).resource_id
        try:
            snapshot = self._ec2().create_snapshot(
                VolumeId=volume_id,
                Description=f"Strongroom backup job {job_id}",
                TagSpecifications=tag_spec("snapshot", {**tags, JOB_TAG: job_id}),
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

    def backup_statuses(self, native_ids: list[str], *, memo: RunMemo | None = None) -> dict[str, Progress]:
        """DescribeSnapshots by id, a page of ids per call; one id gone fails the whole call in EC2, so those
        are asked for again one by one. The snapshots are kept in `memo` for restore_metadata."""
        seen = memo_in(memo, self, _SNAPSHOTS)
        seen.forget()  # never an older batch's, if a call below fails
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
        seen.remember(lambda: found)
        return {native_id: snapshot_progress(found.get(native_id), native_id) for native_id in native_ids}

    def find_duplicates(self, owners: dict[str, str]) -> list[NativeBackup]:
        found: list[NativeBackup] = []
        tagged = filtered(
            self._ec2(),
            "describe_snapshots",
            "Snapshots",
            f"tag:{JOB_TAG}",
            sorted(owners),
            STATUS_PAGE,
            OwnerIds=["self"],
        )
        for snapshot in tagged:
            job_id = ebs_tags(snapshot.get("Tags")).get(JOB_TAG, "")
            if job_id in owners and snapshot["SnapshotId"] != owners[job_id]:
                found.append(NativeBackup(snapshot["SnapshotId"], self._snapshot_arn(snapshot["SnapshotId"])))
        return found

    # deletion, cold storage, locks and sharing: OneSnapshotPoint's (the point is one EBS snapshot)

    def copy_in(self, source: CopySource, copy_job_id: str, kms_key_arn: str, tags: dict[str, str]) -> NativeBackup:
        """EBS copies a snapshot across Regions and accounts itself; the copy is re-encrypted with the
        destination vault's key."""
        description = f"Strongroom copy job {copy_job_id} of {source.native_id}"
        snapshot_id = copy_snapshot(self._ec2(), source, description, kms_key_arn, {**tags, JOB_TAG: copy_job_id})
        return NativeBackup(snapshot_id, self._snapshot_arn(snapshot_id))

    def restore_metadata(
        self, native_id: str, source: ResourceInfo | None, *, memo: RunMemo | None = None
    ) -> dict[str, str]:
        snapshot = (
            memo_in(memo, self, _SNAPSHOTS).take(native_id)
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
            "TagSpecifications": tag_spec("volume", {RESTORE_TAG: restore_job_id}),
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


def build(ctx: AdapterContext) -> EbsAdapter:
    """The adapter of this type for one account and Region (its spec's `build`)."""
    return EbsAdapter(ctx.client("ec2"), ctx.region, ctx.account)
