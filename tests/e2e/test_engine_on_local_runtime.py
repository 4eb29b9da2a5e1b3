"""The whole loop on the local runtime: schedules fire through the emulated Scheduler and Lambda, jobs are
tracked to recovery points, restores run through the emulated Step Functions workflow."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from lambdas.common import clock
from lambdas.domain.errors import InvalidParameterValueException
from lambdas.domain.jobs import RestoreJob
from lambdas.services import plan_service, restore_service, vault_service
from lambdas.services.restore_workflow import StepFunctionsRestoreWorkflow
from local.runtime import LocalRuntime
from tests.e2e.waiting import wait_for_execution

pytestmark = pytest.mark.e2e
ROLE = "arn:aws:iam::123456789012:role/backup"


def protect_tagged(rt: LocalRuntime, delete_after_days: int = 7) -> Any:
    ctx = rt.services()
    vault_service.create_vault(ctx, {"BackupVaultName": "main"}, clock.now())
    plan = plan_service.create_plan(
        ctx,
        {
            "BackupPlan": {
                "BackupPlanName": "daily",
                "Rules": [
                    {
                        "RuleName": "daily",
                        "TargetBackupVaultName": "main",
                        "ScheduleExpression": "cron(0 5 ? * * *)",
                        "Lifecycle": {"DeleteAfterDays": delete_after_days},
                    }
                ],
            }
        },
        clock.now(),
    )
    tags = [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "yes"}]
    plan_service.create_selection(
        ctx,
        plan.BackupPlanId,
        {"BackupSelection": {"SelectionName": "s", "IamRoleArn": ROLE, "ListOfTags": tags}},
        clock.now(),
    )
    return plan


def make_volume(rt: LocalRuntime) -> str:
    volume = rt.client("ec2").create_volume(
        AvailabilityZone="us-east-1a",
        Size=8,
        TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "backup", "Value": "yes"}]}],
    )
    return str(volume["VolumeId"])


def make_table(rt: LocalRuntime, name: str, items: int) -> None:
    dynamodb = rt.client("dynamodb")
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": "backup", "Value": "yes"}],
    )
    for i in range(items):
        dynamodb.put_item(TableName=name, Item={"pk": {"S": f"item-{i}"}})


def test_given_a_plan_when_a_week_passes_then_daily_points_exist_and_expire_on_time(runtime: LocalRuntime) -> None:
    protect_tagged(runtime, delete_after_days=3)
    make_volume(runtime)
    make_table(runtime, "orders", 3)
    runtime.advance(timedelta(days=7))
    ctx = runtime.services()
    jobs = ctx.stores.jobs.backup_jobs()[0]
    assert len(jobs) == 14 and {j.State.value for j in jobs} == {"COMPLETED"}
    points = ctx.stores.recovery_points.in_vault("main")[0]
    # daily at 05:00 for 7 days, each kept 3 days: on day 7 at 00:00 the points of days 4, 5 and 6 remain
    assert len(points) == 6
    assert all(p.CalculatedLifecycle.DeleteAt and p.CalculatedLifecycle.DeleteAt > runtime.clock.now() for p in points)
    assert not runtime.scheduler.failures


def test_given_the_rule_schedule_delivered_twice_then_one_job_per_resource(runtime: LocalRuntime) -> None:
    plan = protect_tagged(runtime)
    make_volume(runtime)
    make_volume(runtime)
    payload = json.dumps(
        {"plan_id": plan.BackupPlanId, "rule_id": plan.Rules[0].RuleId, "scheduled_time": "2026-05-01T05:00:00Z"}
    ).encode()
    lam = runtime.client("lambda")
    function = runtime.deployment.function_arns["StartBackups"]
    first = json.loads(lam.invoke(FunctionName=function, Payload=payload)["Payload"].read())
    second = json.loads(lam.invoke(FunctionName=function, Payload=payload)["Payload"].read())
    # Each delivery queued one batch of the two volumes; the worker ran both batches
    assert (first["selected"], first["batches"], second["batches"]) == (2, 1, 1)
    assert runtime.queues.drain() == 1  # two messages, one invocation (the mapping's batch size is 2)
    assert len(runtime.services().stores.jobs.backup_jobs()[0]) == 2
    snapshots = runtime.client("ec2").describe_snapshots(
        OwnerIds=["self"], Filters=[{"Name": "tag-key", "Values": ["strongroom:backup-job-id"]}]
    )["Snapshots"]
    assert len(snapshots) == 2


def test_given_a_restore_onto_an_existing_table_when_asked_then_refused_before_any_job(runtime: LocalRuntime) -> None:
    protect_tagged(runtime)
    make_table(runtime, "orders", 5)
    runtime.advance(timedelta(days=1))
    ctx = runtime.services()
    (point,) = ctx.stores.recovery_points.in_vault("main")[0]
    request = {"RecoveryPointArn": point.RecoveryPointArn, "Metadata": {"targetTableName": "orders"}}
    with pytest.raises(InvalidParameterValueException, match="Table orders already exists"):
        restore_service.start_restore_job(ctx, request, clock.now())
    assert ctx.stores.jobs.restore_jobs()[0] == []


def test_given_a_native_restore_that_fails_when_the_workflow_runs_then_the_catch_records_why(
    runtime: LocalRuntime,
) -> None:
    protect_tagged(runtime)
    make_table(runtime, "orders", 5)
    runtime.advance(timedelta(days=1))
    ctx = runtime.services()
    (point,) = ctx.stores.recovery_points.in_vault("main")[0]
    # Given a restore job that was accepted, and whose backup was deleted before the workflow ran
    runtime.client("dynamodb").delete_backup(BackupArn=point.NativeBackupId)
    job = RestoreJob(
        RestoreJobId="RESTORE-OF-A-DELETED-BACKUP",
        AccountId=runtime.deployment.account,
        RecoveryPointArn=point.RecoveryPointArn,
        BackupVaultArn=point.BackupVaultArn,
        BackupVaultName=point.BackupVaultName,
        SourceResourceArn=point.ResourceArn,
        ResourceType=point.ResourceType,
        Metadata={"targetTableName": "orders-copy"},
        CreationDate=clock.now(),
        CorrelationId="e2e",
    )
    ctx.stores.jobs.create_restore_job(job)
    # When the workflow runs it
    execution_arn = StepFunctionsRestoreWorkflow(
        lambda: runtime.client("stepfunctions"), runtime.deployment.state_machine_arn
    ).start(job.RestoreJobId, job.CorrelationId)
    execution = wait_for_execution(runtime, execution_arn, seconds=30)
    # Then the Catch routes it to the failure path and the job says why
    assert execution["status"] == "FAILED"
    failed = ctx.stores.jobs.get_restore_job(job.RestoreJobId)
    assert failed.Status.value == "FAILED"
    assert "BackupNotFoundException" in (failed.StatusMessage or ""), failed.StatusMessage
    tables = runtime.client("dynamodb").list_tables()["TableNames"]
    assert "orders-copy" not in tables


def test_given_a_table_backup_when_restored_to_a_new_name_then_the_items_come_back(runtime: LocalRuntime) -> None:
    protect_tagged(runtime)
    make_table(runtime, "orders", 5)
    runtime.advance(timedelta(days=1))
    dynamodb = runtime.client("dynamodb")
    dynamodb.put_item(TableName="orders", Item={"pk": {"S": "written-after-the-backup"}})
    ctx = runtime.services()
    (point,) = ctx.stores.recovery_points.in_vault("main")[0]
    job = restore_service.start_restore_job(
        ctx, {"RecoveryPointArn": point.RecoveryPointArn, "Metadata": {"targetTableName": "orders-copy"}}, clock.now()
    )
    assert wait_for_execution(runtime, job.ExecutionArn or "", seconds=30)["status"] == "SUCCEEDED"
    restored = sorted(item["pk"]["S"] for item in dynamodb.scan(TableName="orders-copy")["Items"])
    assert restored == [f"item-{i}" for i in range(5)]
    done = ctx.stores.jobs.get_restore_job(job.RestoreJobId)
    assert (
        done.Status.value == "COMPLETED"
        and done.CreatedResourceArn
        and done.CreatedResourceArn.endswith("/orders-copy")
    )
