"""What an AMI is made of, read from EC2's descriptions: its EBS snapshots, its size, how far they are, which of them
still lack the AMI's tags (CreateImage tags the AMI, not its snapshots)."""

from __future__ import annotations

from typing import Any

from lambdas.resources.base import JOB_TAG
from lambdas.resources.ebs_snapshots import GIB, ebs_tags


def snapshot_ids(image: dict[str, Any]) -> list[str]:
    return [
        mapping["Ebs"]["SnapshotId"]
        for mapping in image.get("BlockDeviceMappings", [])
        if mapping.get("Ebs", {}).get("SnapshotId")
    ]


def image_size(image: dict[str, Any]) -> int:
    return (
        sum(
            int(mapping["Ebs"].get("VolumeSize", 0))
            for mapping in image.get("BlockDeviceMappings", [])
            if "Ebs" in mapping
        )
        * GIB
    )


def percent(snapshots: list[dict[str, Any]]) -> str:
    done = [float((snapshot.get("Progress") or "0%").rstrip("%")) for snapshot in snapshots]
    return f"{sum(done) / len(done):.1f}" if done else "0.0"


def untagged(image: dict[str, Any], snapshots: dict[str, dict[str, Any]]) -> list[str]:
    """The AMI's snapshots that lack one of its tags: the job's AMI only (an AMI the import catalogs is left as
    it is), and a snapshot not listed is tagged too (CreateTags is idempotent)."""
    tags = ebs_tags(image.get("Tags"))
    if JOB_TAG not in tags:
        return []
    return [
        snapshot_id
        for snapshot_id in snapshot_ids(image)
        if not tags.items() <= ebs_tags(snapshots.get(snapshot_id, {}).get("Tags")).items()
    ]
