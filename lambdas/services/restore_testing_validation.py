"""After a restore test's restore: the built-in data check, the user's verdict, and the cleanup.

The hourly sweep (and every firing of a plan) looks at the plans' restore jobs that are still to be judged or
cleaned up: a COMPLETED job not yet validated is checked against what its recovery point recorded at backup
time (ValidationStatus SUCCESSFUL or FAILED, the message saying what differs); once validated, its restored
resource is kept ValidationWindowHours for the user's own checks (PutRestoreValidationResult; a VALIDATING left
at the window's end becomes TIMED_OUT), then deleted
(DeletionStatus DELETING, SUCCESSFUL, or FAILED with the reason). A deletion that fails is retried at every sweep
and alerted on (a restore test job event with DeletionStatus FAILED) until it succeeds: a forgotten copy costs
money. A FAILED restore has nothing to check nor delete: its ValidationStatus stays unset."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from lambdas.common.observability import logger
from lambdas.domain.errors import InvalidRequestException, ResourceNotFoundException
from lambdas.domain.jobs import RestoreJob, RestoreJobStatus
from lambdas.services.context import ServiceContext

VALIDATING, SUCCESSFUL, FAILED, TIMED_OUT = "VALIDATING", "SUCCESSFUL", "FAILED", "TIMED_OUT"
DELETING = "DELETING"
# A point whose backup completed before a selection covered its resource (records are taken only for covered
# resources: restore_testing_coverage), or whose source was too large or unreadable to record.
NOTHING_RECORDED = (
    "The restore completed; only that was checked: its recovery point recorded nothing to compare with (its backup "
    "was taken before a restore testing selection covered the resource, or the source was too large to record)"
)


@dataclass
class SweepResult:
    validated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    deletion_failures: list[str] = field(default_factory=list)


def _test_jobs(ctx: ServiceContext) -> list[RestoreJob]:
    jobs: list[RestoreJob] = []
    token: str | None = None
    while True:
        page, token = ctx.stores.jobs.restore_tests_to_follow(limit=1000, token=token)
        jobs += [job for job in page if job.awaits_restore_test_follow_up]  # the index is read eventually consistently
        if token is None:
            return jobs


def _save(ctx: ServiceContext, job: RestoreJob, **changes: Any) -> RestoreJob:
    updated = job.model_copy(update=changes)
    ctx.stores.jobs.save_restore_job(updated, job.Status.value)
    return updated


def validate(ctx: ServiceContext, job: RestoreJob, now: datetime) -> RestoreJob:
    """The built-in check of one restored resource against its recovery point's record."""
    point = ctx.stores.recovery_points.find(job.RecoveryPointArn)
    check = ctx.restore_checks.for_type(job.ResourceType) if ctx.restore_checks else None
    if check is None or job.CreatedResourceArn is None:
        status, message = SUCCESSFUL, f"The restore completed; Strongroom has no data check for {job.ResourceType}"
    elif point is None or not point.ValidationRecord:
        status, message = SUCCESSFUL, NOTHING_RECORDED
    else:
        try:
            verdict = check.check(point.ValidationRecord, job.CreatedResourceArn)
            status, message = (SUCCESSFUL if verdict.passed else FAILED), verdict.message
        except Exception as error:  # noqa: BLE001 - a check that cannot read the copy fails the test, saying why
            status, message = FAILED, f"The restored resource could not be read: {error}"
    window = _validation_window_hours(ctx, job)
    validated = _save(
        ctx, job, ValidationStatus=status, ValidationStatusMessage=message, DeleteAt=now + timedelta(hours=window)
    )
    ctx.events.publish_restore_job(validated, ctx.stores.vaults.find(job.BackupVaultName), now)
    logger.info("restore test validated", extra={"restore_job_id": job.RestoreJobId, "status": status})
    return validated


def _validation_window_hours(ctx: ServiceContext, job: RestoreJob) -> int:
    plan_name = _plan_name(job)
    if plan_name is None or job.RestoreTestingSelectionName is None:
        return 0
    selection = ctx.stores.restore_testing.find_selection(plan_name, job.RestoreTestingSelectionName)
    return selection.ValidationWindowHours if selection else 0


def _plan_name(job: RestoreJob) -> str | None:
    arn = job.RestoreTestingPlanArn
    return arn.split(":restore-testing-plan:", 1)[-1].rsplit("-", 1)[0] if arn else None


def clean_up(ctx: ServiceContext, job: RestoreJob, now: datetime) -> RestoreJob:
    """Deletes the restored resource of a job whose validation window has ended; a failure is recorded, alerted
    on (its event carries DeletionStatus FAILED) and retried at the next sweep."""
    check = ctx.restore_checks.for_type(job.ResourceType) if ctx.restore_checks else None
    if check is None or job.CreatedResourceArn is None:
        return _save(
            ctx,
            job,
            DeletionStatus=FAILED,
            DeletionStatusMessage=f"Strongroom cannot delete a restored {job.ResourceType} resource yet: delete "
            f"{job.CreatedResourceArn} yourself",
        )
    try:
        gone = check.delete(job.CreatedResourceArn)
    except Exception as error:  # noqa: BLE001 - recorded, alerted on, retried: never forgotten
        failed = _save(
            ctx,
            job,
            DeletionStatus=FAILED,
            DeletionStatusMessage=f"Deleting {job.CreatedResourceArn} failed (attempt {job.DeletionAttempts + 1}, "
            f"retried hourly): {error}",
            DeletionAttempts=job.DeletionAttempts + 1,
        )
        ctx.events.publish_restore_job(failed, ctx.stores.vaults.find(job.BackupVaultName), now)
        return failed
    if not gone:
        return _save(ctx, job, DeletionStatus=DELETING, DeletionStatusMessage=None)
    deleted = _save(ctx, job, DeletionStatus=SUCCESSFUL, DeletionStatusMessage=f"{job.CreatedResourceArn} was deleted")
    ctx.events.publish_restore_job(deleted, ctx.stores.vaults.find(job.BackupVaultName), now)
    return deleted


def sweep(ctx: ServiceContext, now: datetime) -> SweepResult:
    result = SweepResult()
    for job in _test_jobs(ctx):
        if job.ValidationStatus is None:
            job = validate(ctx, job, now)
            result.validated.append(job.RestoreJobId)
        due = job.DeleteAt is not None and now >= job.DeleteAt
        if job.ValidationStatus == VALIDATING:
            if not due:
                continue  # the user's validation is under way: the copy stays until the window ends
            job = _save(
                ctx,
                job,
                ValidationStatus=TIMED_OUT,
                ValidationStatusMessage="No verdict came within the validation window (PutRestoreValidationResult)",
            )
        if due:
            job = clean_up(ctx, job, now)
            if job.DeletionStatus == SUCCESSFUL:
                result.deleted.append(job.RestoreJobId)
            elif job.DeletionStatus == FAILED:
                result.deletion_failures.append(job.RestoreJobId)
    return result


def put_validation_result(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> RestoreJob:
    """PutRestoreValidationResult: the user's own verdict on a restore test's restored resource."""
    job = ctx.stores.jobs.find(RestoreJob, request["RestoreJobId"])
    if job is None:
        raise ResourceNotFoundException(f"Restore job {request['RestoreJobId']} does not exist")
    if job.CreatedBy is None:
        raise InvalidRequestException(
            f"Restore job {job.RestoreJobId} was not started by a restore testing plan: it has no validation"
        )
    if job.Status != RestoreJobStatus.COMPLETED:
        raise InvalidRequestException(f"Restore job {job.RestoreJobId} is {job.Status.value}, not COMPLETED")
    if job.DeletionStatus in (DELETING, SUCCESSFUL):
        raise InvalidRequestException(
            f"The restored resource of restore job {job.RestoreJobId} is deleted: its validation window has ended"
        )
    status = request["ValidationStatus"]
    message = request.get("ValidationStatusMessage")
    changes: dict[str, Any] = {"ValidationStatus": status, "ValidationStatusMessage": message}
    if job.DeleteAt is None:  # the window starts with the first verdict, the built-in check's or the user's
        changes["DeleteAt"] = now + timedelta(hours=_validation_window_hours(ctx, job))
    updated = _save(ctx, job, **changes)
    ctx.events.publish_restore_job(updated, ctx.stores.vaults.find(job.BackupVaultName), now)
    return updated
