"""Recovery times of restores (lambdas/domain/restore_times.py), as services read and publish them.

When a restore completes (finalize_restore), its type's summary over the window is recomputed from the completed
restore jobs, saved (one item per type) and published as CloudWatch metrics in Strongroom's namespace with the
dimension ResourceType: the job's own RecoveryTime, and the window's RecoveryTimeP50, RecoveryTimeP95 and
RecoveryTimeMax, in seconds. A new restore's ExpectedCompletionTimeMinutes is read from the same history.

All of it is a courtesy to the restore that completed: a summary that cannot be written or published is logged,
never a reason to fail the restore."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from lambdas.common.observability import METRICS_NAMESPACE, SERVICE_NAME, logger
from lambdas.domain.jobs import MachineJob, RestoreJob
from lambdas.domain.restore_times import (
    OWN_HISTORY_LIMIT,
    SUMMARY_WINDOW,
    RecoveryTimeSummary,
    expected_minutes,
    measured_seconds,
    summarize,
)
from lambdas.services.context import ServiceContext

DIMENSION = "ResourceType"
RECOVERY_TIME_METRIC = "RecoveryTime"
SUMMARY_METRICS = {"RecoveryTimeP50": "P50Seconds", "RecoveryTimeP95": "P95Seconds", "RecoveryTimeMax": "MaxSeconds"}
PAGE = 1000


def _measured(job: MachineJob) -> bool:
    return isinstance(job, RestoreJob) and measured_seconds(job) is not None


def _completed_in_window(ctx: ServiceContext, resource_type: str, now: datetime) -> Iterator[RestoreJob]:
    token: str | None = None
    while True:
        page, token = ctx.stores.jobs.search(
            RestoreJob,
            keep=lambda job: _measured(job) and job.resource_type == resource_type,
            limit=PAGE,
            token=token,
            created_after=now - SUMMARY_WINDOW,
        )
        yield from page
        if token is None:
            return


def summary_of(ctx: ServiceContext, resource_type: str, now: datetime) -> RecoveryTimeSummary | None:
    seconds = [measured_seconds(job) for job in _completed_in_window(ctx, resource_type, now)]
    return summarize(resource_type, [s for s in seconds if s is not None], now)


def on_restore_completed(ctx: ServiceContext, job: RestoreJob, now: datetime) -> RecoveryTimeSummary | None:
    """The completed job's time and its type's refreshed summary, saved and published."""
    try:
        summary = summary_of(ctx, job.ResourceType, now)
        if summary is not None:
            ctx.stores.restore_times.save(summary)
        publish(job, summary)
        return summary
    except Exception:  # noqa: BLE001 - the restore completed; its statistics are not worth failing it
        logger.exception("recovery time summary not refreshed", extra={"restore_job_id": job.RestoreJobId})
        return None


def publish(job: RestoreJob, summary: RecoveryTimeSummary | None) -> None:
    """One EMF document per type (its own dimension value), apart from the handler's shared metrics."""
    metrics = EphemeralMetrics(namespace=METRICS_NAMESPACE, service=SERVICE_NAME)
    metrics.add_dimension(name=DIMENSION, value=job.ResourceType)
    if job.RecoveryTimeSeconds is not None:
        metrics.add_metric(name=RECOVERY_TIME_METRIC, unit=MetricUnit.Seconds, value=job.RecoveryTimeSeconds)
    if summary is not None:
        for name, field in SUMMARY_METRICS.items():
            metrics.add_metric(name=name, unit=MetricUnit.Seconds, value=getattr(summary, field))
    metrics.flush_metrics()


def latest_restores(ctx: ServiceContext, resource_arn: str) -> tuple[RestoreJob | None, RestoreJob | None]:
    """The resource's newest restore job, and its newest completed one (read through the resource's index)."""
    newest, _ = ctx.stores.jobs.search(RestoreJob, limit=1, resource_arn=resource_arn)
    completed, _ = ctx.stores.jobs.search(RestoreJob, keep=_measured, limit=1, resource_arn=resource_arn)
    return (newest[0] if newest else None), (completed[0] if completed else None)


def expected_completion_minutes(ctx: ServiceContext, source_arn: str, resource_type: str) -> int | None:
    """ExpectedCompletionTimeMinutes of a restore about to start: from the source's own newest completed
    restores (one query of its jobs), else its type's summary (one read)."""
    own, _ = ctx.stores.jobs.search(RestoreJob, keep=_measured, limit=OWN_HISTORY_LIMIT, resource_arn=source_arn)
    history = [float(s) for s in map(measured_seconds, own) if s is not None]
    return expected_minutes(history, None if history else ctx.stores.restore_times.find(resource_type))
