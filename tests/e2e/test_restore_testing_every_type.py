"""Restore testing's data checks end to end through boto3's `backup` client on the local runtime: the sources of
every type and what a passed check says of each (test_restore_testing_month_every_type.py runs them for a month),
and a recovery point whose data was changed behind it failing its check saying what differs, for each type whose
data the emulator keeps: an EFS point's stored file changed, a DynamoDB table backup with an item
dropped (S3's changed manifest is in test_restore_testing_on_local_runtime.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lambdas.resources.vault_storage import default_vault_bucket
from local.runtime import LocalRuntime
from tests.e2e.test_ec2_rds_on_local_runtime import MAKERS
from tests.e2e.test_fsx_storage_gateway_on_local_runtime import fsx, make_gateway_volume
from tests.e2e.test_fsx_storage_gateway_on_local_runtime import make_file_system as make_fsx
from tests.e2e.test_redshift_on_local_runtime import make_cluster as make_redshift
from tests.e2e.waiting import wait_for_restore_job

pytestmark = pytest.mark.e2e
ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole"
FILES = {"docs/plan.txt": b"the plan\n", "photo.bin": bytes(range(256)) * 4}


def make_volume(rt: LocalRuntime, name: str) -> str:
    volume = rt.client("ec2").create_volume(AvailabilityZone=f"{REGION}a", Size=8, VolumeType="gp3")
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{volume['VolumeId']}"


def make_efs(rt: LocalRuntime, name: str) -> str:
    file_system_id = rt.client("efs").create_file_system(CreationToken=name)["FileSystemId"]
    mount = rt.efs_directory(file_system_id)
    for path, body in FILES.items():
        (mount / path).parent.mkdir(parents=True, exist_ok=True)
        (mount / path).write_bytes(body)
    return f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:file-system/{file_system_id}"


def make_table(rt: LocalRuntime, name: str) -> str:
    dynamodb = rt.client("dynamodb")
    table = dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )["TableDescription"]
    for n in range(3):
        dynamodb.put_item(TableName=name, Item={"id": {"S": f"i{n}"}})
    return str(table["TableArn"])


def make_bucket(rt: LocalRuntime, name: str) -> str:
    s3 = rt.client("s3")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=name, Key="a.txt", Body=b"alpha")
    return f"arn:aws:s3:::{name}"


SOURCES: dict[str, Callable[[LocalRuntime, str], str]] = {
    **MAKERS,  # EC2, RDS, Aurora, DocumentDB, Neptune
    "EBS": make_volume,
    "EFS": make_efs,
    "FSx": lambda rt, name: make_fsx(rt, name),
    "Storage Gateway": lambda rt, name: make_gateway_volume(name),
    "Redshift": make_redshift,
    "DynamoDB": make_table,
    "S3": make_bucket,
}
# What the message of a passed check starts with, per type: what it compared.
PASSED = {
    "EC2": "The restored EC2 instance",
    "RDS": "The restored DB instance",
    "Aurora": "The restored DB cluster",
    "DocumentDB": "The restored DB cluster",
    "Neptune": "The restored DB cluster",
    "EBS": "The restored EBS volume",
    "EFS": "3 files and directories",
    "FSx": "The restored FSx file system",
    "Storage Gateway": "The restored gateway volume",
    "Redshift": "The restored Redshift cluster",
    "DynamoDB": "3 items, content digest",
    "S3": "1 objects with the keys",
}


def back_up(rt: LocalRuntime, backup: Any, arns: dict[str, str]) -> None:
    for arn in arns.values():
        backup.start_backup_job(BackupVaultName="main", ResourceArn=arn, IamRoleArn=ROLE)
    rt.advance(timedelta(minutes=30))  # the tracker records each completed backup, and what its check needs
    jobs = backup.list_backup_jobs()["BackupJobs"]
    assert {j["State"] for j in jobs} == {"COMPLETED"}, [(j["ResourceType"], j.get("StatusMessage")) for j in jobs]


def restore_testing_plan(backup: Any, arns: dict[str, str], hour: int) -> str:
    selection = {
        "Algorithm": "LATEST_WITHIN_WINDOW",
        "IncludeVaults": ["*"],
        "RecoveryPointTypes": ["SNAPSHOT"],
        "SelectionWindowDays": 7,
    }
    plan_arn = backup.create_restore_testing_plan(
        RestoreTestingPlan={
            "RestoreTestingPlanName": "every_type",
            "ScheduleExpression": f"cron(0 {hour} * * ? *)",
            "RecoveryPointSelection": selection,
        }
    )["RestoreTestingPlanArn"]
    for n, (resource_type, arn) in enumerate(sorted(arns.items())):
        backup.create_restore_testing_selection(
            RestoreTestingPlanName="every_type",
            RestoreTestingSelection={
                "RestoreTestingSelectionName": f"type_{n}",
                "ProtectedResourceType": resource_type,
                "IamRoleArn": ROLE,
                "ProtectedResourceArns": [arn],
                "ValidationWindowHours": 1,
            },
        )
    return str(plan_arn)


def restore_tests(rt: LocalRuntime, backup: Any, plan_arn: str) -> dict[str, dict[str, Any]]:
    jobs = backup.list_restore_jobs(ByRestoreTestingPlanArn=plan_arn)["RestoreJobs"]
    for job in jobs:
        wait_for_restore_job(backup, job["RestoreJobId"], seconds=120)
    return {j["ResourceType"]: j for j in backup.list_restore_jobs(ByRestoreTestingPlanArn=plan_arn)["RestoreJobs"]}


def exists(rt: LocalRuntime, resource_type: str, arn: str) -> bool:
    """Whether the emulated service still has the resource (an EC2 instance: not terminated)."""
    name = arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    calls: dict[str, Callable[[], Any]] = {
        "EC2": lambda: [
            i
            for r in rt.client("ec2").describe_instances(InstanceIds=[name])["Reservations"]
            for i in r["Instances"]
            if i["State"]["Name"] != "terminated"
        ],
        "RDS": lambda: rt.client("rds").describe_db_instances(DBInstanceIdentifier=name)["DBInstances"],
        "EBS": lambda: rt.client("ec2").describe_volumes(VolumeIds=[name])["Volumes"],
        "EFS": lambda: rt.client("efs").describe_file_systems(FileSystemId=name)["FileSystems"],
        "FSx": lambda: fsx(rt).describe_file_systems(FileSystemIds=[name])["FileSystems"],
        "Redshift": lambda: rt.client("redshift").describe_clusters(ClusterIdentifier=name)["Clusters"],
        "DynamoDB": lambda: rt.client("dynamodb").describe_table(TableName=name)["Table"],
        "S3": lambda: rt.client("s3").head_bucket(Bucket=name),
        "Storage Gateway": lambda: [
            v
            for v in rt.client("storagegateway").list_volumes(GatewayARN=arn.split("/volume/")[0])["VolumeInfos"]
            if v["VolumeARN"] == arn
        ],
    }
    for cluster_type in ("Aurora", "DocumentDB", "Neptune"):
        calls[cluster_type] = lambda: rt.client("rds").describe_db_clusters(DBClusterIdentifier=name)["DBClusters"]
    try:
        return bool(calls[resource_type]())
    except ClientError:
        return False


def test_an_efs_recovery_point_whose_file_changed_behind_it_fails_its_check(runtime: LocalRuntime) -> None:
    # Given a file system backed up, and a plan testing it
    backup = runtime.client("backup")
    backup.create_backup_vault(BackupVaultName="main")
    arns = {"EFS": make_efs(runtime, "home")}
    plan_arn = restore_testing_plan(backup, arns, hour=2)
    back_up(runtime, backup, arns)
    # When the recovery point's copy of photo.bin is changed in vault storage, behind the point
    s3 = runtime.client("s3")
    vault = default_vault_bucket(ACCOUNT, REGION)
    stored_as = f"/data/{hashlib.sha256(b'photo.bin').hexdigest()}"  # the mover's key of a file's data
    (key,) = [o["Key"] for o in s3.list_objects_v2(Bucket=vault)["Contents"] if o["Key"].endswith(stored_as)]
    s3.put_object(Bucket=vault, Key=key, Body=bytes(reversed(range(256))) * 4)  # the same size, other bytes
    # And the test runs
    runtime.advance(timedelta(hours=1, minutes=45))
    restore_tests(runtime, backup, plan_arn)
    runtime.advance(timedelta(hours=1))

    # Then its restore completed, and its check FAILED naming the file whose content differs
    job = restore_tests(runtime, backup, plan_arn)["EFS"]
    assert job["Status"] == "COMPLETED", job.get("StatusMessage")
    assert job["ValidationStatus"] == "FAILED"
    assert job["ValidationStatusMessage"].endswith("differs from the backup: changed 1: photo.bin")


def test_a_table_backup_that_lost_an_item_behind_its_recovery_point_fails_its_check(runtime: LocalRuntime) -> None:
    from moto.dynamodb.models import dynamodb_backends

    # Given a table of 3 items backed up, and a plan testing it
    backup = runtime.client("backup")
    backup.create_backup_vault(BackupVaultName="main")
    arns = {"DynamoDB": make_table(runtime, "ledger")}
    plan_arn = restore_testing_plan(backup, arns, hour=2)
    back_up(runtime, backup, arns)
    # When the emulated table backup behind the recovery point drops an item
    (point,) = backup.list_recovery_points_by_backup_vault(BackupVaultName="main")["RecoveryPoints"]
    table_backup = dynamodb_backends[ACCOUNT][REGION].backups[point["RecoveryPointArn"]].table
    table_backup.items.pop(next(iter(table_backup.items)))
    # And the test runs
    runtime.advance(timedelta(hours=1, minutes=45))
    restore_tests(runtime, backup, plan_arn)
    runtime.advance(timedelta(hours=1))
    # Then its restore completed, and its check FAILED with the counts
    job = restore_tests(runtime, backup, plan_arn)["DynamoDB"]
    assert job["Status"] == "COMPLETED", job.get("StatusMessage")
    assert (job["ValidationStatus"], job["ValidationStatusMessage"]) == (
        "FAILED",
        "The restored table holds 2 items; the backup recorded 3 (1 missing)",
    )
