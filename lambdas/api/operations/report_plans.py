"""Audit Manager reports: CreateReportPlan, DescribeReportPlan, UpdateReportPlan, DeleteReportPlan,
ListReportPlans, StartReportJob, DescribeReportJob, ListReportJobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lambdas.api.operations import operation
from lambdas.api.operations.paging import page_size
from lambdas.domain.audit.report_plans import ReportJob, ReportJobStatus, ReportPlan
from lambdas.domain.errors import InvalidParameterValueException
from lambdas.services import audit_reports
from lambdas.services.context import ServiceContext


def _plan(plan: ReportPlan) -> dict[str, Any]:
    setting = {name: value for name, value in plan.ReportSetting.model_dump(exclude_none=True).items() if value != []}
    if plan.ReportSetting.FrameworkArns:
        setting["NumberOfFrameworks"] = len(plan.ReportSetting.FrameworkArns)
    described = {
        "ReportPlanArn": plan.ReportPlanArn,
        "ReportPlanName": plan.ReportPlanName,
        "ReportPlanDescription": plan.ReportPlanDescription,
        "ReportSetting": setting,
        "ReportDeliveryChannel": plan.ReportDeliveryChannel.model_dump(exclude_none=True),
        "DeploymentStatus": plan.DeploymentStatus,
        "CreationTime": plan.CreationTime,
        "LastAttemptedExecutionTime": plan.LastAttemptedExecutionTime,
        "LastSuccessfulExecutionTime": plan.LastSuccessfulExecutionTime,
    }
    return {name: value for name, value in described.items() if value is not None}


def _job(job: ReportJob) -> dict[str, Any]:
    described = {
        "ReportJobId": job.ReportJobId,
        "ReportPlanArn": job.ReportPlanArn,
        "ReportTemplate": job.ReportTemplate,
        "CreationTime": job.CreationTime,
        "CompletionTime": job.CompletionTime,
        "Status": job.Status.value,
        "StatusMessage": job.StatusMessage,
        "ReportDestination": {"S3BucketName": job.S3BucketName, "S3Keys": job.S3Keys},
    }
    return {name: value for name, value in described.items() if value is not None}


def _created(plan: ReportPlan) -> dict[str, Any]:
    return {
        "ReportPlanName": plan.ReportPlanName,
        "ReportPlanArn": plan.ReportPlanArn,
        "CreationTime": plan.CreationTime,
    }


@operation("CreateReportPlan")
def create_report_plan(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    return _created(audit_reports.create_plan(ctx, request, now))


@operation("DescribeReportPlan")
def describe_report_plan(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"ReportPlan": _plan(audit_reports.get_plan(ctx, request["ReportPlanName"]))}


@operation("UpdateReportPlan")
def update_report_plan(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    return _created(audit_reports.update_plan(ctx, request, now))


@operation("DeleteReportPlan")
def delete_report_plan(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    audit_reports.delete_plan(ctx, request["ReportPlanName"])
    return {}


@operation("ListReportPlans")
def list_report_plans(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    plans, token = ctx.stores.audit.report_plan_page(page_size(request), request.get("NextToken"))
    return {"ReportPlans": [_plan(plan) for plan in plans], "NextToken": token}


@operation("StartReportJob")
def start_report_job(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    job = audit_reports.start_job(ctx, request["ReportPlanName"], request.get("IdempotencyToken"), now, ctx.reports)
    return {"ReportJobId": job.ReportJobId}


@operation("DescribeReportJob")
def describe_report_job(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"ReportJob": _job(audit_reports.get_job(ctx, request["ReportJobId"]))}


@operation("ListReportJobs")
def list_report_jobs(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    status = request.get("ByStatus")
    if status is not None and status not in ReportJobStatus.__members__:
        raise InvalidParameterValueException(f"ByStatus must be one of {', '.join(ReportJobStatus)}, got {status}")
    plan_name = request.get("ByReportPlanName")
    if plan_name:
        audit_reports.get_plan(ctx, plan_name)  # ResourceNotFoundException for an unknown plan, as the model lists
    jobs, token = ctx.stores.audit.report_jobs(
        page_size(request),
        request.get("NextToken"),
        plan_name,
        request.get("ByCreationAfter"),
        request.get("ByCreationBefore"),
        status,
    )
    return {"ReportJobs": [_job(job) for job in jobs], "NextToken": token}
