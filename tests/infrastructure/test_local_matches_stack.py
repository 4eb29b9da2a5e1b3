"""The local runtime's bootstrap and the CDK stack declare the same things, so "works locally" says
something about the cloud: functions (handler, environment keys), the table's keys and indexes, the
restore state machine's definition, the fixed schedules (Audit Manager's by name), the failure rules and who may
publish to the alerts topic."""

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

REGION = "us-east-1"


@pytest.fixture(scope="module")
def local() -> Iterator[tuple[Deployment, boto3.session.Session]]:
    with mock_aws():
        session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)
        yield bootstrap(session, REGION), session


def test_every_function_has_the_same_handler_and_environment_keys(local: Any, template: dict[str, Any]) -> None:
    _, session = local
    functions = session.client("lambda").list_functions()["Functions"]
    local_functions = {f["Handler"]: sorted(f["Environment"]["Variables"]) for f in functions}
    stack_functions = {
        props["Handler"]: sorted(props["Environment"]["Variables"])
        for props in (r["Properties"] for r in reading.resources(template, "AWS::Lambda::Function").values())
        if props.get("Handler", "").startswith("lambdas.")
    }
    assert local_functions == stack_functions
    assert len(local_functions) == len(constants.FUNCTIONS)


def test_the_table_has_the_same_keys_and_indexes(local: Any, template: dict[str, Any]) -> None:
    deployment, session = local
    described = session.client("dynamodb").describe_table(TableName=deployment.table_name)["Table"]
    (table,) = (r["Properties"] for r in reading.resources(template, "AWS::DynamoDB::Table").values())

    def indexes(items: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            i["IndexName"]: (
                [(k["AttributeName"], k["KeyType"]) for k in i["KeySchema"]],
                i["Projection"]["ProjectionType"],
            )
            for i in items
        }

    assert described["KeySchema"] == table["KeySchema"]
    assert indexes(described["GlobalSecondaryIndexes"]) == indexes(table["GlobalSecondaryIndexes"])


def test_the_restore_state_machine_runs_the_same_definition(local: Any, template: dict[str, Any]) -> None:
    deployment, session = local
    local_definition = session.client("stepfunctions").describe_state_machine(
        stateMachineArn=deployment.state_machine_arn
    )["definition"]
    (machine,) = (r["Properties"] for r in reading.resources(template, "AWS::StepFunctions::StateMachine").values())
    # Given the stack's definition with each placeholder bound to its function's ARN the local way
    stack_definition = machine["DefinitionString"]
    for placeholder, spec in constants.ASL_SUBSTITUTIONS.items():
        assert machine["DefinitionSubstitutions"][placeholder] == reading.arn_of(reading.function_id(template, spec))
        stack_definition = stack_definition.replace("${" + placeholder + "}", deployment.function_arns[spec.key])
    # Then both run the very same states
    assert json.loads(local_definition) == json.loads(stack_definition)


def test_the_fixed_schedules_are_the_same(local: Any, template: dict[str, Any]) -> None:
    deployment, session = local
    scheduler = session.client("scheduler")
    local_schedules = {}
    for name in constants.FIXED_SCHEDULES:
        schedule = scheduler.get_schedule(Name=name)
        handler = next(
            spec.handler
            for spec in constants.FUNCTIONS
            if deployment.function_arns[spec.key] == schedule["Target"]["Arn"]
        )
        local_schedules[name] = (schedule["ScheduleExpression"], json.loads(schedule["Target"]["Input"]), handler)
    stack_schedules = {}
    for props in (r["Properties"] for r in reading.resources(template, "AWS::Scheduler::Schedule").values()):
        target_id = props["Target"]["Arn"]["Fn::GetAtt"][0]
        handler = template["Resources"][target_id]["Properties"]["Handler"]
        stack_schedules[props["Name"]] = (props["ScheduleExpression"], json.loads(props["Target"]["Input"]), handler)
    assert local_schedules == stack_schedules


def test_the_failure_rules_match_the_same_events(local: Any, template: dict[str, Any]) -> None:
    deployment, session = local
    rules = session.client("events").list_rules(EventBusName=deployment.event_bus_name)["Rules"]

    # Sorted by their canonical JSON: the template orders a pattern's keys its own way.
    def canonical(pattern: Any) -> str:
        return json.dumps(pattern, sort_keys=True)

    local_patterns = sorted((json.loads(r["EventPattern"]) for r in rules), key=canonical)
    stack_patterns = sorted(
        (r["Properties"]["EventPattern"] for r in reading.resources(template, "AWS::Events::Rule").values()),
        key=canonical,
    )
    assert local_patterns == stack_patterns


def test_the_alerts_topic_lets_the_failure_rules_publish_alike(local: Any, template: dict[str, Any]) -> None:
    """Locally, a rule reaches the topic only as its policy allows (local/topic_policy.py): the bootstrap's policy
    must grant what the stack's grants, or the local runtime would alert where AWS stays silent."""
    deployment, session = local
    local_policy = json.loads(
        session.client("sns").get_topic_attributes(TopicArn=deployment.alert_topic_arn)["Attributes"]["Policy"]
    )
    (stack_policy,) = (r["Properties"] for r in reading.resources(template, "AWS::SNS::TopicPolicy").values())

    def grant_to_eventbridge(statements: list[dict[str, Any]]) -> dict[str, Any]:
        (statement,) = [s for s in statements if s.get("Principal") == {"Service": "events.amazonaws.com"}]
        return statement

    local_grant = grant_to_eventbridge(local_policy["Statement"])
    stack_grant = grant_to_eventbridge(stack_policy["PolicyDocument"]["Statement"])
    # The same grant, under the same conditions...
    assert (local_grant["Effect"], local_grant["Action"]) == (stack_grant["Effect"], stack_grant["Action"])
    assert {op: sorted(keys) for op, keys in local_grant["Condition"].items()} == {
        op: sorted(keys) for op, keys in stack_grant["Condition"].items()
    }
    # ...naming the same rules: the failure rules, each by its ARN
    rules = session.client("events").list_rules(EventBusName=deployment.event_bus_name)["Rules"]
    assert sorted(local_grant["Condition"]["ArnEquals"]["aws:SourceArn"]) == sorted(
        r["Arn"] for r in rules if r["Name"] in constants.FAILURE_EVENT_PATTERNS
    )
    assert sorted(map(str, stack_grant["Condition"]["ArnEquals"]["aws:SourceArn"])) == sorted(
        str(reading.arn_of(rule_id)) for rule_id in reading.resources(template, "AWS::Events::Rule")
    )
    assert local_grant["Condition"]["StringEquals"] == {"aws:SourceAccount": deployment.account}


def test_audit_manager_runs_alike_in_both(local: Any, template: dict[str, Any]) -> None:
    # The generic checks above would pass with the audit functions missing from both: name them.
    deployment, session = local
    scheduler = session.client("scheduler")
    for spec, schedule_name in (
        (constants.AUDIT_EVALUATE, "strongroom-audit-evaluate"),
        (constants.AUDIT_REPORTS, "strongroom-audit-reports"),
    ):
        assert scheduler.get_schedule(Name=schedule_name)["Target"]["Arn"] == deployment.function_arns[spec.key]
        stack = [
            r["Properties"]
            for r in reading.resources(template, "AWS::Scheduler::Schedule").values()
            if r["Properties"]["Name"] == schedule_name
        ]
        assert [template["Resources"][s["Target"]["Arn"]["Fn::GetAtt"][0]]["Properties"]["Handler"] for s in stack] == [
            spec.handler
        ]
