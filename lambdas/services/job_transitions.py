"""Moving a job of any kind to its next state: a conditional save on the state the caller read, and, when it
lands, the state change published and counted. Shared by starting, tracking and stopping backup and copy jobs.
(Restore jobs move inside the restore workflow, whose steps let a conflict fail the step: restore_service.)"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from lambdas.common.observability import logger
from lambdas.domain.copies import CopyJob
from lambdas.domain.errors import ConflictException
from lambdas.domain.jobs import BackupJob, BackupJobState, MachineJob
from lambdas.services.backup_metrics import count_job
from lambdas.services.context import ServiceContext

J = TypeVar("J", bound=MachineJob)


def save_job(ctx: ServiceContext, job: MachineJob, expected: StrEnum) -> bool:
    """False when another worker moved the job meanwhile: its move wins, this one is dropped."""
    try:
        ctx.stores.jobs.save(job, expected.value)
    except ConflictException:
        logger.info("job moved on meanwhile", extra={"job_id": job.job_id, "kind": job.machine.noun})
        return False
    if isinstance(job, BackupJob) and expected == BackupJobState.RUNNING and not job.is_open:
        # The job's backup of its resource is over: the next backup of the resource may start.
        ctx.stores.running.release(job)
    return True


def publish(ctx: ServiceContext, job: BackupJob | CopyJob, now: datetime) -> None:
    """The state change as an event, to the vault AWS Backup notifies (a copy's is its SOURCE vault), and counted
    under AWS Backup's metric name for the state (NumberOfBackupJobsCompleted, NumberOfCopyJobsFailed...)."""
    if isinstance(job, CopyJob):
        ctx.events.publish_copy_job(job, ctx.stores.vaults.cached(job.SourceBackupVaultName), now)
    else:
        ctx.events.publish_backup_job(job, ctx.stores.vaults.cached(job.BackupVaultName), now)
    count_job(job)


def finish(
    ctx: ServiceContext, job: J, state: StrEnum, now: datetime, message: str | None, **changes: object
) -> tuple[J, bool]:
    """The job moved to a final `state` (CompletionDate now), and whether the move landed (and was published)."""
    finished = job.transition(state, StatusMessage=message, CompletionDate=now, **changes)
    if not save_job(ctx, finished, job.state):
        return finished, False
    assert isinstance(finished, BackupJob | CopyJob), "restore jobs finish in restore_service"
    publish(ctx, finished, now)
    return finished, True


def finish_job(ctx: ServiceContext, job: BackupJob, state: BackupJobState, now: datetime, message: str) -> BackupJob:
    return finish(ctx, job, state, now, message)[0]
