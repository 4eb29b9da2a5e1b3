"""Compliance is evaluated minutes after a change, once per burst of changes: one one-time schedule, named so a
second request while it is pending is a no-op, deleted by Scheduler once it has fired."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError

from lambdas.services.audit_trigger import EVALUATION_SCHEDULE, ScheduledEvaluationTrigger
from lambdas.services.plan_scheduler import SchedulerTarget
from tests.fakes import T0

TARGET = SchedulerTarget("strongroom-plans", "arn:aws:lambda:us-east-1:123456789012:function:audit", "arn:role")


def _error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "CreateSchedule")


class FakeScheduler:
    """EventBridge Scheduler's answers for one group: a name is taken while its schedule exists."""

    def __init__(self, refuse: str | None = None) -> None:
        self.schedules: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []
        self.refuse = refuse

    def create_schedule(self, **request: Any) -> dict[str, Any]:
        self.calls.append("create")
        if self.refuse:
            raise _error(self.refuse)
        if request["Name"] in self.schedules:
            raise _error("ConflictException")
        self.schedules[request["Name"]] = request
        return {}

    def get_schedule(self, Name: str, GroupName: str) -> dict[str, Any]:
        self.calls.append("get")
        return self.schedules[Name]

    def update_schedule(self, **request: Any) -> dict[str, Any]:
        self.calls.append("update")
        self.schedules[request["Name"]] = request
        return {}


def trigger(scheduler: FakeScheduler, frameworks: list[str]) -> ScheduledEvaluationTrigger:
    return ScheduledEvaluationTrigger(lambda: scheduler, TARGET, lambda: bool(frameworks))


def test_a_change_asks_for_one_evaluation_five_minutes_later_that_scheduler_deletes_after_it_ran() -> None:
    # Given a framework
    scheduler = FakeScheduler()
    # When a change is made
    trigger(scheduler, ["f"]).changed(T0)
    # Then one one-time schedule invokes AuditEvaluate five minutes later, as the scheduler role, and then goes
    request = scheduler.schedules[EVALUATION_SCHEDULE]
    assert request["ScheduleExpression"] == f"at({(T0 + timedelta(minutes=5)):%Y-%m-%dT%H:%M:%S})"
    assert request["ScheduleExpressionTimezone"] == "UTC"
    assert request["ActionAfterCompletion"] == "DELETE"
    assert request["GroupName"] == TARGET.group
    assert (request["Target"]["Arn"], request["Target"]["RoleArn"]) == (TARGET.function_arn, TARGET.role_arn)
    assert json.loads(request["Target"]["Input"]) == {"scheduled_time": "<aws.scheduler.scheduled-time>"}


def test_a_burst_of_changes_costs_one_call_and_makes_one_evaluation() -> None:
    # Given a container that asked for an evaluation
    scheduler = FakeScheduler()
    asking = trigger(scheduler, ["f"])
    asking.changed(T0)
    # When a thousand more changes follow within the five minutes
    for second in range(1000):
        asking.changed(T0 + timedelta(seconds=second % 290))
    # Then nothing more was asked
    assert scheduler.calls == ["create"]
    # And after the evaluation ran (Scheduler deleted it), the next change asks again
    del scheduler.schedules[EVALUATION_SCHEDULE]
    asking.changed(T0 + timedelta(minutes=6))
    assert scheduler.calls == ["create", "create"]


def test_another_container_leaves_a_pending_request_alone_but_moves_a_stale_one() -> None:
    # Given one container's request pending
    scheduler = FakeScheduler()
    trigger(scheduler, ["f"]).changed(T0)
    pending = scheduler.schedules[EVALUATION_SCHEDULE]["ScheduleExpression"]
    # When another container's change comes a minute later
    trigger(scheduler, ["f"]).changed(T0 + timedelta(minutes=1))
    # Then the pending evaluation stays as it was: it will see that change too
    assert scheduler.calls == ["create", "create", "get"]
    assert scheduler.schedules[EVALUATION_SCHEDULE]["ScheduleExpression"] == pending
    # When a change comes long after that request should have run (it never fired, or was never deleted)
    later = T0 + timedelta(hours=1)
    trigger(scheduler, ["f"]).changed(later)
    # Then the request is moved to five minutes from now, so the change is not lost
    assert scheduler.calls[-1] == "update"
    assert scheduler.schedules[EVALUATION_SCHEDULE]["ScheduleExpression"] == (
        f"at({(later + timedelta(minutes=5)):%Y-%m-%dT%H:%M:%S})"
    )


def test_with_no_framework_nothing_is_asked_until_a_framework_is_created() -> None:
    # Given no framework
    scheduler = FakeScheduler()
    frameworks: list[str] = []
    asking = trigger(scheduler, frameworks)
    # When changes are made
    asking.changed(T0)
    asking.changed(T0 + timedelta(minutes=1))
    # Then nothing is scheduled
    assert scheduler.schedules == {}
    # When a framework is created (in this container or another)
    frameworks.append("f")
    trigger(scheduler, frameworks).framework_changed(T0 + timedelta(minutes=2))
    # Then its first evaluation is asked for at once
    assert EVALUATION_SCHEDULE in scheduler.schedules


def test_a_refused_request_never_fails_the_change_that_asked() -> None:
    # Given a scheduler that refuses (a missing permission, a throttle)
    scheduler = FakeScheduler(refuse="AccessDeniedException")
    asking = trigger(scheduler, ["f"])
    # When a change asks, then nothing is raised: the hourly evaluation will see the change
    asking.changed(T0)
    # And the next change asks again instead of believing the first one was made
    asking.changed(T0 + timedelta(seconds=1))
    assert scheduler.calls == ["create", "create"]
