"""FSx file systems and Storage Gateway volumes on the local runtime, through AWS Backup's API (boto3's `backup`
client against the runtime's endpoint): an on-demand backup, a scheduled backup of a plan that selects by tag,
a restore through the Step Functions workflow, and deleting the recovery point removes the native backup.

moto lacks parts of FSx (CreateFileSystemFromBackup, completed backups) and all of Storage Gateway: the local
runtime stands in for them behind the same clients (local/fakes/fsx/, local/fakes/storagegateway/, whose
volumes are real emulated EBS volumes and whose snapshots are real EBS snapshots), and lists the fake's tagged
volumes in the Resource Groups Tagging API that tag selections go through. The emulator keeps no data in a file
system or a volume, so "working" is what it can show: the restored file system is AVAILABLE with the backed-up
type and size, the restored gateway volume or EBS volume is made from the recovery point's snapshot."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.runtime import LocalRuntime

pytestmark = pytest.mark.e2e
ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole"
SUBNET = "subnet-0123456789abcdef0"
GIB = 1024**3
TAGGED = {"backup": "yes"}


# AWS Backup's API, as a user calls it


@pytest.fixture
def backup(runtime: LocalRuntime) -> Any:
    client = runtime.client("backup")
    client.create_backup_vault(BackupVaultName="main")
    return client


def protect_tagged(backup: Any) -> str:
    """A daily plan whose selection takes every resource tagged backup=yes."""
    plan_id = backup.create_backup_plan(
        BackupPlan={
            "BackupPlanName": "daily",
            "Rules": [
                {
                    "RuleName": "daily",
                    "TargetBackupVaultName": "main",
                    "ScheduleExpression": "cron(0 5 ? * * *)",
                    "Lifecycle": {"DeleteAfterDays": 7},
                }
            ],
        }
    )["BackupPlanId"]
    backup.create_backup_selection(
        BackupPlanId=plan_id,
        BackupSelection={
            "SelectionName": "tagged",
            "IamRoleArn": ROLE,
            "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "yes"}],
        },
    )
    return str(plan_id)


def backup_on_demand(runtime: LocalRuntime, backup: Any, resource_arn: str) -> dict[str, Any]:
    job_id = backup.start_backup_job(BackupVaultName="main", ResourceArn=resource_arn, IamRoleArn=ROLE)["BackupJobId"]
    runtime.advance(timedelta(minutes=30))  # track-jobs runs every 5 minutes
    job = backup.describe_backup_job(BackupJobId=job_id)
    assert job["State"] == "COMPLETED", job.get("StatusMessage")
    point: dict[str, Any] = backup.describe_recovery_point(
        BackupVaultName="main", RecoveryPointArn=job["RecoveryPointArn"]
    )
    return point


def scheduled_points(runtime: LocalRuntime, backup: Any, plan_id: str) -> dict[str, dict[str, Any]]:
    """The points the plan's rule made when it fired, by resource."""
    runtime.advance(timedelta(days=1))
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="main")["RecoveryPoints"]
    return {p["ResourceArn"]: p for p in points if p.get("CreatedBy", {}).get("BackupPlanId") == plan_id}


def restore(backup: Any, point_arn: str, metadata: dict[str, str]) -> dict[str, Any]:
    """StartRestoreJob, then wait for the Step Functions workflow to finish the job."""
    job_id = backup.start_restore_job(RecoveryPointArn=point_arn, Metadata=metadata, IamRoleArn=ROLE)["RestoreJobId"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job: dict[str, Any] = backup.describe_restore_job(RestoreJobId=job_id)
        if job["Status"] not in ("PENDING", "RUNNING"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"restore job {job_id} still running after 60s")


def refused(backup: Any, point_arn: str, metadata: dict[str, str]) -> str:
    """A restore AWS Backup would refuse: the error's message; no job may exist afterwards."""
    before = len(backup.list_restore_jobs()["RestoreJobs"])
    with pytest.raises(ClientError) as error:
        backup.start_restore_job(RecoveryPointArn=point_arn, Metadata=metadata, IamRoleArn=ROLE)
    assert error.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert len(backup.list_restore_jobs()["RestoreJobs"]) == before
    return str(error.value.response["Error"]["Message"])


def delete_point(backup: Any, point_arn: str) -> None:
    backup.delete_recovery_point(BackupVaultName="main", RecoveryPointArn=point_arn)
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        backup.describe_recovery_point(BackupVaultName="main", RecoveryPointArn=point_arn)


# FSx


def fsx(runtime: LocalRuntime) -> Any:
    """The FSx a user sees on the local runtime: moto with the local runtime's gaps filled."""
    from local.fakes.fsx import MotoFsxGaps

    return MotoFsxGaps(runtime.client("fsx"))


def make_file_system(runtime: LocalRuntime, name: str, tags: dict[str, str] | None = None) -> str:
    file_system = fsx(runtime).create_file_system(
        FileSystemType="LUSTRE",
        StorageCapacity=1200,
        SubnetIds=[SUBNET],
        LustreConfiguration={"DeploymentType": "PERSISTENT_2", "PerUnitStorageThroughput": 125},
        Tags=[{"Key": k, "Value": v} for k, v in {"Name": name, **(tags or {})}.items()],
    )["FileSystem"]
    return str(file_system["ResourceARN"])


def fsx_backup_exists(runtime: LocalRuntime, backup_id: str) -> bool:
    try:
        fsx(runtime).describe_backups(BackupIds=[backup_id])
    except ClientError as error:
        assert error.response["Error"]["Code"] == "BackupNotFound"
        return False
    return True


def test_given_a_tagged_lustre_file_system_when_backed_up_on_demand_and_by_plan_then_each_restores_and_deletes(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given a Lustre file system tagged for the plan, and one that is not
    plan_id = protect_tagged(backup)
    source = make_file_system(runtime, "scratch", TAGGED)
    untagged = make_file_system(runtime, "other")

    # When it is backed up on demand
    point = backup_on_demand(runtime, backup, source)

    # Then the point is an FSx backup of it, recording how to make the file system again
    backup_id = point["RecoveryPointArn"].rsplit("/", 1)[1]
    assert (point["ResourceType"], point["ResourceArn"], point["ResourceName"]) == ("FSx", source, "scratch")
    assert point["RecoveryPointArn"] == f"arn:aws:fsx:{REGION}:{ACCOUNT}:backup/{backup_id}"
    assert point["BackupSizeInBytes"] == 1200 * GIB
    metadata = backup.get_recovery_point_restore_metadata(
        BackupVaultName="main", RecoveryPointArn=point["RecoveryPointArn"]
    )["RestoreMetadata"]
    assert (metadata["fileSystemType"], metadata["storageCapacity"], metadata["subnetIds"]) == (
        "LUSTRE",
        "1200",
        SUBNET,
    )
    assert fsx_backup_exists(runtime, backup_id)

    # When the plan's rule fires, then the tagged file system (only) gets a point of its own, credited to the plan
    scheduled = scheduled_points(runtime, backup, plan_id)
    assert set(scheduled) == {source}
    assert untagged not in scheduled
    assert scheduled[source]["ResourceType"] == "FSx"
    assert scheduled[source]["RecoveryPointArn"] != point["RecoveryPointArn"]

    # When a restore leaves out what FSx needs, then AWS Backup's error, and no job
    assert "missing: subnetIds" in refused(backup, point["RecoveryPointArn"], {"subnetIds": ""})
    assert "cannot restore a ONTAP file system" in refused(
        backup, point["RecoveryPointArn"], {"fileSystemType": "ONTAP"}
    )

    # When it is restored through the workflow
    job = restore(backup, point["RecoveryPointArn"], {})

    # Then a new file system like the source is AVAILABLE
    assert job["Status"] == "COMPLETED", job.get("StatusMessage")
    created = job["CreatedResourceArn"]
    assert created.startswith(f"arn:aws:fsx:{REGION}:{ACCOUNT}:file-system/fs-") and created != source
    (file_system,) = fsx(runtime).describe_file_systems(FileSystemIds=[created.rsplit("/", 1)[1]])["FileSystems"]
    assert (file_system["Lifecycle"], file_system["FileSystemType"], file_system["StorageCapacity"]) == (
        "AVAILABLE",
        "LUSTRE",
        1200,
    )

    # When the point is deleted, then its FSx backup is gone; the scheduled point's stays
    delete_point(backup, point["RecoveryPointArn"])
    assert not fsx_backup_exists(runtime, backup_id)
    assert fsx_backup_exists(runtime, scheduled[source]["RecoveryPointArn"].rsplit("/", 1)[1])


# Storage Gateway


def storage_gateway() -> Any:
    """The Storage Gateway the local runtime stands in for (moto has none), in this process."""
    from lambdas.common import aws

    return aws.client("storagegateway", REGION)


def make_gateway_volume(name: str, tags: dict[str, str] | None = None, *, gateway_arn: str | None = None) -> str:
    sgw = storage_gateway()
    gateway_arn = (
        gateway_arn
        or sgw.activate_gateway(
            ActivationKey="AAAAA-BBBBB-CCCCC-DDDDD-EEEEE",
            GatewayName="branch-office",
            GatewayTimezone="GMT",
            GatewayRegion=REGION,
            GatewayType="CACHED",
        )["GatewayARN"]
    )
    interface = sgw.describe_gateway_information(GatewayARN=gateway_arn)["GatewayNetworkInterfaces"][0]
    return str(
        sgw.create_cached_iscsi_volume(
            GatewayARN=gateway_arn,
            VolumeSizeInBytes=10 * GIB,
            TargetName=name,
            NetworkInterfaceId=interface["Ipv4Address"],
            ClientToken=f"token-{name}",
            Tags=[{"Key": k, "Value": v} for k, v in {"Name": name, **(tags or {})}.items()],
        )["VolumeARN"]
    )


def snapshot_exists(runtime: LocalRuntime, snapshot_id: str) -> bool:
    try:
        runtime.client("ec2").describe_snapshots(SnapshotIds=[snapshot_id])
    except ClientError as error:
        assert error.response["Error"]["Code"] == "InvalidSnapshot.NotFound"
        return False
    return True


def test_given_a_tagged_gateway_volume_when_backed_up_on_demand_and_by_plan_then_each_restores_and_deletes(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given a cached gateway volume tagged for the plan, and one on the same gateway that is not
    plan_id = protect_tagged(backup)
    source = make_gateway_volume("data", TAGGED)
    untagged = make_gateway_volume("logs", gateway_arn=source.split("/volume/")[0])

    # When it is backed up on demand
    point = backup_on_demand(runtime, backup, source)

    # Then the point is the EBS snapshot the gateway made of it, and restores to a new volume on its gateway
    snapshot_id = point["RecoveryPointArn"].rsplit("/", 1)[1]
    assert (point["ResourceType"], point["ResourceArn"], point["ResourceName"]) == ("Storage Gateway", source, "data")
    assert point["RecoveryPointArn"] == f"arn:aws:ec2:{REGION}::snapshot/{snapshot_id}"
    assert point["BackupSizeInBytes"] == 10 * GIB
    metadata = backup.get_recovery_point_restore_metadata(
        BackupVaultName="main", RecoveryPointArn=point["RecoveryPointArn"]
    )["RestoreMetadata"]
    assert (metadata["restoreTarget"], metadata["volumeType"]) == ("gateway-volume", "CACHED")
    assert metadata["gatewayArn"] == source.split("/volume/")[0]
    assert snapshot_exists(runtime, snapshot_id)

    # When the plan's rule fires, then the tagged volume (only) gets a point: the tag selection found it through
    # the Resource Groups Tagging API, as in AWS
    scheduled = scheduled_points(runtime, backup, plan_id)
    assert set(scheduled) == {source}
    assert untagged not in scheduled
    assert scheduled[source]["ResourceType"] == "Storage Gateway"

    # When a restore names a target there is no such thing as, then AWS Backup's error, and no job
    assert "restoreTarget must be" in refused(backup, point["RecoveryPointArn"], {"restoreTarget": "tape"})
    assert "missing: availabilityZone" in refused(
        backup, point["RecoveryPointArn"], {"restoreTarget": "ebs-volume", "availabilityZone": ""}
    )

    # When it is restored through the workflow to its gateway, then a new cached volume is made from the snapshot
    job = restore(backup, point["RecoveryPointArn"], {})
    assert job["Status"] == "COMPLETED", job.get("StatusMessage")
    created = job["CreatedResourceArn"]
    assert created.startswith(f"{metadata['gatewayArn']}/volume/vol-") and created not in (source, untagged)
    (volume,) = storage_gateway().describe_cached_iscsi_volumes(VolumeARNs=[created])["CachediSCSIVolumes"]
    assert (volume["SourceSnapshotId"], volume["VolumeSizeInBytes"]) == (snapshot_id, 10 * GIB)

    # And to a plain EBS volume, the other target
    job = restore(backup, point["RecoveryPointArn"], {"restoreTarget": "ebs-volume"})
    assert job["Status"] == "COMPLETED", job.get("StatusMessage")
    volume_id = job["CreatedResourceArn"].rsplit("/", 1)[1]
    (ebs,) = runtime.client("ec2").describe_volumes(VolumeIds=[volume_id])["Volumes"]
    assert (ebs["SnapshotId"], ebs["Size"]) == (snapshot_id, 10)

    # When the point is deleted, then its snapshot is gone; the scheduled point's stays
    delete_point(backup, point["RecoveryPointArn"])
    assert not snapshot_exists(runtime, snapshot_id)
    assert snapshot_exists(runtime, scheduled[source]["RecoveryPointArn"].rsplit("/", 1)[1])
