"""Copy jobs: StartCopyJob and a rule's CopyActions copy a completed recovery point into another vault, in
this deployment or in another Region or account.

A copy job is CREATED, then started (the destination's adapter starts the native copy, re-encrypted with
the destination vault's key), then RUNNING until the native copy completes, when the copy is recorded as a
recovery point in the DESTINATION deployment's catalog with the copy's own lifecycle, and the job is
COMPLETED. track_jobs moves open copy jobs on, as it does backup jobs.

A copy that cannot work as configured (no destination vault, a destination lock that refuses the
retention, an AWS managed key crossing accounts, no way into the destination account) FAILS with a message
that says why and how to fix it. A failure that may pass (throttling) leaves the job CREATED, retried by
the next tracking run up to MAX_START_ATTEMPTS times. Copies into one destination Region are bounded per
resource type (domain.copies.CONCURRENT_COPIES_PER_DESTINATION); beyond the bound they wait in CREATED."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from lambdas.common.observability import logger, metrics
from lambdas.domain.copies import (
    CONCURRENT_COPIES_PER_DESTINATION,
    CopyJob,
    CopyJobState,
    StartCopyJobInput,
    VaultAddress,
)
from lambdas.domain.errors import (
    BackupError,
    InvalidParameterValueException,
    InvalidRequestException,
)
from lambdas.domain.ids import idempotent_job_id, new_id
from lambdas.domain.jobs import BackupJob
from lambdas.domain.lifecycle import calculate
from lambdas.domain.plans import CopyAction, Lifecycle
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.domain.validation import parse_model
from lambdas.domain.vaults import BackupVault
from lambdas.resources.base import SOURCE_TAG, CopyCapable, CopySource, Phase
from lambdas.resources.types import spec_of
from lambdas.resources.vault_storage import WorkBudget
from lambdas.services import native_locks
from lambdas.services.backup_metrics import count_job
from lambdas.services.context import ServiceContext
from lambdas.services.copy_checks import COPYABLE, check_copy, check_destination_policy, failure_category
from lambdas.services.copy_destinations import CopyRefused, Destination
from lambdas.services.job_transitions import finish, publish, save_job
from lambdas.services.leftovers import leave_over

MAX_START_ATTEMPTS = 12  # an hour of five-minute tracking runs


# Starting


def start_copy_job(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> CopyJob:
    """StartCopyJob: the request is checked before anything is written; the job then starts at once."""
    data = parse_model(StartCopyJobInput, request)
    destination = VaultAddress.parse(data.DestinationBackupVaultArn)
    source_vault = ctx.stores.vaults.get(data.SourceBackupVaultName)
    point = ctx.stores.recovery_points.get(data.RecoveryPointArn, source_vault.BackupVaultName)
    if point.Status not in COPYABLE:
        raise InvalidRequestException(
            f"Recovery point {point.RecoveryPointArn} is {point.Status.value}: only a COMPLETED recovery point "
            "can be copied"
        )
    if destination.arn == source_vault.BackupVaultArn:
        raise InvalidParameterValueException(
            f"The destination backup vault {destination.arn} is the source vault: copy to another vault"
        )
    job_id = (
        idempotent_job_id("copy", data.IdempotencyToken, point.RecoveryPointArn, destination.arn)
        if data.IdempotencyToken
        else new_id().upper()
    )
    job = _new_job(ctx, job_id, point, source_vault, destination, data.IamRoleArn, data.Lifecycle, now)
    if not ctx.stores.jobs.create_copy_job(job):
        return ctx.stores.jobs.get_copy_job(job_id)  # same IdempotencyToken: the same job
    count_job(job)
    return start_copy(ctx, job, now)


def copies_after_backup(
    ctx: ServiceContext, job: BackupJob, point: RecoveryPoint, now: datetime, slots: CopySlots | None = None
) -> list[CopyJob]:
    """The copy jobs of the rule that made `job`, created (idempotently: one id per backup job and
    destination) and started. Called before the backup job is saved COMPLETED, so a crash in between
    re-creates the same jobs on the next run instead of losing them."""
    actions = job.CopyActions if job.CopyActions is not None else _rule_copy_actions(ctx, job)
    if not actions:
        return []
    source_vault = ctx.stores.vaults.get(point.BackupVaultName)
    started: list[CopyJob] = []
    for action in actions:
        destination = VaultAddress.parse(action.DestinationBackupVaultArn)
        job_id = idempotent_job_id("rule-copy", job.BackupJobId, destination.arn)
        copy = _new_job(ctx, job_id, point, source_vault, destination, job.IamRoleArn, action.Lifecycle, now)
        copy = copy.model_copy(update={"CreatedByBackupJobId": job.BackupJobId, "CorrelationId": job.CorrelationId})
        if ctx.stores.jobs.create_copy_job(copy):
            count_job(copy)
            copy = start_copy(ctx, copy, now, slots)
        else:
            copy = ctx.stores.jobs.get_copy_job(job_id)
        started.append(copy)
    return started


def _rule_copy_actions(ctx: ServiceContext, job: BackupJob) -> list[CopyAction]:
    creator = job.CreatedBy
    if not creator.BackupPlanId or not creator.BackupRuleId:
        return []  # on-demand backups have no copy actions
    plan = ctx.stores.plans.find(creator.BackupPlanId, creator.BackupPlanVersion)
    rule = next((r for r in plan.Rules if r.RuleId == creator.BackupRuleId), None) if plan else None
    return list(rule.CopyActions) if rule else []


def _new_job(
    ctx: ServiceContext,
    job_id: str,
    point: RecoveryPoint,
    source_vault: BackupVault,
    destination: VaultAddress,
    role: str,
    lifecycle: Lifecycle | None,
    now: datetime,
) -> CopyJob:
    return CopyJob(
        CopyJobId=job_id,
        AccountId=ctx.account,
        SourceBackupVaultArn=source_vault.BackupVaultArn,
        SourceBackupVaultName=source_vault.BackupVaultName,
        SourceRecoveryPointArn=point.RecoveryPointArn,
        DestinationBackupVaultArn=destination.arn,
        DestinationRecoveryPointLifecycle=lifecycle,
        ResourceArn=point.ResourceArn,
        ResourceType=point.ResourceType,
        ResourceName=point.ResourceName,
        IamRoleArn=role,
        CreatedBy=point.CreatedBy,
        BackupSizeInBytes=point.BackupSizeInBytes,
        CreationDate=now,
        SourceCreationDate=point.CreationDate,
        CorrelationId=f"copy/{job_id}",
    )


def _destination(ctx: ServiceContext, address: VaultAddress) -> Destination:
    if ctx.destinations is not None:
        return ctx.destinations.open(address.account, address.region)
    if (address.account, address.region) == (ctx.account, ctx.region):
        return Destination(ctx.account, ctx.region, ctx.stores, ctx.adapters)
    raise CopyRefused(
        f"This deployment cannot reach account {address.account} in {address.region}: copies to other "
        "Regions and accounts need the copy destinations configured"
    )


class CopySlots:
    """How many copies run into each (Region, type): the open copy jobs are read once, when first asked, and the
    count is kept up to date as copies start and finish, so a run that starts a thousand copies reads them once."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx
        self._counts: Counter[tuple[str, str]] | None = None

    def running(self, region: str, resource_type: str) -> int:
        if self._counts is None:
            self._counts = Counter()
            token: str | None = None
            while True:
                jobs, token = self._ctx.stores.jobs.open_copy_jobs(limit=1000, token=token)
                self._counts.update(
                    (j.destination.region, j.ResourceType) for j in jobs if j.State == CopyJobState.RUNNING
                )
                if token is None:
                    break
        return self._counts[(region, resource_type)]

    def moved(self, job: CopyJob, to: CopyJobState) -> None:
        if self._counts is None:
            return
        key = (job.destination.region, job.ResourceType)
        if to == CopyJobState.RUNNING:
            self._counts[key] += 1
        elif job.State == CopyJobState.RUNNING and self._counts[key] > 0:
            self._counts[key] -= 1


def start_copy(ctx: ServiceContext, job: CopyJob, now: datetime, slots: CopySlots | None = None) -> CopyJob:
    """CREATED -> RUNNING, or FAILED with the reason, or left CREATED (queued, or a failure that may pass).
    slots: the run's count of running copies (a fresh one when None)."""
    if job.State != CopyJobState.CREATED:
        return job
    address = job.destination
    bound = CONCURRENT_COPIES_PER_DESTINATION.get(job.ResourceType)
    slots = slots or CopySlots(ctx)
    if bound is not None and slots.running(address.region, job.ResourceType) >= bound:
        message = f"Queued: {bound} {job.ResourceType} copies into {address.region} are running already"
        if job.StatusMessage != message:
            save_job(ctx, job.model_copy(update={"StatusMessage": message}), job.State)
        return job.model_copy(update={"StatusMessage": message})
    try:
        destination = _destination(ctx, address)
        vault, point = check_copy(ctx, job, destination)
        check_destination_policy(ctx, job, vault, destination, now)
        adapter = destination.adapters.for_type(job.ResourceType)
        if not isinstance(adapter, CopyCapable):
            refusal = (spec := spec_of(job.ResourceType)) and spec.copy_refusal
            raise CopyRefused(
                f"Strongroom cannot copy {job.ResourceType} recovery points" + (f": {refusal}" if refusal else "")
            )
        native = adapter.find_backup(job.ResourceArn, job.CopyJobId)
        if native is None:
            if destination.account != ctx.account:
                source_adapter = ctx.adapters.for_type(job.ResourceType)
                assert isinstance(source_adapter, CopyCapable)  # the same adapter type as the destination's
                source_adapter.share_backup(point.NativeBackupId, destination.account)
            source = CopySource(point.NativeBackupId, ctx.region, ctx.account, job.ResourceArn)
            tags = {**point.Tags, SOURCE_TAG: job.ResourceArn}
            native = adapter.copy_in(source, job.CopyJobId, vault.EncryptionKeyArn, tags)
    except BackupError as error:
        return _finish(ctx, job, CopyJobState.FAILED, now, error.message, failure_category(error))
    except Exception as error:  # noqa: BLE001 - retried by the next tracking run, a bounded number of times
        attempts = job.StartAttempts + 1
        if attempts >= MAX_START_ATTEMPTS:
            message = f"The copy could not start after {attempts} tries: {error}"
            return _finish(ctx, job, CopyJobState.FAILED, now, message)
        logger.warning("copy start failed; will retry", extra={"copy_job_id": job.CopyJobId, "error": str(error)})
        retry = job.model_copy(update={"StartAttempts": attempts, "StatusMessage": f"Start attempt failed: {error}"})
        save_job(ctx, retry, job.State)
        return retry
    running = job.transition(
        CopyJobState.RUNNING,
        DestinationNativeId=native.native_id,
        DestinationRecoveryPointArn=native.recovery_point_arn,
        DestinationEncryptionKeyArn=vault.EncryptionKeyArn,
        StartAttempts=job.StartAttempts + 1,
        StatusMessage=None,
    )
    if save_job(ctx, running, job.State):
        publish(ctx, running, now)
        slots.moved(job, CopyJobState.RUNNING)
        return running
    current = ctx.stores.jobs.get_copy_job(job.CopyJobId)
    if current.DestinationNativeId != native.native_id:
        # A copy this attempt made and no job owns: the destination's Lifecycle deletes it.
        reason = f"copied for copy job {job.CopyJobId} by an attempt that lost to another"
        leave_over(destination.stores, job.ResourceType, native.native_id, native.recovery_point_arn, reason, now)
    return current


# Tracking


@dataclass
class CopyTrackResult:
    examined: int = 0
    completed: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    finished: bool = True  # False: the budget ended before the open copy jobs did


def track_copy_jobs(
    ctx: ServiceContext, now: datetime, slots: CopySlots | None = None, budget: WorkBudget | None = None
) -> CopyTrackResult:
    result = CopyTrackResult()
    slots = slots or CopySlots(ctx)
    token: str | None = None
    while True:
        if budget is not None and budget.exhausted:
            result.finished = False
            break
        if budget is not None:
            budget.spend()
        jobs, token = ctx.stores.jobs.open_copy_jobs(limit=200, token=token)
        for job in jobs:
            result.examined += 1
            try:
                outcome = track_copy(ctx, job, now, slots)
            except Exception as error:  # noqa: BLE001 - one job's failure never stops the others
                logger.exception("tracking a copy job failed", extra={"copy_job_id": job.CopyJobId})
                result.errors.append(f"{job.CopyJobId}: {error}")
                continue
            if outcome.State == CopyJobState.COMPLETED:
                result.completed += 1
            elif outcome.State == CopyJobState.FAILED:
                result.failed += 1
        if token is None:
            break
    if result.errors:
        metrics.add_metric(name="TrackCopyJobsErrors", unit=MetricUnit.Count, value=len(result.errors))
    return result


def track_copy(ctx: ServiceContext, job: CopyJob, now: datetime, slots: CopySlots | None = None) -> CopyJob:
    slots = slots or CopySlots(ctx)
    if job.State == CopyJobState.CREATED:
        job = start_copy(ctx, job, now, slots)  # and polled at once: a copy may well be complete already
    if job.State != CopyJobState.RUNNING or job.DestinationNativeId is None:
        return job
    destination = _destination(ctx, job.destination)
    adapter = destination.adapters.for_type(job.ResourceType)
    progress = adapter.backup_status(job.DestinationNativeId)
    if progress.phase == Phase.FAILED:
        slots.moved(job, CopyJobState.FAILED)
        return _finish(ctx, job, CopyJobState.FAILED, now, progress.message or "The native copy failed")
    if progress.phase != Phase.COMPLETED:
        return job
    _record_copy(ctx, job, destination, progress.size_bytes, now)
    slots.moved(job, CopyJobState.COMPLETED)
    return _finish(ctx, job, CopyJobState.COMPLETED, now, None, "Success", size=progress.size_bytes)


def _record_copy(
    ctx: ServiceContext, job: CopyJob, destination: Destination, size: int | None, now: datetime
) -> RecoveryPoint:
    """The copy, as a recovery point in the destination's catalog: written before the job turns COMPLETED
    and conditionally, so a crash in between is healed by the next run."""
    assert job.DestinationNativeId and job.DestinationRecoveryPointArn
    existing = destination.stores.recovery_points.find(job.DestinationRecoveryPointArn)
    if existing is not None:
        return existing
    vault = destination.stores.vaults.get(job.destination.name)
    source = ctx.stores.recovery_points.find(job.SourceRecoveryPointArn)
    adapter = destination.adapters.for_type(job.ResourceType)
    lifecycle = job.DestinationRecoveryPointLifecycle
    point = RecoveryPoint(
        RecoveryPointArn=job.DestinationRecoveryPointArn,
        BackupVaultName=vault.BackupVaultName,
        BackupVaultArn=vault.BackupVaultArn,
        SourceBackupVaultArn=job.SourceBackupVaultArn,
        ResourceArn=job.ResourceArn,
        ResourceType=job.ResourceType,
        ResourceName=job.ResourceName,
        CreatedBy=job.CreatedBy,
        IamRoleArn=job.IamRoleArn,
        # The copy holds the data of the source's moment, and its lifecycle counts from that moment.
        CreationDate=job.SourceCreationDate,
        InitiationDate=job.CreationDate,
        CompletionDate=now,
        BackupSizeInBytes=size if size is not None else job.BackupSizeInBytes,
        Lifecycle=lifecycle,
        CalculatedLifecycle=calculate(job.SourceCreationDate, lifecycle, cold_storage=adapter.supports_cold_storage),
        EncryptionKeyArn=vault.EncryptionKeyArn,
        IsEncrypted=True,
        Tags=source.Tags if source else {},
        CopyJobId=job.CopyJobId,
        NativeBackupId=job.DestinationNativeId,
        RestoreMetadata={
            **(source.RestoreMetadata if source else {}),
            **adapter.restore_metadata(job.DestinationNativeId, None),
        },
    )
    destination.stores.recovery_points.create(point)
    destination.stores.protected.record(point)
    if vault.Lock is not None:  # a copy into a locked vault is locked there too
        native_locks.apply_lock(adapter, point, vault, False, now)
    return point


def _finish(
    ctx: ServiceContext,
    job: CopyJob,
    state: CopyJobState,
    now: datetime,
    message: str | None,
    category: str | None = None,
    size: int | None = None,
) -> CopyJob:
    """The job finished, or as another worker left it when that worker moved it first."""
    changes: dict[str, object] = {"MessageCategory": category}
    if size is not None:
        changes["BackupSizeInBytes"] = size
    finished, landed = finish(ctx, job, state, now, message, **changes)
    return finished if landed else ctx.stores.jobs.get(CopyJob, job.CopyJobId)
