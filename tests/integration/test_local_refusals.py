"""The local runtime refuses what AWS refuses and moto accepts: an event claiming an `aws.` source
(local/strict_events.py), and an EventBridge rule publishing to a topic whose policy does not let it
(local/topic_policy.py, applied by local/emulator_gaps.py). Each test fails if its refusal is removed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from infrastructure import constants
from tests.integration.builders import REGION

FAILED_BACKUP = {
    "Source": constants.EVENT_SOURCE,
    "DetailType": constants.BACKUP_JOB_DETAIL_TYPE,
    "Detail": json.dumps({"backupJobId": "JOB-1", "state": "FAILED"}),
}


def _queue(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(json.loads(m["Body"])["Message"]) for m in messages]


def test_given_strict_eventbridge_when_an_entry_claims_an_aws_source_then_that_entry_alone_is_refused() -> None:
    from local import strict_events

    events = boto3.client("events", region_name=REGION)
    claims_aws = {**FAILED_BACKUP, "Source": "aws.backup"}
    # Given moto on its own takes an `aws.` source (this is the gap)
    assert events.put_events(Entries=[claims_aws])["FailedEntryCount"] == 0

    undo = strict_events.PATCHES.apply()
    try:
        # When Strongroom's source and an `aws.` one are put in one call
        answer = events.put_events(Entries=[claims_aws, FAILED_BACKUP])
    finally:
        undo()

    # Then the `aws.` entry is refused as EventBridge refuses it, and the other goes through
    assert answer["FailedEntryCount"] == 1
    refused, accepted = answer["Entries"]
    assert refused["ErrorCode"] == "NotAuthorizedForSourceException" and "EventId" not in refused
    assert "EventId" in accepted and "ErrorCode" not in accepted


@dataclass(frozen=True)
class LocalAlerts:
    events: Any
    sns: Any
    sqs: Any
    topic_arn: str
    inbox: str

    def alerts(self) -> list[dict[str, Any]]:
        return _drain(self.sqs, self.inbox)


@pytest.fixture
def local_alerts() -> Iterator[LocalAlerts]:
    """The local bootstrap's bus, failure rules and alerts topic, with the emulator gaps (and refusals) installed,
    and a queue subscribed to the topic to see what reaches a person."""
    from local import patch_sets
    from local.bootstrap import EVENT_BUS, bootstrap

    undo = patch_sets.runtime().apply()
    try:
        deployment = bootstrap(boto3.session.Session(region_name=REGION), REGION)
        sqs, sns = boto3.client("sqs", region_name=REGION), boto3.client("sns", region_name=REGION)
        inbox, inbox_arn = _queue(sqs, "alerts-inbox")
        sns.subscribe(TopicArn=deployment.alert_topic_arn, Protocol="sqs", Endpoint=inbox_arn)
        assert deployment.event_bus_name == EVENT_BUS
        yield LocalAlerts(boto3.client("events", region_name=REGION), sns, sqs, deployment.alert_topic_arn, inbox)
    finally:
        undo()


def test_given_the_bootstrapped_topic_policy_when_a_backup_job_fails_then_the_alert_arrives(local_alerts) -> None:
    answer = local_alerts.events.put_events(Entries=[{**FAILED_BACKUP, "EventBusName": "strongroom"}])

    assert answer["FailedEntryCount"] == 0
    [alert] = local_alerts.alerts()
    assert (alert["source"], alert["detail"]["state"]) == ("strongroom.backup", "FAILED")


def test_given_a_topic_policy_that_does_not_let_eventbridge_publish_then_the_failure_rule_delivers_nothing(
    local_alerts,
) -> None:
    # Given the alerts topic back on a new topic's default policy (its account's principals, no service)
    local_alerts.sns.set_topic_attributes(
        TopicArn=local_alerts.topic_arn,
        AttributeName="Policy",
        AttributeValue=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "*"},
                        "Action": "SNS:Publish",
                        "Resource": local_alerts.topic_arn,
                        "Condition": {"StringEquals": {"AWS:SourceOwner": "123456789012"}},
                    }
                ],
            }
        ),
    )

    # When a backup job fails
    local_alerts.events.put_events(Entries=[{**FAILED_BACKUP, "EventBusName": "strongroom"}])

    # Then, as on AWS, the rule cannot publish and no alert arrives
    assert local_alerts.alerts() == []


def test_given_a_rule_the_topic_policy_does_not_name_then_its_events_do_not_reach_the_topic(local_alerts) -> None:
    # Given a user's own rule on the bus, targeting the alerts topic (the policy names the stack's rules only)
    pattern = {"source": [constants.EVENT_SOURCE], "detail-type": ["Copy Job State Change"]}
    local_alerts.events.put_rule(Name="my-copies", EventBusName="strongroom", EventPattern=json.dumps(pattern))
    local_alerts.events.put_targets(
        Rule="my-copies", EventBusName="strongroom", Targets=[{"Id": "t", "Arn": local_alerts.topic_arn}]
    )

    # When a copy job changes state
    copy = {**FAILED_BACKUP, "DetailType": "Copy Job State Change", "EventBusName": "strongroom"}
    local_alerts.events.put_events(Entries=[copy])

    # Then nothing is delivered
    assert local_alerts.alerts() == []
