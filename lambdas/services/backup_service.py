"""On-demand backups: StartBackupJob and StopBackupJob. (Scheduled ones: scheduled_backups; starting any job:
job_starts.)

Starting adopts a native backup already tagged with the job id before it makes one, so no snapshot is
orphaned or doubled; an IdempotencyToken sent again returns the job it made."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lambdas.common.observability import logger
from lambdas.domain.errors import (
    ConflictException,
    InvalidParameterValueException,
    InvalidRequestException,
)
from lambdas.domain.ids import idempotent_job_id, new_id
from lambdas.domain.jobs import BackupJob, BackupJobState, windows
from lambdas.domain.plans import (
    DEFAULT_COMPLETION_WINDOW_MINUTES,
    DEFAULT_START_WINDOW_MINUTES,
    MAX_WINDOW_MINUTES,
    LifecycleModel,
    check_windows,
)
from lambdas.domain.validation import parse_model
from lambdas.services.backup_metrics import count_job
from lambdas.services.context import ServiceContext
from lambdas.services.job_starts import start_job
from lambdas.services.job_transitions import publish


class StartBackupJobInput(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    BackupVaultName: str = Field(pattern=r"^[a-zA-Z0-9\-\_]{2,50}$")
    ResourceArn: str = Field(min_length=1)
    IamRoleArn: str = Field(pattern=r"^arn:aws[a-z\-]*:iam::\d{12}:role/.+$")
    IdempotencyToken: str | None = None
    StartWindowMinutes: int = Field(default=DEFAULT_START_WINDOW_MINUTES, le=MAX_WINDOW_MINUTES)
    CompleteWindowMinutes: int = Field(default=DEFAULT_COMPLETION_WINDOW_MINUTES, le=MAX_WINDOW_MINUTES)
    Lifecycle: LifecycleModel | None = None
    RecoveryPointTags: dict[str, str] = Field(default_factory=dict)
    BackupOptions: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _windows(self) -> StartBackupJobInput:
        check_windows(self.StartWindowMinutes, self.CompleteWindowMinutes)
        return self


def start_backup_job(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> BackupJob:
    data = parse_model(StartBackupJobInput, request)
    vault = ctx.stores.vaults.get(data.BackupVaultName)
    adapter = ctx.adapters.for_arn(data.ResourceArn)
    info = adapter.describe(data.ResourceArn)
    job_id = (
        idempotent_job_id("backup", data.IdempotencyToken, data.ResourceArn, vault.BackupVaultName)
        if data.IdempotencyToken
        else new_id().upper()
    )
    refused_by_lock = vault.refuses_retention(data.Lifecycle.DeleteAfterDays if data.Lifecycle else None)
    if refused_by_lock:
        raise InvalidParameterValueException(refused_by_lock)
    start_by, complete_by = windows(now, data.StartWindowMinutes, data.CompleteWindowMinutes)
    job = BackupJob(
        BackupJobId=job_id,
        AccountId=ctx.account,
        BackupVaultName=vault.BackupVaultName,
        BackupVaultArn=vault.BackupVaultArn,
        ResourceArn=info.arn,
        ResourceType=info.resource_type,
        ResourceName=info.name,
        IamRoleArn=data.IamRoleArn,
        CreationDate=now,
        StartBy=start_by,
        CompleteBy=complete_by,
        RecoveryPointLifecycle=data.Lifecycle,
        RecoveryPointTags=data.RecoveryPointTags,
        BackupOptions=data.BackupOptions,
        BackupType="FULL",
        CorrelationId=f"on-demand/{job_id}",
    )
    if not ctx.stores.jobs.create_backup_job(job):
        return ctx.stores.jobs.get_backup_job(job_id)  # same IdempotencyToken: the same job, not a new one
    count_job(job)
    return start_job(ctx, job, now, just_created=True)


STOPPABLE_STATES = frozenset({BackupJobState.CREATED, BackupJobState.PENDING, BackupJobState.RUNNING})


def stop_backup_job(ctx: ServiceContext, job_id: str, now: datetime) -> BackupJob:
    """StopBackupJob: a CREATED, PENDING or RUNNING job is ABORTED (a RUNNING one by way of ABORTING) and
    the native backup it started, if any, is deleted so that no snapshot outlives its job."""
    job = ctx.stores.jobs.get_backup_job(job_id)
    if job.State not in STOPPABLE_STATES:
        raise InvalidRequestException(
            f"Backup job {job_id} is {job.State.value}: only a CREATED, PENDING or RUNNING job can be stopped"
        )
    via = job.transition(BackupJobState.ABORTING) if job.State == BackupJobState.RUNNING else job
    stopped = via.transition(
        BackupJobState.ABORTED, StatusMessage="Backup job was stopped by a StopBackupJob request", CompletionDate=now
    )
    try:
        ctx.stores.jobs.save_backup_job(stopped, job.State.value)
    except ConflictException:
        raise InvalidRequestException(
            f"Backup job {job_id} changed state while it was being stopped; describe it and try again"
        ) from None
    ctx.stores.running.release(stopped)  # before anything else may fail: the next backup of the resource may start
    publish(ctx, stopped, now)
    adapter = ctx.adapters.for_type(job.ResourceType)
    try:
        native_id = job.NativeBackupId
        if native_id is None and job.StartAttempts:
            found = adapter.find_backup(job.ResourceArn, job.BackupJobId)  # a start that failed after creating it
            native_id = found.native_id if found else None
        if native_id is not None:
            adapter.delete_backup(native_id)
    except Exception as error:  # noqa: BLE001 - the job is stopped either way; the leftover is reported
        logger.warning(
            "stopped job's native backup could not be deleted",
            extra={"backup_job_id": job_id, "native_backup_id": job.NativeBackupId, "error": str(error)},
        )
    return stopped
