"""EC2's CreateImage snapshots every EBS volume attached to the instance (AWS EC2 User Guide, "Create an
EBS-backed AMI"); moto's made one 15 GiB snapshot whatever the instance had, so an EC2 restore came back without
its data volume. local/ec2_gaps.py makes the emulator do what EC2 does."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from tests.integration.builders import REGION


@pytest.fixture
def ec2_gaps() -> Iterator[None]:
    from local import ec2_gaps

    undo = ec2_gaps.PATCHES.apply()
    yield
    undo()


def test_given_an_instance_with_a_data_volume_when_imaged_and_launched_then_both_disks_come_back(ec2_gaps) -> None:
    # Given an instance (8 GiB root) with a 20 GiB data volume attached at /dev/sdf
    ec2 = boto3.client("ec2", region_name=REGION)
    image = ec2.register_image(Name="base", RootDeviceName="/dev/sda1")["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    data = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=20)["VolumeId"]
    ec2.attach_volume(VolumeId=data, InstanceId=instance, Device="/dev/sdf")

    # When it is imaged, and an instance is launched from the image
    made = ec2.create_image(InstanceId=instance, Name="backup")["ImageId"]
    mappings = ec2.describe_images(ImageIds=[made])["Images"][0]["BlockDeviceMappings"]
    launched = ec2.run_instances(ImageId=made, MinCount=1, MaxCount=1)["Instances"][0]

    # Then the image maps a snapshot of each disk at its device, and the new instance has both disks
    sizes = {m["DeviceName"]: m["Ebs"]["VolumeSize"] for m in mappings}
    assert sizes == {"/dev/sda1": 8, "/dev/sdf": 20}
    snapshots = ec2.describe_snapshots(SnapshotIds=[m["Ebs"]["SnapshotId"] for m in mappings])["Snapshots"]
    assert {s["VolumeId"] for s in snapshots} >= {data}
    volumes = {
        m["DeviceName"]: ec2.describe_volumes(VolumeIds=[m["Ebs"]["VolumeId"]])["Volumes"][0]["Size"]
        for m in launched["BlockDeviceMappings"]
    }
    assert volumes == {"/dev/sda1": 8, "/dev/sdf": 20}
