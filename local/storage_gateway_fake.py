"""An in-memory Storage Gateway (volume gateways only), because moto implements none of Storage Gateway.

It stands in for boto3's `storagegateway` client for the calls Strongroom makes: the same method names,
parameters validated against botocore's own model, the same response shapes, and the same errors
(`InvalidGatewayRequestException` carrying `error.errorCode`, as botocore parses them).

What it keeps is honest about where data lives: every gateway volume is backed by a REAL EBS volume in
the (emulated) EC2, so `create_snapshot` makes a REAL EBS snapshot, which EC2 lists, describes, deletes and
restores exactly as it would a snapshot made by a real gateway; a volume restored from a snapshot is an EBS
volume created from that snapshot. Gateways, volumes, disks and tags live in this process's memory.

Only the local runtime (and tests) may choose this fake, by handing `client` to the Storage Gateway adapter
in place of boto3's client. Nothing in `lambdas/` picks it by itself.
"""

from __future__ import annotations

import math
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import botocore.session
from botocore.exceptions import ClientError, ParamValidationError
from botocore.validate import ParamValidator

GIB = 1024**3
DISK_BYTES = 100 * GIB
DISKS_PER_GATEWAY = 4
VOLUME_GATEWAY_TYPES = ("CACHED", "STORED")
BACKING_TAG = "strongroom:emulated-gateway-volume"  # on the EBS volume that holds a gateway volume's blocks


@lru_cache(maxsize=1)
def _model() -> Any:
    return botocore.session.get_session().get_service_model("storagegateway")


def _validate(operation: str, params: dict[str, Any]) -> None:
    """Refuses exactly what boto3 would refuse before sending: unknown, missing or malformed parameters."""
    report = ParamValidator().validate(params, _model().operation_model(operation).input_shape)
    if report.has_errors():
        raise ParamValidationError(report=report.generate_report())


def gateway_error(operation: str, code: str, message: str) -> ClientError:
    """Storage Gateway's one modeled error, shaped as botocore parses it: the reason is in error.errorCode."""
    return ClientError(
        {
            "Error": {"Code": "InvalidGatewayRequestException", "Message": message},
            "message": message,
            "error": {"errorCode": code, "errorDetails": {}},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        },
        operation,
    )


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


@dataclass
class FakeStorageGatewayBackend:
    """One account and Region's gateways. Shared by every fake client made over it, like a real service."""

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


_backends: dict[tuple[str, str], FakeStorageGatewayBackend] = {}
_backends_lock = threading.Lock()


def backend_for(region: str, account: str) -> FakeStorageGatewayBackend:
    """The process-wide backend of an account and Region (the local runtime's Lambdas all share it)."""
    with _backends_lock:
        return _backends.setdefault((region, account), FakeStorageGatewayBackend(region, account))


def reset_backends() -> None:
    with _backends_lock:
        _backends.clear()


def _tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def _page(items: list[Any], marker: str | None, limit: int | None) -> tuple[list[Any], str | None]:
    start = int(marker) if marker and marker.isdigit() else 0
    end = start + (limit or 100)
    return items[start:end], (str(end) if end < len(items) else None)


class FakeStorageGatewayClient:
    """The subset of boto3's storagegateway client that Strongroom and its local demo use."""

    def __init__(self, backend: FakeStorageGatewayBackend, ec2: Callable[[], Any]) -> None:
        self._backend = backend
        self._ec2 = ec2

    # gateways

    def activate_gateway(self, **params: Any) -> dict[str, Any]:
        _validate("ActivateGateway", params)
        gateway_type = params.get("GatewayType", "STORED")
        if gateway_type not in VOLUME_GATEWAY_TYPES:
            raise gateway_error(
                "ActivateGateway", "NotSupported", f"This emulator runs volume gateways only, not {gateway_type}"
            )
        backend = self._backend
        with backend.lock:
            gateway_id = _hex_id("sgw")
            arn = f"arn:aws:storagegateway:{backend.region}:{backend.account}:gateway/{gateway_id}"
            number = len(backend.gateways) + 1
            disks = [
                _Disk(f"pci-0000:03:00.0-scsi-0:0:{n}:0", f"/dev/sd{chr(ord('b') + n)}", f"SCSI (0:{n})")
                for n in range(DISKS_PER_GATEWAY)
            ]
            backend.gateways[arn] = _Gateway(
                arn=arn,
                gateway_id=gateway_id,
                name=params["GatewayName"],
                gateway_type=gateway_type,
                timezone=params["GatewayTimezone"],
                region=params["GatewayRegion"],
                network_interfaces=[f"10.0.{number}.10"],
                disks=disks,
            )
            backend.tags[arn] = {tag["Key"]: tag["Value"] for tag in params.get("Tags", [])}
        return {"GatewayARN": arn}

    def _gateway(self, operation: str, arn: str) -> _Gateway:
        gateway = self._backend.gateways.get(arn)
        if gateway is None:
            raise gateway_error(operation, "GatewayNotFound", f"The specified gateway was not found: {arn}")
        return gateway

    def describe_gateway_information(self, **params: Any) -> dict[str, Any]:
        _validate("DescribeGatewayInformation", params)
        with self._backend.lock:
            gateway = self._gateway("DescribeGatewayInformation", params["GatewayARN"])
            return {
                "GatewayARN": gateway.arn,
                "GatewayId": gateway.gateway_id,
                "GatewayName": gateway.name,
                "GatewayTimezone": gateway.timezone,
                "GatewayState": gateway.state,
                "GatewayType": gateway.gateway_type,
                "GatewayNetworkInterfaces": [{"Ipv4Address": ip} for ip in gateway.network_interfaces],
                "HostEnvironment": "OTHER",
                "EndpointType": "STANDARD",
                "Tags": _tag_list(self._backend.tags.get(gateway.arn, {})),
            }

    def list_gateways(self, **params: Any) -> dict[str, Any]:
        _validate("ListGateways", params)
        with self._backend.lock:
            gateways = sorted(self._backend.gateways.values(), key=lambda g: g.arn)
            page, marker = _page(gateways, params.get("Marker"), params.get("Limit"))
            response: dict[str, Any] = {
                "Gateways": [
                    {
                        "GatewayId": g.gateway_id,
                        "GatewayARN": g.arn,
                        "GatewayType": g.gateway_type,
                        "GatewayOperationalState": "ACTIVE",
                        "GatewayName": g.name,
                        "HostEnvironment": "OTHER",
                    }
                    for g in page
                ]
            }
        if marker:
            response["Marker"] = marker
        return response

    def list_local_disks(self, **params: Any) -> dict[str, Any]:
        _validate("ListLocalDisks", params)
        with self._backend.lock:
            gateway = self._gateway("ListLocalDisks", params["GatewayARN"])
            return {
                "GatewayARN": gateway.arn,
                "Disks": [
                    {
                        "DiskId": disk.disk_id,
                        "DiskPath": disk.path,
                        "DiskNode": disk.node,
                        "DiskStatus": "present",
                        "DiskSizeInBytes": DISK_BYTES,
                        "DiskAllocationType": disk.allocation,
                    }
                    for disk in gateway.disks
                ],
            }

    # volumes

    def _volume(self, operation: str, arn: str) -> _Volume:
        volume = self._backend.volumes.get(arn)
        if volume is None:
            raise gateway_error(operation, "VolumeNotFound", f"The specified volume was not found: {arn}")
        return volume

    def _check_new_volume(self, operation: str, params: dict[str, Any], gateway_type: str) -> _Gateway:
        gateway = self._gateway(operation, params["GatewayARN"])
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
        taken = {v.target_name for v in self._backend.volumes.values() if v.gateway_arn == gateway.arn}
        if params["TargetName"] in taken:
            raise gateway_error(
                operation, "TargetAlreadyExists", f"Target {params['TargetName']} already exists on {gateway.arn}"
            )
        return gateway

    def _snapshot_gib(self, operation: str, snapshot_id: str) -> int:
        try:
            snapshot = self._ec2().describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]
        except ClientError as error:
            if error.response["Error"]["Code"] in ("InvalidSnapshot.NotFound", "InvalidSnapshotID.Malformed"):
                raise gateway_error(operation, "SnapshotNotFound", f"Snapshot {snapshot_id} was not found") from None
            raise
        if snapshot["State"] != "completed":
            raise gateway_error(operation, "SnapshotInProgress", f"Snapshot {snapshot_id} is not completed yet")
        return int(snapshot.get("VolumeSize", 0))

    def _add_volume(
        self,
        gateway: _Gateway,
        params: dict[str, Any],
        *,
        volume_type: str,
        size_bytes: int,
        disk_id: str | None = None,
        client_token: str | None = None,
    ) -> _Volume:
        backend = self._backend
        volume_id = _hex_id("vol")
        arn = f"{gateway.arn}/volume/{volume_id}"
        request: dict[str, Any] = {
            "AvailabilityZone": f"{backend.region}a",
            "Size": max(1, math.ceil(size_bytes / GIB)),
            "TagSpecifications": [{"ResourceType": "volume", "Tags": [{"Key": BACKING_TAG, "Value": arn}]}],
        }
        if params.get("SnapshotId"):
            request["SnapshotId"] = params["SnapshotId"]
        if params.get("KMSEncrypted"):
            request["Encrypted"] = True
            if params.get("KMSKey"):
                request["KmsKeyId"] = params["KMSKey"]
        backing = self._ec2().create_volume(**request)
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
        backend.volumes[arn] = volume
        backend.tags[arn] = {tag["Key"]: tag["Value"] for tag in params.get("Tags", [])}
        return volume

    def _target_arn(self, volume: _Volume) -> str:
        return f"{volume.gateway_arn}/target/iqn.1997-05.com.amazon:{volume.target_name}"

    def create_cached_iscsi_volume(self, **params: Any) -> dict[str, Any]:
        operation = "CreateCachediSCSIVolume"
        _validate(operation, params)
        with self._backend.lock:
            for volume in self._backend.volumes.values():
                if volume.client_token == params["ClientToken"] and volume.gateway_arn == params["GatewayARN"]:
                    return {"VolumeARN": volume.arn, "TargetARN": self._target_arn(volume)}  # idempotent retry
            gateway = self._check_new_volume(operation, params, "CACHED")
            size = int(params["VolumeSizeInBytes"])
            if params.get("SnapshotId"):
                snapshot_bytes = self._snapshot_gib(operation, params["SnapshotId"]) * GIB
                if size < snapshot_bytes:
                    raise gateway_error(
                        operation,
                        "InvalidParameters",
                        f"VolumeSizeInBytes {size} is smaller than snapshot {params['SnapshotId']} ({snapshot_bytes})",
                    )
            if size < GIB:
                raise gateway_error(operation, "InvalidParameters", f"VolumeSizeInBytes {size} is below 1 GiB")
            volume = self._add_volume(
                gateway, params, volume_type="CACHED", size_bytes=size, client_token=params["ClientToken"]
            )
            return {"VolumeARN": volume.arn, "TargetARN": self._target_arn(volume)}

    def create_stored_iscsi_volume(self, **params: Any) -> dict[str, Any]:
        operation = "CreateStorediSCSIVolume"
        _validate(operation, params)
        with self._backend.lock:
            gateway = self._check_new_volume(operation, params, "STORED")
            disk = next((d for d in gateway.disks if d.disk_id == params["DiskId"]), None)
            if disk is None:
                raise gateway_error(operation, "DiskDoesNotExist", f"Disk {params['DiskId']} does not exist")
            if disk.allocation != "AVAILABLE":
                raise gateway_error(operation, "DiskAlreadyAllocated", f"Disk {disk.disk_id} is {disk.allocation}")
            if params.get("SnapshotId") and self._snapshot_gib(operation, params["SnapshotId"]) * GIB > DISK_BYTES:
                raise gateway_error(
                    operation, "DiskSizeLessThanVolumeSize", f"Disk {disk.disk_id} is smaller than the snapshot"
                )
            volume = self._add_volume(
                gateway, params, volume_type="STORED", size_bytes=DISK_BYTES, disk_id=disk.disk_id
            )
            disk.allocation = "STORED VOLUME"
            return {"VolumeARN": volume.arn, "VolumeSizeInBytes": DISK_BYTES, "TargetARN": self._target_arn(volume)}

    def _describe(self, volume: _Volume) -> dict[str, Any]:
        described: dict[str, Any] = {
            "VolumeARN": volume.arn,
            "VolumeId": volume.volume_id,
            "VolumeType": f"{volume.volume_type} iSCSI",
            "VolumeStatus": volume.status,
            "VolumeAttachmentStatus": "DETACHED",
            "VolumeSizeInBytes": volume.size_bytes,
            "VolumeiSCSIAttributes": {
                "TargetARN": self._target_arn(volume),
                "NetworkInterfaceId": volume.network_interface_id,
                "NetworkInterfacePort": 3260,
                "LunNumber": 1,
                "ChapEnabled": False,
            },
            "CreatedDate": volume.created,
            "VolumeUsedInBytes": 0,
            "TargetName": volume.target_name,
        }
        if volume.progress is not None:
            described["VolumeProgress"] = volume.progress
        if volume.source_snapshot_id:
            described["SourceSnapshotId"] = volume.source_snapshot_id
        if volume.kms_key:
            described["KMSKey"] = volume.kms_key
        if volume.disk_id:
            described["VolumeDiskId"] = volume.disk_id
            described["PreservedExistingData"] = False
        return described

    def _describe_many(self, operation: str, params: dict[str, Any], volume_type: str) -> list[dict[str, Any]]:
        _validate(operation, params)
        with self._backend.lock:
            described = []
            for arn in params["VolumeARNs"]:
                volume = self._volume(operation, arn)
                if volume.volume_type != volume_type:
                    raise gateway_error(operation, "VolumeNotFound", f"{arn} is not a {volume_type} volume")
                described.append(self._describe(volume))
            return described

    def describe_cached_iscsi_volumes(self, **params: Any) -> dict[str, Any]:
        return {"CachediSCSIVolumes": self._describe_many("DescribeCachediSCSIVolumes", params, "CACHED")}

    def describe_stored_iscsi_volumes(self, **params: Any) -> dict[str, Any]:
        return {"StorediSCSIVolumes": self._describe_many("DescribeStorediSCSIVolumes", params, "STORED")}

    def list_volumes(self, **params: Any) -> dict[str, Any]:
        _validate("ListVolumes", params)
        with self._backend.lock:
            gateway_arn = params.get("GatewayARN")
            if gateway_arn:
                self._gateway("ListVolumes", gateway_arn)
            volumes = sorted(
                (v for v in self._backend.volumes.values() if gateway_arn in (None, v.gateway_arn)),
                key=lambda v: v.arn,
            )
            page, marker = _page(volumes, params.get("Marker"), params.get("Limit"))
            infos = [
                {
                    "VolumeARN": v.arn,
                    "VolumeId": v.volume_id,
                    "GatewayARN": v.gateway_arn,
                    "GatewayId": self._backend.gateways[v.gateway_arn].gateway_id,
                    "VolumeType": f"{v.volume_type} iSCSI",
                    "VolumeSizeInBytes": v.size_bytes,
                    "VolumeAttachmentStatus": "DETACHED",
                }
                for v in page
            ]
        response: dict[str, Any] = {"VolumeInfos": infos}
        if gateway_arn:
            response["GatewayARN"] = gateway_arn
        if marker:
            response["Marker"] = marker
        return response

    def delete_volume(self, **params: Any) -> dict[str, Any]:
        _validate("DeleteVolume", params)
        with self._backend.lock:
            volume = self._volume("DeleteVolume", params["VolumeARN"])
            try:
                self._ec2().delete_volume(VolumeId=volume.backing_volume_id)
            except ClientError as error:
                if error.response["Error"]["Code"] != "InvalidVolume.NotFound":
                    raise
            gateway = self._backend.gateways.get(volume.gateway_arn)
            for disk in gateway.disks if gateway else []:
                if disk.disk_id == volume.disk_id:
                    disk.allocation = "AVAILABLE"
            del self._backend.volumes[volume.arn]
            self._backend.tags.pop(volume.arn, None)
            return {"VolumeARN": volume.arn}

    # snapshots

    def create_snapshot(self, **params: Any) -> dict[str, Any]:
        _validate("CreateSnapshot", params)
        with self._backend.lock:
            volume = self._volume("CreateSnapshot", params["VolumeARN"])
            if volume.status != "AVAILABLE":
                raise gateway_error(
                    "CreateSnapshot", "VolumeNotReady", f"Volume {volume.arn} is {volume.status}, not AVAILABLE"
                )
            request: dict[str, Any] = {
                "VolumeId": volume.backing_volume_id,
                "Description": params["SnapshotDescription"],
            }
            if params.get("Tags"):
                request["TagSpecifications"] = [{"ResourceType": "snapshot", "Tags": params["Tags"]}]
            snapshot = self._ec2().create_snapshot(**request)
            return {"VolumeARN": volume.arn, "SnapshotId": snapshot["SnapshotId"]}

    # tags

    def _taggable(self, operation: str, arn: str) -> str:
        if arn not in self._backend.gateways and arn not in self._backend.volumes:
            code = "VolumeNotFound" if "/volume/" in arn else "GatewayNotFound"
            raise gateway_error(operation, code, f"The specified resource was not found: {arn}")
        return arn

    def add_tags_to_resource(self, **params: Any) -> dict[str, Any]:
        _validate("AddTagsToResource", params)
        with self._backend.lock:
            arn = self._taggable("AddTagsToResource", params["ResourceARN"])
            self._backend.tags.setdefault(arn, {}).update({tag["Key"]: tag["Value"] for tag in params["Tags"]})
        return {"ResourceARN": arn}

    def remove_tags_from_resource(self, **params: Any) -> dict[str, Any]:
        _validate("RemoveTagsFromResource", params)
        with self._backend.lock:
            arn = self._taggable("RemoveTagsFromResource", params["ResourceARN"])
            for key in params["TagKeys"]:
                self._backend.tags.get(arn, {}).pop(key, None)
        return {"ResourceARN": arn}

    def list_tags_for_resource(self, **params: Any) -> dict[str, Any]:
        _validate("ListTagsForResource", params)
        with self._backend.lock:
            arn = self._taggable("ListTagsForResource", params["ResourceARN"])
            tags = _tag_list(self._backend.tags.get(arn, {}))
        page, marker = _page(tags, params.get("Marker"), params.get("Limit"))
        response: dict[str, Any] = {"ResourceARN": arn, "Tags": page}
        if marker:
            response["Marker"] = marker
        return response


def fake_storagegateway(ec2: Callable[[], Any], region: str, account: str) -> Callable[[], FakeStorageGatewayClient]:
    """A lazy client factory, shaped like the ones `build_adapters` hands out, over the shared backend."""
    return lambda: FakeStorageGatewayClient(backend_for(region, account), ec2)


class GatewayTagging:
    """The Resource Groups Tagging API (boto3's `resourcegroupstaggingapi` client, moto's behind it) with this
    fake's gateways and volumes in GetResources, as AWS lists Storage Gateway resources there: the path a backup
    plan's tag selection takes (lambdas/services/selection_resolver.py). AWS types a volume by the first part of
    its ARN's resource, so volumes and gateways both answer the filter `storagegateway:gateway` (and
    `storagegateway`). Resources never tagged are left out, as AWS leaves them out. The fake's resources come
    after moto's, on the last page. Every other call goes to moto unchanged; the AWS CLI, which reaches moto
    through the edge, does not see them."""

    def __init__(self, client: Any, backend: FakeStorageGatewayBackend) -> None:
        self._client = client
        self._backend = backend

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def _gateway_mappings(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        type_filters = params.get("ResourceTypeFilters") or []
        if type_filters and not {"storagegateway", "storagegateway:gateway"} & set(type_filters):
            return []
        tag_filters = params.get("TagFilters") or []
        wanted = set(params.get("ResourceARNList") or [])
        with self._backend.lock:
            tagged = [
                (arn, dict(tags))
                for arn, tags in sorted(self._backend.tags.items())
                if tags and (arn in self._backend.gateways or arn in self._backend.volumes)
            ]
        return [
            {"ResourceARN": arn, "Tags": _tag_list(tags)}
            for arn, tags in tagged
            if (not wanted or arn in wanted)
            and all(f["Key"] in tags and (not f.get("Values") or tags[f["Key"]] in f["Values"]) for f in tag_filters)
        ]

    def get_resources(self, **params: Any) -> dict[str, Any]:
        response = dict(self._client.get_resources(**params))
        if not response.get("PaginationToken"):
            response["ResourceTagMappingList"] = [
                *response.get("ResourceTagMappingList", []),
                *self._gateway_mappings(params),
            ]
        return response

    def get_paginator(self, operation_name: str) -> Any:
        if operation_name != "get_resources":
            return self._client.get_paginator(operation_name)
        return _GetResourcesPages(self)


class _GetResourcesPages:
    """GetResources page after page, through GatewayTagging (boto3's own paginator would call moto directly)."""

    def __init__(self, tagging: GatewayTagging) -> None:
        self._tagging = tagging

    def paginate(self, **params: Any) -> Iterator[dict[str, Any]]:
        request = {key: value for key, value in params.items() if key != "PaginationConfig"}
        while True:
            page = self._tagging.get_resources(**request)
            yield page
            token = page.get("PaginationToken")
            if not token:
                return
            request["PaginationToken"] = token
