"""The stack reconciles plan schedules with the catalog on deploy (a custom resource served by the
ReconcileSchedules function itself) and every hour (a fixed schedule), with a role that may touch only the
plan group and pass only the scheduler role."""

from __future__ import annotations

import json
from typing import Any

from infrastructure import constants
from infrastructure.constructs.scheduling import RECONCILE_ON_DEPLOY_TYPE
from tests.infrastructure import reading


def test_a_new_stack_runs_the_reconcile_as_cloudformation_creates_it(template: dict[str, Any]) -> None:
    # Given the stack's custom resources
    hooks = reading.resources(template, RECONCILE_ON_DEPLOY_TYPE)
    # Then one is served by ReconcileSchedules (no provider framework: the function answers CloudFormation)
    ((_, hook),) = hooks.items()
    function_id = reading.function_id(template, constants.RECONCILE_SCHEDULES)
    assert hook["Properties"]["ServiceToken"] == reading.arn_of(function_id)
    # And it is created with the plan group it fills (the function is told the same group)
    (group_id,) = reading.resources(template, "AWS::Scheduler::ScheduleGroup")
    assert hook["Properties"]["PlanScheduleGroup"] == {"Ref": group_id}
    _, function = reading.function(template, constants.RECONCILE_SCHEDULES)
    assert function["Environment"]["Variables"][constants.ENV_PLAN_SCHEDULE_GROUP] == {"Ref": group_id}


def test_the_reconcile_runs_every_hour(template: dict[str, Any]) -> None:
    function_id = reading.function_id(template, constants.RECONCILE_SCHEDULES)
    (schedule,) = [
        s["Properties"]
        for s in reading.resources(template, "AWS::Scheduler::Schedule").values()
        if s["Properties"]["Target"]["Arn"] == reading.arn_of(function_id)
    ]
    assert schedule["ScheduleExpression"] == "rate(1 hour)"
    assert "scheduled_time" in json.loads(schedule["Target"]["Input"])


def test_the_reconcile_role_manages_only_the_plan_group_and_passes_only_the_scheduler_role(
    template: dict[str, Any],
) -> None:
    # Given the ReconcileSchedules role's statements beyond the catalog table, logs and traces
    statements = {
        s["Sid"]: s
        for s in reading.statements_of_role(template, reading.role_id(template, constants.RECONCILE_SCHEDULES))
        if "Sid" in s
    }
    (group_id,) = reading.resources(template, "AWS::Scheduler::ScheduleGroup")
    # Then it manages schedules in the plan group only...
    schedules = statements["ReconcilePlanRuleSchedules"]
    assert reading.mentions(schedules["Resource"], group_id)
    assert ":schedule/" in json.dumps(schedules["Resource"])
    # ...may read and create that group only...
    group = statements["RecreatePlanScheduleGroup"]
    assert set(group["Action"]) == {"scheduler:GetScheduleGroup", "scheduler:CreateScheduleGroup"}
    assert reading.mentions(group["Resource"], group_id) and ":schedule-group/" in json.dumps(group["Resource"])
    # ...and passes the scheduler role, to Scheduler only
    passing = statements["PassSchedulerRoleToScheduler"]
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}
    scheduler_role = [
        role_id
        for role_id, role in reading.resources(template, "AWS::IAM::Role").items()
        if role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
        == {"Service": "scheduler.amazonaws.com"}
    ]
    assert [passing["Resource"]] == [reading.arn_of(role_id) for role_id in scheduler_role]
    # And it neither publishes events nor touches recovery points' data
    assert not any(a.startswith(("events:", "sns:", "s3:")) for a in reading.actions(list(statements.values())))
