"""track_jobs: moves every open backup job on. CREATED jobs are (re)started within their start window,
RUNNING jobs are polled, windows are enforced, and a completed job gets its recovery point and its rule's
copy jobs. Open copy jobs are moved on in the same run. One job's failure is logged and counted, never
allowed to stop the others."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit

from lambdas.common.observability import logger, metrics
from lambdas.domain.jobs import BackupJob, BackupJobState
from lambdas.domain.lifecycle import calculate
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.resources.base import BatchDescribe, BatchStatus, DuplicateSweep, Phase, Progress, ResourceInfo, RunMemo
from lambdas.resources.vault_storage import WorkBudget
from lambdas.services import native_locks
from lambdas.services.context import ServiceContext
from lambdas.services.copy_service import CopySlots, CopyTrackResult, copies_after_backup, track_copy_jobs
from lambdas.services.job_starts import start_job, start_jobs
from lambdas.services.job_transitions import finish_job, publish, save_job
from lambdas.services.leftovers import leave_over
from lambdas.services.restore_testing_coverage import RestoreTestCoverage

COMPLETIONS_PER_WRITE = 20  # finished backups per transaction: four writes each + their vaults' counters, 100
PAGE_SIZE = 200  # open jobs read, polled and recorded together
BACKUP_JOBS_SECONDS = 180.0  # of the TrackJobs function's 300 s timeout
COPY_JOBS_SECONDS = 60.0


@dataclass
class TrackResult:
    examined: int = 0
    completed: int = 0
    failed: int = 0
    expired: int = 0
    started: int = 0
    errors: list[str] = field(default_factory=list)
    copies: CopyTrackResult = field(default_factory=CopyTrackResult)
    finished: bool = True  # False: the budget ended before the open jobs did; the next run goes on

    def count(self, outcome: BackupJob, *, was_waiting: bool = False) -> None:
        if outcome.State == BackupJobState.COMPLETED:
            self.completed += 1
        elif outcome.State == BackupJobState.FAILED:
            self.failed += 1
        elif outcome.State == BackupJobState.EXPIRED:
            self.expired += 1
        elif outcome.State == BackupJobState.RUNNING and was_waiting:
            self.started += 1


def track_jobs(
    ctx: ServiceContext, now: datetime, *, budget: WorkBudget | None = None, page_size: int = PAGE_SIZE
) -> TrackResult:
    """budget: how long the backup jobs may take (BACKUP_JOBS_SECONDS); the copy jobs then get their own
    COPY_JOBS_SECONDS, so a run over many backups never starves the copies, and neither outlasts the function."""
    with ctx.events.batched():
        return _track_all(ctx, now, budget or WorkBudget(BACKUP_JOBS_SECONDS), page_size)


def _track_all(ctx: ServiceContext, now: datetime, budget: WorkBudget, page_size: int) -> TrackResult:
    result = TrackResult()
    # Most runs find no job open: one small read says so (lambdas/store/open_jobs.py) instead of two queries.
    marker = ctx.stores.jobs.open_marker.read()
    if marker.nothing_open:
        return result
    slots = CopySlots(ctx)  # the run's count of running copies, read once however many copies start
    coverage = RestoreTestCoverage(ctx.stores.restore_testing)  # restore tests' selections, read once if needed
    token: str | None = None
    while True:
        if budget.exhausted:
            # The next run (5 minutes) goes on from the oldest open job: finished ones have left the index.
            result.finished = False
            logger.warning("tracking budget spent; the next run goes on", extra={"examined": result.examined})
            break
        jobs, token = ctx.stores.jobs.open_backup_jobs(limit=page_size, token=token)
        _track_page(ctx, jobs, now, result, slots, budget, coverage)
        budget.spend()
        if token is None:
            break
    if result.errors:
        metrics.add_metric(name="TrackJobsErrors", unit=MetricUnit.Count, value=len(result.errors))
    # After the backup jobs, so the copies a completed backup started are polled in the same run.
    result.copies = track_copy_jobs(ctx, now, slots, WorkBudget(COPY_JOBS_SECONDS))
    if result.examined == 0 and result.copies.examined == 0 and result.finished and result.copies.finished:
        ctx.stores.jobs.open_marker.found_none(marker)
    return result


def _track_page(
    ctx: ServiceContext,
    jobs: list[BackupJob],
    now: datetime,
    result: TrackResult,
    slots: CopySlots,
    budget: WorkBudget,
    coverage: RestoreTestCoverage | None = None,
) -> None:
    """A page of open jobs: the running ones polled with one status call per type where the service allows it,
    the finished backups recorded a transaction per COMPLETIONS_PER_WRITE jobs, then the waiting ones started
    together (start_jobs gates and batches them)."""
    result.examined += len(jobs)
    running = [job for job in jobs if job.State == BackupJobState.RUNNING and job.NativeBackupId]
    memo = RunMemo()  # what the page's batch calls described, for the recovery points that follow
    known = _statuses(ctx, running, now, memo)
    finished: list[tuple[BackupJob, Progress]] = []
    for job in running:
        try:
            progress = known.get(job.NativeBackupId or "") or ctx.adapters.for_type(job.ResourceType).backup_status(
                job.NativeBackupId or ""
            )
            if progress.phase == Phase.COMPLETED and not _has_copies(job):
                finished.append((job, progress))  # recorded together below
                continue
            result.count(track_job(ctx, job, now, progress, slots, coverage, memo))
        except Exception as error:  # noqa: BLE001 - isolate each job; the failure is reported below
            logger.exception("tracking a job failed", extra={"backup_job_id": job.BackupJobId})
            result.errors.append(f"{job.BackupJobId}: {error}")
    _complete_all(ctx, finished, now, result, memo, coverage)
    # After the running ones: a job waiting for the backup of its resource that just completed starts now.
    waiting = [job for job in jobs if job.State in (BackupJobState.CREATED, BackupJobState.PENDING)]
    try:
        # Native starts are the slow part of a page: the budget stops them before the function's timeout would.
        for outcome in start_jobs(ctx, [(job, False) for job in waiting], now, budget).values():
            result.count(outcome, was_waiting=True)
    except Exception as error:  # noqa: BLE001 - the running jobs are still tracked; these are tried next run
        logger.exception("starting waiting jobs failed")
        result.errors.append(f"starting {len(waiting)} waiting jobs: {error}")


def _complete_all(
    ctx: ServiceContext,
    finished: list[tuple[BackupJob, Progress]],
    now: datetime,
    result: TrackResult,
    memo: RunMemo,
    coverage: RestoreTestCoverage | None = None,
) -> None:
    """Recovery points, protected resources and COMPLETED states of finished backups, several jobs to a
    transaction; a transaction that fails (one of its jobs moved meanwhile) is done again job by job."""
    if not finished:
        return
    sources = _sources(ctx, [job for job, _ in finished], memo)
    done: list[tuple[BackupJob, RecoveryPoint, BackupJob]] = []
    for job, progress in finished:
        try:
            point = _new_recovery_point(ctx, job, progress.size_bytes, now, sources, coverage, memo)
        except Exception as error:  # noqa: BLE001 - isolate each job
            logger.exception("recording a backup failed", extra={"backup_job_id": job.BackupJobId})
            result.errors.append(f"{job.BackupJobId}: {error}")
            continue
        done.append((job, point, _completed(job, progress.size_bytes, now)))
    for chunk in _distinct_resources(done, COMPLETIONS_PER_WRITE):
        together = [(point, completed) for _, point, completed in chunk]
        if _completed_together(ctx, together, now):
            for _, point, completed in chunk:
                native_locks.protect_new(ctx, point, now)
                publish(ctx, completed, now)
                result.count(completed)
            continue
        for job, point, completed in chunk:
            try:
                result.count(_complete_one(ctx, job, point, completed, now))
            except Exception as error:  # noqa: BLE001 - isolate each job
                logger.exception("recording a backup failed", extra={"backup_job_id": job.BackupJobId})
                result.errors.append(f"{job.BackupJobId}: {error}")


def _completed_together(ctx: ServiceContext, together: list[tuple[RecoveryPoint, BackupJob]], now: datetime) -> bool:
    try:
        return ctx.stores.complete_backups(together, BackupJobState.RUNNING.value, now)
    except Exception:  # noqa: BLE001 - then each is recorded on its own, which isolates the one at fault
        logger.exception("recording finished backups together failed")
        return False


def _distinct_resources(
    done: list[tuple[BackupJob, RecoveryPoint, BackupJob]], size: int
) -> Iterator[list[tuple[BackupJob, RecoveryPoint, BackupJob]]]:
    """Chunks of at most `size` in which no resource appears twice (one transaction may not write an item twice)."""
    chunk: list[tuple[BackupJob, RecoveryPoint, BackupJob]] = []
    resources: set[str] = set()
    for entry in done:
        if len(chunk) == size or entry[0].ResourceArn in resources:
            yield chunk
            chunk, resources = [], set()
        chunk.append(entry)
        resources.add(entry[0].ResourceArn)
    if chunk:
        yield chunk


def _complete_one(
    ctx: ServiceContext, job: BackupJob, point: RecoveryPoint, completed: BackupJob, now: datetime
) -> BackupJob:
    if ctx.stores.complete_backups([(point, completed)], job.State.value, now):
        native_locks.protect_new(ctx, point, now)
        publish(ctx, completed, now)
        return completed
    recorded = _record_recovery_point(ctx, point)
    native_locks.protect_new(ctx, recorded, now)
    copies_after_backup(ctx, job, recorded, now)
    return _finish_completed(ctx, job, point.BackupSizeInBytes, now)


def _sources(ctx: ServiceContext, jobs: list[BackupJob], memo: RunMemo) -> dict[str, ResourceInfo]:
    """The backed-up resources, described once per type where the service describes many at once."""
    by_type: dict[str, list[str]] = {}
    for job in jobs:
        by_type.setdefault(job.ResourceType, []).append(job.ResourceArn)
    found: dict[str, ResourceInfo] = {}
    for resource_type, arns in by_type.items():
        adapter = ctx.adapters.for_type(resource_type)
        if isinstance(adapter, BatchDescribe):
            try:
                found.update(adapter.describe_many(list(dict.fromkeys(arns)), memo=memo))
            except Exception:  # noqa: BLE001 - each is then described on its own
                logger.exception("batch describe failed", extra={"resource_type": resource_type})
    return found


def _statuses(ctx: ServiceContext, jobs: list[BackupJob], now: datetime, memo: RunMemo) -> dict[str, Progress]:
    """The progress of a page's RUNNING jobs, one call per type for the types whose service can describe many
    backups at once (BatchStatus); the others are asked job by job in track_job. Before that, a second backup
    a job made (a create whose answer was lost and that was sent again) is left over for Lifecycle to delete
    (DuplicateSweep)."""
    by_type: dict[str, dict[str, str]] = {}  # type -> job id -> native id
    for job in jobs:
        if job.State == BackupJobState.RUNNING and job.NativeBackupId:
            by_type.setdefault(job.ResourceType, {})[job.BackupJobId] = job.NativeBackupId
    known: dict[str, Progress] = {}
    for resource_type, owners in by_type.items():
        native_ids = list(owners.values())
        adapter = ctx.adapters.for_type(resource_type)
        if isinstance(adapter, DuplicateSweep):
            try:
                for duplicate in adapter.find_duplicates(owners):
                    reason = "a second backup made for one job (a create retried after its answer was lost)"
                    leave_over(
                        ctx.stores, resource_type, duplicate.native_id, duplicate.recovery_point_arn, reason, now
                    )
            except Exception:  # noqa: BLE001 - the next run sweeps again
                logger.exception("sweeping duplicate backups failed", extra={"resource_type": resource_type})
        if not isinstance(adapter, BatchStatus):
            continue
        try:
            known.update(adapter.backup_statuses(native_ids, memo=memo))
        except Exception:  # noqa: BLE001 - each job is then asked on its own
            logger.exception("batch status failed", extra={"resource_type": resource_type})
    return known


def track_job(
    ctx: ServiceContext,
    job: BackupJob,
    now: datetime,
    known: Progress | None = None,
    slots: CopySlots | None = None,
    coverage: RestoreTestCoverage | None = None,
    memo: RunMemo | None = None,
) -> BackupJob:
    if job.State in (BackupJobState.CREATED, BackupJobState.PENDING):
        return start_job(ctx, job, now)
    if job.State != BackupJobState.RUNNING or job.NativeBackupId is None:
        return job
    adapter = ctx.adapters.for_type(job.ResourceType)
    # Polled before the completion window is judged: a backup that finished between two polls counts.
    progress = known or adapter.backup_status(job.NativeBackupId)
    if progress.phase == Phase.COMPLETED:
        point = _new_recovery_point(ctx, job, progress.size_bytes, now, coverage=coverage, memo=memo)
        if not _has_copies(job):
            return _complete_one(ctx, job, point, _completed(job, progress.size_bytes, now), now)
        point = _record_recovery_point(ctx, point)
        native_locks.protect_new(ctx, point, now)
        copies_after_backup(ctx, job, point, now, slots)
        return _finish_completed(ctx, job, progress.size_bytes, now)
    if progress.phase == Phase.FAILED:
        return finish_job(ctx, job, BackupJobState.FAILED, now, progress.message or "The native backup failed")
    if job.window_verdict(now) is not None:
        expired = finish_job(
            ctx, job, BackupJobState.EXPIRED, now, "The completion window ended before the backup completed"
        )
        if expired.State == BackupJobState.EXPIRED:
            reason = f"unfinished when backup job {job.BackupJobId}'s completion window ended"
            leave_over(ctx.stores, job.ResourceType, job.NativeBackupId, job.RecoveryPointArn or "", reason, now)
        return expired
    moved = job.model_copy(update={"PercentDone": progress.percent_done, "BackupSizeInBytes": progress.size_bytes})
    save_job(ctx, moved, job.State)
    return moved


def _has_copies(job: BackupJob) -> bool:
    """Whether the job's rule copies its backups (None: a job recorded before jobs carried their copy actions,
    whose rule is read when it completes)."""
    return bool(job.CopyActions) or (job.CopyActions is None and job.CreatedBy.BackupPlanId is not None)


def _completed(job: BackupJob, size: int | None, now: datetime) -> BackupJob:
    return job.transition(BackupJobState.COMPLETED, CompletionDate=now, PercentDone="100.0", BackupSizeInBytes=size)


def _new_recovery_point(
    ctx: ServiceContext,
    job: BackupJob,
    size: int | None,
    now: datetime,
    described: dict[str, ResourceInfo] | None = None,
    coverage: RestoreTestCoverage | None = None,
    memo: RunMemo | None = None,
) -> RecoveryPoint:
    """described: sources described already (a batch); the others are described here, one by one. coverage: the
    run's restore testing selections (read here when not given). memo: what the run's batch calls saw, for
    restore_metadata."""
    assert job.RecoveryPointArn and job.NativeBackupId
    adapter = ctx.adapters.for_type(job.ResourceType)
    vault = ctx.stores.vaults.cached_get(job.BackupVaultName)
    source = (described or {}).get(job.ResourceArn)
    if source is None:
        try:
            source = adapter.describe(job.ResourceArn)
        except Exception:  # noqa: BLE001 - the source may be gone by now; the backup still counts
            source = None
    created = job.InitiationDate or job.CreationDate
    point = RecoveryPoint(
        RecoveryPointArn=job.RecoveryPointArn,
        BackupVaultName=vault.BackupVaultName,
        BackupVaultArn=vault.BackupVaultArn,
        ResourceArn=job.ResourceArn,
        ResourceType=job.ResourceType,
        ResourceName=job.ResourceName,
        CreatedBy=job.CreatedBy,
        IamRoleArn=job.IamRoleArn,
        CreationDate=created,
        InitiationDate=job.InitiationDate,
        CompletionDate=now,
        BackupSizeInBytes=size,
        Lifecycle=job.RecoveryPointLifecycle,
        CalculatedLifecycle=calculate(created, job.RecoveryPointLifecycle, cold_storage=adapter.supports_cold_storage),
        # Services with their own backups keep their own encryption: an EBS snapshot uses its volume's key.
        EncryptionKeyArn=source.encryption_key_arn if source else None,
        IsEncrypted=source.is_encrypted if source else False,
        Tags=job.RecoveryPointTags,
        BackupJobId=job.BackupJobId,
        NativeBackupId=job.NativeBackupId,
        RestoreMetadata=adapter.restore_metadata(job.NativeBackupId, source, memo=memo),
        ValidationRecord=_validation_record(ctx, job, source, coverage),
    )
    return point


def _validation_record(
    ctx: ServiceContext, job: BackupJob, source: ResourceInfo | None, coverage: RestoreTestCoverage | None
) -> dict[str, str]:
    """What restore testing's data check will compare a restored copy with (restore_testing_checks), taken only for
    a resource some restore testing selection covers: reading a source (a Scan, a listing) costs."""
    if ctx.restore_checks is None or ctx.restore_checks.for_type(job.ResourceType) is None:
        return {}
    coverage = coverage or RestoreTestCoverage(ctx.stores.restore_testing)
    if not coverage.covers(job.ResourceType, job.ResourceArn, source.tags if source else {}):
        return {}
    return ctx.restore_checks.record(job.ResourceType, job.ResourceArn)


def _record_recovery_point(ctx: ServiceContext, point: RecoveryPoint) -> RecoveryPoint:
    """Written before the job turns COMPLETED, and conditionally: a crash between the two is healed by the
    next run, which finds the point and completes the job."""
    if not ctx.stores.recovery_points.create(point):
        return ctx.stores.recovery_points.get(point.RecoveryPointArn)  # recorded by a run that crashed later
    ctx.stores.protected.record(point)
    return point


def _finish_completed(ctx: ServiceContext, job: BackupJob, size: int | None, now: datetime) -> BackupJob:
    done = _completed(job, size, now)
    if save_job(ctx, done, job.State):
        publish(ctx, done, now)
        return done
    # Someone moved the job meanwhile (StopBackupJob): a point recorded for it must not outlive it.
    current = ctx.stores.jobs.get_backup_job(job.BackupJobId)
    point = ctx.stores.recovery_points.find(job.RecoveryPointArn or "")
    if current.State != BackupJobState.COMPLETED and point is not None and point.BackupJobId == job.BackupJobId:
        withdrawn = point.model_copy(
            update={"StorageClass": "DELETED", "StatusMessage": f"Backup job {job.BackupJobId} was {current.State}"}
        )
        ctx.stores.recovery_points.save(withdrawn, point.Status.value)
    return current
