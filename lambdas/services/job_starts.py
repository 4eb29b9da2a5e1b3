"""Starting CREATED backup jobs, a batch at a time, within what the services allow.

Before any native call, a batch is gated: a resource whose previous backup is still running waits for it (one
backup of a resource at a time, running_backup_store), and each type's quota is asked once for the batch
(StartQuota: pending snapshots per volume, the RDS manual snapshot quota). A job that must wait stays CREATED
with a message saying why; the tracker tries it again each run until its start window ends. The others start
(or adopt the native backup an earlier attempt made) and are saved RUNNING together with their claims, a
transaction per SAVES_PER_WRITE jobs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from lambdas.common.observability import logger
from lambdas.domain.errors import BackupError
from lambdas.domain.jobs import BackupJob, BackupJobState
from lambdas.resources.base import SOURCE_TAG, NativeBackup, RunMemo, StartQuota
from lambdas.resources.vault_storage import WorkBudget
from lambdas.resources.waits import BackupMustWait
from lambdas.services.context import ServiceContext
from lambdas.services.job_transitions import finish_job, publish, save_job
from lambdas.services.leftovers import leave_over

SAVES_PER_WRITE = 50  # jobs saved RUNNING per transaction, each with its claim: 100 writes, DynamoDB's limit
START_WINDOW_ENDED = "The start window ended before the job could start"


def start_job(ctx: ServiceContext, job: BackupJob, now: datetime, *, just_created: bool = False) -> BackupJob:
    return start_jobs(ctx, [(job, just_created)], now)[job.BackupJobId]


def start_jobs(
    ctx: ServiceContext,
    jobs: Sequence[tuple[BackupJob, bool]],
    now: datetime,
    budget: WorkBudget | None = None,
) -> dict[str, BackupJob]:
    """CREATED -> RUNNING for each job that may start now; every job as it was left, by id. just_created: the
    job was created by this very call, so no earlier attempt can have made its native backup. A failure that may
    pass (throttling, a busy resource) leaves the job CREATED for the next attempt within its start window; one
    that will not pass (the resource is gone) fails the job. Either way the other jobs go on. budget: once it is
    spent, the jobs not begun yet are left as they are, for the next run."""
    left: dict[str, BackupJob] = {}
    candidates: list[tuple[BackupJob, bool]] = []
    for job, just_created in jobs:
        if job.window_verdict(now) == BackupJobState.EXPIRED:
            left[job.BackupJobId] = _expire(ctx, job, now)
        else:
            candidates.append((job, just_created))
    memo = RunMemo()  # what the gate's capacity calls described, for the starts that follow (start_backup)
    gate = _gate(ctx, [job for job, _ in candidates], now, memo)
    running: list[tuple[BackupJob, BackupJob, NativeBackup]] = []
    for job, just_created in candidates:
        if job.BackupJobId in gate.running_already or (budget is not None and budget.exhausted):
            left[job.BackupJobId] = job
        elif job.BackupJobId in gate.waits:
            left[job.BackupJobId] = _wait(ctx, job, gate.waits[job.BackupJobId])
        else:
            if budget is not None:
                budget.spend()
            moved, native = _begin(ctx, job, now, just_created, memo)
            if native is None:
                left[job.BackupJobId] = moved
            else:
                running.append((job, moved, native))
    for first in range(0, len(running), SAVES_PER_WRITE):
        chunk = running[first : first + SAVES_PER_WRITE]
        if _saved_together(ctx, [moved for _, moved, _ in chunk], now, gate.stale):
            for _, moved, _ in chunk:
                publish(ctx, moved, now)
                left[moved.BackupJobId] = moved
            continue
        for job, moved, native in chunk:
            try:
                left[job.BackupJobId] = _save_running(ctx, job, moved, native.native_id, now, gate.stale)
            except Exception:  # noqa: BLE001 - left CREATED: the next attempt adopts the native backup it made
                logger.exception("saving a started job failed", extra={"backup_job_id": job.BackupJobId})
                left[job.BackupJobId] = job
    return left


@dataclass(frozen=True)
class _Gate:
    waits: dict[str, str]  # job id -> why it must wait
    running_already: frozenset[str]  # job ids that hold their claim: another worker saved them RUNNING just now
    stale: dict[str, str]  # resource ARN -> the ended job whose claim is left over, taken over by the next job


def _gate(ctx: ServiceContext, jobs: list[BackupJob], now: datetime, memo: RunMemo) -> _Gate:
    """Which jobs may not start now, and why: one read of the resources' claims (and of the jobs holding them)
    and one capacity question per resource type for the whole batch."""
    if not jobs:
        return _Gate({}, frozenset(), {})
    held = ctx.stores.running.held([job.ResourceArn for job in jobs], now)
    ids = {job.BackupJobId for job in jobs}
    holders = ctx.stores.jobs.find_backup_jobs([c.job_id for c in held.values() if c.job_id not in ids])
    waits: dict[str, str] = {}
    running_already = {
        job.BackupJobId for job in jobs if (c := held.get(job.ResourceArn)) and c.job_id == job.BackupJobId
    }
    stale: dict[str, str] = {}
    first_of: dict[str, str] = {}
    for job in jobs:
        claim = held.get(job.ResourceArn)
        if job.BackupJobId in running_already:
            continue
        if claim is not None and claim.job_id not in ids:
            holder = holders.get(claim.job_id)
            if holder is not None and holder.is_open:
                waits[job.BackupJobId] = _one_at_a_time(claim.job_id)
                continue
            stale[job.ResourceArn] = claim.job_id  # its job ended without releasing it (a crash in between)
        if first_of.setdefault(job.ResourceArn, job.BackupJobId) != job.BackupJobId:
            waits[job.BackupJobId] = _one_at_a_time(first_of[job.ResourceArn])
    by_type: dict[str, list[BackupJob]] = {}
    for job in jobs:
        if job.BackupJobId not in waits and job.BackupJobId not in running_already:
            by_type.setdefault(job.ResourceType, []).append(job)
    for resource_type, typed in by_type.items():
        waits.update(_over_quota(ctx, resource_type, typed, memo))
    return _Gate(waits, frozenset(running_already), stale)


def _over_quota(ctx: ServiceContext, resource_type: str, jobs: list[BackupJob], memo: RunMemo) -> dict[str, str]:
    adapter = ctx.adapters.for_type(resource_type)
    if not isinstance(adapter, StartQuota):
        return {}
    try:
        capacity = adapter.start_capacity(list(dict.fromkeys(job.ResourceArn for job in jobs)), memo=memo)
    except Exception:  # noqa: BLE001 - unknown capacity: the native calls say no themselves if they must
        logger.exception("start capacity unknown", extra={"resource_type": resource_type})
        return {}
    waits: dict[str, str] = {}
    room = capacity.room
    for job in jobs:
        if job.ResourceArn in capacity.busy:
            waits[job.BackupJobId] = capacity.busy[job.ResourceArn]
        elif room is not None and room <= 0:
            waits[job.BackupJobId] = capacity.room_reason
        elif room is not None:
            room -= 1
    return waits


def _saved_together(ctx: ServiceContext, running: list[BackupJob], now: datetime, stale: dict[str, str]) -> bool:
    try:
        return ctx.stores.start_backups(running, BackupJobState.CREATED.value, now, stale)
    except Exception:  # noqa: BLE001 - then each is saved on its own, which isolates the one at fault
        logger.exception("saving started jobs together failed")
        return False


def _expire(ctx: ServiceContext, job: BackupJob, now: datetime) -> BackupJob:
    message = f"{START_WINDOW_ENDED}: {job.StatusMessage}" if job.StatusMessage else START_WINDOW_ENDED
    expired = finish_job(ctx, job, BackupJobState.EXPIRED, now, message)
    if expired.State == BackupJobState.EXPIRED and job.StartAttempts:
        # An attempt may have made the native backup and then failed to save the job: no job owns it now.
        adapter = ctx.adapters.for_type(job.ResourceType)
        try:
            found = adapter.find_backup(job.ResourceArn, job.BackupJobId)
            if found is not None:
                reason = f"made by an attempt of backup job {job.BackupJobId}, which never started"
                leave_over(ctx.stores, job.ResourceType, found.native_id, found.recovery_point_arn, reason, now)
        except Exception:  # noqa: BLE001 - the job is expired either way; the leftover is reported
            logger.exception("expired job's native backup not looked for", extra={"backup_job_id": job.BackupJobId})
    return expired


def _one_at_a_time(holder: str) -> str:
    return f"Waiting for backup job {holder} of this resource to finish: a resource is backed up by one job at a time"


def _wait(ctx: ServiceContext, job: BackupJob, reason: str) -> BackupJob:
    if job.StatusMessage == reason:
        return job  # told already: no write
    waiting = job.model_copy(update={"StatusMessage": reason})
    return waiting if save_job(ctx, waiting, job.State) else ctx.stores.jobs.get_backup_job(job.BackupJobId)


def _begin(
    ctx: ServiceContext, job: BackupJob, now: datetime, just_created: bool, memo: RunMemo
) -> tuple[BackupJob, NativeBackup | None]:
    """Starts (or adopts) the native backup: the RUNNING job to save with it, or the job as already saved
    (failed, left to retry) and no native backup."""
    adapter = ctx.adapters.for_type(job.ResourceType)
    try:
        # A job this very call created has had no start attempt, so there is no native backup to adopt.
        native = None if just_created else adapter.find_backup(job.ResourceArn, job.BackupJobId)
        if native is None:
            tags = {**job.RecoveryPointTags, SOURCE_TAG: job.ResourceArn}
            native = adapter.start_backup(job.ResourceArn, job.BackupJobId, tags, memo=memo)
    except BackupError as error:
        return finish_job(ctx, job, BackupJobState.FAILED, now, error.message), None
    except BackupMustWait as refusal:
        return _wait(ctx, job, str(refusal)), None  # a quota or a busy resource: tried again, nothing failed
    except Exception as error:  # noqa: BLE001 - anything else is retried while the start window lasts
        logger.warning("backup start failed; will retry", extra={"backup_job_id": job.BackupJobId, "error": str(error)})
        retry = job.model_copy(
            update={"StartAttempts": job.StartAttempts + 1, "StatusMessage": f"Start attempt failed: {error}"}
        )
        save_job(ctx, retry, job.State)
        return retry, None
    running = job.transition(
        BackupJobState.RUNNING,
        HoldsClaim=True,  # saved with its claim (Stores.start_backups)
        NativeBackupId=native.native_id,
        RecoveryPointArn=native.recovery_point_arn,
        InitiationDate=now,
        StartAttempts=job.StartAttempts + 1,
        StatusMessage=None,
        PercentDone="0.0",
    )
    return running, native


def _save_running(
    ctx: ServiceContext, job: BackupJob, running: BackupJob, native_id: str, now: datetime, stale: dict[str, str]
) -> BackupJob:
    if ctx.stores.start_backups([running], job.State.value, now, stale):
        publish(ctx, running, now)
        return running
    # Another worker moved the job meanwhile (a duplicate delivery that won, StopBackupJob), or another job's
    # backup of the resource started first: a native backup this attempt made and the job does not own would be
    # orphaned, so Lifecycle deletes it.
    current = ctx.stores.jobs.get_backup_job(job.BackupJobId)
    if current.NativeBackupId != native_id:
        reason = f"started for backup job {job.BackupJobId} by an attempt that lost to another"
        leave_over(ctx.stores, job.ResourceType, native_id, running.RecoveryPointArn or "", reason, now)
    if current.State == job.State:
        claim = ctx.stores.running.held([job.ResourceArn], now).get(job.ResourceArn)
        return _wait(ctx, current, _one_at_a_time(claim.job_id if claim else "(another)"))
    return current
