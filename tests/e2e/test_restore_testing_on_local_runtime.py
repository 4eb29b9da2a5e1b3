"""Restore testing end to end, through boto3's `backup` client on the local runtime: a DynamoDB table and an S3
bucket protected daily, a plan that tests both every Sunday, a simulated month. Every Sunday's restores run
through the restore workflow, are checked against what their backups recorded (the item count and digest, the
object manifest), kept for their validation window and deleted; their recovery times are on the jobs. A backup
whose stored data was changed behind it fails its check, saying which object differs."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from lambdas.resources.vault_storage import default_vault_bucket
from local.runtime import LocalRuntime
from tests.api.conftest import ROLE
from tests.e2e.waiting import wait_for_restore_job

ACCOUNT = "123456789012"
TABLE_ARN = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders"
BUCKET_ARN = "arn:aws:s3:::photos"
FILES = {"a.txt": "alpha", "dir/b.txt": "beta"}


def protect(runtime: LocalRuntime, backup: Any, bucket: str = "photos") -> None:
    """Given a table and a bucket, tagged, and a plan backing them up every day at 05:00 UTC. (Each test names its
    own bucket: after a runtime reset, moto answers 500 to creating a bucket of a name an earlier test used.)"""
    dynamodb = runtime.client("dynamodb")
    dynamodb.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": "backup", "Value": "daily"}],
    )
    for n in range(7):
        dynamodb.put_item(TableName="orders", Item={"id": {"S": f"o{n}"}, "total": {"N": str(n)}})
    s3 = runtime.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "backup", "Value": "daily"}]})
    for key, body in FILES.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body.encode())
    backup.create_backup_vault(BackupVaultName="main")
    rule = {"RuleName": "daily", "TargetBackupVaultName": "main", "ScheduleExpression": "cron(0 5 ? * * *)",
            "Lifecycle": {"DeleteAfterDays": 35}}  # fmt: skip
    plan_id = backup.create_backup_plan(BackupPlan={"BackupPlanName": "daily", "Rules": [rule]})["BackupPlanId"]
    tags = [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "daily"}]
    backup.create_backup_selection(
        BackupPlanId=plan_id, BackupSelection={"SelectionName": "tagged", "IamRoleArn": ROLE, "ListOfTags": tags}
    )


def weekly_tests(backup: Any, bucket_arn: str = BUCKET_ARN) -> str:
    """A plan that tests the table and the bucket every Sunday at 08:00 UTC, from the last week's points."""
    selection = {"Algorithm": "LATEST_WITHIN_WINDOW", "IncludeVaults": ["*"], "RecoveryPointTypes": ["SNAPSHOT"],
                 "SelectionWindowDays": 7}  # fmt: skip
    arn = backup.create_restore_testing_plan(
        RestoreTestingPlan={
            "RestoreTestingPlanName": "weekly",
            "ScheduleExpression": "cron(0 8 ? * SUN *)",
            "RecoveryPointSelection": selection,
        }
    )["RestoreTestingPlanArn"]
    for name, kind, resources in (("tables", "DynamoDB", ["*"]), ("buckets", "S3", [bucket_arn])):
        backup.create_restore_testing_selection(
            RestoreTestingPlanName="weekly",
            RestoreTestingSelection={
                "RestoreTestingSelectionName": name,
                "ProtectedResourceType": kind,
                "IamRoleArn": ROLE,
                "ProtectedResourceArns": resources,
                "ValidationWindowHours": 2,
            },
        )
    return str(arn)


def restore_tests_of(backup: Any, plan_arn: str) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = backup.list_restore_jobs(ByRestoreTestingPlanArn=plan_arn)["RestoreJobs"]
    return jobs


def bucket_backups_complete(runtime: LocalRuntime, backup: Any, count: int) -> None:
    """A bucket's backup copies its objects in a thread, in real time beside the virtual clock, which an advance moves
    through a day in well under a second: give the copies that time, five virtual minutes (a TrackJobs run) a step,
    an hour at most."""
    for _ in range(12):
        jobs = backup.list_backup_jobs(ByResourceType="S3")["BackupJobs"]
        if len(jobs) == count and all(job["State"] == "COMPLETED" for job in jobs):
            return
        time.sleep(1)
        runtime.advance(timedelta(minutes=5))
    raise AssertionError(f"the bucket's backups did not complete: {[job['State'] for job in jobs]}")


def settle(runtime: LocalRuntime, backup: Any, plan_arn: str) -> None:
    """The restore workflow runs in real time beside the virtual clock: wait for the started restores to end."""
    for job in restore_tests_of(backup, plan_arn):
        wait_for_restore_job(backup, job["RestoreJobId"], seconds=120)


def test_a_month_of_weekly_restore_tests_of_a_table_and_a_bucket(runtime: LocalRuntime) -> None:
    backup = runtime.client("backup")
    protect(runtime, backup)
    plan_arn = weekly_tests(backup)

    # When a month goes by a week at a time (the runtime starts on Friday 2026-05-01: five Sundays in May)
    for _ in range(5):
        runtime.advance(timedelta(days=7))
        settle(runtime, backup, plan_arn)
    runtime.advance(timedelta(hours=3))  # the hourly sweeps after the last restores: check, window, delete

    # Then each Sunday restored the table and the bucket, each restore COMPLETED, validated and cleaned up
    jobs = restore_tests_of(backup, plan_arn)
    assert sorted(j["ResourceType"] for j in jobs) == ["DynamoDB"] * 5 + ["S3"] * 5
    for job in jobs:
        assert job["Status"] == "COMPLETED", job.get("StatusMessage")
        assert job["CreatedBy"] == {"RestoreTestingPlanArn": plan_arn}
        assert job["ValidationStatus"] == "SUCCESSFUL", job.get("ValidationStatusMessage")
        assert job["DeletionStatus"] == "SUCCESSFUL", job.get("DeletionStatusMessage")
        # And the recovery time, from the request to a usable resource, is on every job
        assert job["CompletionDate"] >= job["CreationDate"]
    messages = {j["ResourceType"]: j["ValidationStatusMessage"] for j in jobs}
    assert messages["DynamoDB"].startswith("7 items, content digest")
    assert messages["S3"].startswith("2 objects with the keys, sizes and checksums recorded")
    # And the restored tables and buckets are gone from the emulated services, the sources untouched
    restored = {j["CreatedResourceArn"].rsplit("/", 1)[-1].rsplit(":", 1)[-1] for j in jobs}
    assert len(restored) == 10 and all("-rt-" in created for created in restored)
    tables = set(runtime.client("dynamodb").list_tables()["TableNames"])
    buckets = {b["Name"] for b in runtime.client("s3").list_buckets()["Buckets"]}
    assert "orders" in tables and "photos" in buckets
    assert restored & (tables | buckets) == set()
    # And the restore job summaries count the tests: the last 14 days hold two Sundays (24 and 31 May)
    summaries = backup.list_restore_job_summaries(AggregationPeriod="FOURTEEN_DAYS")["RestoreJobSummaries"]
    assert sum(s["Count"] for s in summaries if s["State"] == "COMPLETED") == 4
    # And the plan says when it last ran
    got = backup.get_restore_testing_plan(RestoreTestingPlanName="weekly")["RestoreTestingPlan"]
    assert got["LastExecutionTime"].isoformat().startswith("2026-05-31T08:00")


def test_a_bucket_backup_changed_behind_its_recovery_point_fails_validation(runtime: LocalRuntime) -> None:
    backup = runtime.client("backup")
    protect(runtime, backup, "albums")
    plan_arn = weekly_tests(backup, "arn:aws:s3:::albums")
    backup.delete_restore_testing_selection(RestoreTestingPlanName="weekly", RestoreTestingSelectionName="tables")
    # Given Friday's and Saturday's backups taken (the runtime starts on Friday 2026-05-01), and the plan moved to
    # Sundays at 04:00, before Sunday's backup
    backup.update_restore_testing_plan(
        RestoreTestingPlanName="weekly", RestoreTestingPlan={"ScheduleExpression": "cron(0 4 ? * SUN *)"}
    )
    runtime.advance(timedelta(days=1, hours=22))  # Saturday 22:00
    bucket_backups_complete(runtime, backup, 2)
    # When the recovery points are changed behind them: their manifests now name another version of a.txt
    s3 = runtime.client("s3")
    other = s3.put_object(Bucket="albums", Key="a.txt", Body=b"tampered")["VersionId"]
    vault = default_vault_bucket(ACCOUNT, "us-east-1")
    parts = [o["Key"] for o in s3.list_objects_v2(Bucket=vault)["Contents"] if "/manifest/" in o["Key"]]
    assert len(parts) == 2
    for part in parts:
        lines = [json.loads(line) for line in s3.get_object(Bucket=vault, Key=part)["Body"].read().splitlines()]
        forged = [{**entry, "v": other} if entry["k"] == "a.txt" else entry for entry in lines]
        assert forged != lines
        s3.put_object(Bucket=vault, Key=part, Body="\n".join(json.dumps(entry) for entry in forged).encode())
    # And Sunday's restore test runs
    runtime.advance(datetime(2026, 5, 3, 4, 30, tzinfo=UTC) - runtime.clock.now())
    settle(runtime, backup, plan_arn)
    runtime.advance(timedelta(hours=1))
    # Then its validation FAILED, naming the object that differs
    (job,) = restore_tests_of(backup, plan_arn)
    assert job["Status"] == "COMPLETED"
    assert job["ValidationStatus"] == "FAILED"
    assert job["ValidationStatusMessage"] == "The restored bucket differs from the backup: changed 1: a.txt"
