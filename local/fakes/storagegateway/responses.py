"""The in-memory Storage Gateway's answers, in the shape of boto3's `storagegateway` client for the calls Strongroom
makes: the same method names, parameters validated against botocore's own model (refused as boto3 would refuse
them before sending), the same response shapes, and the same errors (exceptions.py).

Only the local runtime (and tests) may choose this fake, by handing `client` to the Storage Gateway adapter in
place of boto3's client, or by serving it at the edge (local/stand_in_services.py). Nothing in `lambdas/` picks it
by itself. `GatewayTagging` lists its resources in the Resource Groups Tagging API, as AWS does."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

import botocore.session
from botocore.exceptions import ParamValidationError
from botocore.validate import ParamValidator

from local.fakes.storagegateway.exceptions import gateway_error
from local.fakes.storagegateway.models import DISK_BYTES, FakeStorageGatewayBackend, _Volume, backend_for


@lru_cache(maxsize=1)
def _model() -> Any:
    return botocore.session.get_session().get_service_model("storagegateway")


def _validate(operation: str, params: dict[str, Any]) -> None:
    """Refuses exactly what boto3 would refuse before sending: unknown, missing or malformed parameters."""
    report = ParamValidator().validate(params, _model().operation_model(operation).input_shape)
    if report.has_errors():
        raise ParamValidationError(report=report.generate_report())


def _tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def _page(items: list[Any], marker: str | None, limit: int | None) -> tuple[list[Any], str | None]:
    start = int(marker) if marker and marker.isdigit() else 0
    end = start + (limit or 100)
    return items[start:end], (str(end) if end < len(items) else None)


def _describe(volume: _Volume) -> dict[str, Any]:
    described: dict[str, Any] = {
        "VolumeARN": volume.arn,
        "VolumeId": volume.volume_id,
        "VolumeType": f"{volume.volume_type} iSCSI",
        "VolumeStatus": volume.status,
        "VolumeAttachmentStatus": "DETACHED",
        "VolumeSizeInBytes": volume.size_bytes,
        "VolumeiSCSIAttributes": {
            "TargetARN": volume.target_arn,
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


class FakeStorageGatewayClient:
    """The subset of boto3's storagegateway client that Strongroom and its local demo use."""

    def __init__(self, backend: FakeStorageGatewayBackend, ec2: Callable[[], Any]) -> None:
        self._backend = backend
        self._ec2 = ec2

    # gateways

    def activate_gateway(self, **params: Any) -> dict[str, Any]:
        _validate("ActivateGateway", params)
        with self._backend.lock:
            arn = self._backend.activate_gateway(
                params["GatewayName"],
                params.get("GatewayType", "STORED"),
                params["GatewayTimezone"],
                params["GatewayRegion"],
                {tag["Key"]: tag["Value"] for tag in params.get("Tags", [])},
            )
        return {"GatewayARN": arn}

    def describe_gateway_information(self, **params: Any) -> dict[str, Any]:
        _validate("DescribeGatewayInformation", params)
        with self._backend.lock:
            gateway = self._backend.gateway("DescribeGatewayInformation", params["GatewayARN"])
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
            gateway = self._backend.gateway("ListLocalDisks", params["GatewayARN"])
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

    def create_cached_iscsi_volume(self, **params: Any) -> dict[str, Any]:
        operation = "CreateCachediSCSIVolume"
        _validate(operation, params)
        with self._backend.lock:
            volume = self._backend.volume_made_with(params["GatewayARN"], params["ClientToken"])  # a retry
            if volume is None:
                volume = self._backend.create_cached_volume(self._ec2(), operation, params)
            return {"VolumeARN": volume.arn, "TargetARN": volume.target_arn}

    def create_stored_iscsi_volume(self, **params: Any) -> dict[str, Any]:
        operation = "CreateStorediSCSIVolume"
        _validate(operation, params)
        with self._backend.lock:
            volume = self._backend.create_stored_volume(self._ec2(), operation, params)
            return {"VolumeARN": volume.arn, "VolumeSizeInBytes": DISK_BYTES, "TargetARN": volume.target_arn}

    def _describe_many(self, operation: str, params: dict[str, Any], volume_type: str) -> list[dict[str, Any]]:
        _validate(operation, params)
        with self._backend.lock:
            described = []
            for arn in params["VolumeARNs"]:
                volume = self._backend.volume(operation, arn)
                if volume.volume_type != volume_type:
                    raise gateway_error(operation, "VolumeNotFound", f"{arn} is not a {volume_type} volume")
                described.append(_describe(volume))
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
                self._backend.gateway("ListVolumes", gateway_arn)
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
            return {"VolumeARN": self._backend.delete_volume(self._ec2(), params["VolumeARN"]).arn}

    # snapshots

    def create_snapshot(self, **params: Any) -> dict[str, Any]:
        _validate("CreateSnapshot", params)
        with self._backend.lock:
            snapshot_id = self._backend.create_snapshot(
                self._ec2(), params["VolumeARN"], params["SnapshotDescription"], params.get("Tags") or []
            )
        return {"VolumeARN": params["VolumeARN"], "SnapshotId": snapshot_id}

    # tags

    def add_tags_to_resource(self, **params: Any) -> dict[str, Any]:
        _validate("AddTagsToResource", params)
        with self._backend.lock:
            arn = self._backend.taggable("AddTagsToResource", params["ResourceARN"])
            self._backend.tags.setdefault(arn, {}).update({tag["Key"]: tag["Value"] for tag in params["Tags"]})
        return {"ResourceARN": arn}

    def remove_tags_from_resource(self, **params: Any) -> dict[str, Any]:
        _validate("RemoveTagsFromResource", params)
        with self._backend.lock:
            arn = self._backend.taggable("RemoveTagsFromResource", params["ResourceARN"])
            for key in params["TagKeys"]:
                self._backend.tags.get(arn, {}).pop(key, None)
        return {"ResourceARN": arn}

    def list_tags_for_resource(self, **params: Any) -> dict[str, Any]:
        _validate("ListTagsForResource", params)
        with self._backend.lock:
            arn = self._backend.taggable("ListTagsForResource", params["ResourceARN"])
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
        return [
            {"ResourceARN": arn, "Tags": _tag_list(tags)}
            for arn, tags in self._backend.tagged_resources()
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
