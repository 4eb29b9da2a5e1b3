"""The events the functions receive, parsed into typed models at the edge of each handler."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from lambdas.common import clock


class ScheduledEvent(BaseModel):
    """What EventBridge Scheduler delivers: the Input of the schedule, with the scheduled time filled in."""

    model_config = ConfigDict(extra="ignore")

    scheduled_time: datetime | None = None

    def now(self) -> datetime:
        # The firing's own time when it has one (time is an input), else the clock.
        return self.scheduled_time or clock.now()


class RuleFiredEvent(ScheduledEvent):
    plan_id: str
    rule_id: str
    scheduled_time: datetime | None = None

    def window_start(self) -> datetime:
        return self.scheduled_time or clock.now()


class RestoreStepEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    restore_job_id: str


class RestoreFinalizeEvent(RestoreStepEvent):
    outcome: Literal["COMPLETED", "FAILED"]
    error: dict[str, Any] | None = None
