"""The main job, narrated: protect three EBS volumes and two DynamoDB tables with a daily plan that keeps
35 days, let 40 days pass on the virtual clock, then restore a volume and a table through the Step
Functions workflow and check that what came back is what went in. Exits non-zero if any step fails."""

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


class DemoFailure(Exception):
    pass


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


def run_demo(out: Any = sys.stdout, days: int = DAYS) -> int:
    n = Narrator(out)
    start = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    n.say("Starting the local runtime: embedded AWS emulator, Strongroom bootstrapped as the CDK stack defines it")
    with LocalRuntime(LocalSettings.from_environment(start=start)) as rt:
        n.say(f"  emulator at {rt.endpoint}; virtual clock at {rt.clock.now():%Y-%m-%d %H:%M} UTC")
        ctx = rt.services()
        from lambdas.common import clock
        from lambdas.services import plan_service, restore_service, vault_service

        ec2, dynamodb, sns, sqs = rt.client("ec2"), rt.client("dynamodb"), rt.client("sns"), rt.client("sqs")

        n.say("Creating the vault, with notifications to an SNS topic (an SQS queue listens)")
        vault_service.create_vault(ctx, {"BackupVaultName": VAULT}, clock.now())
        topic = sns.create_topic(Name="demo-backup-events")["TopicArn"]
        queue_url = sqs.create_queue(QueueName="demo-backup-events")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        vault_service.put_notifications(
            ctx, VAULT, {"SNSTopicArn": topic, "BackupVaultEvents": ["BACKUP_JOB_FAILED", "RESTORE_JOB_COMPLETED"]}
        )

        n.say(f"Creating a daily plan (05:00 UTC) that keeps recovery points {RETENTION_DAYS} days")
        plan = plan_service.create_plan(
            ctx,
            {
                "BackupPlan": {
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
            },
            clock.now(),
        )
        plan_service.create_selection(
            ctx,
            plan.BackupPlanId,
            {
                "BackupSelection": {
                    "SelectionName": "tagged-daily",
                    "IamRoleArn": ROLE,
                    "ListOfTags": [
                        {"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "daily"}
                    ],
                }
            },
            clock.now(),
        )
        schedules = rt.client("scheduler").list_schedules(GroupName="strongroom-plans")["Schedules"]
        n.check("the plan's rule has its EventBridge Scheduler schedule", len(schedules) == 1)

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
        ec2.create_volume(AvailabilityZone=f"{rt.settings.region}a", Size=4)
        tables = ["orders", "customers"]
        for table in tables:
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
                live = len(ctx.stores.recovery_points.in_vault(VAULT)[0])
                n.say(f"  day {day:2d} ({rt.clock.now():%Y-%m-%d}): {live} recovery points in the vault")
        n.check("no scheduled invocation failed", not rt.scheduler.failures, "; ".join(rt.scheduler.failures[:3]))

        jobs = _all(ctx.stores.jobs.backup_jobs)
        points = _all(lambda limit, token: ctx.stores.recovery_points.in_vault(VAULT, limit, token))
        by_state: dict[str, int] = {}
        for job in jobs:
            by_state[job.State.value] = by_state.get(job.State.value, 0) + 1
        n.say(f"Backup jobs: {len(jobs)} ({', '.join(f'{k} {v}' for k, v in sorted(by_state.items()))})")
        n.check(f"one job per protected resource per day ({5 * days})", len(jobs) == 5 * days, str(len(jobs)))
        n.check("every job COMPLETED", by_state.get("COMPLETED", 0) == len(jobs))
        now = rt.clock.now()
        n.say(f"Recovery points in the vault: {len(points)}")
        n.check(
            "expired points are gone: every remaining point is younger than its retention",
            all(p.CalculatedLifecycle.DeleteAt and p.CalculatedLifecycle.DeleteAt > now for p in points),
        )
        n.check(
            f"each resource keeps {RETENTION_DAYS} daily points", len(points) == 5 * RETENTION_DAYS, str(len(points))
        )
        snapshots = ec2.describe_snapshots(OwnerIds=["self"], Filters=[{"Name": "tag-key", "Values": [JOB_TAG]}])[
            "Snapshots"
        ]
        n.check(
            "expired EBS snapshots were deleted from EC2 too",
            len(snapshots) == 3 * RETENTION_DAYS,
            f"{len(snapshots)} snapshots left",
        )
        untagged = [j for j in jobs if j.ResourceArn.endswith(tuple(volumes)) is False and j.ResourceType == "EBS"]
        n.check("the untagged volume was never backed up", not untagged)

        n.say("Restoring the newest point of one volume and one table through the Step Functions workflow")
        volume_arn = f"arn:aws:ec2:{rt.settings.region}:{rt.deployment.account}:volume/{volumes[1]}"
        table_arn = f"arn:aws:dynamodb:{rt.settings.region}:{rt.deployment.account}:table/orders"
        newest_volume_point = ctx.stores.recovery_points.of_resource(volume_arn)[-1]
        newest_table_point = ctx.stores.recovery_points.of_resource(table_arn)[-1]
        volume_job = restore_service.start_restore_job(
            ctx,
            {"RecoveryPointArn": newest_volume_point.RecoveryPointArn, "Metadata": {}, "IamRoleArn": ROLE},
            clock.now(),
        )
        table_job = restore_service.start_restore_job(
            ctx,
            {
                "RecoveryPointArn": newest_table_point.RecoveryPointArn,
                "Metadata": {"targetTableName": "orders-restored"},
                "IamRoleArn": ROLE,
            },
            clock.now(),
        )
        sfn = rt.client("stepfunctions")
        finished = _wait(
            lambda: all(
                sfn.describe_execution(executionArn=j.ExecutionArn)["status"] != "RUNNING"
                for j in (volume_job, table_job)
            )
        )
        n.check("both restore workflows finished", finished)
        for job in (volume_job, table_job):
            done = ctx.stores.jobs.get_restore_job(job.RestoreJobId)
            n.check(
                f"{done.ResourceType} restore job COMPLETED",
                done.Status.value == "COMPLETED",
                done.CreatedResourceArn or done.StatusMessage or "",
            )
            execution = sfn.describe_execution(executionArn=done.ExecutionArn)
            n.check(
                f"{done.ResourceType} restore execution SUCCEEDED",
                execution["status"] == "SUCCEEDED",
                execution["status"],
            )
        restored_volume = ctx.stores.jobs.get_restore_job(volume_job.RestoreJobId).CreatedResourceArn or ""
        described = ec2.describe_volumes(VolumeIds=[restored_volume.rsplit("/", 1)[-1]])["Volumes"][0]
        n.check(
            "the restored volume is available with the source's size",
            described["State"] == "available" and described["Size"] == 16,
            f"{described['Size']} GiB",
        )
        original = _items(dynamodb, "orders")
        restored = _items(dynamodb, "orders-restored")
        n.check("the restored table holds the same items as the source", original == restored, f"{len(restored)} items")

        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        n.check(
            "the vault's topic was notified of the completed restores", len(messages) >= 2, f"{len(messages)} messages"
        )

        n.say("Summary")
        counts = rt.invocations.counts
        emitted = ", ".join(f"{k} {v:g}" for k, v in sorted(rt.invocations.metrics.items()))
        n.say(f"  metrics emitted: {emitted}")
        n.say(f"  Lambda invocations: {', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}")
        fired = sum(rt.scheduler.fired.values())
        n.say(f"  schedules fired: {fired}; virtual time now {rt.clock.now():%Y-%m-%d %H:%M} UTC")
    if n.failures:
        n.say(f"{len(n.failures)} check(s) FAILED: {'; '.join(n.failures)}")
        return 1
    n.say("Every check passed.")
    return 0


def _all(fetch: Callable[[int, str | None], tuple[list[Any], str | None]]) -> list[Any]:
    found: list[Any] = []
    token: str | None = None
    while True:
        page, token = fetch(1000, token)
        found.extend(page)
        if token is None:
            return found


def _items(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    items = dynamodb.scan(TableName=table)["Items"]
    return sorted(items, key=lambda item: item["id"]["S"])


if __name__ == "__main__":
    raise SystemExit(run_demo())
