"""The events the functions receive, parsed into typed models at the edge of each handler."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

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


class RestoreTestingEvent(ScheduledEvent):
    """A restore testing plan's schedule (plan_name), or the hourly sweep (no plan_name)."""

    plan_name: str | None = None


class RestoreStepEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    restore_job_id: str


class RestoreFinalizeEvent(RestoreStepEvent):
    outcome: Literal["COMPLETED", "FAILED"]
    error: dict[str, Any] | None = None
    # When the poll found the restored resource usable (its answer's ready_at, passed on by the workflow).
    ready_at: datetime | None = None


class MoverEvent(BaseModel):
    """What LambdaMover sends an EFS mover function (lambdas.resources.efs.mover.MoveRequest)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["backup", "restore"]
    file_system_id: str = Field(pattern=r"^fs-[0-9a-f]{8,40}$")
    vault_bucket: str = Field(min_length=3, max_length=63)
    state_key: str = Field(min_length=1)


class ImportNativeBackupsEvent(BaseModel):
    """An on-demand import of the backups services made themselves, named as AWS Backup names things: the vault
    to catalog them in and, optionally, the resources (ARNs) or resource types (`EBS`, `DynamoDB`, `FSx`) to
    look at. Without either, every protected resource is looked at."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    BackupVaultName: str = Field(min_length=2, max_length=50)
    ResourceArns: list[str] | None = Field(default=None, min_length=1)
    ResourceTypes: list[str] | None = Field(default=None, min_length=1)
