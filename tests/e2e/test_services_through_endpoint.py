"""Every emulated service Strongroom protects answers through the endpoint, as AWS would, to the service's own
boto3 client: a user makes the resource with it, backs it up and restores it through AWS Backup's API, and finds
the restored resource with it again. Here the three whose stand-ins the endpoint did not serve before: Storage
Gateway (moto has none), FSx (moto's backups stayed CREATING and its file systems lacked Lifecycle), and EC2
(moto's images ignored the instance's volumes). One runtime for the module, one test per type."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.runtime import LocalRuntime, LocalSettings

pytestmark = pytest.mark.e2e
REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"
GIB = 1024**3


@pytest.fixture(scope="module")
def runtime() -> Iterator[LocalRuntime]:
    with LocalRuntime(LocalSettings(start=datetime(2026, 5, 1, tzinfo=UTC))) as started:
        started.client("backup").create_backup_vault(BackupVaultName="main")
        yield started


def backed_up_and_restored(runtime: LocalRuntime, resource_arn: str, metadata: dict[str, str]) -> dict[str, Any]:
    """StartBackupJob until COMPLETED, then StartRestoreJob until it ends: the restore job."""
    backup = runtime.client("backup")
    job_id = backup.start_backup_job(BackupVaultName="main", ResourceArn=resource_arn, IamRoleArn=ROLE)["BackupJobId"]
    runtime.advance(timedelta(minutes=30))
    job = backup.describe_backup_job(BackupJobId=job_id)
    assert job["State"] == "COMPLETED", job.get("StatusMessage")
    restore_id = backup.start_restore_job(RecoveryPointArn=job["RecoveryPointArn"], Metadata=metadata, IamRoleArn=ROLE)[
        "RestoreJobId"
    ]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        restore: dict[str, Any] = backup.describe_restore_job(RestoreJobId=restore_id)
        if restore["Status"] not in ("PENDING", "RUNNING"):
            assert restore["Status"] == "COMPLETED", restore.get("StatusMessage")
            return restore
        time.sleep(0.1)
    raise AssertionError(f"restore job {restore_id} still running")


def storage_gateway_volume(runtime: LocalRuntime) -> None:
    # Given a cached volume made with boto3's own storagegateway client, through the endpoint
    sgw = runtime.client("storagegateway")
    gateway = sgw.activate_gateway(
        ActivationKey="AAAAA-BBBBB-CCCCC-DDDDD-EEEEE",
        GatewayName="office",
        GatewayTimezone="GMT",
        GatewayRegion=REGION,
        GatewayType="CACHED",
    )["GatewayARN"]
    interface = sgw.describe_gateway_information(GatewayARN=gateway)["GatewayNetworkInterfaces"][0]
    volume = sgw.create_cached_iscsi_volume(
        GatewayARN=gateway,
        VolumeSizeInBytes=10 * GIB,
        TargetName="data",
        NetworkInterfaceId=interface["Ipv4Address"],
        ClientToken="token-data",
    )["VolumeARN"]
    # When backed up and restored to its gateway through AWS Backup's API
    restored = backed_up_and_restored(runtime, volume, {})
    # Then the client finds the new volume on the gateway, with the source's size
    (found,) = sgw.describe_cached_iscsi_volumes(VolumeARNs=[restored["CreatedResourceArn"]])["CachediSCSIVolumes"]
    assert found["VolumeSizeInBytes"] == 10 * GIB and found["VolumeARN"] != volume
    # And Storage Gateway's own error comes back as botocore parses it
    with pytest.raises(sgw.exceptions.InvalidGatewayRequestException):
        sgw.describe_gateway_information(GatewayARN=f"{gateway[:-4]}0000")


def fsx_file_system(runtime: LocalRuntime) -> None:
    # Given a Lustre file system made with boto3's own fsx client, through the endpoint
    fsx = runtime.client("fsx")
    source = fsx.create_file_system(
        FileSystemType="LUSTRE",
        StorageCapacity=1200,
        SubnetIds=["subnet-0123456789abcdef0"],
        LustreConfiguration={"DeploymentType": "PERSISTENT_2", "PerUnitStorageThroughput": 125},
    )["FileSystem"]
    # When backed up and restored through AWS Backup's API
    restored = backed_up_and_restored(runtime, source["ResourceARN"], {})
    # Then the client sees the restored file system AVAILABLE with the source's type and size, and the backup
    # behind the recovery point AVAILABLE (not CREATING, as plain moto leaves it)
    (found,) = [
        fs for fs in fsx.describe_file_systems()["FileSystems"] if fs["ResourceARN"] == restored["CreatedResourceArn"]
    ]
    assert (found["Lifecycle"], found["FileSystemType"], found["StorageCapacity"]) == ("AVAILABLE", "LUSTRE", 1200)
    backups = fsx.describe_backups()["Backups"]
    assert backups and all(b["Lifecycle"] == "AVAILABLE" for b in backups)


def ec2_instance(runtime: LocalRuntime) -> None:
    # Given an instance with a 20 GiB data volume, made with boto3's own ec2 client, through the endpoint
    ec2 = runtime.client("ec2")
    image = ec2.register_image(Name="base", RootDeviceName="/dev/sda1")["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro")["Instances"][0]
    data = ec2.create_volume(AvailabilityZone=instance["Placement"]["AvailabilityZone"], Size=20)["VolumeId"]
    ec2.attach_volume(VolumeId=data, InstanceId=instance["InstanceId"], Device="/dev/sdf")
    arn = f"arn:aws:ec2:{REGION}:123456789012:instance/{instance['InstanceId']}"
    # When backed up and restored through AWS Backup's API
    restored = backed_up_and_restored(runtime, arn, {})
    # Then the restored instance has the source's disks: the root and the data volume, each at its device
    new_id = restored["CreatedResourceArn"].rsplit("/", 1)[1]
    (new,) = ec2.describe_instances(InstanceIds=[new_id])["Reservations"][0]["Instances"]
    sizes = {
        m["DeviceName"]: ec2.describe_volumes(VolumeIds=[m["Ebs"]["VolumeId"]])["Volumes"][0]["Size"]
        for m in new["BlockDeviceMappings"]
    }
    assert sizes == {"/dev/sda1": 8, "/dev/sdf": 20}


@pytest.mark.parametrize("scenario", [storage_gateway_volume, fsx_file_system, ec2_instance], ids=lambda f: f.__name__)
def test_given_a_resource_made_through_the_endpoint_when_backed_up_and_restored_then_its_client_finds_it(
    runtime: LocalRuntime, scenario: Callable[[LocalRuntime], None]
) -> None:
    scenario(runtime)
