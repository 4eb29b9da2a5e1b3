"""Scheduling: the role Scheduler assumes, the plan schedule group, the fixed schedules."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from infrastructure import constants
from tests.infrastructure import reading

SCHEDULED = (
    constants.START_BACKUPS,
    constants.TRACK_JOBS,
    constants.LIFECYCLE,
    constants.RECONCILE_SCHEDULES,
    constants.AUDIT_EVALUATE,
    constants.AUDIT_REPORTS,
    constants.RESTORE_TESTING,
)


def _scheduler_role_id(template: dict[str, Any]) -> str:
    roles = [
        role_id
        for role_id, role in reading.resources(template, "AWS::IAM::Role").items()
        if any(
            s["Principal"] == {"Service": "scheduler.amazonaws.com"}
            for s in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        )
    ]
    assert len(roles) == 1
    return roles[0]


def test_scheduler_role_may_invoke_only_the_scheduled_functions(template: dict[str, Any]) -> None:
    # Given the role EventBridge Scheduler assumes (for fixed schedules and, at run time, plan rules)
    statements = reading.statements_of_role(template, _scheduler_role_id(template))
    # When we list what it may do
    # Then it may only invoke functions...
    assert reading.actions(statements) == {"lambda:InvokeFunction"}
    # ...and only the scheduled functions (SCHEDULED), not the restore tasks, by exact ARN
    resources = [r for s in statements for r in reading.as_list(s["Resource"])]
    expected = [reading.arn_of(reading.function_id(template, spec)) for spec in SCHEDULED]
    assert sorted(map(json.dumps, resources)) == sorted(map(json.dumps, expected))


def test_scheduler_role_trusts_scheduler_for_this_account_only(template: dict[str, Any]) -> None:
    role = reading.resources(template, "AWS::IAM::Role")[_scheduler_role_id(template)]
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


def test_plan_schedule_group_exists_with_the_shared_name(cdk_template: Template) -> None:
    # Plan rules get their schedules in this group at run time.
    cdk_template.resource_properties_count_is(
        "AWS::Scheduler::ScheduleGroup", {"Name": constants.PLAN_SCHEDULE_GROUP}, 1
    )


@pytest.mark.parametrize("name", sorted(constants.FIXED_SCHEDULES))
def test_fixed_schedule_invokes_its_function_with_the_scheduled_time(template: dict[str, Any], name: str) -> None:
    spec, expression = constants.FIXED_SCHEDULES[name]
    # Given a fixed schedule shared with the local scheduler
    schedules = [
        s["Properties"]
        for s in reading.resources(template, "AWS::Scheduler::Schedule").values()
        if s["Properties"]["Name"] == name
    ]
    # Then it exists once, fires on the shared expression, exactly on time
    assert len(schedules) == 1
    schedule = schedules[0]
    assert schedule["ScheduleExpression"] == expression
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    # And it invokes its function through the scheduler role, passing the firing time
    target = schedule["Target"]
    assert target["Arn"] == reading.arn_of(reading.function_id(template, spec))
    assert target["RoleArn"] == reading.arn_of(_scheduler_role_id(template))
    assert json.loads(target["Input"]) == {"scheduled_time": constants.SCHEDULED_TIME_PLACEHOLDER}


def test_only_the_fixed_schedules_are_created_at_deploy_time(template: dict[str, Any]) -> None:
    names = sorted(s["Properties"]["Name"] for s in reading.resources(template, "AWS::Scheduler::Schedule").values())
    assert names == sorted(constants.FIXED_SCHEDULES)
