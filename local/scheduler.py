"""Fires the emulated EventBridge Scheduler's schedules, which moto stores but never fires.

It reads every schedule (the fixed ones and those plans create), evaluates cron()/rate()/at() in their
time zones with the same evaluator the engine validates with, and invokes each target through the
emulated Lambda API with its Input, `<aws.scheduler.scheduled-time>` filled in. The virtual clock is set
to each firing's time before it runs, so everything downstream sees that moment as "now".

Fast-forward (run_until) keeps days cheap: sub-hourly rate() schedules (track-jobs) fire at every firing
for an hour after each cron() or at() firing that may start jobs (a plan's rule: not the stack's own
maintenance schedules, such as the daily audit reports) and after the start of an advance that follows work
done by hand (anything the emulator was asked since the last advance), when work is fresh, and otherwise once
an hour. Serving in real time (tick) fires sub-hourly rate() schedules every tick so jobs finish within seconds."""

from __future__ import annotations

import bisect
import contextlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from infrastructure.constants import FIXED_SCHEDULES
from lambdas.domain.schedule_expressions import parse_schedule_expression
from local.clock import VirtualClock
from local.schedule_cache import ScheduleCache

PLACEHOLDER = "<aws.scheduler.scheduled-time>"
KEPT_FAILURES = 200  # the newest failures kept for reading; failure_count counts them all
_log = logging.getLogger("strongroom.local.scheduler")
DENSE_AFTER_CRON = timedelta(hours=1)
SPARSE_STEP = timedelta(hours=1)


@dataclass(frozen=True)
class Firing:
    at: datetime
    group: str
    name: str
    target_arn: str
    payload: str
    is_rate: bool
    # A one-time schedule with ActionAfterCompletion DELETE: Scheduler deletes it once it has fired.
    delete_after: bool = False


def _makes_work_fresh(firing: Firing) -> bool:
    """A cron() or at() firing after which jobs may be open: any but the stack's own maintenance schedules (in the
    default group, none of them starts a backup or copy job)."""
    return not firing.is_rate and not (firing.group == "default" and firing.name in FIXED_SCHEDULES)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class LocalScheduler:
    def __init__(
        self,
        scheduler_client: Any,
        lambda_client: Any,
        clock: VirtualClock,
        after_fire: Callable[[], object] = lambda: None,
        activity: Callable[[], object] | None = None,
    ) -> None:
        self._scheduler = scheduler_client
        self._lambda = lambda_client
        self._clock = clock
        # What Lambda's pollers do between firings: deliver the queues the fired function filled.
        self._after_fire = after_fire
        # A mark that moves when the emulator is asked anything (None: unknown, every advance counts as fresh). An
        # advance whose mark has not moved since the last one ended follows no work by hand: it starts sparse.
        self._activity = activity
        self._activity_seen: object = None
        self._last = clock.now()
        self._lock = threading.Lock()
        self.fired: dict[str, int] = {}
        self.failures: list[str] = []
        self.failure_count = 0
        self._cron_fired: list[datetime] = []
        self._schedule_cache = ScheduleCache(self._read_schedules)

    def restart(self, last: datetime) -> None:
        """After a reset or a restore: fire from `last` on, with no memory of earlier firings."""
        with self._lock:
            self._last = last
            # The schedules were put back with the emulator's state, behind moto's API: read them anew.
            self._schedule_cache = ScheduleCache(self._read_schedules)
            self._cron_fired = []
            self._activity_seen = None
            self.fired = {}
            self.failures = []
            self.failure_count = 0

    def _failed(self, what: str) -> None:
        """One schedule or one firing went wrong: say so, count it, and let every other schedule go on (a
        plan deleted while the tick reads its schedule must not stop the runtime)."""
        _log.warning("scheduler: %s", what)
        self.failure_count += 1
        self.failures.append(what)
        del self.failures[:-KEPT_FAILURES]

    def _unreadable(self, schedule: dict[str, Any], error: Exception) -> None:
        self._failed(f"{schedule.get('Name')}: cannot evaluate {schedule.get('ScheduleExpression')!r}: {error!r}")

    def _schedules(self) -> list[dict[str, Any]]:
        return self._schedule_cache.schedules()  # read again only after a change (local/schedule_cache.py)

    def _read_schedules(self) -> list[dict[str, Any]]:
        found = []
        for group in self._scheduler.list_schedule_groups()["ScheduleGroups"]:
            try:
                found.extend(self._group_schedules(group["Name"]))
            except self._scheduler.exceptions.ResourceNotFoundException:
                continue  # the group went while it was read
        return [schedule for schedule in found if schedule.get("State", "ENABLED") == "ENABLED"]

    def _group_schedules(self, group: str) -> list[dict[str, Any]]:
        found = []
        for page in self._scheduler.get_paginator("list_schedules").paginate(GroupName=group):
            for summary in page["Schedules"]:
                try:
                    found.append(self._scheduler.get_schedule(Name=summary["Name"], GroupName=group))
                except self._scheduler.exceptions.ResourceNotFoundException:
                    continue  # deleted since it was listed (its plan was deleted): nothing to fire
        return found

    def _firings(self, start: datetime, end: datetime) -> list[Firing]:
        firings = []
        for schedule in self._schedules():
            try:
                expression = parse_schedule_expression(schedule["ScheduleExpression"])
                zone = schedule.get("ScheduleExpressionTimezone") or "UTC"
                target = schedule["Target"]
                moments = expression.firings_between(start, end, zone)
            except (ValueError, KeyError) as error:  # one unreadable schedule must not keep the others from firing
                self._unreadable(schedule, error)
                continue
            for moment in moments:
                payload = (target.get("Input") or "{}").replace(PLACEHOLDER, _iso(moment))
                firings.append(
                    Firing(
                        moment,
                        schedule["GroupName"],
                        schedule["Name"],
                        target["Arn"],
                        payload,
                        expression.kind == "rate",
                        expression.kind == "at" and schedule.get("ActionAfterCompletion") == "DELETE",
                    )
                )
        return firings

    def _thin(self, firings: list[Firing]) -> list[Firing]:
        cron_times = self._cron_fired[-50:] + sorted(f.at for f in firings if _makes_work_fresh(f))
        periods: dict[str, timedelta] = {}
        by_name: dict[str, list[datetime]] = {}
        for f in firings:
            if f.is_rate:
                by_name.setdefault(f.name, []).append(f.at)
        for name, times in by_name.items():
            periods[name] = (times[1] - times[0]) if len(times) > 1 else SPARSE_STEP
        cron_times.sort()
        kept = []
        for f in firings:
            # The latest work-making firing at or before this one, found by bisection (thousands of each in 40 days)
            latest = bisect.bisect_right(cron_times, f.at) - 1
            fresh = latest >= 0 and f.at <= cron_times[latest] + DENSE_AFTER_CRON
            if not f.is_rate or periods[f.name] >= SPARSE_STEP or fresh or f.at.minute == 0:
                kept.append(f)
        return kept

    def run_until(self, end: datetime) -> int:
        """Fire everything due in (last run, end], in time order, moving the clock along. Returns the count."""
        with self._lock:
            count = 0
            # Work started by hand just before an advance (an on-demand backup, a restore) is as fresh as
            # work a plan started: track it densely for the first hour too.
            if self._activity is None or self._activity() != self._activity_seen:
                self._cron_fired.append(self._last)
            while True:
                # Plans may add or change schedules while firings run, so read them again after each cron firing.
                firings = sorted(self._thin(self._firings(self._last, end)), key=lambda f: (f.at, f.is_rate, f.name))
                if not firings:
                    break
                next_cron = next((f for f in firings if not f.is_rate), None)
                batch = [f for f in firings if next_cron is None or f.at <= next_cron.at]
                for firing in batch:
                    self._fire(firing)
                    count += 1
                self._last = batch[-1].at
            self._last = end
            self._clock.set(end)
            if self._activity is not None:
                self._activity_seen = self._activity()  # the firings' own calls are not work by hand
            return count

    def tick(self) -> int:
        """Real-time serving: fire what is due up to now, plus every sub-hourly rate() schedule right away."""
        now = self._clock.now()
        count = self.run_until(now)
        with self._lock:
            for schedule in self._schedules():
                try:
                    expression = parse_schedule_expression(schedule["ScheduleExpression"])
                except ValueError as error:
                    self._unreadable(schedule, error)
                    continue
                interval = expression.min_interval()
                if expression.kind == "rate" and interval is not None and interval < SPARSE_STEP:
                    target = schedule["Target"]
                    payload = (target.get("Input") or "{}").replace(PLACEHOLDER, _iso(now))
                    self._fire(Firing(now, schedule["GroupName"], schedule["Name"], target["Arn"], payload, True))
                    count += 1
        return count

    def _delete_fired(self, firing: Firing) -> None:
        # Deleted meanwhile by its owner: what Scheduler would have done.
        with contextlib.suppress(self._scheduler.exceptions.ResourceNotFoundException):
            self._scheduler.delete_schedule(Name=firing.name, GroupName=firing.group)

    def _fire(self, firing: Firing) -> None:
        self._clock.set(firing.at)
        if _makes_work_fresh(firing):
            self._cron_fired.append(firing.at)
        try:
            response = self._lambda.invoke(FunctionName=firing.target_arn, Payload=firing.payload.encode())
        except Exception as error:  # noqa: BLE001 - the target is gone, the emulator refused...: this firing failed
            self._failed(f"{firing.name} at {_iso(firing.at)}: invoke failed: {error!r}")
            return
        self.fired[firing.name] = self.fired.get(firing.name, 0) + 1
        if firing.delete_after:
            self._delete_fired(firing)
        if response.get("FunctionError"):
            body = json.loads(response["Payload"].read() or b"{}")
            self._failed(f"{firing.name} at {_iso(firing.at)}: {body.get('errorType')}: {body.get('errorMessage')}")
        try:
            self._after_fire()
        except Exception as error:  # noqa: BLE001 - undelivered messages stay queued for the next drain
            self._failed(f"delivering the queues after {firing.name} at {_iso(firing.at)}: {error!r}")
