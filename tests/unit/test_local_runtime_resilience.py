"""The local runtime's scheduler and queue poller never die of one schedule, one firing or one delivery:
they log, count and go on (issue 12: deleting a plan while the scheduler ticked stopped `serve`)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

from local.clock import VirtualClock
from local.queue_poller import LocalQueuePoller
from local.scheduler import LocalScheduler

START = datetime(2026, 3, 1, tzinfo=UTC)


class _NotFound(Exception):
    pass


class _Exceptions:
    ResourceNotFoundException = _NotFound


class FakeSchedulerApi:
    """EventBridge Scheduler's read calls over a dict; `vanish` names schedules deleted between list and get."""

    exceptions = _Exceptions

    def __init__(self, schedules: dict[str, str], vanish: set[str] | None = None) -> None:
        self.schedules = schedules
        self.vanish = vanish or set()

    def list_schedule_groups(self) -> dict[str, Any]:
        return {"ScheduleGroups": [{"Name": "default"}]}

    def get_paginator(self, _operation: str) -> Any:
        names = list(self.schedules)

        class _Pages:
            def paginate(self, GroupName: str) -> list[dict[str, Any]]:
                return [{"Schedules": [{"Name": name} for name in names]}]

        return _Pages()

    def get_schedule(self, Name: str, GroupName: str) -> dict[str, Any]:
        if Name in self.vanish:
            raise _NotFound(f"Schedule {Name} does not exist.")
        return {
            "Name": Name,
            "GroupName": GroupName,
            "ScheduleExpression": self.schedules[Name],
            "Target": {"Arn": f"arn:aws:lambda:us-east-1:123456789012:function:{Name}", "Input": "{}"},
        }


class FakeLambdaApi:
    def __init__(self, broken: set[str] | None = None) -> None:
        self.broken = broken or set()
        self.invoked: list[str] = []

    def invoke(self, FunctionName: str, Payload: bytes) -> dict[str, Any]:
        name = FunctionName.rsplit(":", 1)[-1]
        if name in self.broken:
            raise ConnectionError(f"{name} is gone")
        self.invoked.append(name)
        return {"Payload": io.BytesIO(b"{}")}


def test_given_a_schedule_deleted_while_the_scheduler_reads_then_the_others_still_fire() -> None:
    # Given two daily rules, one of whose plans is deleted between ListSchedules and GetSchedule
    api = FakeSchedulerApi({"kept": "cron(0 5 * * ? *)", "deleted": "cron(0 6 * * ? *)"}, vanish={"deleted"})
    functions = FakeLambdaApi()
    scheduler = LocalScheduler(api, functions, VirtualClock(START))
    # When a day passes
    fired = scheduler.run_until(START + timedelta(days=1))
    # Then the kept rule fired, and the deleted one is simply gone (not a failure, not a crash)
    assert (fired, functions.invoked, scheduler.failure_count) == (1, ["kept"], 0)


def test_given_a_firing_whose_invoke_breaks_then_it_is_counted_and_the_next_firings_run() -> None:
    api = FakeSchedulerApi({"broken": "cron(0 5 * * ? *)", "fine": "cron(0 6 * * ? *)"})
    functions = FakeLambdaApi(broken={"broken"})
    scheduler = LocalScheduler(api, functions, VirtualClock(START))
    # When two days pass over a rule whose function cannot be invoked
    scheduler.run_until(START + timedelta(days=2))
    # Then the other rule fired both days, and each broken firing is logged and counted
    assert functions.invoked == ["fine", "fine"]
    assert scheduler.failure_count == 2
    assert "broken at 2026-03-01T05:00:00Z: invoke failed" in scheduler.failures[0]


def test_given_an_unreadable_schedule_expression_then_the_others_fire_and_tick_survives() -> None:
    api = FakeSchedulerApi({"odd": "cron(not a cron)", "fine": "rate(5 minutes)"})
    functions = FakeLambdaApi()
    scheduler = LocalScheduler(api, functions, VirtualClock(START))
    # When the serving loop ticks
    scheduler.tick()
    # Then the readable schedule fired and the unreadable one was reported, twice (run_until and the rate pass)
    assert functions.invoked == ["fine"]
    assert scheduler.failure_count == 2 and "cannot evaluate 'cron(not a cron)'" in scheduler.failures[0]


def test_given_many_failures_then_only_the_newest_are_kept_but_all_are_counted() -> None:
    api = FakeSchedulerApi({"broken": "rate(1 minute)"})
    scheduler = LocalScheduler(api, FakeLambdaApi(broken={"broken"}), VirtualClock(START))
    for _ in range(300):
        scheduler.tick()
    assert scheduler.failure_count == 300
    assert len(scheduler.failures) == 200


class FakeQueues:
    """Two queues with one message each; receive hands them out once."""

    def __init__(self) -> None:
        self.waiting = {"q-broken": ["m1"], "q-fine": ["m2"]}
        self.deleted: list[str] = []

    def get_queue_url(self, QueueName: str, QueueOwnerAWSAccountId: str) -> dict[str, str]:
        return {"QueueUrl": QueueName}

    def receive_message(self, QueueUrl: str, **_: Any) -> dict[str, Any]:
        bodies, self.waiting[QueueUrl] = self.waiting[QueueUrl], []
        return {"Messages": [{"MessageId": b, "ReceiptHandle": b, "Body": "{}", "MD5OfBody": ""} for b in bodies]}

    def delete_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> None:
        self.deleted.extend(e["ReceiptHandle"] for e in Entries)


class FakeMappedLambda(FakeLambdaApi):
    def list_event_source_mappings(self) -> dict[str, Any]:
        return {
            "EventSourceMappings": [
                {"EventSourceArn": f"arn:aws:sqs:us-east-1:123456789012:{q}", "FunctionArn": f"fn:{q}", "BatchSize": 10}
                for q in ("q-broken", "q-fine")
            ]
        }


def test_given_a_delivery_that_breaks_then_the_poller_counts_it_and_delivers_the_other_queue() -> None:
    queues, functions = FakeQueues(), FakeMappedLambda(broken={"q-broken"})
    poller = LocalQueuePoller(functions, queues)
    # When the poller drains a queue whose function cannot be invoked, beside one that can
    poller.drain()
    # Then the other queue's message is delivered and deleted, and the broken delivery is counted
    assert (functions.invoked, queues.deleted, poller.delivery_errors) == (["q-fine"], ["m2"], 1)
