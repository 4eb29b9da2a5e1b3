"""Backups: a plan rule firing (start_backups), an on-demand StartBackupJob, and starting one job.

Idempotency: a scheduled job's id is derived from (plan, rule(s), scheduled time, resource) and written
with a conditional put, so a schedule delivered twice or a Lambda retried after a crash finds the jobs it
made and only starts the ones still CREATED. Starting adopts a native backup already tagged with the job
id before it makes one, so no snapshot is orphaned or doubled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, Field, model_validator

from lambdas.common.observability import logger, metrics
from lambdas.domain.arns import parse_arn
from lambdas.domain.errors import (
    BackupError,
    ConflictException,
    InvalidParameterValueException,
    InvalidRequestException,
)
from lambdas.domain.ids import idempotent_job_id, new_id, scheduled_backup_job_id
from lambdas.domain.jobs import BackupJob, BackupJobState, RecoveryPointCreator, windows
from lambdas.domain.overlap import firing
from lambdas.domain.plans import (
    DEFAULT_COMPLETION_WINDOW_MINUTES,
    DEFAULT_START_WINDOW_MINUTES,
    LifecycleModel,
    check_windows,
)
from lambdas.domain.selections import selects
from lambdas.domain.validation import parse_model
from lambdas.resources.base import SOURCE_TAG, NativeBackup
from lambdas.services.context import ServiceContext
from lambdas.services.job_transitions import finish_job, publish, save_job

JOBS_PER_WRITE = 100  # jobs created, and their RUNNING states saved, per DynamoDB transaction


@dataclass(frozen=True)
class StartBackupsResult:
    selected: int
    created: int
    started: int
    already_existed: int


class StartBackupJobInput(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    BackupVaultName: str = Field(pattern=r"^[a-zA-Z0-9\-\_]{2,50}$")
    ResourceArn: str = Field(min_length=1)
    IamRoleArn: str = Field(pattern=r"^arn:aws[a-z\-]*:iam::\d{12}:role/.+$")
    IdempotencyToken: str | None = None
    StartWindowMinutes: int = DEFAULT_START_WINDOW_MINUTES
    CompleteWindowMinutes: int = DEFAULT_COMPLETION_WINDOW_MINUTES
    Lifecycle: LifecycleModel | None = None
    RecoveryPointTags: dict[str, str] = Field(default_factory=dict)
    BackupOptions: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _windows(self) -> StartBackupJobInput:
        check_windows(self.StartWindowMinutes, self.CompleteWindowMinutes)
        return self


def start_backups(
    ctx: ServiceContext, plan_id: str, rule_id: str, scheduled_time: datetime, now: datetime
) -> StartBackupsResult:
    with ctx.events.batched():
        return _start_backups(ctx, plan_id, rule_id, scheduled_time, now)


def _start_backups(
    ctx: ServiceContext, plan_id: str, rule_id: str, scheduled_time: datetime, now: datetime
) -> StartBackupsResult:
    plan = ctx.stores.plans.find(plan_id)
    if plan is None or plan.DeletionDate is not None:
        logger.info("plan gone; nothing to back up", extra={"plan_id": plan_id})
        return StartBackupsResult(0, 0, 0, 0)
    fired = plan.rule(rule_id)
    if fired is None:
        logger.info("rule no longer in the plan", extra={"plan_id": plan_id, "rule_id": rule_id})
        return StartBackupsResult(0, 0, 0, 0)
    # Rules of this plan firing in the same window share one job: the longest retention wins.
    group = firing(plan, fired, scheduled_time)
    rule = group.winner
    vault = ctx.stores.vaults.cached(rule.TargetBackupVaultName) or ctx.stores.vaults.get(rule.TargetBackupVaultName)
    selections = ctx.stores.plans.selections(plan_id)
    opted_out = ctx.stores.settings.region().opted_out()
    resources = ctx.resolver.resolve((selection.Selection for selection in selections), opted_out)
    start_by, complete_by = windows(group.anchor, rule.StartWindowMinutes, rule.CompletionWindowMinutes)
    creator = RecoveryPointCreator(
        BackupPlanId=plan.BackupPlanId,
        BackupPlanArn=plan.BackupPlanArn,
        BackupPlanName=plan.BackupPlanName,
        BackupPlanVersion=plan.VersionId,
        BackupRuleId=rule.RuleId,
        BackupRuleName=rule.RuleName,
        BackupRuleCron=rule.ScheduleExpression,
        BackupRuleTimezone=rule.ScheduleExpressionTimezone,
    )
    refused_by_lock = vault.refuses_retention(group.lifecycle.DeleteAfterDays if group.lifecycle else None)
    role_by_resource: dict[str, str] = {}
    for resource in resources:
        picked_by = next((s for s in selections if selects(s.Selection, resource)), selections[0])
        role_by_resource[resource.arn] = picked_by.Selection.IamRoleArn
    jobs = [
        BackupJob(
            BackupJobId=scheduled_backup_job_id(plan_id, group.group_key, group.anchor, resource.arn),
            AccountId=ctx.account,
            BackupVaultName=vault.BackupVaultName,
            BackupVaultArn=vault.BackupVaultArn,
            ResourceArn=resource.arn,
            ResourceType=ctx.adapters.resource_type_of(resource.arn),
            ResourceName=resource.tags.get("Name") or parse_arn(resource.arn).resource_id,
            IamRoleArn=role_by_resource[resource.arn],
            CreatedBy=creator,
            CreationDate=now,
            StartBy=start_by,
            CompleteBy=complete_by,
            RecoveryPointLifecycle=group.lifecycle,
            RecoveryPointTags=rule.RecoveryPointTags,
            BackupType="FULL",
            CorrelationId=f"{plan_id}/{group.group_key}/{group.anchor.isoformat()}",
            CopyActions=list(rule.CopyActions),
        )
        for resource in resources
    ]
    created = existed = started = 0
    for first in range(0, len(jobs), JOBS_PER_WRITE):
        chunk = jobs[first : first + JOBS_PER_WRITE]
        # Created together, each only if absent: a schedule delivered twice finds its jobs and makes none.
        new_ids = ctx.stores.jobs.create_backup_jobs_if_absent(chunk)
        to_start: list[tuple[BackupJob, bool]] = []
        for job in chunk:
            if job.BackupJobId in new_ids:
                created += 1
                if refused_by_lock:
                    # The vault's lock refuses this retention: the job fails, as AWS Backup fails it, saying why.
                    finish_job(ctx, job, BackupJobState.FAILED, now, refused_by_lock)
                    continue
                to_start.append((job, True))
            else:
                existed += 1
                existing = ctx.stores.jobs.find_backup_job(job.BackupJobId)
                if existing is not None and existing.State == BackupJobState.CREATED:
                    to_start.append((existing, False))
        started += _start_many(ctx, to_start, now)
    ctx.stores.plans.record_execution(plan_id, scheduled_time)
    metrics.add_metric(name="BackupJobsCreated", unit=MetricUnit.Count, value=created)
    logger.info(
        "rule fired",
        extra={
            "plan_id": plan_id,
            "rule_id": rule_id,
            "resources_selected": len(resources),
            "jobs_created": created,
            "jobs_started": started,
        },
    )
    return StartBackupsResult(len(resources), created, started, existed)


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
    return start_job(ctx, job, now, just_created=True)


def start_job(ctx: ServiceContext, job: BackupJob, now: datetime, *, just_created: bool = False) -> BackupJob:
    """CREATED -> RUNNING by starting (or adopting) the native backup. A failure that may pass (throttling,
    a busy resource) leaves the job CREATED for the next attempt within its start window; a failure that
    will not pass (the resource is gone) fails the job. Either way the other jobs go on."""
    moved, native = _begin(ctx, job, now, just_created)
    return moved if native is None else _save_running(ctx, job, moved, native.native_id, now)


def _begin(
    ctx: ServiceContext, job: BackupJob, now: datetime, just_created: bool
) -> tuple[BackupJob, NativeBackup | None]:
    """Starts (or adopts) the native backup: the RUNNING job to save with it, or the job as already saved
    (expired, failed, left to retry) and no native backup."""
    if now >= job.StartBy:
        message = "The start window ended before the job could start"
        return finish_job(ctx, job, BackupJobState.EXPIRED, now, message), None
    adapter = ctx.adapters.for_type(job.ResourceType)
    try:
        # A job this very call created has had no start attempt, so there is no native backup to adopt.
        native = None if just_created else adapter.find_backup(job.ResourceArn, job.BackupJobId)
        if native is None:
            tags = {**job.RecoveryPointTags, SOURCE_TAG: job.ResourceArn}
            native = adapter.start_backup(job.ResourceArn, job.BackupJobId, tags)
    except BackupError as error:
        return finish_job(ctx, job, BackupJobState.FAILED, now, error.message), None
    except Exception as error:  # noqa: BLE001 - anything else is retried while the start window lasts
        logger.warning("backup start failed; will retry", extra={"backup_job_id": job.BackupJobId, "error": str(error)})
        retry = job.model_copy(
            update={"StartAttempts": job.StartAttempts + 1, "StatusMessage": f"Start attempt failed: {error}"}
        )
        save_job(ctx, retry, job.State)
        return retry, None
    running = job.transition(
        BackupJobState.RUNNING,
        NativeBackupId=native.native_id,
        RecoveryPointArn=native.recovery_point_arn,
        InitiationDate=now,
        StartAttempts=job.StartAttempts + 1,
        StatusMessage=None,
        PercentDone="0.0",
    )
    return running, native


def _save_running(ctx: ServiceContext, job: BackupJob, running: BackupJob, native_id: str, now: datetime) -> BackupJob:
    if save_job(ctx, running, job.State):
        publish(ctx, running, now)
        return running
    # Another worker moved the job meanwhile (a duplicate delivery that won, StopBackupJob): a native backup
    # this attempt made and the job does not own would be orphaned, so it goes.
    current = ctx.stores.jobs.get_backup_job(job.BackupJobId)
    if current.NativeBackupId != native_id:
        ctx.adapters.for_type(job.ResourceType).delete_backup(native_id)
    return current


def _start_many(ctx: ServiceContext, jobs: list[tuple[BackupJob, bool]], now: datetime) -> int:
    """start_job for many CREATED jobs, their RUNNING states saved together in one conditional transaction
    (one call instead of one per job); if any of them moved meanwhile, each is saved on its own instead."""
    begun = [(job, *_begin(ctx, job, now, just_created)) for job, just_created in jobs]
    running = [(job, moved, native) for job, moved, native in begun if native is not None]
    if running and ctx.stores.jobs.save_backup_jobs([moved for _, moved, _ in running], BackupJobState.CREATED.value):
        for _, moved, _ in running:
            publish(ctx, moved, now)
        return len(running)
    saved = [_save_running(ctx, job, moved, native.native_id, now) for job, moved, native in running]
    return sum(1 for job in saved if job.State == BackupJobState.RUNNING)


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
