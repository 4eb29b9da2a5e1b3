"""Monitoring: job events on the bus, failures to the alerts topic, alarms on errors."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Template

from infrastructure import constants, names
from infrastructure.constructs.monitoring import Monitoring, alert_emails_from
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
    # (and a restore test whose copy failed its validation or could not be deleted: docs/restore-testing.md)
    patterns = sorted((rule["EventPattern"] for rule in rules), key=lambda p: (p["detail-type"], sorted(p["detail"])))
    restore = {"source": [constants.EVENT_SOURCE], "detail-type": ["Restore Job State Change"]}
    assert patterns == [
        {"source": [constants.EVENT_SOURCE], "detail-type": ["Backup Job State Change"], "detail": {"state": FAILED}},
        {**restore, "detail": {"deletionStatus": ["FAILED"]}},
        {**restore, "detail": {"status": ["FAILED", "ABORTED"]}},
        {**restore, "detail": {"validationStatus": ["FAILED", "TIMED_OUT"]}},
    ]
    # Then the event goes to the alerts topic
    for rule in rules:
        assert [target["Arn"] for target in rule["Targets"]] == [{"Ref": _topic_id(template)}]


def _topic_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    (policy,) = reading.resources(template, "AWS::SNS::TopicPolicy").values()
    assert policy["Properties"]["Topics"] == [{"Ref": _topic_id(template)}]
    return list(policy["Properties"]["PolicyDocument"]["Statement"])


def _allowed(template: dict[str, Any], service: str) -> list[dict[str, Any]]:
    return [
        s for s in _topic_statements(template) if s["Effect"] == "Allow" and s.get("Principal") == {"Service": service}
    ]


def test_the_failure_rules_may_publish_to_the_alerts_topic_each_for_itself_from_this_account(
    template: dict[str, Any],
) -> None:
    # Given the topic policy's grant to EventBridge
    (statement,) = _allowed(template, "events.amazonaws.com")
    assert statement["Action"] == "sns:Publish"
    assert statement["Resource"] == {"Ref": _topic_id(template)}
    # Then it names exactly the stack's failure rules, from the stack's account (no confused deputy)
    rules = sorted((reading.arn_of(rule_id) for rule_id in reading.resources(template, "AWS::Events::Rule")), key=str)
    conditions = statement["Condition"]
    assert conditions["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert sorted(conditions["ArnEquals"]["aws:SourceArn"], key=str) == sorted(rules, key=str)


def test_every_alarm_may_publish_to_the_alerts_topic_and_no_other(template: dict[str, Any]) -> None:
    # Given the topic policy's grant to CloudWatch (alarms cannot alert without one)
    (statement,) = _allowed(template, "cloudwatch.amazonaws.com")
    alarms = reading.resources(template, "AWS::CloudWatch::Alarm")
    # Then it names every alarm of the stack, and only those, from the stack's account
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert sorted(statement["Condition"]["ArnEquals"]["aws:SourceArn"], key=str) == sorted(
        (reading.arn_of(alarm_id) for alarm_id in alarms), key=str
    )
    # And every alarm alerts the topic
    assert all(alarm["Properties"]["AlarmActions"] == [{"Ref": _topic_id(template)}] for alarm in alarms.values())


def test_no_service_may_publish_to_the_alerts_topic_without_conditions(template: dict[str, Any]) -> None:
    # An unconditioned service grant lets any account's rules or alarms publish (CDK's SnsTopic target adds one)
    for statement in _topic_statements(template):
        if statement["Effect"] == "Allow":
            assert "Service" in statement["Principal"] and statement.get("Condition"), statement


def test_events_and_notifications_that_could_not_be_delivered_alarm_to_the_topic(template: dict[str, Any]) -> None:
    alarms = [a["Properties"] for a in reading.resources(template, "AWS::CloudWatch::Alarm").values()]
    for metric in (constants.EVENTS_NOT_DELIVERED_METRIC, constants.VAULT_NOTIFICATIONS_NOT_DELIVERED_METRIC):
        (alarm,) = [a for a in alarms if a["MetricName"] == metric]
        # The metric the functions emit with Powertools: the namespace and its `service` dimension
        assert alarm["Namespace"] == constants.METRICS_NAMESPACE
        assert alarm["Dimensions"] == [{"Name": "service", "Value": constants.SERVICE_NAME}]
        assert alarm["AlarmActions"] == [{"Ref": _topic_id(template)}]


def test_the_alerts_topic_arn_is_a_stack_output(template: dict[str, Any]) -> None:
    assert template["Outputs"][names.ALERTS_TOPIC_OUTPUT]["Value"] == {"Ref": _topic_id(template)}


def test_without_alert_email_no_one_is_subscribed(template: dict[str, Any]) -> None:
    assert reading.resources(template, "AWS::SNS::Subscription") == {}


def test_alert_email_subscribes_each_address_to_the_alerts_topic() -> None:
    # Given `-c alert_email=ops@example.com,oncall@example.com` (the Monitoring construct alone: a quick synth)
    stack = Stack(App(), "AlertEmail")
    emails = alert_emails_from("ops@example.com, oncall@example.com")
    monitoring = Monitoring(stack, "Monitoring", alert_emails=emails)

    subscriptions = Template.from_stack(stack).find_resources("AWS::SNS::Subscription")

    topic = stack.resolve(monitoring.alerts_topic.topic_arn)
    assert sorted((s["Properties"]["Endpoint"], s["Properties"]["Protocol"]) for s in subscriptions.values()) == [
        ("oncall@example.com", "email"),
        ("ops@example.com", "email"),
    ]
    assert all(s["Properties"]["TopicArn"] == topic for s in subscriptions.values())


@pytest.mark.parametrize("value", ["ops", "ops@example", "a@b.c d@e.f", "ops@@example.com"])
def test_alert_email_refuses_what_is_not_an_address(value: str) -> None:
    with pytest.raises(ValueError, match="alert_email"):
        alert_emails_from(value)


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
