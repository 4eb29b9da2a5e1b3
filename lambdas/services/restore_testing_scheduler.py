"""One EventBridge Scheduler schedule per restore testing plan, whose target is the RestoreTesting function:
created with the plan, changed with it, removed with it (as a backup plan's rules have theirs)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol

from lambdas.domain.restore_testing.plans import RestoreTestingPlan
from lambdas.services.plan_scheduler import SCHEDULED_TIME, SchedulerTarget, delete_schedule, put_schedule

# The backup plans' reconciler owns the "rule-" schedules of the group and leaves these alone.
SCHEDULE_PREFIX = "restore-testing-"


def schedule_name(plan_name: str) -> str:
    # Plan names are 1-50 characters: with the prefix, within Scheduler's 64.
    return f"{SCHEDULE_PREFIX}{plan_name}"


class RestoreTestScheduler(Protocol):
    def sync(self, plan: RestoreTestingPlan) -> None: ...

    def remove(self, plan_name: str) -> None: ...


def schedule_request(target: SchedulerTarget, plan: RestoreTestingPlan) -> dict[str, Any]:
    return {
        "Name": schedule_name(plan.RestoreTestingPlanName),
        "GroupName": target.group,
        "ScheduleExpression": plan.ScheduleExpression,
        "ScheduleExpressionTimezone": plan.ScheduleExpressionTimezone,
        # A run starts its restores at once; StartWindowHours bounds how late a delivery may still start them.
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Description": f"Strongroom restore testing plan {plan.RestoreTestingPlanName}",
        "State": "ENABLED",
        "Target": {
            "Arn": target.function_arn,
            "RoleArn": target.role_arn,
            "Input": json.dumps({"plan_name": plan.RestoreTestingPlanName, "scheduled_time": SCHEDULED_TIME}),
            "RetryPolicy": {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 10},
        },
    }


class EventBridgeRestoreTestScheduler:
    def __init__(self, scheduler: Callable[[], Any], target: SchedulerTarget) -> None:
        self._scheduler = scheduler
        self._target = target

    def sync(self, plan: RestoreTestingPlan) -> None:
        put_schedule(self._scheduler(), schedule_request(self._target, plan))

    def remove(self, plan_name: str) -> None:
        delete_schedule(self._scheduler(), schedule_name(plan_name), self._target.group)
