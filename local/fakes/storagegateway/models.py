"""The in-memory Storage Gateway's state (volume gateways only): gateways, their local disks, volumes and tags, one
backend per account and Region, and what changes them.

Honest about where data lives: every gateway volume is backed by a REAL EBS volume in the (emulated) EC2, reached
through the EC2 client each operation is given, so a gateway snapshot is a REAL EBS snapshot, which EC2 lists,
describes, deletes and restores exactly as it would one made by a real gateway; a volume restored from a snapshot
is an EBS volume created from that snapshot."""

from __future__ import annotations

import math
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from local.fakes.storagegateway.exceptions import gateway_error

GIB = 1024**3
DISK_BYTES = 100 * GIB
DISKS_PER_GATEWAY = 4
VOLUME_GATEWAY_TYPES = ("CACHED", "STORED")
BACKING_TAG = "strongroom:emulated-gateway-volume"  # on the EBS volume that holds a gateway volume's blocks


def _hex_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4).upper()}"


@dataclass
class _Disk:
    disk_id: str
    path: str
    node: str
    allocation: str = "AVAILABLE"


@dataclass
class _Gateway:
    arn: str
    gateway_id: str
    name: str
    gateway_type: str
    timezone: str
    region: str
    network_interfaces: list[str]
    disks: list[_Disk]
    state: str = "RUNNING"


@dataclass
class _Volume:
    arn: str
    volume_id: str
    gateway_arn: str
    volume_type: str
    size_bytes: int
    target_name: str
    network_interface_id: str
    backing_volume_id: str
    created: datetime
    source_snapshot_id: str | None = None
    disk_id: str | None = None
    kms_key: str | None = None
    status: str = "AVAILABLE"
    progress: float | None = None
    client_token: str | None = None

    @property
    def target_arn(self) -> str:
        return f"{self.gateway_arn}/target/iqn.1997-05.com.amazon:{self.target_name}"


@dataclass
class FakeStorageGatewayBackend:
    """One account and Region's gateways. Shared by every fake client made over it, like a real service. Callers
    hold `lock` around each operation (responses.py does)."""

    region: str
    account: str
    gateways: dict[str, _Gateway] = field(default_factory=dict)
    volumes: dict[str, _Volume] = field(default_factory=dict)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def set_volume_status(self, volume_arn: str, status: str, progress: float | None = None) -> None:
        """For tests and demos: a real gateway restores a volume over minutes; here it is AVAILABLE at once."""
        with self.lock:
            volume = self.volumes[volume_arn]
            volume.status, volume.progress = status, progress

    # gateways

    def activate_gateway(self, name: str, gateway_type: str, timezone: str, region: str, tags: dict[str, str]) -> str:
        if gateway_type not in VOLUME_GATEWAY_TYPES:
            raise gateway_error(
                "ActivateGateway", "NotSupported", f"This emulator runs volume gateways only, not {gateway_type}"
            )
        gateway_id = _hex_id("sgw")
        arn = f"arn:aws:storagegateway:{self.region}:{self.account}:gateway/{gateway_id}"
        number = len(self.gateways) + 1
        disks = [
            _Disk(f"pci-0000:03:00.0-scsi-0:0:{n}:0", f"/dev/sd{chr(ord('b') + n)}", f"SCSI (0:{n})")
            for n in range(DISKS_PER_GATEWAY)
        ]
        self.gateways[arn] = _Gateway(
            arn=arn,
            gateway_id=gateway_id,
            name=name,
            gateway_type=gateway_type,
            timezone=timezone,
            region=region,
            network_interfaces=[f"10.0.{number}.10"],
            disks=disks,
        )
        self.tags[arn] = dict(tags)
        return arn

    def gateway(self, operation: str, arn: str) -> _Gateway:
        gateway = self.gateways.get(arn)
        if gateway is None:
            raise gateway_error(operation, "GatewayNotFound", f"The specified gateway was not found: {arn}")
        return gateway

    # volumes

    def volume(self, operation: str, arn: str) -> _Volume:
        volume = self.volumes.get(arn)
        if volume is None:
            raise gateway_error(operation, "VolumeNotFound", f"The specified volume was not found: {arn}")
        return volume

    def volume_made_with(self, gateway_arn: str, client_token: str) -> _Volume | None:
        """The volume an earlier request with this ClientToken made (a retry answers it again)."""
        return next(
            (v for v in self.volumes.values() if v.client_token == client_token and v.gateway_arn == gateway_arn), None
        )

    def _check_new_volume(self, operation: str, params: dict[str, Any], gateway_type: str) -> _Gateway:
        gateway = self.gateway(operation, params["GatewayARN"])
        if gateway.gateway_type != gateway_type:
            raise gateway_error(
                operation,
                "NotSupported",
                f"Gateway {gateway.arn} is a {gateway.gateway_type} volume gateway; "
                f"{operation} needs a {gateway_type} one",
            )
        if params["NetworkInterfaceId"] not in gateway.network_interfaces:
            raise gateway_error(
                operation,
                "InvalidParameters",
                f"NetworkInterfaceId {params['NetworkInterfaceId']} is not an interface of gateway {gateway.arn}",
            )
        taken = {v.target_name for v in self.volumes.values() if v.gateway_arn == gateway.arn}
        if params["TargetName"] in taken:
            raise gateway_error(
                operation, "TargetAlreadyExists", f"Target {params['TargetName']} already exists on {gateway.arn}"
            )
        return gateway

    @staticmethod
    def _snapshot_gib(ec2: Any, operation: str, snapshot_id: str) -> int:
        try:
            snapshot = ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]
        except ClientError as error:
            if error.response["Error"]["Code"] in ("InvalidSnapshot.NotFound", "InvalidSnapshotID.Malformed"):
                raise gateway_error(operation, "SnapshotNotFound", f"Snapshot {snapshot_id} was not found") from None
            raise
        if snapshot["State"] != "completed":
            raise gateway_error(operation, "SnapshotInProgress", f"Snapshot {snapshot_id} is not completed yet")
        return int(snapshot.get("VolumeSize", 0))

    def _add_volume(
        self,
        ec2: Any,
        gateway: _Gateway,
        params: dict[str, Any],
        *,
        volume_type: str,
        size_bytes: int,
        disk_id: str | None = None,
        client_token: str | None = None,
    ) -> _Volume:
        volume_id = _hex_id("vol")
        arn = f"{gateway.arn}/volume/{volume_id}"
        request: dict[str, Any] = {
            "AvailabilityZone": f"{self.region}a",
            "Size": max(1, math.ceil(size_bytes / GIB)),
            "TagSpecifications": [{"ResourceType": "volume", "Tags": [{"Key": BACKING_TAG, "Value": arn}]}],
        }
        if params.get("SnapshotId"):
            request["SnapshotId"] = params["SnapshotId"]
        if params.get("KMSEncrypted"):
            request["Encrypted"] = True
            if params.get("KMSKey"):
                request["KmsKeyId"] = params["KMSKey"]
        backing = ec2.create_volume(**request)
        volume = _Volume(
            arn=arn,
            volume_id=volume_id,
            gateway_arn=gateway.arn,
            volume_type=volume_type,
            size_bytes=size_bytes,
            target_name=params["TargetName"],
            network_interface_id=params["NetworkInterfaceId"],
            backing_volume_id=backing["VolumeId"],
            created=datetime.now(UTC),
            source_snapshot_id=params.get("SnapshotId"),
            disk_id=disk_id,
            kms_key=params.get("KMSKey"),
            client_token=client_token,
        )
        self.volumes[arn] = volume
        self.tags[arn] = {tag["Key"]: tag["Value"] for tag in params.get("Tags", [])}
        return volume

    def create_cached_volume(self, ec2: Any, operation: str, params: dict[str, Any]) -> _Volume:
        gateway = self._check_new_volume(operation, params, "CACHED")
        size = int(params["VolumeSizeInBytes"])
        if params.get("SnapshotId"):
            snapshot_bytes = self._snapshot_gib(ec2, operation, params["SnapshotId"]) * GIB
            if size < snapshot_bytes:
                raise gateway_error(
                    operation,
                    "InvalidParameters",
                    f"VolumeSizeInBytes {size} is smaller than snapshot {params['SnapshotId']} ({snapshot_bytes})",
                )
        if size < GIB:
            raise gateway_error(operation, "InvalidParameters", f"VolumeSizeInBytes {size} is below 1 GiB")
        return self._add_volume(
            ec2, gateway, params, volume_type="CACHED", size_bytes=size, client_token=params["ClientToken"]
        )

    def create_stored_volume(self, ec2: Any, operation: str, params: dict[str, Any]) -> _Volume:
        gateway = self._check_new_volume(operation, params, "STORED")
        disk = next((d for d in gateway.disks if d.disk_id == params["DiskId"]), None)
        if disk is None:
            raise gateway_error(operation, "DiskDoesNotExist", f"Disk {params['DiskId']} does not exist")
        if disk.allocation != "AVAILABLE":
            raise gateway_error(operation, "DiskAlreadyAllocated", f"Disk {disk.disk_id} is {disk.allocation}")
        if params.get("SnapshotId") and self._snapshot_gib(ec2, operation, params["SnapshotId"]) * GIB > DISK_BYTES:
            raise gateway_error(
                operation, "DiskSizeLessThanVolumeSize", f"Disk {disk.disk_id} is smaller than the snapshot"
            )
        volume = self._add_volume(
            ec2, gateway, params, volume_type="STORED", size_bytes=DISK_BYTES, disk_id=disk.disk_id
        )
        disk.allocation = "STORED VOLUME"
        return volume

    def delete_volume(self, ec2: Any, volume_arn: str) -> _Volume:
        volume = self.volume("DeleteVolume", volume_arn)
        try:
            ec2.delete_volume(VolumeId=volume.backing_volume_id)
        except ClientError as error:
            if error.response["Error"]["Code"] != "InvalidVolume.NotFound":
                raise
        gateway = self.gateways.get(volume.gateway_arn)
        for disk in gateway.disks if gateway else []:
            if disk.disk_id == volume.disk_id:
                disk.allocation = "AVAILABLE"
        del self.volumes[volume.arn]
        self.tags.pop(volume.arn, None)
        return volume

    # snapshots

    def create_snapshot(self, ec2: Any, volume_arn: str, description: str, tags: list[dict[str, str]]) -> str:
        """The id of a new EBS snapshot of the volume's backing EBS volume."""
        volume = self.volume("CreateSnapshot", volume_arn)
        if volume.status != "AVAILABLE":
            raise gateway_error(
                "CreateSnapshot", "VolumeNotReady", f"Volume {volume.arn} is {volume.status}, not AVAILABLE"
            )
        request: dict[str, Any] = {"VolumeId": volume.backing_volume_id, "Description": description}
        if tags:
            request["TagSpecifications"] = [{"ResourceType": "snapshot", "Tags": tags}]
        return str(ec2.create_snapshot(**request)["SnapshotId"])

    # tags

    def taggable(self, operation: str, arn: str) -> str:
        if arn not in self.gateways and arn not in self.volumes:
            code = "VolumeNotFound" if "/volume/" in arn else "GatewayNotFound"
            raise gateway_error(operation, code, f"The specified resource was not found: {arn}")
        return arn

    def tagged_resources(self) -> list[tuple[str, dict[str, str]]]:
        """(ARN, tags) of every gateway and volume that has tags, by ARN."""
        with self.lock:
            return [
                (arn, dict(tags))
                for arn, tags in sorted(self.tags.items())
                if tags and (arn in self.gateways or arn in self.volumes)
            ]


_backends: dict[tuple[str, str], FakeStorageGatewayBackend] = {}
_backends_lock = threading.Lock()


def backend_for(region: str, account: str) -> FakeStorageGatewayBackend:
    """The process-wide backend of an account and Region (the local runtime's Lambdas all share it)."""
    with _backends_lock:
        return _backends.setdefault((region, account), FakeStorageGatewayBackend(region, account))


def reset_backends() -> None:
    with _backends_lock:
        _backends.clear()
