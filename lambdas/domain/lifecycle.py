"""Lifecycle math: when a recovery point moves to cold storage and when it is deleted."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from lambdas.domain.plans import Lifecycle


class CalculatedLifecycle(BaseModel):
    model_config = ConfigDict(frozen=True)

    MoveToColdStorageAt: datetime | None = None
    DeleteAt: datetime | None = None


def calculate(created: datetime, lifecycle: Lifecycle | None, *, cold_storage: bool = True) -> CalculatedLifecycle:
    """Days count from the recovery point's creation, as AWS Backup counts them. `cold_storage`: whether the
    point's resource type has a cold tier; for a type that has none the cold-storage setting is ignored, as
    AWS Backup ignores it, and the point claims no MoveToColdStorageAt."""
    if lifecycle is None:
        return CalculatedLifecycle()
    move = lifecycle.MoveToColdStorageAfterDays if cold_storage else None
    delete = lifecycle.DeleteAfterDays
    return CalculatedLifecycle(
        MoveToColdStorageAt=created + timedelta(days=move) if move else None,
        DeleteAt=created + timedelta(days=delete) if delete else None,
    )


def is_due_for_deletion(calculated: CalculatedLifecycle, now: datetime) -> bool:
    return calculated.DeleteAt is not None and calculated.DeleteAt <= now


def longest(lifecycles: list[Lifecycle | None]) -> Lifecycle | None:
    """Overlapping rules back a resource up once; the retention kept is the longest (never-expire wins)."""
    if not lifecycles:
        return None
    if any(lc is None or lc.DeleteAfterDays is None for lc in lifecycles):
        keep_forever = [lc for lc in lifecycles if lc is not None]
        colds = [lc.MoveToColdStorageAfterDays for lc in keep_forever if lc.MoveToColdStorageAfterDays]
        return Lifecycle(MoveToColdStorageAfterDays=min(colds)) if colds else None
    return max((lc for lc in lifecycles if lc is not None), key=lambda lc: lc.DeleteAfterDays or 0)
