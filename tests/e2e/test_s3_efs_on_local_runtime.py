"""S3 buckets and EFS file systems through the whole engine on the local runtime: a plan's schedule fires, the
adapters from the catalog write into Strongroom's vault storage bucket, track_jobs records the points, the
restore workflow on the emulated Step Functions copies the data back, and deleting a point empties its
part of the vault. EFS data lives in a local directory per file system (moto's EFS has no files), which the
local runtime's in-process mover reads and writes."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest

from lambdas.common import clock
from lambdas.domain.errors import InvalidParameterValueException
from lambdas.resources.vault_storage import default_vault_bucket
from lambdas.services import backup_service, plan_service, recovery_point_service, restore_service, vault_service
from local.runtime import LocalRuntime
from tests.e2e.waiting import wait_for_execution

pytestmark = pytest.mark.e2e
ROLE = "arn:aws:iam::123456789012:role/backup"


def protect_tagged(rt: LocalRuntime) -> None:
    ctx = rt.services()
    vault_service.create_vault(ctx, {"BackupVaultName": "main"}, clock.now())
    rule = {
        "RuleName": "daily",
        "TargetBackupVaultName": "main",
        "ScheduleExpression": "cron(0 5 ? * * *)",
        "Lifecycle": {"DeleteAfterDays": 30},
    }
    plan = plan_service.create_plan(ctx, {"BackupPlan": {"BackupPlanName": "daily", "Rules": [rule]}}, clock.now())
    tags = [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "yes"}]
    plan_service.create_selection(
        ctx,
        plan.BackupPlanId,
        {"BackupSelection": {"SelectionName": "s", "IamRoleArn": ROLE, "ListOfTags": tags}},
        clock.now(),
    )


def make_vault_bucket(rt: LocalRuntime) -> str:
    """The local bootstrap creates the vault bucket, as the stack does."""
    name = default_vault_bucket(rt.deployment.account, rt.deployment.region)
    rt.client("s3").head_bucket(Bucket=name)
    return name


def make_bucket(rt: LocalRuntime, name: str, objects: dict[str, str], *, versioned: bool = True) -> None:
    s3 = rt.client("s3")
    s3.create_bucket(Bucket=name)
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "backup", "Value": "yes"}]})
    for key, body in objects.items():
        s3.put_object(Bucket=name, Key=key, Body=body.encode())


def contents(rt: LocalRuntime, bucket: str) -> dict[str, str]:
    s3 = rt.client("s3")
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read().decode() for o in listed}


def vault_keys(rt: LocalRuntime, prefix: str) -> list[str]:
    bucket = default_vault_bucket(rt.deployment.account, rt.deployment.region)
    listed = rt.client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return [o["Key"] for o in listed]


def make_file_system(rt: LocalRuntime, token: str) -> str:
    fs = rt.client("efs").create_file_system(CreationToken=token, Tags=[{"Key": "backup", "Value": "yes"}])
    return str(fs["FileSystemId"])


def points_of(rt: LocalRuntime, resource_type: str) -> list[Any]:
    points = rt.services().stores.recovery_points.in_vault("main")[0]
    return [p for p in points if p.ResourceType == resource_type]


def test_given_a_versioned_bucket_when_the_rule_fires_and_it_changes_then_the_restore_brings_back_the_backup(
    runtime: LocalRuntime,
) -> None:
    vault_bucket = make_vault_bucket(runtime)
    protect_tagged(runtime)
    before = {"index.html": "<h1>v1</h1>", "img/logo.svg": "<svg/>", "robots.txt": "allow"}
    make_bucket(runtime, "site-prod", before)
    make_bucket(runtime, "site-logs", {"a.log": "x"}, versioned=False)

    runtime.advance(timedelta(days=1))  # the 05:00 rule fires; track_jobs runs every 5 minutes
    time.sleep(1.02 - time.time() % 1)  # S3's clock leaves the backup's second: what follows is after it
    s3 = runtime.client("s3")
    s3.put_object(Bucket="site-prod", Key="index.html", Body=b"<h1>defaced</h1>")
    s3.delete_object(Bucket="site-prod", Key="robots.txt")
    s3.put_object(Bucket="site-prod", Key="new.txt", Body=b"later")
    runtime.advance(timedelta(minutes=10))

    ctx = runtime.services()
    # On demand, an unversioned bucket is refused at the API, before any job exists.
    with pytest.raises(InvalidParameterValueException, match="site-logs cannot be backed up: versioning"):
        backup_service.start_backup_job(
            ctx,
            {"BackupVaultName": "main", "ResourceArn": "arn:aws:s3:::site-logs", "IamRoleArn": ROLE},
            clock.now(),
        )
    jobs = {job.ResourceArn: job for job in ctx.stores.jobs.backup_jobs()[0]}
    assert len(jobs) == 2
    # The unversioned bucket was selected by its tag and its job says why it could not be backed up.
    refused = jobs["arn:aws:s3:::site-logs"]
    assert refused.State.value == "FAILED"
    assert "versioning is not enabled" in (refused.StatusMessage or "")
    (point,) = points_of(runtime, "S3")
    assert point.ResourceArn == "arn:aws:s3:::site-prod"
    assert point.BackupSizeInBytes == sum(len(body) for body in before.values())
    assert point.RestoreMetadata == {"DestinationBucketName": "site-prod", "NewBucket": "false"}

    # Bad input is refused before any job: no destination, or a "new" bucket that exists.
    for metadata, complaint in (
        ({"DestinationBucketName": ""}, "missing: DestinationBucketName"),
        ({"NewBucket": "true"}, "Bucket site-prod already exists"),
    ):
        request = {"RecoveryPointArn": point.RecoveryPointArn, "Metadata": metadata}
        with pytest.raises(InvalidParameterValueException, match=complaint):
            restore_service.start_restore_job(ctx, request, clock.now())
    assert ctx.stores.jobs.restore_jobs()[0] == []

    request = {
        "RecoveryPointArn": point.RecoveryPointArn,
        "Metadata": {"DestinationBucketName": "site-restored", "NewBucket": "true"},
    }
    job = restore_service.start_restore_job(ctx, request, clock.now())
    assert wait_for_execution(runtime, job.ExecutionArn or "")["status"] == "SUCCEEDED"
    done = ctx.stores.jobs.get_restore_job(job.RestoreJobId)
    assert done.Status.value == "COMPLETED" and done.CreatedResourceArn == "arn:aws:s3:::site-restored"
    assert contents(runtime, "site-restored") == before

    # Deleting the point empties its part of the vault; the bucket's own versions stay.
    versions = len(s3.list_object_versions(Bucket="site-prod")["Versions"])
    recovery_point_service.delete(
        ctx, {"RecoveryPointArn": point.RecoveryPointArn, "BackupVaultName": "main"}, clock.now()
    )
    assert vault_keys(runtime, f"recovery-points/s3/{point.NativeBackupId}/") == []
    assert len(s3.list_object_versions(Bucket="site-prod")["Versions"]) == versions
    assert vault_bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_given_a_file_system_with_its_mover_when_the_rule_fires_then_its_files_are_restored_into_it(
    runtime: LocalRuntime,
) -> None:
    make_vault_bucket(runtime)
    protect_tagged(runtime)
    fs_id = make_file_system(runtime, "home")
    unmoved = make_file_system(runtime, "scratch")  # tagged too, but nothing is mounted for it
    mount = runtime.efs_directory(fs_id)  # what the mover's mount shows; the local runtime's in-process mover
    (mount / "docs").mkdir(parents=True)
    (mount / "docs/plan.txt").write_text("the plan\n")
    (mount / "photo.bin").write_bytes(bytes(range(256)) * 16)

    runtime.advance(timedelta(days=1))
    (mount / "docs/plan.txt").write_text("changed after the backup\n")

    ctx = runtime.services()
    jobs = {job.ResourceArn.rsplit("/", 1)[1]: job for job in ctx.stores.jobs.backup_jobs()[0]}
    assert jobs[fs_id].State.value == "COMPLETED"
    assert jobs[unmoved].State.value == "FAILED"
    assert "is the file system mounted?" in (jobs[unmoved].StatusMessage or "")
    (point,) = points_of(runtime, "EFS")
    assert point.BackupSizeInBytes == len("the plan\n") + 256 * 16
    assert point.RestoreMetadata["file-system-id"] == fs_id

    # (In the cloud a restore to a new file system is refused: no mover Lambda can reach it yet. The
    # in-process mover here reaches any directory; tests/integration/test_efs_adapter.py covers the refusal.)
    job = restore_service.start_restore_job(
        ctx, {"RecoveryPointArn": point.RecoveryPointArn, "Metadata": {}}, clock.now()
    )
    assert wait_for_execution(runtime, job.ExecutionArn or "")["status"] == "SUCCEEDED"
    (restored,) = [p for p in mount.iterdir() if p.name.startswith("aws-backup-restore_")]
    assert (restored / "docs/plan.txt").read_text() == "the plan\n"
    assert (restored / "photo.bin").read_bytes() == bytes(range(256)) * 16
    assert (mount / "docs/plan.txt").read_text() == "changed after the backup\n"

    recovery_point_service.delete(
        ctx, {"RecoveryPointArn": point.RecoveryPointArn, "BackupVaultName": "main"}, clock.now()
    )
    assert vault_keys(runtime, f"recovery-points/efs/{point.NativeBackupId}/") == []
