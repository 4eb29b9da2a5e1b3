"""One EventBridge Scheduler schedule per plan rule, whose target is the start_backups function."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import ClientError

from lambdas.domain.plans import BackupPlan, BackupRule

SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
MAX_FLEXIBLE_WINDOW_MINUTES = 1440
# Every plan rule's schedule is named with this prefix; the reconciler leaves other schedules of the group alone.
RULE_SCHEDULE_PREFIX = "rule-"


def schedule_name(rule_id: str) -> str:
    # Rule ids are unique across plans, and a name must stay within Scheduler's 64 characters.
    return f"{RULE_SCHEDULE_PREFIX}{rule_id}"


def flexible_window_minutes(rule: BackupRule) -> int:
    # Firing somewhere in the first quarter of the start window spreads load across rules that share a cron
    # and leaves three quarters of the window for the start retries AWS Backup promises.
    return max(1, min(rule.StartWindowMinutes // 4, MAX_FLEXIBLE_WINDOW_MINUTES))


class PlanScheduler(Protocol):
    def sync(self, plan: BackupPlan, previous: BackupPlan | None) -> None: ...

    def remove(self, plan: BackupPlan) -> None: ...


@dataclass(frozen=True)
class SchedulerTarget:
    group: str
    function_arn: str
    role_arn: str


def schedule_request(target: SchedulerTarget, plan: BackupPlan, rule: BackupRule) -> dict[str, Any]:
    """The CreateSchedule/UpdateSchedule request of one rule: what its schedule must be, and nothing else."""
    return {
        "Name": schedule_name(rule.RuleId),
        "GroupName": target.group,
        "ScheduleExpression": rule.ScheduleExpression,
        "ScheduleExpressionTimezone": rule.ScheduleExpressionTimezone,
        "FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": flexible_window_minutes(rule)},
        "Description": f"Strongroom plan {plan.BackupPlanName} rule {rule.RuleName}",
        "State": "ENABLED",
        "Target": {
            "Arn": target.function_arn,
            "RoleArn": target.role_arn,
            "Input": json.dumps(
                {"plan_id": plan.BackupPlanId, "rule_id": rule.RuleId, "scheduled_time": SCHEDULED_TIME}
            ),
            "RetryPolicy": {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 10},
        },
    }


def put_schedule(client: Any, request: dict[str, Any]) -> None:
    """The schedule as `request` says, whether or not it exists yet."""
    try:
        client.create_schedule(**request)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConflictException":
            raise
        client.update_schedule(**request)


def delete_schedule(client: Any, name: str, group: str) -> None:
    """Gone, whether or not it was there."""
    try:
        client.delete_schedule(Name=name, GroupName=group)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFoundException":
            raise


class EventBridgePlanScheduler:
    def __init__(self, scheduler: Callable[[], Any], target: SchedulerTarget) -> None:
        self._scheduler = scheduler
        self._target = target

    def _request(self, plan: BackupPlan, rule: BackupRule) -> dict[str, Any]:
        return schedule_request(self._target, plan, rule)

    def sync(self, plan: BackupPlan, previous: BackupPlan | None) -> None:
        client = self._scheduler()
        for rule in plan.Rules:
            put_schedule(client, self._request(plan, rule))
        kept = {rule.RuleId for rule in plan.Rules}
        for rule in previous.Rules if previous else []:
            if rule.RuleId not in kept:
                self._delete(rule.RuleId)

    def remove(self, plan: BackupPlan) -> None:
        for rule in plan.Rules:
            self._delete(rule.RuleId)

    def _delete(self, rule_id: str) -> None:
        delete_schedule(self._scheduler(), schedule_name(rule_id), self._target.group)
