"""Backups services made themselves, imported on the local runtime: AWS Backup's API has no operation for it, so
the ImportNativeBackups function is invoked through the emulated Lambda API (as `aws lambda invoke
--function-name strongroom-ImportNativeBackups` or `python -m local import` do), catalogs an EBS snapshot made
by hand of a protected volume as a recovery point, and that point restores through AWS Backup's API and the
Step Functions workflow like any other."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.__main__ import main
from local.runtime import LocalRuntime
from tests.e2e.waiting import wait_for_restore_job

pytestmark = pytest.mark.e2e
ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole"
FUNCTION = "strongroom-ImportNativeBackups"


def protect_tagged(backup: Any) -> None:
    backup.create_backup_vault(BackupVaultName="main")
    plan_id = backup.create_backup_plan(
        BackupPlan={
            "BackupPlanName": "daily",
            "Rules": [
                {"RuleName": "daily", "TargetBackupVaultName": "main", "ScheduleExpression": "cron(0 5 ? * * *)"}
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


def invoke(runtime: LocalRuntime, payload: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    response = runtime.client("lambda").invoke(FunctionName=FUNCTION, Payload=json.dumps(payload).encode())
    return json.loads(response["Payload"].read()), response.get("FunctionError")


def test_given_a_snapshot_made_by_hand_of_a_protected_volume_when_imported_then_it_is_a_point_that_restores(
    runtime: LocalRuntime, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a volume a plan protects by its tag, and a snapshot of it someone made in EC2 before Strongroom
    backup = runtime.client("backup")
    protect_tagged(backup)
    ec2 = runtime.client("ec2")
    volume_id = ec2.create_volume(
        AvailabilityZone=f"{REGION}a",
        Size=8,
        TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "backup", "Value": "yes"}]}],
    )["VolumeId"]
    volume_arn = f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{volume_id}"
    snapshot_id = ec2.create_snapshot(VolumeId=volume_id, Description="before the upgrade")["SnapshotId"]
    snapshot_arn = f"arn:aws:ec2:{REGION}::snapshot/{snapshot_id}"

    # When the import function is invoked naming the vault
    result, error = invoke(runtime, {"BackupVaultName": "main"})

    # Then the snapshot is a recovery point of the volume in that vault, as AWS Backup lists it
    assert error is None, result
    assert (result["imported"], result["errors"]) == ([snapshot_arn], [])
    (point,) = backup.list_recovery_points_by_backup_vault(BackupVaultName="main")["RecoveryPoints"]
    assert (point["RecoveryPointArn"], point["ResourceArn"], point["ResourceType"]) == (snapshot_arn, volume_arn, "EBS")
    assert point["Status"] == "COMPLETED"
    assert "BackupPlanId" not in point.get("CreatedBy", {})  # no plan made it
    assert backup.describe_protected_resource(ResourceArn=volume_arn)["LastBackupVaultArn"].endswith(":main")

    # When it is restored through AWS Backup's API
    restore_job_id = backup.start_restore_job(RecoveryPointArn=snapshot_arn, Metadata={}, IamRoleArn=ROLE)[
        "RestoreJobId"
    ]
    job = wait_for_restore_job(backup, restore_job_id)

    # Then the workflow made a volume of the snapshot, and the snapshot is still EC2's as before
    assert job["Status"] == "COMPLETED", job.get("StatusMessage")
    restored_id = job["CreatedResourceArn"].rsplit("/", 1)[1]
    (restored,) = ec2.describe_volumes(VolumeIds=[restored_id])["Volumes"]
    assert (restored["SnapshotId"], restored["Size"]) == (snapshot_id, 8)
    assert ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]["State"] == "completed"

    # When `python -m local import` runs it again against the runtime's endpoint, then nothing new is cataloged
    capsys.readouterr()
    assert main(["import", "--vault", "main", "--endpoint-url", runtime.endpoint]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["imported"], printed["already_cataloged"]) == ([], 1)


def test_given_a_vault_that_does_not_exist_when_imported_then_the_invoke_fails_with_aws_backups_error(
    runtime: LocalRuntime, capsys: pytest.CaptureFixture[str]
) -> None:
    result, error = invoke(runtime, {"BackupVaultName": "nowhere"})
    assert error is not None
    assert result["errorType"] == "ResourceNotFoundException"
    assert "nowhere" in result["errorMessage"]

    # And the command says so, and exits non-zero
    capsys.readouterr()
    assert main(["import", "--vault", "nowhere", "--endpoint-url", runtime.endpoint]) == 1
    assert json.loads(capsys.readouterr().out)["errorType"] == "ResourceNotFoundException"
