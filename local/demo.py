"""The main job, narrated: protect three EBS volumes and two DynamoDB tables with a daily plan that keeps
35 days, let 40 days pass on the virtual clock, then restore a volume and a table through the Step
Functions workflow and check that what came back is what went in. Every Strongroom call goes through
AWS Backup's own API with boto3's `backup` client, exactly as `aws backup ...` would. Exits non-zero if
any check fails."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from lambdas.resources.base import JOB_TAG
from local.runtime import LocalRuntime, LocalSettings

ROLE = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"
VAULT = "strongroom-demo"
RETENTION_DAYS = 35
DAYS = 40


@dataclass
class Narrator:
    out: Any = sys.stdout
    started: float = field(default_factory=time.perf_counter)
    failures: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        print(f"[{time.perf_counter() - self.started:6.1f}s] {text}", file=self.out, flush=True)

    def check(self, claim: str, holds: bool, detail: str = "") -> None:
        mark = "ok  " if holds else "FAIL"
        self.say(f"  {mark} {claim}{f' ({detail})' if detail else ''}")
        if not holds:
            self.failures.append(claim)


def _wait(condition: Callable[[], bool], seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _pages(call: Callable[..., dict[str, Any]], key: str, **kwargs: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        page = call(**kwargs)
        found.extend(page.get(key, []))
        if not page.get("NextToken"):
            return found
        kwargs["NextToken"] = page["NextToken"]


def run_demo(out: Any = sys.stdout, days: int = DAYS) -> int:
    n = Narrator(out)
    start = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    n.say("Starting the local runtime: embedded AWS emulator, Strongroom bootstrapped as the CDK stack defines it")
    with LocalRuntime(LocalSettings.from_environment(start=start)) as rt:
        n.say(f"  endpoint {rt.endpoint}; virtual clock at {rt.clock.now():%Y-%m-%d %H:%M} UTC")
        backup = rt.client("backup")
        ec2, dynamodb, sns, sqs = rt.client("ec2"), rt.client("dynamodb"), rt.client("sns"), rt.client("sqs")

        n.say("aws backup create-backup-vault, with notifications to an SNS topic (an SQS queue listens)")
        backup.create_backup_vault(BackupVaultName=VAULT)
        topic = sns.create_topic(Name="demo-backup-events")["TopicArn"]
        queue_url = sqs.create_queue(QueueName="demo-backup-events")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        backup.put_backup_vault_notifications(
            BackupVaultName=VAULT, SNSTopicArn=topic, BackupVaultEvents=["BACKUP_JOB_FAILED", "RESTORE_JOB_COMPLETED"]
        )

        n.say(f"aws backup create-backup-plan: daily at 05:00 UTC, recovery points kept {RETENTION_DAYS} days")
        plan = backup.create_backup_plan(
            BackupPlan={
                "BackupPlanName": "daily-35-day",
                "Rules": [
                    {
                        "RuleName": "DailyBackups",
                        "TargetBackupVaultName": VAULT,
                        "ScheduleExpression": "cron(0 5 ? * * *)",
                        "StartWindowMinutes": 60,
                        "CompletionWindowMinutes": 180,
                        "Lifecycle": {"DeleteAfterDays": RETENTION_DAYS},
                        "RecoveryPointTags": {"made-by": "strongroom-demo"},
                    }
                ],
            }
        )
        backup.create_backup_selection(
            BackupPlanId=plan["BackupPlanId"],
            BackupSelection={
                "SelectionName": "tagged-daily",
                "IamRoleArn": ROLE,
                "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "daily"}],
            },
        )
        schedules = rt.client("scheduler").list_schedules(GroupName="strongroom-plans")["Schedules"]
        n.check("the plan's rule has its EventBridge Scheduler schedule", len(schedules) == 1)
        refused = _refusal(
            backup.create_backup_plan,
            BackupPlan={
                "BackupPlanName": "bad",
                "Rules": [
                    {
                        "RuleName": "r",
                        "TargetBackupVaultName": VAULT,
                        "Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 60},
                    }
                ],
            },
        )
        n.check(
            "a plan deleting points 30 days after the cold move is refused", refused == "InvalidParameterValueException"
        )

        n.say("Creating 3 EBS volumes and 2 DynamoDB tables tagged backup=daily, and one untagged volume")
        tag = [{"Key": "backup", "Value": "daily"}]
        volumes = [
            ec2.create_volume(
                AvailabilityZone=f"{rt.settings.region}a",
                Size=size,
                VolumeType="gp3",
                TagSpecifications=[{"ResourceType": "volume", "Tags": [*tag, {"Key": "Name", "Value": f"app-{size}"}]}],
            )["VolumeId"]
            for size in (8, 16, 32)
        ]
        untagged = ec2.create_volume(AvailabilityZone=f"{rt.settings.region}a", Size=4)["VolumeId"]
        for table in ("orders", "customers"):
            dynamodb.create_table(
                TableName=table,
                KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
                Tags=tag,
            )
            for i in range(25):
                dynamodb.put_item(TableName=table, Item={"id": {"S": f"{table}-{i:03d}"}, "n": {"N": str(i)}})

        n.say(f"Advancing the virtual clock {days} days: every schedule fires on the way (rule, track-jobs, lifecycle)")
        for day in range(1, days + 1):
            rt.advance(timedelta(days=1))
            if day % 5 == 0 or day == days:
                live = len(_pages(backup.list_recovery_points_by_backup_vault, "RecoveryPoints", BackupVaultName=VAULT))
                n.say(f"  day {day:2d} ({rt.clock.now():%Y-%m-%d}): {live} recovery points in the vault")
        n.check("no scheduled invocation failed", not rt.scheduler.failures, "; ".join(rt.scheduler.failures[:3]))

        jobs = _pages(backup.list_backup_jobs, "BackupJobs", ByBackupVaultName=VAULT)
        by_state: dict[str, int] = {}
        for job in jobs:
            by_state[job["State"]] = by_state.get(job["State"], 0) + 1
        n.say(
            f"aws backup list-backup-jobs: {len(jobs)} ({', '.join(f'{k} {v}' for k, v in sorted(by_state.items()))})"
        )
        n.check(f"one job per protected resource per day ({5 * days})", len(jobs) == 5 * days, str(len(jobs)))
        n.check("every job COMPLETED", by_state.get("COMPLETED", 0) == len(jobs))
        n.check("the untagged volume was never backed up", not any(j["ResourceArn"].endswith(untagged) for j in jobs))

        points = _pages(backup.list_recovery_points_by_backup_vault, "RecoveryPoints", BackupVaultName=VAULT)
        now = rt.clock.now()
        n.say(f"aws backup list-recovery-points-by-backup-vault: {len(points)} recovery points")
        n.check(
            "expired points are gone: every remaining point is younger than its retention",
            all(p["CalculatedLifecycle"]["DeleteAt"] > now for p in points),
        )
        n.check(
            f"each resource keeps {RETENTION_DAYS} daily points", len(points) == 5 * RETENTION_DAYS, str(len(points))
        )
        snapshots = ec2.describe_snapshots(OwnerIds=["self"], Filters=[{"Name": "tag-key", "Values": [JOB_TAG]}])
        n.check(
            "expired EBS snapshots were deleted from EC2 too",
            len(snapshots["Snapshots"]) == 3 * RETENTION_DAYS,
            f"{len(snapshots['Snapshots'])} snapshots left",
        )

        n.say("aws backup start-restore-job: the newest point of one volume and one table, through Step Functions")
        volume_arn = f"arn:aws:ec2:{rt.settings.region}:{rt.deployment.account}:volume/{volumes[1]}"
        table_arn = f"arn:aws:dynamodb:{rt.settings.region}:{rt.deployment.account}:table/orders"
        restores = []
        for resource_arn, overrides in ((volume_arn, {}), (table_arn, {"targetTableName": "orders-restored"})):
            newest = backup.list_recovery_points_by_resource(ResourceArn=resource_arn)["RecoveryPoints"][0]
            metadata = backup.get_recovery_point_restore_metadata(
                BackupVaultName=VAULT, RecoveryPointArn=newest["RecoveryPointArn"]
            )["RestoreMetadata"]
            started = backup.start_restore_job(
                RecoveryPointArn=newest["RecoveryPointArn"], Metadata={**metadata, **overrides}, IamRoleArn=ROLE
            )
            restores.append(started["RestoreJobId"])

        sfn = rt.client("stepfunctions")

        def finished() -> bool:
            # The job is recorded before its workflow ends; the workflow's end is when everything is done.
            jobs_done = all(
                backup.describe_restore_job(RestoreJobId=r)["Status"] in ("COMPLETED", "FAILED") for r in restores
            )
            runs = sfn.list_executions(stateMachineArn=rt.deployment.state_machine_arn)["executions"]
            return jobs_done and len(runs) == len(restores) and all(e["status"] != "RUNNING" for e in runs)

        n.check("both restore jobs and their workflows finished", _wait(finished))
        created = {}
        for restore_id in restores:
            done = backup.describe_restore_job(RestoreJobId=restore_id)
            created[done["ResourceType"]] = done.get("CreatedResourceArn", "")
            n.check(
                f"{done['ResourceType']} restore job COMPLETED",
                done["Status"] == "COMPLETED",
                done.get("CreatedResourceArn") or done.get("StatusMessage", ""),
            )
        executions = sfn.list_executions(stateMachineArn=rt.deployment.state_machine_arn)
        statuses = sorted(e["status"] for e in executions["executions"])
        n.check("both Step Functions executions SUCCEEDED", statuses == ["SUCCEEDED", "SUCCEEDED"], ", ".join(statuses))
        restored_volume = ec2.describe_volumes(VolumeIds=[created["EBS"].rsplit("/", 1)[-1]])["Volumes"][0]
        n.check(
            "the restored volume is available with the source's size",
            restored_volume["State"] == "available" and restored_volume["Size"] == 16,
            f"{restored_volume['Size']} GiB",
        )
        original, restored = _items(dynamodb, "orders"), _items(dynamodb, "orders-restored")
        n.check("the restored table holds the same items as the source", original == restored, f"{len(restored)} items")
        messages: list[dict[str, Any]] = []

        def notified() -> bool:
            messages.extend(sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []))
            return len(messages) >= 2

        _wait(notified, seconds=10)
        n.check(
            "the vault's topic was notified of the completed restores", len(messages) >= 2, f"{len(messages)} messages"
        )

        _restore_test(n, rt, backup, table_arn)  # one restore test and its verdict (docs/restore-testing.md)

        n.say("Summary")
        emitted = ", ".join(f"{k} {v:g}" for k, v in sorted(rt.invocations.metrics.items()))
        n.say(f"  metrics emitted: {emitted}")
        counts = rt.invocations.counts
        n.say(f"  Lambda invocations: {', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}")
        fired = sum(rt.scheduler.fired.values())
        n.say(f"  schedules fired: {fired}; virtual time now {rt.clock.now():%Y-%m-%d %H:%M} UTC")

        # The summary a person would ask for, through the `strongroom` command's own code on this runtime's API.
        from strongroom_cli import embedded

        for command in (["status"], ["jobs", "--since", "24h"], ["plans", "--runs", "2"]):
            n.say(f"strongroom {' '.join(command)}")
            code = embedded.run(command, lambda: backup, now=rt.clock.now(), out=n.out)
            n.check(f"strongroom {command[0]} answered", code == 0, f"exit code {code}")
    if n.failures:
        n.say(f"{len(n.failures)} check(s) FAILED: {'; '.join(n.failures)}")
        return 1
    n.say("Every check passed.")
    return 0


def _restore_test(n: Narrator, rt: LocalRuntime, backup: Any, table_arn: str) -> None:
    """A restore testing plan that tests the table at the next full hour: its restore, the data check's verdict
    against what the backup recorded, the copy deleted, and the recovery time measured. A backup records what its
    check compares only once a selection covers the resource, so the table is backed up once more after the
    selection is made, as a user who adds a restore test to an existing plan sees from the next backup on."""
    n.say("aws backup create-restore-testing-plan: test the orders table at the next full hour")
    plan_arn = backup.create_restore_testing_plan(
        RestoreTestingPlan={
            "RestoreTestingPlanName": "demo_restore_test",
            "ScheduleExpression": "cron(0 12 ? * * *)",  # set below, once the table's backup is recorded
            "RecoveryPointSelection": {
                "Algorithm": "LATEST_WITHIN_WINDOW",
                "IncludeVaults": ["*"],
                "RecoveryPointTypes": ["SNAPSHOT"],
            },
        }
    )["RestoreTestingPlanArn"]
    backup.create_restore_testing_selection(
        RestoreTestingPlanName="demo_restore_test",
        RestoreTestingSelection={
            "RestoreTestingSelectionName": "orders",
            "ProtectedResourceType": "DynamoDB",
            "IamRoleArn": ROLE,
            "ProtectedResourceArns": [table_arn],
        },
    )
    n.say("aws backup start-backup-job: the orders table, now that a restore test covers it")
    job_id = backup.start_backup_job(BackupVaultName=VAULT, ResourceArn=table_arn, IamRoleArn=ROLE)["BackupJobId"]
    rt.advance(timedelta(minutes=10))  # TrackJobs completes it, recording the table's item count and digest
    n.check(
        "the on-demand backup COMPLETED",
        backup.describe_backup_job(BackupJobId=job_id)["State"] == "COMPLETED",
    )
    at = rt.clock.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    schedule = {"ScheduleExpression": f"cron(0 {at.hour} ? * * *)"}
    backup.update_restore_testing_plan(RestoreTestingPlanName="demo_restore_test", RestoreTestingPlan=schedule)
    rt.advance(at - rt.clock.now())  # the plan fires; its restore runs through the workflow

    def tests() -> list[dict[str, Any]]:
        jobs: list[dict[str, Any]] = backup.list_restore_jobs(ByRestoreTestingPlanArn=plan_arn)["RestoreJobs"]
        return jobs

    _wait(lambda: bool(tests()) and all(j["Status"] not in ("PENDING", "RUNNING") for j in tests()))
    rt.advance(timedelta(hours=1))  # the hourly sweep: the data check, then the copy deleted (no window asked)
    (job,) = tests() or [{}]
    minutes = backup.describe_protected_resource(ResourceArn=table_arn).get("LatestRestoreExecutionTimeMinutes")
    n.check(
        "the restore test COMPLETED, validated SUCCESSFUL by the data check, its copy deleted",
        (job.get("Status"), job.get("ValidationStatus"), job.get("DeletionStatus"))
        == ("COMPLETED", "SUCCESSFUL", "SUCCESSFUL")
        and "content digest" in str(job.get("ValidationStatusMessage")),
        f"{job.get('ValidationStatusMessage')}; recovery time {minutes} min",
    )


def _refusal(call: Callable[..., Any], **kwargs: Any) -> str | None:
    from botocore.exceptions import ClientError

    try:
        call(**kwargs)
    except ClientError as error:
        return str(error.response["Error"]["Code"])
    return None


def _items(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    items = dynamodb.scan(TableName=table)["Items"]
    return sorted(items, key=lambda item: item["id"]["S"])


if __name__ == "__main__":
    raise SystemExit(run_demo())
