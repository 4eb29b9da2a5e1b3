"""An EBS volume as restore testing sees it, shared by the EBS check and Storage Gateway's restores to EBS: its
size, type and encryption, and its deletion (a volume attached to an instance is refused, never detached by force)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from lambdas.domain.restore_testing.comparing import must_be_restored
from lambdas.resources.base import RESTORE_TAG
from lambdas.resources.snapshot_engine import tags_of

_GONE = ("InvalidVolume.NotFound",)


def volume_settings(volume: dict[str, Any]) -> dict[str, str]:
    return {
        "Size": str(volume.get("Size") or ""),
        "VolumeType": str(volume.get("VolumeType") or ""),
        "Encrypted": str(bool(volume.get("Encrypted"))).lower(),
    }


def find_volume(ec2: Callable[[], Any], volume_id: str) -> dict[str, Any] | None:
    try:
        volumes = ec2().describe_volumes(VolumeIds=[volume_id])["Volumes"]
    except ClientError as error:
        if error.response["Error"]["Code"] in _GONE:
            return None
        raise
    return volumes[0] if volumes and volumes[0].get("State") != "deleted" else None


def delete_restored_volume(ec2: Callable[[], Any], volume_id: str) -> bool:
    """True once gone; False while EC2 deletes it. Only a volume a restore made (its tag) and not attached."""
    volume = find_volume(ec2, volume_id)
    if volume is None:
        return True
    must_be_restored(tags_of(volume, "Tags"), RESTORE_TAG, f"EBS volume {volume_id}")
    if volume.get("State") == "deleting":
        return False
    attached = [a["InstanceId"] for a in volume.get("Attachments") or [] if a.get("InstanceId")]
    if attached:
        raise RuntimeError(f"EBS volume {volume_id} is attached to {', '.join(attached)}: detach it to let it go")
    try:
        ec2().delete_volume(VolumeId=volume_id)
    except ClientError as error:
        if error.response["Error"]["Code"] in _GONE:
            return True
        raise
    return find_volume(ec2, volume_id) is None
