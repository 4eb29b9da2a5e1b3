"""The local scheduler's copy of the emulated EventBridge Scheduler's schedules, read again only after a change.

Fast-forwarding 40 days fires thousands of times, and before each cron firing the scheduler needs every enabled
schedule: a ListScheduleGroups, a ListSchedules per group and a GetSchedule per schedule, each time (most of a
firing's cost once plans have a few rules). Schedules change only through the emulator's Create, Update and
Delete operations (and its groups' deletion, and a reset), so those bump a generation counter and the copy is
kept while the generation holds."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from local.patching import Patch, PatchSet

_CHANGES = (
    "create_schedule",
    "update_schedule",
    "delete_schedule",
    "create_schedule_group",
    "delete_schedule_group",
    "reset",
)
_generation = 0
_installed = 0  # without the counting patch nothing tells a change: then every call reads
_generation_lock = threading.Lock()


def _bump() -> None:
    global _generation
    with _generation_lock:
        _generation += 1


def _counting(original: Callable[..., Any]) -> Callable[..., Any]:
    def change(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(self, *args, **kwargs)
        finally:
            _bump()  # also after a refused change: a spare re-read costs little, a stale copy misfires

    return change


def _counted(delta: int) -> Callable[[], None]:
    def count() -> None:
        global _installed
        _installed += delta
        _bump()

    return count


PATCHES = PatchSet(
    "schedule change counter",
    [
        Patch.wrap(
            "moto.scheduler.models:EventBridgeSchedulerBackend",
            name,
            _counting,
            why="a cost, not an answer: schedules change only through these operations (EventBridge Scheduler API "
            "Reference)",
        )
        for name in _CHANGES
    ],
    after_apply=_counted(+1),
    before_undo=_counted(-1),
)


class ScheduleCache:
    """`read()` once per generation of the emulator's schedules."""

    def __init__(self, read: Callable[[], list[dict[str, Any]]]) -> None:
        self._read = read
        self._lock = threading.Lock()
        self._copy: tuple[int, list[dict[str, Any]]] | None = None
        self.reads = 0

    def schedules(self) -> list[dict[str, Any]]:
        with self._lock:
            generation = _generation
            if not _installed or self._copy is None or self._copy[0] != generation:
                # Read after noting the generation: a change during the read bumps it, and the next call reads again.
                self._copy = (generation, self._read())
                self.reads += 1
            return list(self._copy[1])
