"""Compliance evaluated soon after a change that can move it, not only at the next hourly run.

A plan, a selection, a vault lock, a framework or a recovery point changing asks for an evaluation in
EVALUATION_DELAY. The request is one EventBridge Scheduler schedule with a fixed name, `at()` that moment, deleted
by Scheduler once it has fired (ActionAfterCompletion DELETE): while one is pending, the name is taken, so a burst
of changes (a thousand backups completing in one tracking run) makes one evaluation, not a thousand. A warm
function also remembers the moment it asked for, so the burst costs it one call.

Asking never fails the change that asked: the hourly evaluation is still there, so a refused request is logged and
counted (EvaluationRequestsFailed), not raised. With no framework there is nothing to evaluate and nothing is asked.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import ClientError

from lambdas.common.observability import logger, metrics
from lambdas.services.plan_scheduler import SCHEDULED_TIME, SchedulerTarget

EVALUATION_SCHEDULE = "audit-evaluate-soon"
# Long enough for a burst of changes to land in one evaluation; short enough that a person who fixes a
# NON_COMPLIANT resource sees it within minutes. AWS Backup itself publishes its events about every 5 minutes.
EVALUATION_DELAY = timedelta(minutes=5)
# A pending request whose moment is this far gone has not fired (Scheduler was down, its deletion failed): move it.
STALE_AFTER = timedelta(minutes=15)
FAILED_METRIC = "EvaluationRequestsFailed"


class EvaluationTrigger(Protocol):
    def changed(self, now: datetime) -> None:
        """Something compliance depends on changed at `now`: evaluate soon, if there is a framework."""

    def framework_changed(self, now: datetime) -> None:
        """A framework was created or changed at `now`: evaluate soon."""


def _at(moment: datetime) -> str:
    return f"at({moment.astimezone(UTC):%Y-%m-%dT%H:%M:%S})"


def _parse_at(expression: str) -> datetime | None:
    if not (expression.startswith("at(") and expression.endswith(")")):
        return None
    try:
        return datetime.fromisoformat(expression[3:-1]).replace(tzinfo=UTC)
    except ValueError:
        return None


def evaluation_request(target: SchedulerTarget, due: datetime) -> dict[str, Any]:
    """The one-time schedule that runs the evaluation at `due` and is then deleted by Scheduler."""
    return {
        "Name": EVALUATION_SCHEDULE,
        "GroupName": target.group,
        "ScheduleExpression": _at(due),
        "ScheduleExpressionTimezone": "UTC",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "ActionAfterCompletion": "DELETE",
        "Description": "Strongroom Audit Manager: evaluate compliance after a change",
        "State": "ENABLED",
        "Target": {
            "Arn": target.function_arn,
            "RoleArn": target.role_arn,
            "Input": json.dumps({"scheduled_time": SCHEDULED_TIME}),
            "RetryPolicy": {"MaximumEventAgeInSeconds": 900, "MaximumRetryAttempts": 3},
        },
    }


class ScheduledEvaluationTrigger:
    def __init__(
        self, scheduler: Callable[[], Any], target: SchedulerTarget, frameworks_exist: Callable[[], bool]
    ) -> None:
        self._scheduler = scheduler
        self._target = target
        self._frameworks_exist = frameworks_exist
        # Until then this container asks nothing: it has asked for an evaluation that runs then (and sees any
        # change made before it), or it found no framework (a framework created meanwhile asks for itself).
        self._quiet_until: datetime | None = None

    def changed(self, now: datetime) -> None:
        if self._quiet_until is not None and now < self._quiet_until:
            return
        self._request(now, check_frameworks=True)

    def framework_changed(self, now: datetime) -> None:
        self._request(now, check_frameworks=False)

    def _request(self, now: datetime, *, check_frameworks: bool) -> None:
        due = (now + EVALUATION_DELAY).replace(microsecond=0)
        try:
            if check_frameworks and not self._frameworks_exist():
                self._quiet_until = due
                return
            self._ask(due, now)
            self._quiet_until = due
        except Exception as error:  # noqa: BLE001 - the change is made; the hourly evaluation will see it
            logger.warning("could not ask for a compliance evaluation", extra={"error": repr(error)})
            metrics.add_metric(name=FAILED_METRIC, unit=MetricUnit.Count, value=1)

    def _ask(self, due: datetime, now: datetime) -> None:
        client = self._scheduler()
        request = evaluation_request(self._target, due)
        try:
            client.create_schedule(**request)
            return
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConflictException":
                raise
        pending = client.get_schedule(Name=EVALUATION_SCHEDULE, GroupName=self._target.group)
        moment = _parse_at(pending.get("ScheduleExpression", ""))
        if moment is None or moment < now - STALE_AFTER:
            client.update_schedule(**request)


def evaluate_soon(trigger: EvaluationTrigger | None, now: datetime) -> None:
    if trigger is not None:
        trigger.changed(now)
