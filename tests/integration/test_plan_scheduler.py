"""Plan rules become EventBridge Scheduler schedules on moto: one per rule, kept in step with the plan's
versions, and all removed with the plan."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from tests.integration.builders import ACCOUNT, REGION, plan, rule

GROUP = "strongroom-plans"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:strongroom-start-backups"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/strongroom-scheduler"


@pytest.fixture
def scheduler_client() -> Any:
    client = boto3.client("scheduler", region_name=REGION)
    client.create_schedule_group(Name=GROUP)
    return client


@pytest.fixture
def scheduler(scheduler_client: Any) -> Any:
    from lambdas.common import aws
    from lambdas.services.plan_scheduler import EventBridgePlanScheduler, SchedulerTarget

    return EventBridgePlanScheduler(lambda: aws.client("scheduler"), SchedulerTarget(GROUP, FUNCTION_ARN, ROLE_ARN))


def schedule_names(client: Any) -> set[str]:
    return {schedule["Name"] for schedule in client.list_schedules(GroupName=GROUP)["Schedules"]}


def two_rule_plan(version: str = "v1", daily_cron: str = "cron(0 5 ? * * *)") -> Any:
    return plan(
        "plan-1",
        version=version,
        rules=[
            rule("r-daily", "daily", daily_cron, ScheduleExpressionTimezone="Europe/Paris", StartWindowMinutes=480),
            rule("r-monthly", "monthly", "cron(0 4 1 * ? *)", StartWindowMinutes=120),
        ],
    )


def test_given_a_new_plan_when_synced_then_each_rule_gets_its_own_schedule(scheduler_client, scheduler) -> None:
    scheduler.sync(two_rule_plan(), None)

    assert schedule_names(scheduler_client) == {"rule-r-daily", "rule-r-monthly"}
    daily = scheduler_client.get_schedule(Name="rule-r-daily", GroupName=GROUP)
    assert daily["ScheduleExpression"] == "cron(0 5 ? * * *)"
    assert daily["ScheduleExpressionTimezone"] == "Europe/Paris"
    assert daily["State"] == "ENABLED"
    assert daily["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 120}
    assert daily["Target"]["Arn"] == FUNCTION_ARN
    assert daily["Target"]["RoleArn"] == ROLE_ARN
    assert json.loads(daily["Target"]["Input"]) == {
        "plan_id": "plan-1",
        "rule_id": "r-daily",
        "scheduled_time": "<aws.scheduler.scheduled-time>",
    }
    monthly = scheduler_client.get_schedule(Name="rule-r-monthly", GroupName=GROUP)
    assert monthly["ScheduleExpression"] == "cron(0 4 1 * ? *)"
    assert monthly["ScheduleExpressionTimezone"] == "Etc/UTC"
    assert monthly["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 30}
    assert json.loads(monthly["Target"]["Input"])["rule_id"] == "r-monthly"


def test_given_a_synced_plan_when_a_rule_is_removed_and_another_changed_then_schedules_follow(
    scheduler_client, scheduler
) -> None:
    first = two_rule_plan("v1")
    scheduler.sync(first, None)
    second = plan(
        "plan-1",
        version="v2",
        rules=[rule("r-daily", "daily", "cron(30 2 ? * * *)", ScheduleExpressionTimezone="Asia/Tokyo")],
    )

    scheduler.sync(second, first)

    assert schedule_names(scheduler_client) == {"rule-r-daily"}
    daily = scheduler_client.get_schedule(Name="rule-r-daily", GroupName=GROUP)
    assert daily["ScheduleExpression"] == "cron(30 2 ? * * *)"
    assert daily["ScheduleExpressionTimezone"] == "Asia/Tokyo"
    with pytest.raises(scheduler_client.exceptions.ResourceNotFoundException):
        scheduler_client.get_schedule(Name="rule-r-monthly", GroupName=GROUP)


def test_given_a_synced_plan_when_synced_again_unchanged_then_nothing_breaks_or_doubles(
    scheduler_client, scheduler
) -> None:
    current = two_rule_plan()
    scheduler.sync(current, None)

    scheduler.sync(current, current)

    assert schedule_names(scheduler_client) == {"rule-r-daily", "rule-r-monthly"}


def test_given_two_plans_when_one_is_removed_then_only_its_schedules_go_and_removing_again_is_fine(
    scheduler_client, scheduler
) -> None:
    doomed = two_rule_plan()
    kept = plan("plan-2", rules=[rule("r-weekly", "weekly", "cron(0 1 ? * SUN *)")])
    scheduler.sync(doomed, None)
    scheduler.sync(kept, None)

    scheduler.remove(doomed)
    scheduler.remove(doomed)

    assert schedule_names(scheduler_client) == {"rule-r-weekly"}
