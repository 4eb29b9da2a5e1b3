"""moto gap: EventBridge Scheduler groups. AWS refuses to create a schedule group whose name exists
(ConflictException) and to create a schedule in a group that does not exist (ResourceNotFoundException).
moto replaces the existing group, silently dropping every schedule in it, and fails a schedule in a missing
group with an internal KeyError. Both matter to the reconcile of plan schedules (a group recreated over a live
one would lose every plan's schedules), so the local runtime refuses them as AWS does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.exceptions import JsonRESTError

from local.patching import Patch, PatchSet


class ScheduleGroupExists(JsonRESTError):
    def __init__(self, name: str) -> None:
        super().__init__("ConflictException", f"Schedule group {name} already exists.")


def _create_schedule_group(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_schedule_group(self: Any, name: str, tags: list[dict[str, str]]) -> Any:
        if name in self.schedule_groups:
            raise ScheduleGroupExists(name)
        return original(self, name, tags)

    return create_schedule_group


def _create_schedule(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_schedule(self: Any, *args: Any, **kwargs: Any) -> Any:
        from moto.scheduler.exceptions import ScheduleGroupNotFound

        group = kwargs.get("group_name") or "default"
        if group not in self.schedule_groups:
            raise ScheduleGroupNotFound(group)
        return original(self, *args, **kwargs)

    return create_schedule


_BACKEND = "moto.scheduler.models:EventBridgeSchedulerBackend"
PATCHES = PatchSet(
    "EventBridge Scheduler groups",
    [
        Patch.wrap(
            _BACKEND,
            "create_schedule_group",
            _create_schedule_group,
            why="a group name that exists is ConflictException (EventBridge Scheduler API Reference, "
            "CreateScheduleGroup)",
        ),
        Patch.wrap(
            _BACKEND,
            "create_schedule",
            _create_schedule,
            why="a schedule in a group that does not exist is ResourceNotFoundException (EventBridge Scheduler API "
            "Reference, CreateSchedule)",
        ),
    ],
)
