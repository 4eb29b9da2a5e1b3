"""Fast-forwarding, the local scheduler fires track-jobs every 5 minutes only while work is fresh: in the hour after
a firing that may start jobs, and after an advance that follows work done by hand. The stack's own maintenance
schedules (the daily audit reports) start no job, and an advance that follows nothing but the last one's own
firings has nothing fresh: both leave track-jobs hourly (docs/performance.md)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from local.clock import VirtualClock
from local.scheduler import LocalScheduler
from tests.unit.test_local_runtime_resilience import START, FakeLambdaApi, FakeSchedulerApi


class TimedLambdaApi(FakeLambdaApi):
    """Records when (on the virtual clock) each function was invoked."""

    def __init__(self, clock: VirtualClock) -> None:
        super().__init__()
        self.clock = clock
        self.at: list[tuple[str, datetime]] = []

    def invoke(self, FunctionName: str, Payload: bytes) -> dict[str, Any]:
        self.at.append((FunctionName.rsplit(":", 1)[-1], self.clock.now()))
        return super().invoke(FunctionName, Payload)


def tracking_in(functions: TimedLambdaApi, start: datetime, hours: int = 1) -> int:
    """track-jobs firings in (start, start + hours]."""
    return sum(1 for name, at in functions.at if name == "track-jobs" and start < at <= start + timedelta(hours=hours))


def test_given_a_rule_and_the_daily_audit_reports_when_a_day_passes_then_only_the_rule_makes_tracking_dense() -> None:
    # Given track-jobs every 5 minutes, the stack's audit reports at 01:00 and a plan's rule at 05:00
    api = FakeSchedulerApi(
        {
            "track-jobs": "rate(5 minutes)",
            "strongroom-audit-reports": "cron(0 1 * * ? *)",
            "daily-rule": "cron(0 5 * * ? *)",
        }
    )
    clock = VirtualClock(START)
    functions = TimedLambdaApi(clock)
    scheduler = LocalScheduler(api, functions, clock)
    # When a day passes
    scheduler.run_until(START + timedelta(days=1))
    # Then tracking is dense (every 5 minutes) in the hour after the rule, and hourly after the audit reports
    assert tracking_in(functions, START.replace(hour=5)) == 12
    assert tracking_in(functions, START.replace(hour=1)) == 1
    # And both schedules fired
    assert [name for name, _ in functions.at if name != "track-jobs"] == ["strongroom-audit-reports", "daily-rule"]


def test_given_advances_with_and_without_work_by_hand_then_only_those_after_work_start_dense() -> None:
    api = FakeSchedulerApi({"track-jobs": "rate(5 minutes)"})
    clock = VirtualClock(START)
    functions = TimedLambdaApi(clock)
    asked = [0]  # what the emulator was asked by hand (the runtime passes the edge's request count)
    scheduler = LocalScheduler(api, functions, clock, activity=lambda: asked[0])
    # Given a first advance (work may have been done before it: the first is always fresh)
    scheduler.run_until(START + timedelta(days=1))
    assert tracking_in(functions, START) == 12
    # When the next advance follows nothing done by hand, then it starts hourly
    scheduler.run_until(START + timedelta(days=2))
    assert tracking_in(functions, START + timedelta(days=1)) == 1
    # And when something is asked by hand before the third, then the third starts dense again
    asked[0] += 1
    scheduler.run_until(START + timedelta(days=3))
    assert tracking_in(functions, START + timedelta(days=2)) == 12
