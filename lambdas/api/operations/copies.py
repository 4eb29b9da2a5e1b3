"""Copy job operations: start, describe, list and the copy job summaries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lambdas.api.operations import operation
from lambdas.api.operations.paging import page_size
from lambdas.domain.copies import CopyJob
from lambdas.services import copy_service, job_queries
from lambdas.services.context import ServiceContext

# Strongroom's own bookkeeping, never part of an answer.
_INTERNAL = {
    "SourceBackupVaultName",
    "DestinationNativeId",
    "SourceCreationDate",
    "CorrelationId",
    "StartAttempts",
    "CreatedBy",
    "DestinationRecoveryPointLifecycle",
}


def _copy_job(job: CopyJob) -> dict[str, Any]:
    fields = {
        **job.model_dump(exclude=_INTERNAL),
        "CreatedBy": job.CreatedBy.model_dump(exclude_none=True),
        "DestinationRecoveryPointLifecycle": (
            job.DestinationRecoveryPointLifecycle.model_dump(exclude_none=True)
            if job.DestinationRecoveryPointLifecycle
            else None
        ),
        "IsParent": False,
        "DestinationVaultType": "BACKUP_VAULT",
    }
    return {name: value for name, value in fields.items() if value not in ({}, None)}


@operation("StartCopyJob")
def start_copy_job(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    job = copy_service.start_copy_job(ctx, request, now)
    return {"CopyJobId": job.CopyJobId, "CreationDate": job.CreationDate, "IsParent": False}


@operation("DescribeCopyJob")
def describe_copy_job(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"CopyJob": _copy_job(ctx.stores.jobs.get_copy_job(request["CopyJobId"]))}


@operation("ListCopyJobs")
def list_copy_jobs(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    jobs, token = job_queries.list_copy_jobs(ctx, request, page_size(request))
    return {"CopyJobs": [_copy_job(job) for job in jobs], "NextToken": token}


@operation("ListCopyJobSummaries")
def list_copy_job_summaries(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    summaries = job_queries.copy_job_summaries(ctx, request, now, page_size(request))
    return {
        "CopyJobSummaries": summaries.rows,
        "AggregationPeriod": summaries.period,
        "NextToken": summaries.next_token,
    }
