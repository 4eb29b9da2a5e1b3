"""Restores. StartRestoreJob records the job and starts the Step Functions workflow; the workflow's three
steps (start, poll, finalize) call back into this module. Each step is safe to run twice."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lambdas.common.observability import logger
from lambdas.domain.errors import (
    ConflictException,
    InvalidParameterValueException,
    InvalidRequestException,
    ServiceUnavailableException,
)
from lambdas.domain.ids import idempotent_job_id, new_id
from lambdas.domain.jobs import RestoreJob, RestoreJobCreator, RestoreJobStatus
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.domain.restore_times import recovery_seconds
from lambdas.domain.validation import parse_model
from lambdas.resources.base import NativeRestore, Phase
from lambdas.services import notifications, recovery_times
from lambdas.services.backup_metrics import count_job
from lambdas.services.context import ServiceContext


class RestorePending(Exception):
    """The restored resource is not ready yet: the workflow's Retry on this error name is the poll loop."""


class RestoreFailed(Exception):
    """The native restore failed: the workflow's Catch records the job FAILED with this message."""


class StartRestoreJobInput(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    RecoveryPointArn: str = Field(min_length=1)
    Metadata: dict[str, str]
    IamRoleArn: str | None = Field(default=None, pattern=r"^arn:aws[a-z\-]*:iam::\d{12}:role/.+$")
    IdempotencyToken: str | None = None
    ResourceType: str | None = None
    CopySourceTagsToRestoredResource: bool = False


def start_restore_job(
    ctx: ServiceContext,
    request: dict[str, Any],
    now: datetime,
    *,
    created_by: RestoreJobCreator | None = None,
    selection_name: str | None = None,
) -> RestoreJob:
    """created_by, selection_name: a restore testing plan's run (lambdas/services/restore_testing_runs.py)."""
    data = parse_model(StartRestoreJobInput, request)
    point = ctx.stores.recovery_points.get(data.RecoveryPointArn)
    if data.ResourceType and data.ResourceType != point.ResourceType:
        raise InvalidParameterValueException(
            f"ResourceType {data.ResourceType} does not match the recovery point's type {point.ResourceType}"
        )
    metadata = {**point.RestoreMetadata, **data.Metadata}
    # Refused before any job is written, rather than failing later in the workflow.
    ctx.adapters.for_type(point.ResourceType).check_restore(point.NativeBackupId, metadata)
    if ctx.restore_workflow is None:
        raise ServiceUnavailableException("The restore workflow is not configured in this deployment")
    job_id = (
        idempotent_job_id("restore", data.IdempotencyToken, point.RecoveryPointArn)
        if data.IdempotencyToken
        else new_id().upper()
    )
    job = RestoreJob(
        RestoreJobId=job_id,
        AccountId=ctx.account,
        RecoveryPointArn=point.RecoveryPointArn,
        BackupVaultArn=point.BackupVaultArn,
        BackupVaultName=point.BackupVaultName,
        SourceResourceArn=point.ResourceArn,
        ResourceType=point.ResourceType,
        Metadata=metadata,
        IamRoleArn=data.IamRoleArn,
        CreationDate=now,
        RecoveryPointCreationDate=point.CreationDate,
        BackupSizeInBytes=point.BackupSizeInBytes,
        CorrelationId=point.BackupJobId or job_id,
        CreatedBy=created_by,
        RestoreTestingSelectionName=selection_name,
        ExpectedCompletionTimeMinutes=recovery_times.expected_completion_minutes(
            ctx, point.ResourceArn, point.ResourceType
        ),
    )
    if ctx.stores.jobs.create_restore_job(job):
        count_job(job)  # NumberOfRestoreJobsPending
    else:
        job = ctx.stores.jobs.get_restore_job(job_id)
        if job.ExecutionArn or job.Status != RestoreJobStatus.PENDING:
            return job  # the same IdempotencyToken: the same restore
        # else an earlier attempt died before its workflow started: start it now (named after the job,
        # so a workflow that did start is found, not doubled)
    execution_arn = ctx.restore_workflow.start(job_id, job.CorrelationId)
    return _record_execution(ctx, job_id, execution_arn)


def _record_execution(ctx: ServiceContext, job_id: str, execution_arn: str) -> RestoreJob:
    """The workflow may already have moved the job on: the ARN is written on whatever state it is in."""
    for _ in range(3):
        job = ctx.stores.jobs.get_restore_job(job_id)
        try:
            with_execution = job.model_copy(update={"ExecutionArn": execution_arn})
            ctx.stores.jobs.save_restore_job(with_execution, job.Status.value)
            return with_execution
        except ConflictException:
            continue
    return ctx.stores.jobs.get_restore_job(job_id)


def _point(ctx: ServiceContext, job: RestoreJob) -> RecoveryPoint:
    return ctx.stores.recovery_points.get(job.RecoveryPointArn)


def begin_restore(ctx: ServiceContext, restore_job_id: str, now: datetime) -> RestoreJob:
    job = ctx.stores.jobs.get_restore_job(restore_job_id)
    if job.Status != RestoreJobStatus.PENDING:
        return job  # a retried step: the restore is already under way
    point = _point(ctx, job)
    adapter = ctx.adapters.for_type(job.ResourceType)
    native = adapter.find_restore(point.NativeBackupId, job.RestoreJobId, job.Metadata)
    if native is None:
        native = adapter.start_restore(point.NativeBackupId, job.RestoreJobId, job.Metadata)
    running = job.transition(
        RestoreJobStatus.RUNNING,
        NativeRestoreId=native.native_id,
        CreatedResourceArn=native.created_resource_arn,
        PercentDone="0.0",
    )
    ctx.stores.jobs.save_restore_job(running, job.Status.value)
    ctx.events.publish_restore_job(running, ctx.stores.vaults.find(job.BackupVaultName), now)
    count_job(running)
    return running


def poll_restore(ctx: ServiceContext, restore_job_id: str) -> RestoreJob:
    job = ctx.stores.jobs.get_restore_job(restore_job_id)
    if job.Status != RestoreJobStatus.RUNNING or not job.NativeRestoreId or not job.CreatedResourceArn:
        raise InvalidRequestException(f"Restore job {restore_job_id} is {job.Status}, not RUNNING")
    adapter = ctx.adapters.for_type(job.ResourceType)
    progress = adapter.restore_status(NativeRestore(job.NativeRestoreId, job.CreatedResourceArn))
    if progress.failed_objects:
        notifications.restore_objects_failed(ctx, job, progress.failed_objects)
    if progress.phase == Phase.FAILED:
        raise RestoreFailed(progress.message or "The native restore failed")
    if progress.phase == Phase.RUNNING:
        raise RestorePending(f"{job.CreatedResourceArn} is not ready yet ({progress.percent_done}%)")
    return job


def finalize_restore(
    ctx: ServiceContext,
    restore_job_id: str,
    outcome: RestoreJobStatus,
    error: dict[str, Any] | None,
    now: datetime,
    ready_at: datetime | None = None,
) -> RestoreJob:
    """ready_at: when the workflow's poll found the restored resource usable, the end of its recovery time (a
    workflow started before polls told it: now)."""
    job = ctx.stores.jobs.get_restore_job(restore_job_id)
    if not job.is_open:
        return job
    if outcome == RestoreJobStatus.COMPLETED:
        ready = min(ready_at or now, now)
        done = job.transition(
            RestoreJobStatus.COMPLETED,
            CompletionDate=now,
            PercentDone="100.0",
            RecoveryTimeSeconds=recovery_seconds(job.CreationDate, ready),
        )
    else:
        done = job.transition(RestoreJobStatus.FAILED, CompletionDate=now, StatusMessage=_cause(error))
    ctx.stores.jobs.save_restore_job(done, job.Status.value)
    if outcome == RestoreJobStatus.COMPLETED:
        _note_restore_on_point(ctx, job.RecoveryPointArn, now)
        recovery_times.on_restore_completed(ctx, done, now)
    ctx.events.publish_restore_job(done, ctx.stores.vaults.find(job.BackupVaultName), now)
    count_job(done)
    logger.info("restore finished", extra={"restore_job_id": restore_job_id, "status": done.Status.value})
    return done


def _note_restore_on_point(ctx: ServiceContext, point_arn: str, now: datetime) -> None:
    """LastRestoreTime is a courtesy: a point that expired or changed meanwhile does not fail a restore
    that succeeded."""
    point = ctx.stores.recovery_points.find(point_arn)
    if point is None:
        return
    try:
        ctx.stores.recovery_points.save(point.model_copy(update={"LastRestoreTime": now}), point.Status.value)
    except ConflictException:
        logger.info("point changed meanwhile; LastRestoreTime not recorded", extra={"arn": point_arn})


def _cause(error: dict[str, Any] | None) -> str:
    """Step Functions hands the Catch an {Error, Cause}; a Lambda error's Cause is its JSON error report."""
    if not error:
        return "The restore failed"
    cause = error.get("Cause") or ""
    try:
        parsed = json.loads(cause)
        cause = parsed.get("errorMessage") or cause
    except (ValueError, TypeError, AttributeError):
        pass
    return f"{error.get('Error', 'Error')}: {cause}".strip(": ")
