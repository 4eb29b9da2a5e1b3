"""The fan-out in the stack: a queue between StartBackups and StartBackupBatch, with a dead-letter queue, partial
batch failures, bounded concurrency and an alarm on dead letters; the local runtime declares the same."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infrastructure import constants
from local.bootstrap import Deployment, bootstrap
from tests.infrastructure import reading

SPEC = constants.BACKUP_BATCH_QUEUE


def _queue(template: dict[str, Any], name: str) -> tuple[str, dict[str, Any]]:
    return next(
        (logical_id, resource["Properties"])
        for logical_id, resource in reading.resources(template, "AWS::SQS::Queue").items()
        if resource["Properties"].get("QueueName") == name
    )


def test_the_batch_queue_hands_failures_to_a_dead_letter_queue_after_some_deliveries(template: dict[str, Any]) -> None:
    dead_id, dead = _queue(template, SPEC.dead_letter_name)
    _, queue = _queue(template, SPEC.name)
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dead_id, "Arn"]},
        "maxReceiveCount": SPEC.max_receive_count,
    }
    # A message is hidden for longer than the worker may run, so it is not delivered twice at once, and comes back
    # well inside the shortest start window (60 minutes) when it failed
    assert constants.START_BACKUP_BATCH.timeout_seconds <= queue["VisibilityTimeout"] <= 15 * 60
    assert queue["SqsManagedSseEnabled"] is True and dead["SqsManagedSseEnabled"] is True


def test_the_worker_reads_the_queue_reporting_partial_failures_with_bounded_concurrency(
    template: dict[str, Any],
) -> None:
    queue_id, _ = _queue(template, SPEC.name)
    (mapping,) = (r["Properties"] for r in reading.resources(template, "AWS::Lambda::EventSourceMapping").values())
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert mapping["FunctionName"] == {"Ref": reading.function_id(template, constants.START_BACKUP_BATCH)}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BatchSize"] == SPEC.batch_size
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": SPEC.max_concurrency}


def test_start_backups_is_told_the_queue_and_may_send_to_it(template: dict[str, Any]) -> None:
    queue_id, _ = _queue(template, SPEC.name)
    _, function = reading.function(template, constants.START_BACKUPS)
    assert function["Environment"]["Variables"][constants.ENV_BACKUP_BATCH_QUEUE_URL] == {"Ref": queue_id}
    policies = [
        r["Properties"]
        for r in reading.resources(template, "AWS::IAM::Policy").values()
        if {"Ref": reading.role_id(template, constants.START_BACKUPS)} in r["Properties"]["Roles"]
    ]
    sends = [
        statement
        for policy in policies
        for statement in policy["PolicyDocument"]["Statement"]
        if "sqs:SendMessage"
        in (statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])
    ]
    assert sends and all(statement["Resource"] == {"Fn::GetAtt": [queue_id, "Arn"]} for statement in sends)


def test_a_message_in_the_dead_letter_queue_raises_an_alarm(template: dict[str, Any]) -> None:
    dead_id, _ = _queue(template, SPEC.dead_letter_name)
    alarms = [
        r["Properties"]
        for r in reading.resources(template, "AWS::CloudWatch::Alarm").values()
        if r["Properties"].get("Namespace") == "AWS/SQS"
    ]
    (alarm,) = alarms
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dead_id, "QueueName"]}}]
    assert alarm["AlarmActions"]


@pytest.fixture(scope="module")
def local() -> Iterator[tuple[Deployment, boto3.session.Session]]:
    with mock_aws():
        session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
        yield bootstrap(session, "us-east-1"), session


def test_the_local_runtime_declares_the_same_queue_and_mapping(local: Any, template: dict[str, Any]) -> None:
    deployment, session = local
    sqs = session.client("sqs")
    url = sqs.get_queue_url(QueueName=SPEC.name)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    _, queue = _queue(template, SPEC.name)
    assert int(attributes["VisibilityTimeout"]) == queue["VisibilityTimeout"]
    assert json.loads(attributes["RedrivePolicy"])["maxReceiveCount"] == queue["RedrivePolicy"]["maxReceiveCount"]
    assert deployment.function_environments[constants.START_BACKUPS.key][constants.ENV_BACKUP_BATCH_QUEUE_URL] == url
    (mapping,) = session.client("lambda").list_event_source_mappings()["EventSourceMappings"]
    (stack_mapping,) = (
        r["Properties"] for r in reading.resources(template, "AWS::Lambda::EventSourceMapping").values()
    )
    assert mapping["FunctionArn"] == deployment.function_arns[constants.START_BACKUP_BATCH.key]
    assert mapping["BatchSize"] == stack_mapping["BatchSize"]
    assert mapping["FunctionResponseTypes"] == stack_mapping["FunctionResponseTypes"]
