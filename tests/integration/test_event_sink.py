"""Job, recovery point and plan state changes reach EventBridge (observed through a rule that forwards to SQS)
and, for the events a vault subscribed to, the vault's SNS topic (observed through an SQS subscription)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import boto3
import pytest

from lambdas.domain.jobs import BackupJobState, RestoreJobStatus
from lambdas.services.event_details import EVENT_SOURCE, PlanState
from tests.integration.builders import (
    ACCOUNT,
    REGION,
    ROLE,
    T0,
    VOLUME,
    backup_job,
    plan,
    recovery_point,
    restore_job,
    vault,
)

BUS = "strongroom"
NOW = T0 + timedelta(minutes=30)


@dataclass(frozen=True)
class Wiring:
    sqs: Any
    events_queue: str
    notifications_queue: str
    topic_arn: str

    def received(self, queue_url: str) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while batch := self.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
            for message in batch:
                messages.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        return messages

    def events(self) -> list[dict[str, Any]]:
        return self.received(self.events_queue)

    def notifications(self) -> list[dict[str, Any]]:
        return self.received(self.notifications_queue)


def _queue(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


@pytest.fixture
def wiring() -> Iterator[Wiring]:
    """A rule forwarding Strongroom's events to a queue, a vault topic with a queue subscribed, and EventBridge
    refusing `aws.` sources as AWS does (local/strict_events.py): an event only moto would take is not seen."""
    from local import strict_events

    undo = strict_events.PATCHES.apply()
    sqs = boto3.client("sqs", region_name=REGION)
    events = boto3.client("events", region_name=REGION)
    sns = boto3.client("sns", region_name=REGION)
    events_url, events_arn = _queue(sqs, "bus-events")
    events.create_event_bus(Name=BUS)
    events.put_rule(Name="all-backup-events", EventBusName=BUS, EventPattern=json.dumps({"source": [EVENT_SOURCE]}))
    events.put_targets(Rule="all-backup-events", EventBusName=BUS, Targets=[{"Id": "queue", "Arn": events_arn}])
    notifications_url, notifications_arn = _queue(sqs, "vault-notifications")
    topic_arn = sns.create_topic(Name="vault-main")["TopicArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=notifications_arn)
    yield Wiring(sqs, events_url, notifications_url, topic_arn)
    undo()


@pytest.fixture
def sink() -> Any:
    from lambdas.common import aws
    from lambdas.services.events import AwsEventSink

    return AwsEventSink(lambda: aws.client("events"), lambda: aws.client("sns"), BUS, ACCOUNT, REGION)


def test_given_a_backup_job_state_change_when_published_then_the_bus_carries_an_aws_backup_event(wiring, sink) -> None:
    point = f"arn:aws:ec2:{REGION}::snapshot/snap-0123456789abcdef0"
    job = backup_job(
        "JOB-1", state=BackupJobState.COMPLETED, PercentDone="100.0", BackupSizeInBytes=8, RecoveryPointArn=point
    )

    sink.publish_backup_job(job, None, NOW)

    [event] = wiring.events()
    assert event["detail-type"] == "Backup Job State Change"
    assert event["source"] == "strongroom.backup"
    assert event["time"] == "2024-06-01T05:30:00Z"
    # AWS Backup's shape: the resources name the recovery point a completed job made; sizes are strings,
    # percentDone a number, createdBy camelCase; absent values are absent keys
    assert event["resources"] == [point]
    assert event["detail"]["state"] == "COMPLETED"
    assert event["detail"]["backupJobId"] == "JOB-1"
    assert event["detail"]["resourceArn"] == VOLUME
    assert event["detail"]["backupSizeInBytes"] == "8"
    assert event["detail"]["percentDone"] == 100
    assert event["detail"]["startBy"] == job.StartBy.isoformat()
    assert event["detail"]["correlationId"] == "corr-JOB-1"
    assert None not in event["detail"].values()


def test_given_a_vault_subscribed_to_failures_when_jobs_complete_and_fail_then_only_the_failure_is_notified(
    wiring, sink
) -> None:
    subscribed = vault("main", topic_arn=wiring.topic_arn, events=["BACKUP_JOB_FAILED"])

    sink.publish_backup_job(backup_job("JOB-OK", state=BackupJobState.COMPLETED), subscribed, NOW)
    sink.publish_backup_job(
        backup_job("JOB-BAD", state=BackupJobState.FAILED, StatusMessage="snapshot failed"), subscribed, NOW
    )

    [notification] = wiring.notifications()
    assert notification["Type"] == "Notification"
    assert notification["TopicArn"] == wiring.topic_arn
    assert notification["Subject"] == "AWS Backup notification: BACKUP_JOB_FAILED"
    assert notification["MessageAttributes"]["EventType"]["Value"] == "BACKUP_JOB_FAILED"
    message = json.loads(notification["Message"])
    assert message["event"] == "BACKUP_JOB_FAILED"
    assert message["detail"]["backupJobId"] == "JOB-BAD"
    assert message["detail"]["statusMessage"] == "snapshot failed"
    # both state changes still went to the bus
    assert [event["detail"]["state"] for event in wiring.events()] == ["COMPLETED", "FAILED"]


def test_given_a_vault_without_notifications_when_a_job_fails_then_nothing_is_sent_to_the_topic(wiring, sink) -> None:
    sink.publish_backup_job(backup_job(state=BackupJobState.FAILED), vault("main"), NOW)

    assert wiring.notifications() == []
    assert len(wiring.events()) == 1


def test_given_the_vault_topic_is_gone_when_a_job_fails_then_publishing_does_not_fail_the_job(wiring, sink) -> None:
    gone = vault("main", topic_arn=f"arn:aws:sns:{REGION}:{ACCOUNT}:deleted-topic", events=["BACKUP_JOB_FAILED"])

    sink.publish_backup_job(backup_job(state=BackupJobState.FAILED), gone, NOW)

    [event] = wiring.events()
    assert event["detail"]["state"] == "FAILED"


def test_given_a_restore_job_state_change_when_published_then_the_bus_carries_a_restore_event(wiring, sink) -> None:
    subscribed = vault("main", topic_arn=wiring.topic_arn, events=["RESTORE_JOB_SUCCESSFUL"])
    job = restore_job("RESTORE-1", status=RestoreJobStatus.COMPLETED)

    sink.publish_restore_job(job, subscribed, NOW)

    [event] = wiring.events()
    assert event["detail-type"] == "Restore Job State Change"
    assert event["source"] == "strongroom.backup"
    assert event["detail"]["status"] == "COMPLETED"
    assert event["detail"]["restoreJobId"] == "RESTORE-1"
    [notification] = wiring.notifications()
    assert json.loads(notification["Message"])["event"] == "RESTORE_JOB_SUCCESSFUL"


# Every vault event that applies: failure-only subscriptions, recovery point and plan changes -------------------

FAILURES = ["BACKUP_JOB_FAILED", "RESTORE_JOB_FAILED", "COPY_JOB_FAILED"]


def copy_job(job_id: str, state: Any) -> Any:
    from lambdas.domain.copies import CopyJob

    source = recovery_point("source")
    return CopyJob(
        CopyJobId=job_id,
        AccountId=ACCOUNT,
        SourceBackupVaultArn=source.BackupVaultArn,
        SourceBackupVaultName="main",
        SourceRecoveryPointArn=source.RecoveryPointArn,
        DestinationBackupVaultArn=source.BackupVaultArn.replace(":main", ":copies"),
        ResourceArn=VOLUME,
        ResourceType="EBS",
        IamRoleArn=ROLE,
        State=state,
        CreationDate=T0,
        SourceCreationDate=T0,
        CorrelationId=f"corr-{job_id}",
    )


def test_given_a_vault_subscribed_only_to_failures_when_jobs_run_succeed_and_fail_then_it_gets_exactly_the_failures(
    wiring, sink
) -> None:
    from lambdas.domain.copies import CopyJobState

    # Given a vault subscribed to the three failure events only
    failures_only = vault("main", topic_arn=wiring.topic_arn, events=FAILURES)

    # When a backup, a restore and a copy job each start, succeed and fail, and a point and a plan change
    for state in ("RUNNING", "COMPLETED", "FAILED"):
        sink.publish_backup_job(backup_job(f"BACKUP-{state}", state=BackupJobState(state)), failures_only, NOW)
        sink.publish_restore_job(restore_job(f"RESTORE-{state}", status=RestoreJobStatus(state)), failures_only, NOW)
        sink.publish_copy_job(copy_job(f"COPY-{state}", CopyJobState(state)), failures_only, NOW)
    sink.publish_recovery_point(recovery_point("changed"), failures_only, NOW)
    sink.publish_backup_plan(plan(), PlanState.CREATED, [failures_only], NOW)

    # Then its topic gets exactly the three failures, each about the failed job
    received = {
        n["MessageAttributes"]["EventType"]["Value"]: json.loads(n["Message"])["detail"] for n in wiring.notifications()
    }
    assert sorted(received) == sorted(FAILURES)
    assert received["BACKUP_JOB_FAILED"]["backupJobId"] == "BACKUP-FAILED"
    assert received["RESTORE_JOB_FAILED"]["restoreJobId"] == "RESTORE-FAILED"
    assert received["COPY_JOB_FAILED"]["copyJobId"] == "COPY-FAILED"
    # and the bus every change, all from strongroom.backup
    events = wiring.events()
    assert {event["source"] for event in events} == {"strongroom.backup"}
    assert Counter(event["detail-type"] for event in events) == {
        "Backup Job State Change": 3,
        "Restore Job State Change": 3,
        "Copy Job State Change": 3,
        "Recovery Point State Change": 1,
        "Backup Plan State Change": 1,
    }


def test_given_a_vault_subscribed_to_point_and_plan_changes_when_a_plan_is_made_and_a_point_changed_then_both_arrive(
    wiring, sink
) -> None:
    from lambdas.services import backup_service, plan_service, recovery_point_service, vault_service
    from lambdas.services.tracking_service import track_jobs
    from tests.fakes import make_world

    # Given the services over a vault subscribed to RECOVERY_POINT_MODIFIED and BACKUP_PLAN_CREATED
    world = make_world()
    ctx = replace(world.ctx, events=sink)
    vault_service.create_vault(ctx, {"BackupVaultName": "main"}, T0)
    subscription = {
        "SNSTopicArn": wiring.topic_arn,
        "BackupVaultEvents": ["RECOVERY_POINT_MODIFIED", "BACKUP_PLAN_CREATED"],
    }
    vault_service.put_notifications(ctx, "main", subscription)
    backup = {"BackupVaultName": "main", "ResourceArn": world.ebs.add_volume(1), "IamRoleArn": ROLE}
    job = backup_service.start_backup_job(ctx, {**backup, "Lifecycle": {"DeleteAfterDays": 35}}, T0)
    track_jobs(ctx, T0 + timedelta(minutes=5))
    assert job.RecoveryPointArn
    wiring.events()  # the backup job's own events are not this test's

    # When a plan targeting the vault is created and the point's lifecycle is changed
    rules = [{"RuleName": "daily", "TargetBackupVaultName": "main"}]
    created = plan_service.create_plan(ctx, {"BackupPlan": {"BackupPlanName": "daily", "Rules": rules}}, NOW)
    point_request = {"BackupVaultName": "main", "RecoveryPointArn": job.RecoveryPointArn}
    recovery_point_service.update_lifecycle(ctx, {**point_request, "Lifecycle": {"DeleteAfterDays": 90}}, NOW)

    # Then the topic gets both notifications
    notified = {n["MessageAttributes"]["EventType"]["Value"]: json.loads(n["Message"]) for n in wiring.notifications()}
    assert sorted(notified) == ["BACKUP_PLAN_CREATED", "RECOVERY_POINT_MODIFIED"]
    assert notified["BACKUP_PLAN_CREATED"]["detail"]["backupPlanId"] == created.BackupPlanId
    assert notified["RECOVERY_POINT_MODIFIED"]["detail"]["lifecycle"] == {"deleteAfterDays": 90}
    # and the bus AWS Backup's two events
    by_type = {event["detail-type"]: event for event in wiring.events()}
    assert sorted(by_type) == ["Backup Plan State Change", "Recovery Point State Change"]
    assert {event["source"] for event in by_type.values()} == {"strongroom.backup"}
    plan_event = by_type["Backup Plan State Change"]
    assert plan_event["resources"] == [created.BackupPlanArn]
    assert plan_event["detail"]["state"] == "CREATED"
    assert plan_event["detail"]["versionId"] == created.VersionId
    point_event = by_type["Recovery Point State Change"]
    assert point_event["resources"] == [job.RecoveryPointArn]
    assert point_event["detail"]["status"] == "COMPLETED"
    assert point_event["detail"]["storageClass"] == "WARM"
    assert point_event["detail"]["calculatedLifeCycle"]["deleteAt"] == (T0 + timedelta(days=90)).isoformat()


def test_given_s3_objects_a_restore_could_not_restore_when_published_then_the_topic_gets_one_message_each(
    wiring, sink
) -> None:
    from lambdas.resources.base import ObjectFailure

    subscribed = vault("main", topic_arn=wiring.topic_arn, events=["S3_RESTORE_OBJECT_FAILED"])
    job = restore_job("RESTORE-S3", status=RestoreJobStatus.RUNNING).model_copy(update={"ResourceType": "S3"})

    failures = [ObjectFailure("a.txt", "v1", "NoSuchVersion"), ObjectFailure("b.txt", "v2", "NoSuchVersion")]
    sink.publish_restore_object_failures(job, failures, subscribed)

    messages = [json.loads(n["Message"]) for n in wiring.notifications()]
    assert [m["event"] for m in messages] == ["S3_RESTORE_OBJECT_FAILED"] * 2
    assert sorted(m["detail"]["objectKey"] for m in messages) == ["a.txt", "b.txt"]
    assert wiring.events() == []
