"""Storage Gateway restores: a new gateway volume from the point's EBS snapshot (cached or stored, on the gateway the
restore names), or a plain EBS volume; StorageGatewayAdapter (adapter.py) takes these methods from GatewayRestores.
The volume and gateway ARN forms and error codes both halves read are here too."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from lambdas.domain.arns import parse_arn
from lambdas.domain.errors import InvalidParameterValueException, ResourceNotFoundException
from lambdas.resources.base import (
    RESTORE_TAG,
    NativeRestore,
    Phase,
    Progress,
    ResourceInfo,
    RunMemo,
)
from lambdas.resources.ebs_snapshots import (
    thaw_snapshot,
)
from lambdas.resources.snapshot_engine import refused_as

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


class GatewayRestores:
    """The restore half of the Storage Gateway adapter."""

    # Provided by StorageGatewayAdapter, which takes these methods (declared here for the type checker).
    _sgw: Callable[[], Any]
    _ec2: Callable[[], Any]
    _region: str
    _account: str

    def _volume_arn(self, volume_id: str) -> str:
        raise NotImplementedError

    def _volume_infos(self, gateway_arn: str) -> Iterator[dict[str, Any]]:
        raise NotImplementedError

    def _volume_info(self, volume_arn: str) -> dict[str, Any]:
        raise NotImplementedError

    def _describe_volume(self, volume_arn: str, volume_type: str) -> dict[str, Any]:
        raise NotImplementedError

    def _resource_tags(self, arn: str) -> dict[str, str]:
        raise NotImplementedError

    def _snapshot(self, snapshot_id: str) -> dict[str, Any] | None:
        raise NotImplementedError

    def restore_metadata(
        self, native_id: str, source: ResourceInfo | None, *, memo: RunMemo | None = None
    ) -> dict[str, str]:
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
        refused = ("InvalidParameterValue", "InvalidZone.NotFound")
        with refused_as(
            refused,
            lambda error: InvalidParameterValueException(
                f"EC2 refused the restore: {error.response['Error'].get('Message', error)}"
            ),
        ):
            volume = self._ec2().create_volume(**request)
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
