"""Moving a backup job to its next state: a conditional save on the state the caller read, and, when it
lands, the state change published and counted. Shared by starting, tracking and stopping jobs."""

from __future__ import annotations

from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit

from lambdas.common.observability import logger, metrics
from lambdas.domain.errors import ConflictException
from lambdas.domain.jobs import BackupJob, BackupJobState
from lambdas.services.context import ServiceContext


def save_job(ctx: ServiceContext, job: BackupJob, expected: BackupJobState) -> bool:
    """False when another worker moved the job meanwhile: its move wins, this one is dropped."""
    try:
        ctx.stores.jobs.save_backup_job(job, expected.value)
    except ConflictException:
        logger.info("job moved on meanwhile", extra={"backup_job_id": job.BackupJobId})
        return False
    if expected == BackupJobState.RUNNING and not job.is_open:
        # The job's backup of its resource is over: the next backup of the resource may start.
        ctx.stores.running.release(job)
    return True


def publish(ctx: ServiceContext, job: BackupJob, now: datetime) -> None:
    ctx.events.publish_backup_job(job, ctx.stores.vaults.cached(job.BackupVaultName), now)
    metrics.add_metric(name=f"BackupJobs{job.State.value.title()}", unit=MetricUnit.Count, value=1)


def finish_job(ctx: ServiceContext, job: BackupJob, state: BackupJobState, now: datetime, message: str) -> BackupJob:
    finished = job.transition(state, StatusMessage=message, CompletionDate=now)
    if save_job(ctx, finished, job.State):
        publish(ctx, finished, now)
    return finished
