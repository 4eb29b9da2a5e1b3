"""moto gap: EventBridge Scheduler groups. AWS refuses to create a schedule group whose name exists
(ConflictException) and to create a schedule in a group that does not exist (ResourceNotFoundException).
moto replaces the existing group, silently dropping every schedule in it, and fails a schedule in a missing
group with an internal KeyError. Both matter to the reconcile of plan schedules (a group recreated over a live
one would lose every plan's schedules), so the local runtime refuses them as AWS does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.exceptions import JsonRESTError


class ScheduleGroupExists(JsonRESTError):
    def __init__(self, name: str) -> None:
        super().__init__("ConflictException", f"Schedule group {name} already exists.")


def install() -> Callable[[], None]:
    """Patches moto's Scheduler backend; returns the undo."""
    from moto.scheduler.exceptions import ScheduleGroupNotFound
    from moto.scheduler.models import EventBridgeSchedulerBackend as Backend

    original_create_group = Backend.create_schedule_group
    original_create_schedule = Backend.create_schedule

    def create_schedule_group(self: Any, name: str, tags: list[dict[str, str]]) -> Any:
        if name in self.schedule_groups:
            raise ScheduleGroupExists(name)
        return original_create_group(self, name, tags)

    def create_schedule(self: Any, *args: Any, **kwargs: Any) -> Any:
        group = kwargs.get("group_name") or "default"
        if group not in self.schedule_groups:
            raise ScheduleGroupNotFound(group)
        return original_create_schedule(self, *args, **kwargs)

    Backend.create_schedule_group = create_schedule_group  # type: ignore[method-assign]
    Backend.create_schedule = create_schedule  # type: ignore[method-assign]

    def undo() -> None:
        Backend.create_schedule_group = original_create_group  # type: ignore[method-assign]
        Backend.create_schedule = original_create_schedule  # type: ignore[method-assign]

    return undo
