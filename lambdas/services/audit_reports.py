"""Report plans and report jobs: the plans' CRUD, and a job that gathers the template's rows, renders each
format and writes it to the plan's bucket. A bucket that is missing or refuses the write makes the job FAILED
with a status message saying so; it never raises to the caller (AWS reports it in DescribeReportJob)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any, TypeVar

from lambdas.common.observability import logger
from lambdas.domain.audit import report_rows as rows
from lambdas.domain.audit.report_plans import (
    MAX_REPORT_PLANS,
    CreateReportPlanInput,
    ReportJob,
    ReportJobStatus,
    ReportPlan,
    UpdateReportPlanInput,
    report_keys,
    report_plan_arn,
)
from lambdas.domain.errors import (
    AlreadyExistsException,
    InvalidParameterValueException,
    LimitExceededException,
    ResourceNotFoundException,
)
from lambdas.domain.ids import idempotent_job_id, new_id
from lambdas.domain.jobs import BackupJob, RestoreJob
from lambdas.domain.validation import parse_model
from lambdas.services.context import ServiceContext
from lambdas.services.report_delivery import ReportRefused, ReportWriter

T = TypeVar("T")
_LOOKBACK = timedelta(days=8)  # jobs finished in the report's day may have been created this long before it


def _check_scope(ctx: ServiceContext, plan_input: CreateReportPlanInput | UpdateReportPlanInput) -> None:
    setting = plan_input.ReportSetting
    if setting is None:
        return
    for field, values, own in (("Accounts", setting.Accounts, ctx.account), ("Regions", setting.Regions, ctx.region)):
        others = [value for value in values if value != own]
        if others:
            raise InvalidParameterValueException(
                f"ReportSetting.{field} may name only this deployment's own ({own}); Strongroom does not report "
                f"across accounts or Regions: {', '.join(others)}"
            )
    for arn in setting.FrameworkArns:
        name = arn.split(":framework:", 1)[-1].rsplit("-", 5)[0]
        found = ctx.stores.audit.find_framework(name)
        if found is None or found.FrameworkArn != arn:
            raise InvalidParameterValueException(f"ReportSetting.FrameworkArns: framework {arn} does not exist")


def create_plan(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> ReportPlan:
    data = parse_model(CreateReportPlanInput, request)
    _check_scope(ctx, data)
    existing = ctx.stores.audit.find_report_plan(data.ReportPlanName)
    if existing is not None:
        if data.IdempotencyToken and existing.IdempotencyToken == data.IdempotencyToken:
            return existing
        raise AlreadyExistsException(f"A report plan named {data.ReportPlanName} already exists")
    if ctx.stores.audit.count_report_plans(MAX_REPORT_PLANS) >= MAX_REPORT_PLANS:
        raise LimitExceededException(f"An account can have at most {MAX_REPORT_PLANS} report plans")
    plan = ReportPlan(
        ReportPlanArn=report_plan_arn(ctx.region, ctx.account, data.ReportPlanName, new_id()),
        ReportPlanName=data.ReportPlanName,
        ReportPlanDescription=data.ReportPlanDescription,
        ReportSetting=data.ReportSetting,
        ReportDeliveryChannel=data.ReportDeliveryChannel,
        CreationTime=now,
        Tags=data.ReportPlanTags,
        IdempotencyToken=data.IdempotencyToken,
    )
    if not ctx.stores.audit.create_report_plan(plan):
        raise AlreadyExistsException(f"A report plan named {data.ReportPlanName} already exists")
    return plan


def get_plan(ctx: ServiceContext, name: str) -> ReportPlan:
    plan = ctx.stores.audit.find_report_plan(name)
    if plan is None:
        raise ResourceNotFoundException(f"Report plan {name} does not exist")
    return plan


def plan_by_arn(ctx: ServiceContext, arn: str) -> ReportPlan:
    plan = ctx.stores.audit.find_report_plan(arn.split(":report-plan:", 1)[-1].rsplit("-", 5)[0])
    if plan is None or plan.ReportPlanArn != arn:
        raise ResourceNotFoundException(f"Report plan {arn} does not exist")
    return plan


def update_plan(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> ReportPlan:
    data = parse_model(UpdateReportPlanInput, request)
    plan = get_plan(ctx, data.ReportPlanName)
    _check_scope(ctx, data)
    changes = {
        name: value
        for name, value in (
            ("ReportPlanDescription", data.ReportPlanDescription),
            ("ReportDeliveryChannel", data.ReportDeliveryChannel),
            ("ReportSetting", data.ReportSetting),
        )
        if value is not None
    }
    updated = plan.model_copy(update=changes)
    ctx.stores.audit.save_report_plan(updated)
    return updated


def delete_plan(ctx: ServiceContext, name: str) -> None:
    get_plan(ctx, name)
    ctx.stores.audit.delete_report_plan(name)


def set_plan_tags(ctx: ServiceContext, arn: str, tags: dict[str, str]) -> None:
    ctx.stores.audit.save_report_plan(plan_by_arn(ctx, arn).model_copy(update={"Tags": tags}))


# Report jobs


def start_job(
    ctx: ServiceContext, name: str, token: str | None, now: datetime, writer: ReportWriter | None
) -> ReportJob:
    """A report of the plan for the 24 hours before `now`. The same IdempotencyToken gives the same job."""
    plan = get_plan(ctx, name)
    job_id = idempotent_job_id("report", token, name).lower() if token else new_id()
    existing = ctx.stores.audit.find_report_job(job_id) if token else None
    if existing is not None:
        return existing
    job = ReportJob(
        ReportJobId=job_id,
        ReportPlanArn=plan.ReportPlanArn,
        ReportPlanName=plan.ReportPlanName,
        ReportTemplate=plan.ReportSetting.ReportTemplate,
        CreationTime=now,
        Status=ReportJobStatus.RUNNING,
        S3BucketName=plan.ReportDeliveryChannel.S3BucketName,
    )
    ctx.stores.audit.save_report_job(job)
    if writer is None:
        return job  # a deployment without report delivery records the job; nothing can run it
    return run_job(ctx, plan, job, now, writer)


def run_job(ctx: ServiceContext, plan: ReportPlan, job: ReportJob, now: datetime, writer: ReportWriter) -> ReportJob:
    keys = report_keys(plan, job.ReportJobId, ctx.account, ctx.region, now)
    template = plan.ReportSetting.ReportTemplate
    try:
        report_rows = list(_rows(ctx, plan, now))
        for fmt, key in zip(plan.ReportDeliveryChannel.formats, keys, strict=True):
            body = rows.render(template, fmt, report_rows)
            writer.write(
                plan.ReportDeliveryChannel.S3BucketName, key, body, "application/json" if fmt == "JSON" else "text/csv"
            )
    except ReportRefused as refused:
        done = job.model_copy(
            update={"Status": ReportJobStatus.FAILED, "StatusMessage": str(refused), "CompletionTime": now}
        )
        logger.warning("report job failed", extra={"report_job_id": job.ReportJobId, "reason": str(refused)})
    except Exception:
        # A fault of Strongroom's own: the job must not stay RUNNING forever, and the error is not swallowed.
        failed = job.model_copy(
            update={
                "Status": ReportJobStatus.FAILED,
                "StatusMessage": "Strongroom failed to produce the report; see the function's log",
                "CompletionTime": now,
            }
        )
        ctx.stores.audit.save_report_job(failed)
        raise
    else:
        done = job.model_copy(update={"Status": ReportJobStatus.COMPLETED, "CompletionTime": now, "S3Keys": keys})
    ctx.stores.audit.save_report_job(done)
    succeeded = {"LastSuccessfulExecutionTime": now} if done.Status == ReportJobStatus.COMPLETED else {}
    current = ctx.stores.audit.find_report_plan(plan.ReportPlanName)
    if current is not None and current.ReportPlanArn == plan.ReportPlanArn:
        ctx.stores.audit.save_report_plan(current.model_copy(update={"LastAttemptedExecutionTime": now, **succeeded}))
    return done


def _every(fetch: Callable[[str | None], tuple[list[T], str | None]]) -> Iterator[T]:
    token: str | None = None
    while True:
        page, token = fetch(token)
        yield from page
        if token is None:
            return


def _rows(ctx: ServiceContext, plan: ReportPlan, now: datetime) -> Iterator[dict[str, Any]]:
    template = plan.ReportSetting.ReportTemplate
    frameworks = [_framework_name(arn) for arn in plan.ReportSetting.FrameworkArns] or [
        framework.FrameworkName for framework in ctx.stores.audit.every_framework()
    ]
    descriptions = {}
    for name in frameworks:
        found = ctx.stores.audit.find_framework(name)
        descriptions[name] = (found.FrameworkDescription or "") if found else ""
    vaults = {v.BackupVaultName: v for v in _every(lambda t: ctx.stores.vaults.page(1000, t))}
    context = rows.ReportContext(ctx.account, ctx.region, now - rows.DAY, now, vaults, descriptions)
    since = context.start - _LOOKBACK
    jobs = ctx.stores.jobs
    if template == "BACKUP_JOB_REPORT":
        for backup in _every(lambda t: jobs.search(BackupJob, token=t, created_after=since, created_before=now)):
            if rows.in_period(backup.CreationDate, backup.CompletionDate, backup.is_open, context):
                yield rows.backup_job_row(backup, context)
    elif template == "COPY_JOB_REPORT":
        for copy in _every(lambda t: jobs.search_copy_jobs(token=t, created_after=since, created_before=now)):
            if rows.in_period(copy.CreationDate, copy.CompletionDate, copy.CompletionDate is None, context):
                yield rows.copy_job_row(copy, context)
    elif template == "RESTORE_JOB_REPORT":
        for restore in _every(lambda t: jobs.search(RestoreJob, token=t, created_after=since, created_before=now)):
            if rows.in_period(restore.CreationDate, restore.CompletionDate, restore.is_open, context):
                yield rows.restore_job_row(restore, context)
    elif template == "CONTROL_COMPLIANCE_REPORT":
        for name in frameworks:
            for control in ctx.stores.audit.control_results(name):
                yield rows.control_row(control, context)
    else:
        for name in frameworks:
            for result in ctx.stores.audit.current_results(name).values():
                yield rows.resource_row(result, context)


def _framework_name(arn: str) -> str:
    return arn.split(":framework:", 1)[-1].rsplit("-", 5)[0]


def get_job(ctx: ServiceContext, job_id: str) -> ReportJob:
    job = ctx.stores.audit.find_report_job(job_id)
    if job is None:
        raise ResourceNotFoundException(f"Report job {job_id} does not exist")
    return job


def run_daily_reports(ctx: ServiceContext, now: datetime) -> list[ReportJob]:
    """The daily run: one job per plan. The firing's time makes the job id, so a firing delivered twice makes
    one job per plan, not two."""
    token = now.strftime("daily-%Y-%m-%dT%H:%M")
    plans = list(_every(lambda t: ctx.stores.audit.report_plan_page(1000, t)))
    return [start_job(ctx, plan.ReportPlanName, token, now, ctx.reports) for plan in plans]
