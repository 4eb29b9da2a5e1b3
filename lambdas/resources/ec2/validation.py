"""Restore testing's check of EC2 instances. Recorded when the backup completes: the instance type and its block
devices (each device's volume size and type: what the AMI the backup makes is made of). Compared after the
restore: the restored instance running, of the recorded type, with a volume of the recorded size and type on each
recorded device. Deleted after the window: the instance and the volumes the restore gave it. Its volumes are
tagged with the restore's tag first, so those that outlive the instance (DeleteOnTermination false) are found
and deleted at the next sweeps; only an instance carrying the restore's tag is terminated."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from lambdas.domain.arns import parse_arn
from lambdas.domain.restore_testing.checks import Verdict
from lambdas.domain.restore_testing.comparing import must_be_restored, settings_verdict, unavailable
from lambdas.resources.base import RESTORE_TAG
from lambdas.resources.ebs.volumes_check import delete_restored_volume
from lambdas.resources.snapshot_engine import tags_of

_GONE = ("InvalidInstanceID.NotFound",)
# Put on the restored instance's volumes before it is terminated: they are found by it once the instance is gone.
RESTORED_WITH_TAG = "strongroom:restored-with-instance"
_DEVICE = "Volume "  # a record key per block device: "Volume /dev/xvda" -> "8 GiB gp3"


class Ec2Validation:
    resource_type = "EC2"

    def __init__(self, ec2: Callable[[], Any]) -> None:
        self._ec2 = ec2

    def _instance(self, instance_id: str) -> dict[str, Any] | None:
        try:
            reservations = self._ec2().describe_instances(InstanceIds=[instance_id])["Reservations"]
        except ClientError as error:
            if error.response["Error"]["Code"] in _GONE:
                return None
            raise
        instances = [i for r in reservations for i in r["Instances"]]
        return instances[0] if instances else None

    def _settings(self, instance: dict[str, Any]) -> dict[str, str]:
        devices = {
            m["Ebs"]["VolumeId"]: m["DeviceName"] for m in instance.get("BlockDeviceMappings") or [] if m.get("Ebs")
        }
        found = {"InstanceType": str(instance.get("InstanceType") or "")}
        if devices:
            for volume in self._ec2().describe_volumes(VolumeIds=list(devices))["Volumes"]:
                found[f"{_DEVICE}{devices[volume['VolumeId']]}"] = (
                    f"{volume.get('Size')} GiB {volume.get('VolumeType')}"
                )
        return found

    def record(self, resource_arn: str) -> dict[str, str]:
        instance = self._instance(parse_arn(resource_arn).resource_id)
        return self._settings(instance) if instance else {}

    def test_metadata(self, metadata: dict[str, str], run_id: str) -> dict[str, str]:
        return {**metadata, "DisableApiTermination": "false"}  # the copy is terminated after its window

    def check(self, recorded: dict[str, str], restored_arn: str) -> Verdict:
        instance_id = parse_arn(restored_arn).resource_id
        instance = self._instance(instance_id)
        state = (instance or {}).get("State", {}).get("Name")
        if instance is None or state != "running":
            return unavailable("EC2 instance", instance_id, state)
        return settings_verdict(f"EC2 instance {instance_id}", recorded, self._settings(instance))

    def delete(self, restored_arn: str) -> bool:
        instance_id = parse_arn(restored_arn).resource_id
        instance = self._instance(instance_id)
        state = (instance or {}).get("State", {}).get("Name")
        if instance is not None and state != "terminated":
            tags = tags_of(instance, "Tags")
            must_be_restored(tags, RESTORE_TAG, f"EC2 instance {instance_id}")
            volumes = [m["Ebs"]["VolumeId"] for m in instance.get("BlockDeviceMappings") or [] if m.get("Ebs")]
            if volumes:  # marked as the restore's, so those left after the instance are found and deleted
                marks = {RESTORE_TAG: tags[RESTORE_TAG], RESTORED_WITH_TAG: instance_id}
                self._ec2().create_tags(Resources=volumes, Tags=[{"Key": k, "Value": v} for k, v in marks.items()])
            if state != "shutting-down":
                self._ec2().terminate_instances(InstanceIds=[instance_id])
            return False
        mark = [{"Name": f"tag:{RESTORED_WITH_TAG}", "Values": [instance_id]}]
        left = self._ec2().describe_volumes(Filters=mark)["Volumes"]
        return all([delete_restored_volume(self._ec2, volume["VolumeId"]) for volume in left])


def build(client: Callable[[str], Callable[[], Any]]) -> Ec2Validation:
    return Ec2Validation(client("ec2"))
