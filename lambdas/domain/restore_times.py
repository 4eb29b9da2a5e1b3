"""Recovery time: how long a restore took from its request (the job's CreationDate) to a usable resource (the
moment the restore workflow's poll found the restored resource ready). Every restore job records it when it
completes; the per-type summary (p50, p95, max over a window) and the expected completion time of a new restore
are read from those records. Pure: no I/O."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from lambdas.domain.jobs import RestoreJob, RestoreJobStatus

# The window the summary covers, and the history a new restore's expected time is read from.
SUMMARY_WINDOW = timedelta(days=30)
# A resource's own restores say most about its next one: the newest this many are read.
OWN_HISTORY_LIMIT = 10


def recovery_seconds(created: datetime, ready: datetime) -> int:
    """Whole seconds from the request to the usable resource; never negative (a clock that stepped back)."""
    return max(0, math.ceil((ready - created).total_seconds()))


def measured_seconds(job: RestoreJob) -> int | None:
    """A completed job's recovery time: the one it recorded, or for a job completed before jobs recorded one, its
    CreationDate to its CompletionDate. None for a job that did not complete."""
    if job.Status != RestoreJobStatus.COMPLETED:
        return None
    if job.RecoveryTimeSeconds is not None:
        return job.RecoveryTimeSeconds
    return recovery_seconds(job.CreationDate, job.CompletionDate) if job.CompletionDate else None


def whole_minutes(seconds: float) -> int:
    """The API's minutes (a Long): rounded up, so a restore of 10 seconds reads 1 minute, not 0."""
    return math.ceil(seconds / 60)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (the value at rank ceil(p * n)): always one of the measured values, so a p95 of
    three restores is the slowest, never an interpolation between them."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


class RecoveryTimeSummary(BaseModel):
    """One resource type's completed restores within the window, ending at ComputedAt."""

    model_config = ConfigDict(frozen=True)

    ResourceType: str
    Count: int
    P50Seconds: float
    P95Seconds: float
    MaxSeconds: float
    WindowDays: int
    ComputedAt: datetime


def summarize(resource_type: str, seconds: Iterable[float], now: datetime) -> RecoveryTimeSummary | None:
    """None when the type has no completed restore in the window."""
    values = list(seconds)
    if not values:
        return None
    return RecoveryTimeSummary(
        ResourceType=resource_type,
        Count=len(values),
        P50Seconds=percentile(values, 0.50),
        P95Seconds=percentile(values, 0.95),
        MaxSeconds=max(values),
        WindowDays=SUMMARY_WINDOW.days,
        ComputedAt=now,
    )


def expected_minutes(own_history: Sequence[float], type_summary: RecoveryTimeSummary | None) -> int | None:
    """ExpectedCompletionTimeMinutes of a new restore: the median of the source resource's own recent restores
    when it has some, else its type's median over the window, else unknown (None: the member is left out)."""
    if own_history:
        return whole_minutes(percentile(own_history, 0.50))
    if type_summary is not None:
        return whole_minutes(type_summary.P50Seconds)
    return None
