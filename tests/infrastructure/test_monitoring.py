"""Monitoring: job events on the bus, failures to the alerts topic, alarms on errors."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match, Template

from infrastructure import constants
from tests.infrastructure import reading

FAILED = ["FAILED", "ABORTED", "EXPIRED"]


def _topic_id(template: dict[str, Any]) -> str:
    (topic_id,) = reading.resources(template, "AWS::SNS::Topic")
    return topic_id


def test_job_events_have_their_own_bus(cdk_template: Template) -> None:
    cdk_template.resource_properties_count_is("AWS::Events::EventBus", {"Name": "strongroom"}, 1)


def test_alerts_topic_is_encrypted_with_a_rotating_key(template: dict[str, Any]) -> None:
    topic = reading.resources(template, "AWS::SNS::Topic")[_topic_id(template)]["Properties"]
    key_id = topic["KmsMasterKeyId"]["Fn::GetAtt"][0]
    assert reading.resources(template, "AWS::KMS::Key")[key_id]["Properties"]["EnableKeyRotation"] is True


def test_failed_aborted_and_expired_jobs_alert_the_topic(template: dict[str, Any]) -> None:
    # Given the rules on the Strongroom bus
    (bus_id,) = reading.resources(template, "AWS::Events::EventBus")
    rules = [
        rule["Properties"]
        for rule in reading.resources(template, "AWS::Events::Rule").values()
        if rule["Properties"].get("EventBusName") == {"Ref": bus_id}
    ]
    # When a backup job ends FAILED, ABORTED or EXPIRED, or a restore job FAILED or ABORTED
    # (backup jobs report detail.state, restore jobs detail.status)
    patterns = sorted((rule["EventPattern"] for rule in rules), key=lambda p: p["detail-type"])
    assert patterns == [
        {"source": [constants.EVENT_SOURCE], "detail-type": ["Backup Job State Change"], "detail": {"state": FAILED}},
        {
            "source": [constants.EVENT_SOURCE],
            "detail-type": ["Restore Job State Change"],
            "detail": {"status": ["FAILED", "ABORTED"]},
        },
    ]
    # Then the event goes to the alerts topic
    for rule in rules:
        assert [target["Arn"] for target in rule["Targets"]] == [{"Ref": _topic_id(template)}]


def test_eventbridge_may_publish_to_the_alerts_topic(cdk_template: Template, template: dict[str, Any]) -> None:
    cdk_template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "Topics": [{"Ref": _topic_id(template)}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Action": "sns:Publish", "Principal": {"Service": "events.amazonaws.com"}})]
                )
            },
        },
    )


def test_each_function_errors_and_failed_restores_alarm_to_the_topic(template: dict[str, Any]) -> None:
    alarms = [a["Properties"] for a in reading.resources(template, "AWS::CloudWatch::Alarm").values()]
    topic = {"Ref": _topic_id(template)}
    # Given one alarm per function on Errors
    for spec in constants.FUNCTIONS:
        function_id = reading.function_id(template, spec)
        matching = [
            a
            for a in alarms
            if a["MetricName"] == "Errors"
            and a["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function_id}}]
        ]
        assert len(matching) == 1, spec.key
        assert matching[0]["AlarmActions"] == [topic]
    # And one on the restore state machine's failed executions
    (machine_id,) = reading.resources(template, "AWS::StepFunctions::StateMachine")
    failed = [a for a in alarms if a["MetricName"] == "ExecutionsFailed"]
    assert len(failed) == 1
    assert failed[0]["Dimensions"] == [{"Name": "StateMachineArn", "Value": {"Ref": machine_id}}]
    assert failed[0]["AlarmActions"] == [topic]
