"""Lifecycles through boto3's `backup` client: the 90-day minimum between MoveToColdStorageAfterDays and
DeleteAfterDays holds at every entry point (a plan rule's copy action, CreateBackupPlan and UpdateBackupPlan,
StartBackupJob, UpdateRecoveryPointLifecycle), and the hourly lifecycle run moves a volume's point to the EBS
archive tier while a table's point, whose type has no cold tier, never claims a move."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.runtime import LocalRuntime
from tests.api.conftest import ROLE
from tests.api.helpers import let_track_jobs_run, new_table, new_vault, new_volume, unique

TOO_SHORT = {"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 50}


def refused(call: Callable[..., Any], **kwargs: Any) -> str:
    """The call fails with InvalidParameterValueException naming both numbers; its message."""
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    error = raised.value.response["Error"]
    assert error["Code"] == "InvalidParameterValueException", error
    assert "DeleteAfterDays (50)" in error["Message"] and "MoveToColdStorageAfterDays (10)" in error["Message"]
    assert "90 days" in error["Message"]
    return str(error["Message"])


def back_up(runtime: LocalRuntime, backup: Any, vault: str, resource_arn: str, lifecycle: dict[str, int]) -> str:
    job = backup.start_backup_job(BackupVaultName=vault, ResourceArn=resource_arn, IamRoleArn=ROLE, Lifecycle=lifecycle)
    let_track_jobs_run(runtime)
    described = backup.describe_backup_job(BackupJobId=job["BackupJobId"])
    assert described["State"] == "COMPLETED", described.get("StatusMessage")
    return str(described["RecoveryPointArn"])


def test_given_a_lifecycle_under_the_90_day_minimum_at_each_entry_point_then_refused_and_nothing_written(
    runtime: LocalRuntime, backup: Any
) -> None:
    vault, volume = new_vault(backup, "cold"), new_volume(runtime)
    destination = backup.describe_backup_vault(BackupVaultName=new_vault(backup, "copies"))["BackupVaultArn"]

    def rule(copy_lifecycle: dict[str, int]) -> dict[str, Any]:
        return {
            "RuleName": "daily",
            "TargetBackupVaultName": vault,
            "Lifecycle": {"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 100},
            "CopyActions": [{"DestinationBackupVaultArn": destination, "Lifecycle": copy_lifecycle}],
        }

    # A plan rule whose copy action keeps its copies 50 days after moving them to cold storage on day 10
    name = unique("cold-plan")
    message = refused(backup.create_backup_plan, BackupPlan={"BackupPlanName": name, "Rules": [rule(TOO_SHORT)]})
    assert "CopyActions" in message
    assert name not in {p["BackupPlanName"] for p in backup.list_backup_plans()["BackupPlansList"]}

    # The same copy action brought in by UpdateBackupPlan: the plan keeps its version
    good = {"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 100}
    plan = backup.create_backup_plan(BackupPlan={"BackupPlanName": unique("cold-plan"), "Rules": [rule(good)]})
    refused(
        backup.update_backup_plan,
        BackupPlanId=plan["BackupPlanId"],
        BackupPlan={"BackupPlanName": "renamed", "Rules": [rule(TOO_SHORT)]},
    )
    assert backup.get_backup_plan(BackupPlanId=plan["BackupPlanId"])["VersionId"] == plan["VersionId"]

    # An on-demand backup: no job is written
    refused(backup.start_backup_job, BackupVaultName=vault, ResourceArn=volume, IamRoleArn=ROLE, Lifecycle=TOO_SHORT)
    assert backup.list_backup_jobs(ByBackupVaultName=vault)["BackupJobs"] == []

    # A recovery point's lifecycle update: the point keeps its lifecycle
    point = back_up(runtime, backup, vault, volume, {"DeleteAfterDays": 35})
    refused(backup.update_recovery_point_lifecycle, BackupVaultName=vault, RecoveryPointArn=point, Lifecycle=TOO_SHORT)
    described = backup.describe_recovery_point(BackupVaultName=vault, RecoveryPointArn=point)
    assert described["Lifecycle"] == {"DeleteAfterDays": 35}


def wait_for_restore(backup: Any, restore_job_id: str, seconds: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = backup.describe_restore_job(RestoreJobId=restore_job_id)
        if job["Status"] in ("COMPLETED", "FAILED", "ABORTED"):
            return dict(job)
        time.sleep(0.2)
    raise AssertionError(f"restore job {restore_job_id} still {job['Status']} after {seconds}s")


def test_given_a_volume_and_a_table_kept_cold_after_a_day_when_the_day_passes_then_only_the_volume_goes_cold(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given a volume and a table backed up to go to cold storage after a day and be deleted after 91
    vault, volume, table = new_vault(backup, "cold"), new_volume(runtime), new_table(runtime)
    lifecycle = {"MoveToColdStorageAfterDays": 1, "DeleteAfterDays": 91}
    volume_point = back_up(runtime, backup, vault, volume, lifecycle)
    table_point = back_up(runtime, backup, vault, table, lifecycle)

    def described(arn: str) -> dict[str, Any]:
        return dict(backup.describe_recovery_point(BackupVaultName=vault, RecoveryPointArn=arn))

    # Then the volume's point is due to move, and the table's, whose type has no cold tier, is not
    assert set(described(volume_point)["CalculatedLifecycle"]) == {"MoveToColdStorageAt", "DeleteAt"}
    table_before = described(table_point)
    assert table_before["Lifecycle"] == lifecycle
    assert table_before["CalculatedLifecycle"] == {"DeleteAt": table_before["CreationDate"] + timedelta(days=91)}

    # When a day passes (the lifecycle runs every hour)
    runtime.advance(timedelta(days=1, hours=1))

    # Then the volume's point is COLD and its snapshot in the EBS archive tier; the table's point is WARM
    assert described(volume_point)["StorageClass"] == "COLD"
    snapshot_id = volume_point.rsplit("/", 1)[1]
    (snapshot,) = runtime.client("ec2").describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"]
    assert snapshot["StorageTier"] == "archive"
    assert described(table_point)["StorageClass"] == "WARM"

    # And the cold point's move day can no longer change
    with pytest.raises(backup.exceptions.InvalidRequestException, match="cold storage"):
        backup.update_recovery_point_lifecycle(
            BackupVaultName=vault,
            RecoveryPointArn=volume_point,
            Lifecycle={"MoveToColdStorageAfterDays": 2, "DeleteAfterDays": 92},
        )

    # And it still restores: the snapshot is restored from the archive tier first
    metadata = backup.get_recovery_point_restore_metadata(BackupVaultName=vault, RecoveryPointArn=volume_point)
    restore = backup.start_restore_job(
        RecoveryPointArn=volume_point, Metadata=metadata["RestoreMetadata"], IamRoleArn=ROLE
    )["RestoreJobId"]
    finished = wait_for_restore(backup, restore)
    assert finished["Status"] == "COMPLETED", finished.get("StatusMessage")
    (tier,) = runtime.client("ec2").describe_snapshot_tier_status(
        Filters=[{"Name": "snapshot-id", "Values": [snapshot_id]}]
    )["SnapshotTierStatuses"]
    assert tier["LastTieringOperationStatus"] == "temporary-restore-completed"
