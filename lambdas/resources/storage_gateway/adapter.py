"""Storage Gateway volumes (cached and stored volume gateways, the seed's on-premises path).

A recovery point is the EBS snapshot that `storagegateway.create_snapshot` makes of the volume, tagged with
the job id (the tags given to CreateSnapshot land on the snapshot), so status, lookup by job and deletion are
EC2 snapshot calls. A restore makes either a new gateway volume from the snapshot (cached or stored, on the
gateway the metadata names) or a plain EBS volume; the restore metadata's `restoreTarget` chooses.
A copy to another vault, Region or account is an EBS snapshot copy (shared with the other account first),
which restores to an EBS volume there, or to its gateway in the volume's own Region and account.

The resource ARN is the volume's: arn:aws:storagegateway:region:account:gateway/sgw-id/volume/vol-id.
The storagegateway client comes from a factory: boto3's in the cloud, the local runtime's fake
(`storage_gateway_fake`) on the emulator, which has no Storage Gateway."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from lambdas.domain.arns import parse_arn
from lambdas.domain.errors import InvalidParameterValueException, ResourceNotFoundException
from lambdas.domain.native_locks import NativeLock
from lambdas.resources.base import (
    JOB_TAG,
    RESTORE_TAG,
    CopySource,
    NativeBackup,
    NativeLockState,
    NativeRestore,
    Phase,
    Progress,
    ResourceInfo,
)
from lambdas.resources.ebs_snapshots import (
    archive_snapshot,
    copy_snapshot,
    delete_snapshot,
    ebs_tags,
    share_snapshot,
    snapshot_progress,
    thaw_snapshot,
)
from lambdas.resources.snapshot_locks import earliest_lock, lock_snapshots, unlock_snapshots
from lambdas.resources.spec import AdapterContext

GIB = 1024**3
GATEWAY_TARGET = "gateway-volume"
EBS_TARGET = "ebs-volume"
_VOLUME_ARN = re.compile(
    r"^(?P<gateway>arn:aws[a-z\-]*:storagegateway:[a-z0-9\-]+:\d{12}:gateway/sgw-[0-9A-Za-z]+)/volume/vol-[0-9A-Za-z]+$"
)
_GATEWAY_ARN = re.compile(r"^arn:aws[a-z\-]*:storagegateway:[a-z0-9\-]+:\d{12}:gateway/sgw-[0-9A-Za-z]+$")
_TARGET_NAME = re.compile(r"^[-.;a-z0-9]{1,200}$")
_DESCRIBED_VOLUME = re.compile(r"\bof (arn:\S+/volume/vol-\S+)$")
_NOT_FOUND = {"VolumeNotFound", "GatewayNotFound", "InvalidGateway", "TargetNotFound"}
_BAD_REQUEST = {
    "InvalidParameters",
    "TargetAlreadyExists",
    "TargetInvalid",
    "DiskAlreadyAllocated",
    "DiskDoesNotExist",
    "DiskSizeLessThanVolumeSize",
    "DiskSizeGreaterThanVolumeMaxSize",
    "DiskSizeNotGigAligned",
    "NotSupported",
    "SnapshotIdInvalid",
    "SnapshotNotFound",
}
# VolumeStatus values from which the volume never becomes usable.
_DEAD_VOLUME = {"IRRECOVERABLE", "DELETING"}


def _gateway_code(error: ClientError) -> str | None:
    """Storage Gateway answers InvalidGatewayRequestException; the reason is in error.errorCode."""
    detail = error.response.get("error")
    return str(detail.get("errorCode")) if isinstance(detail, dict) and detail.get("errorCode") else None


def gateway_of(volume_arn: str) -> str:
    match = _VOLUME_ARN.match(volume_arn)
    if match is None:
        raise InvalidParameterValueException(
            f"Invalid Storage Gateway volume ARN {volume_arn!r}: expected "
            "arn:aws:storagegateway:region:account:gateway/sgw-id/volume/vol-id"
        )
    return match.group("gateway")


def target_name(restore_job_id: str) -> str:
    """The iSCSI target of a restored volume: unique per gateway, lower case, from the restore job."""
    return re.sub(r"[^-.;a-z0-9]", "-", f"strongroom-restore-{restore_job_id.lower()}")[:200]


class StorageGatewayAdapter:
    resource_type = "Storage Gateway"
    # The Resource Groups Tagging API types a resource by the first part of its ARN's resource: a volume
    # (gateway/sgw-id/volume/vol-id) is a "storagegateway:gateway" resource, like its gateway.
    tagging_filter = "storagegateway:gateway"
    supports_cold_storage = True  # its points are EBS snapshots: the EBS archive tier

    def __init__(self, storagegateway: Callable[[], Any], ec2: Callable[[], Any], region: str, account: str) -> None:
        self._sgw = storagegateway
        self._ec2 = ec2
        self._region = region
        self._account = account

    def resource_type_for(self, resource_arn: str) -> str:
        return self.resource_type

    def _snapshot_arn(self, snapshot_id: str) -> str:
        return f"arn:aws:ec2:{self._region}::snapshot/{snapshot_id}"

    def _volume_arn(self, volume_id: str) -> str:
        return f"arn:aws:ec2:{self._region}:{self._account}:volume/{volume_id}"

    # the gateway side

    def _volume_infos(self, gateway_arn: str) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {"GatewayARN": gateway_arn}
        while True:
            response = self._sgw().list_volumes(**request)
            yield from response.get("VolumeInfos", [])
            if not response.get("Marker"):
                return
            request["Marker"] = response["Marker"]

    def _volume_info(self, volume_arn: str) -> dict[str, Any]:
        """The volume's ListVolumes entry (which says cached or stored); ResourceNotFoundException if gone."""
        gateway_arn = gateway_of(volume_arn)
        try:
            for info in self._volume_infos(gateway_arn):
                if info["VolumeARN"] == volume_arn:
                    return info
        except ClientError as error:
            if _gateway_code(error) in _NOT_FOUND:
                raise ResourceNotFoundException(
                    f"Storage Gateway volume {volume_arn} does not exist: its gateway was not found"
                ) from None
            raise
        raise ResourceNotFoundException(f"Storage Gateway volume {volume_arn} does not exist")

    def _describe_volume(self, volume_arn: str, volume_type: str) -> dict[str, Any]:
        if volume_type.upper().startswith("STORED"):
            return dict(self._sgw().describe_stored_iscsi_volumes(VolumeARNs=[volume_arn])["StorediSCSIVolumes"][0])
        return dict(self._sgw().describe_cached_iscsi_volumes(VolumeARNs=[volume_arn])["CachediSCSIVolumes"][0])

    def _resource_tags(self, arn: str) -> dict[str, str]:
        tags: dict[str, str] = {}
        request: dict[str, Any] = {"ResourceARN": arn}
        while True:
            response = self._sgw().list_tags_for_resource(**request)
            tags.update(ebs_tags(response.get("Tags")))
            if not response.get("Marker"):
                return tags
            request["Marker"] = response["Marker"]

    def _info(self, volume_arn: str, volume_type: str) -> ResourceInfo:
        volume = self._describe_volume(volume_arn, volume_type)
        tags = self._resource_tags(volume_arn)
        return ResourceInfo(
            arn=volume_arn,
            resource_type=self.resource_type,
            name=tags.get("Name", volume["VolumeId"]),
            size_bytes=int(volume["VolumeSizeInBytes"]),
            tags=tags,
            encryption_key_arn=volume.get("KMSKey"),
            is_encrypted=True,  # Storage Gateway encrypts volume data at rest, with S3-managed keys by default
        )

    def describe(self, resource_arn: str) -> ResourceInfo:
        info = self._volume_info(resource_arn)
        return self._info(resource_arn, info.get("VolumeType", "CACHED"))

    def list_resources(self) -> Iterator[ResourceInfo]:
        request: dict[str, Any] = {}
        while True:
            response = self._sgw().list_gateways(**request)
            for gateway in response.get("Gateways", []):
                for info in self._volume_infos(gateway["GatewayARN"]):
                    yield self._info(info["VolumeARN"], info.get("VolumeType", "CACHED"))
            if not response.get("Marker"):
                return
            request["Marker"] = response["Marker"]

    # backups: EBS snapshots made by the gateway

    def find_backup(self, resource_arn: str, job_id: str) -> NativeBackup | None:
        snapshots = self._ec2().describe_snapshots(
            OwnerIds=["self"], Filters=[{"Name": f"tag:{JOB_TAG}", "Values": [job_id]}]
        )["Snapshots"]
        if not snapshots:
            return None
        snapshot_id = snapshots[0]["SnapshotId"]
        return NativeBackup(snapshot_id, self._snapshot_arn(snapshot_id))

    def start_backup(self, resource_arn: str, job_id: str, tags: dict[str, str]) -> NativeBackup:
        gateway_of(resource_arn)
        try:
            snapshot = self._sgw().create_snapshot(
                VolumeARN=resource_arn,
                # The description names the volume: the snapshot alone then says where to restore it.
                SnapshotDescription=f"Strongroom backup job {job_id} of {resource_arn}"[:255],
                Tags=[{"Key": k, "Value": v} for k, v in {**tags, JOB_TAG: job_id}.items()],
            )
        except ClientError as error:
            if _gateway_code(error) in _NOT_FOUND:
                raise ResourceNotFoundException(f"Storage Gateway volume {resource_arn} does not exist") from None
            raise  # VolumeNotReady, SnapshotInProgress, GatewayNotConnected: the job retries within its window
        return NativeBackup(snapshot["SnapshotId"], self._snapshot_arn(snapshot["SnapshotId"]))

    def _snapshot(self, snapshot_id: str) -> dict[str, Any] | None:
        try:
            return dict(self._ec2().describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0])
        except ClientError as error:
            if error.response["Error"]["Code"] in ("InvalidSnapshot.NotFound", "InvalidSnapshotID.Malformed"):
                return None
            raise

    def backup_status(self, native_id: str) -> Progress:
        return snapshot_progress(self._snapshot(native_id), native_id)

    def delete_backup(self, native_id: str) -> None:
        delete_snapshot(self._ec2(), native_id)

    def move_to_cold(self, native_id: str) -> bool:
        """The point is an EBS snapshot: to the EBS archive tier, as an EBS volume's point."""
        return archive_snapshot(self._ec2(), native_id)

    # locks: the point is one EBS snapshot (lambdas/resources/snapshot_locks.py)

    def lock_backup(self, native_id: str, lock: NativeLock) -> None:
        lock_snapshots(self._ec2(), [native_id], lock)

    def unlock_backup(self, native_id: str) -> None:
        unlock_snapshots(self._ec2(), [native_id])

    def backup_lock(self, native_id: str) -> NativeLockState | None:
        return earliest_lock(self._ec2(), [native_id])

    # copies: the point is an EBS snapshot, copied as an EBS volume's point is

    def share_backup(self, native_id: str, account: str) -> None:
        share_snapshot(self._ec2(), native_id, account)

    def copy_in(self, source: CopySource, copy_job_id: str, kms_key_arn: str, tags: dict[str, str]) -> NativeBackup:
        """An EBS snapshot copy (CopySnapshot) in this Region and account under `kms_key_arn`. Its description
        names the source volume as a backup's does, so restore_metadata still knows the volume: in the volume's
        own Region and account the copy restores to its gateway, elsewhere to an EBS volume."""
        description = f"Strongroom copy job {copy_job_id} of {source.resource_arn}"
        snapshot_id = copy_snapshot(self._ec2(), source, description, kms_key_arn, {**tags, JOB_TAG: copy_job_id})
        return NativeBackup(snapshot_id, self._snapshot_arn(snapshot_id))

    # restore

    def restore_metadata(self, native_id: str, source: ResourceInfo | None) -> dict[str, str]:
        snapshot = self._snapshot(native_id)
        if snapshot is None:
            raise ResourceNotFoundException(f"Snapshot {native_id} does not exist")
        metadata = {
            "restoreTarget": EBS_TARGET,
            "volumeSizeInBytes": str(int(snapshot.get("VolumeSize", 0)) * GIB),
            "availabilityZone": f"{self._region}a",
            "ebsVolumeType": "gp3",
        }
        described = _DESCRIBED_VOLUME.search(snapshot.get("Description") or "")
        volume_arn = source.arn if source is not None else (described.group(1) if described else None)
        if volume_arn is None or _VOLUME_ARN.match(volume_arn) is None:
            return metadata  # where the snapshot came from is unknown: an EBS volume is always possible
        metadata["sourceVolumeArn"] = volume_arn
        gateway_arn = gateway_of(volume_arn)
        where = parse_arn(gateway_arn)
        if (where.region, where.account) != (self._region, self._account):
            return metadata  # a copy in another Region or account: its gateway is not reachable from here
        try:
            gateway = self._sgw().describe_gateway_information(GatewayARN=gateway_arn)
            info = self._volume_info(volume_arn)
            volume = self._describe_volume(volume_arn, info.get("VolumeType", "CACHED"))
        except (ClientError, ResourceNotFoundException):
            return metadata  # the gateway or the volume is gone; the snapshot still restores to EBS
        interfaces = [n["Ipv4Address"] for n in gateway.get("GatewayNetworkInterfaces", []) if n.get("Ipv4Address")]
        metadata.update(
            restoreTarget=GATEWAY_TARGET,
            gatewayArn=gateway_arn,
            volumeType="STORED" if info.get("VolumeType", "").upper().startswith("STORED") else "CACHED",
            volumeSizeInBytes=str(int(volume["VolumeSizeInBytes"])),
        )
        if interfaces:
            metadata["networkInterfaceId"] = interfaces[0]
        if volume.get("KMSKey"):
            metadata["kmsKey"] = volume["KMSKey"]
        return metadata

    def check_restore(self, native_id: str, metadata: dict[str, str]) -> None:
        target = metadata.get("restoreTarget", GATEWAY_TARGET)
        if target == EBS_TARGET:
            if not metadata.get("availabilityZone"):
                raise InvalidParameterValueException(
                    "Restore metadata for a Storage Gateway snapshot restored to EBS is missing: availabilityZone"
                )
            return
        if target != GATEWAY_TARGET:
            raise InvalidParameterValueException(
                f"Restore metadata restoreTarget must be {GATEWAY_TARGET} or {EBS_TARGET}, got {target!r}"
            )
        missing = [key for key in ("gatewayArn", "volumeType", "networkInterfaceId") if not metadata.get(key)]
        volume_type = metadata.get("volumeType", "")
        if volume_type == "STORED" and not metadata.get("diskId"):
            missing.append("diskId")
        if volume_type == "CACHED" and not metadata.get("volumeSizeInBytes"):
            missing.append("volumeSizeInBytes")
        if missing:
            raise InvalidParameterValueException(
                f"Restore metadata for a Storage Gateway volume is missing: {', '.join(missing)}"
            )
        if volume_type not in ("CACHED", "STORED"):
            raise InvalidParameterValueException(
                f"Restore metadata volumeType must be CACHED or STORED, got {volume_type!r}"
            )
        if not _GATEWAY_ARN.match(metadata["gatewayArn"]):
            raise InvalidParameterValueException(
                f"Restore metadata gatewayArn is not a gateway ARN: {metadata['gatewayArn']!r}"
            )
        name = metadata.get("targetName")
        if name is not None and not _TARGET_NAME.match(name):
            raise InvalidParameterValueException(
                f"Restore metadata targetName must be 1-200 of a-z 0-9 - . ; (lower case), got {name!r}"
            )
        size = metadata.get("volumeSizeInBytes")
        if size is not None and (not size.isdigit() or int(size) < GIB):
            raise InvalidParameterValueException(
                f"Restore metadata volumeSizeInBytes must be a whole number of bytes of at least 1 GiB, got {size!r}"
            )
        try:
            gateway = self._sgw().describe_gateway_information(GatewayARN=metadata["gatewayArn"])
        except ClientError as error:
            if _gateway_code(error) in _NOT_FOUND:
                raise InvalidParameterValueException(
                    f"Gateway {metadata['gatewayArn']} in the restore metadata does not exist"
                ) from None
            raise
        if gateway.get("GatewayType") not in (None, volume_type):
            raise InvalidParameterValueException(
                f"Gateway {metadata['gatewayArn']} is a {gateway['GatewayType']} volume gateway; "
                f"it cannot hold a {volume_type} volume"
            )

    def find_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore | None:
        if metadata.get("restoreTarget", GATEWAY_TARGET) == EBS_TARGET:
            volumes = self._ec2().describe_volumes(
                Filters=[{"Name": f"tag:{RESTORE_TAG}", "Values": [restore_job_id]}]
            )["Volumes"]
            if not volumes:
                return None
            return NativeRestore(volumes[0]["VolumeId"], self._volume_arn(volumes[0]["VolumeId"]))
        try:
            for info in self._volume_infos(metadata.get("gatewayArn", "")):
                if self._resource_tags(info["VolumeARN"]).get(RESTORE_TAG) == restore_job_id:
                    return NativeRestore(info["VolumeARN"], info["VolumeARN"])
        except ClientError as error:
            if _gateway_code(error) in _NOT_FOUND:
                return None
            raise
        return None

    def start_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore:
        self.check_restore(native_id, metadata)
        thaw_snapshot(self._ec2(), native_id)  # neither a gateway nor EC2 makes a volume of an archived snapshot
        if metadata.get("restoreTarget", GATEWAY_TARGET) == EBS_TARGET:
            return self._restore_to_ebs(native_id, restore_job_id, metadata)
        request: dict[str, Any] = {
            "GatewayARN": metadata["gatewayArn"],
            "SnapshotId": native_id,
            "TargetName": metadata.get("targetName") or target_name(restore_job_id),
            "NetworkInterfaceId": metadata["networkInterfaceId"],
            "Tags": [{"Key": RESTORE_TAG, "Value": restore_job_id}],
        }
        if metadata.get("kmsKey"):
            request.update(KMSEncrypted=True, KMSKey=metadata["kmsKey"])
        try:
            if metadata["volumeType"] == "STORED":
                created = self._sgw().create_stored_iscsi_volume(
                    DiskId=metadata["diskId"], PreserveExistingData=False, **request
                )
            else:
                created = self._sgw().create_cached_iscsi_volume(
                    VolumeSizeInBytes=int(metadata["volumeSizeInBytes"]), ClientToken=restore_job_id, **request
                )
        except ClientError as error:
            if _gateway_code(error) in _BAD_REQUEST | _NOT_FOUND:
                raise InvalidParameterValueException(
                    f"Storage Gateway refused the restore: {error.response['Error'].get('Message', error)}"
                ) from None
            raise
        return NativeRestore(created["VolumeARN"], created["VolumeARN"])

    def _restore_to_ebs(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore:
        request: dict[str, Any] = {
            "SnapshotId": native_id,
            "AvailabilityZone": metadata["availabilityZone"],
            "VolumeType": metadata.get("ebsVolumeType", "gp3"),
            "TagSpecifications": [{"ResourceType": "volume", "Tags": [{"Key": RESTORE_TAG, "Value": restore_job_id}]}],
        }
        if metadata.get("kmsKey"):
            request.update(Encrypted=True, KmsKeyId=metadata["kmsKey"])
        try:
            volume = self._ec2().create_volume(**request)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("InvalidParameterValue", "InvalidZone.NotFound"):
                raise InvalidParameterValueException(
                    f"EC2 refused the restore: {error.response['Error'].get('Message', error)}"
                ) from None
            raise
        return NativeRestore(volume["VolumeId"], self._volume_arn(volume["VolumeId"]))

    def restore_status(self, restore: NativeRestore) -> Progress:
        if parse_arn(restore.created_resource_arn).service == "ec2":
            return self._ebs_restore_status(restore.native_id)
        try:
            info = self._volume_info(restore.native_id)
        except ResourceNotFoundException:
            return Progress(Phase.FAILED, message=f"Gateway volume {restore.native_id} disappeared during the restore")
        volume = self._describe_volume(restore.native_id, info.get("VolumeType", "CACHED"))
        status = volume.get("VolumeStatus", "")
        if status == "AVAILABLE":
            return Progress(Phase.COMPLETED, "100.0", int(volume["VolumeSizeInBytes"]))
        if status in _DEAD_VOLUME:
            return Progress(Phase.FAILED, message=f"Gateway volume {restore.native_id} is {status}")
        progress = volume.get("VolumeProgress")
        return Progress(Phase.RUNNING, f"{float(progress):.1f}" if progress is not None else "0.0")

    def _ebs_restore_status(self, volume_id: str) -> Progress:
        try:
            volume = self._ec2().describe_volumes(VolumeIds=[volume_id])["Volumes"][0]
        except ClientError as error:
            if error.response["Error"]["Code"] == "InvalidVolume.NotFound":
                return Progress(Phase.FAILED, message=f"Volume {volume_id} disappeared during the restore")
            raise
        if volume["State"] in ("available", "in-use"):
            return Progress(Phase.COMPLETED, "100.0", int(volume["Size"]) * GIB)
        if volume["State"] == "error":
            return Progress(Phase.FAILED, message=f"Volume {volume_id} failed to create")
        return Progress(Phase.RUNNING, "50.0")


def build(ctx: AdapterContext) -> StorageGatewayAdapter:
    """The adapter of this type for one account and Region (its spec's `build`)."""
    return StorageGatewayAdapter(ctx.client("storagegateway"), ctx.client("ec2"), ctx.region, ctx.account)
