"""Job state changes reach EventBridge (observed through a rule that forwards to SQS) and, for the events a
vault subscribed to, the vault's SNS topic (observed through an SQS subscription)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
import pytest

from lambdas.domain.jobs import BackupJobState, RestoreJobStatus
from tests.integration.builders import ACCOUNT, REGION, T0, VOLUME, backup_job, restore_job, vault

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
def wiring() -> Wiring:
    sqs = boto3.client("sqs", region_name=REGION)
    events = boto3.client("events", region_name=REGION)
    sns = boto3.client("sns", region_name=REGION)
    events_url, events_arn = _queue(sqs, "bus-events")
    events.create_event_bus(Name=BUS)
    events.put_rule(Name="all-backup-events", EventBusName=BUS, EventPattern=json.dumps({"source": ["aws.backup"]}))
    events.put_targets(Rule="all-backup-events", EventBusName=BUS, Targets=[{"Id": "queue", "Arn": events_arn}])
    notifications_url, notifications_arn = _queue(sqs, "vault-notifications")
    topic_arn = sns.create_topic(Name="vault-main")["TopicArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=notifications_arn)
    return Wiring(sqs, events_url, notifications_url, topic_arn)


@pytest.fixture
def sink() -> Any:
    from lambdas.common import aws
    from lambdas.services.events import AwsEventSink

    return AwsEventSink(lambda: aws.client("events"), lambda: aws.client("sns"), BUS, ACCOUNT, REGION)


def test_given_a_backup_job_state_change_when_published_then_the_bus_carries_an_aws_backup_event(wiring, sink) -> None:
    job = backup_job("JOB-1", state=BackupJobState.COMPLETED, PercentDone="100.0", BackupSizeInBytes=8)

    sink.publish_backup_job(job, None, NOW)

    [event] = wiring.events()
    assert event["detail-type"] == "Backup Job State Change"
    assert event["source"] == "aws.backup"
    assert event["time"] == "2024-06-01T05:30:00Z"
    assert event["resources"] == [job.BackupVaultArn, VOLUME]
    assert event["detail"]["state"] == "COMPLETED"
    assert event["detail"]["backupJobId"] == "JOB-1"
    assert event["detail"]["resourceArn"] == VOLUME
    assert event["detail"]["backupSizeInBytes"] == 8
    assert event["detail"]["correlationId"] == "corr-JOB-1"


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
    assert event["source"] == "aws.backup"
    assert event["detail"]["status"] == "COMPLETED"
    assert event["detail"]["restoreJobId"] == "RESTORE-1"
    [notification] = wiring.notifications()
    assert json.loads(notification["Message"])["event"] == "RESTORE_JOB_SUCCESSFUL"
