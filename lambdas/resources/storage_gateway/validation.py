"""Restore testing's check of Storage Gateway volumes. What a volume gateway keeps, in AWS and in the emulation
(whose volumes are emulated EBS volumes, without blocks), is the volume's shape: recorded when the backup
completes, its size in bytes and whether it is cached or stored; compared after the restore, the restored gateway
volume AVAILABLE with each of those, or, for a restore to EBS (restoreTarget EBS), the new EBS volume with the
recorded size. The blocks themselves are read over iSCSI by an initiator Strongroom does not run. Deleted after
the window: the gateway volume (DeleteVolume) or the EBS volume, only if it carries the restore's tag."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from lambdas.domain.arns import parse_arn
from lambdas.domain.restore_testing.checks import Verdict
from lambdas.domain.restore_testing.comparing import must_be_restored, settings_verdict, unavailable
from lambdas.resources.base import RESTORE_TAG
from lambdas.resources.ebs.volumes_check import delete_restored_volume, find_volume
from lambdas.resources.paging import listed
from lambdas.resources.storage_gateway.restore import gateway_of

GIB = 1024**3
_GONE = ("VolumeNotFound", "GatewayNotFound")


def _gone(error: ClientError) -> bool:
    """Storage Gateway answers InvalidGatewayRequestException; the reason is in error.errorCode."""
    detail = error.response.get("error")
    return isinstance(detail, dict) and detail.get("errorCode") in _GONE


class StorageGatewayValidation:
    resource_type = "Storage Gateway"

    def __init__(self, sgw: Callable[[], Any], ec2: Callable[[], Any]) -> None:
        self._sgw = sgw
        self._ec2 = ec2

    def _volume(self, volume_arn: str) -> dict[str, Any] | None:
        """The volume's ListVolumes entry with its description's status and size; None once it is gone."""
        try:
            infos = listed(self._sgw().list_volumes, "VolumeInfos", "Marker", GatewayARN=gateway_of(volume_arn))
            info = next((i for i in infos if i["VolumeARN"] == volume_arn), None)
            if info is None:
                return None
            stored = str(info.get("VolumeType", "")).upper().startswith("STORED")
            if stored:
                found = self._sgw().describe_stored_iscsi_volumes(VolumeARNs=[volume_arn])["StorediSCSIVolumes"]
            else:
                found = self._sgw().describe_cached_iscsi_volumes(VolumeARNs=[volume_arn])["CachediSCSIVolumes"]
        except ClientError as error:
            if _gone(error):
                return None
            raise
        return {**found[0], "VolumeType": "STORED" if stored else "CACHED"} if found else None

    @staticmethod
    def _settings(volume: dict[str, Any]) -> dict[str, str]:
        return {"VolumeSizeInBytes": str(volume.get("VolumeSizeInBytes") or ""), "VolumeType": volume["VolumeType"]}

    def record(self, resource_arn: str) -> dict[str, str]:
        volume = self._volume(resource_arn)
        return self._settings(volume) if volume else {}

    def test_metadata(self, metadata: dict[str, str], run_id: str) -> dict[str, str]:
        return dict(metadata)  # the restored volume's iSCSI target is named after the restore job: no collision

    def check(self, recorded: dict[str, str], restored_arn: str) -> Verdict:
        if parse_arn(restored_arn).service == "ec2":  # restored to EBS: only the size carries over
            volume_id = parse_arn(restored_arn).resource_id
            ebs = find_volume(self._ec2, volume_id)
            if ebs is None or ebs.get("State") not in ("available", "in-use"):
                return unavailable("EBS volume", volume_id, ebs.get("State") if ebs else None)
            size = {"VolumeSizeInBytes": str(int(ebs.get("Size") or 0) * GIB)}
            return settings_verdict(
                f"EBS volume {volume_id}", {"VolumeSizeInBytes": recorded["VolumeSizeInBytes"]}, size
            )
        volume = self._volume(restored_arn)
        status = volume.get("VolumeStatus") if volume else None
        if volume is None or status != "AVAILABLE":
            return unavailable("gateway volume", restored_arn, status)
        return settings_verdict(f"gateway volume {volume['VolumeId']}", recorded, self._settings(volume))

    def delete(self, restored_arn: str) -> bool:
        if parse_arn(restored_arn).service == "ec2":
            return delete_restored_volume(self._ec2, parse_arn(restored_arn).resource_id)
        if self._volume(restored_arn) is None:
            return True
        try:
            tags = listed(self._sgw().list_tags_for_resource, "Tags", "Marker", ResourceARN=restored_arn)
            must_be_restored({t["Key"]: t["Value"] for t in tags}, RESTORE_TAG, f"gateway volume {restored_arn}")
            self._sgw().delete_volume(VolumeARN=restored_arn)
        except ClientError as error:
            if _gone(error):
                return True
            raise
        return self._volume(restored_arn) is None


def build(client: Callable[[str], Callable[[], Any]]) -> StorageGatewayValidation:
    return StorageGatewayValidation(client("storagegateway"), client("ec2"))
