"""Backup and restore job operations: start, describe, list, stop, restore metadata, and the job summaries.
(Copy jobs are in copies.py.)"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lambdas.api.operations import operation
from lambdas.api.operations.paging import page_size
from lambdas.domain.jobs import BackupJob, RestoreJob
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.services import backup_service, job_queries, restore_service
from lambdas.services.context import ServiceContext

# Strongroom's own bookkeeping, never part of an answer.
_BACKUP_INTERNAL = {
    "NativeBackupId",
    "CorrelationId",
    "StartAttempts",
    "CompleteBy",
    "RecoveryPointTags",
    "CopyActions",
    "HoldsClaim",
}
_RESTORE_INTERNAL = {"ExecutionArn", "NativeRestoreId", "CorrelationId", "Metadata", "BackupVaultName"}


def _without_empty(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value not in ({}, None)}


def _backup_job(job: BackupJob, point: RecoveryPoint | None = None) -> dict[str, Any]:
    fields = {
        **job.model_dump(exclude=_BACKUP_INTERNAL | {"CreatedBy", "RecoveryPointLifecycle"}),
        "CreatedBy": job.CreatedBy.model_dump(exclude_none=True),
        "RecoveryPointLifecycle": (
            job.RecoveryPointLifecycle.model_dump(exclude_none=True) if job.RecoveryPointLifecycle else None
        ),
        "ExpectedCompletionDate": job.CompleteBy,
        "IsParent": False,
        "VaultType": "BACKUP_VAULT",
    }
    if point is not None:
        fields.update(EncryptionKeyArn=point.EncryptionKeyArn, IsEncrypted=point.IsEncrypted)
    return _without_empty(fields)


def _restore_job(job: RestoreJob) -> dict[str, Any]:
    return _without_empty({**job.model_dump(exclude=_RESTORE_INTERNAL), "IsParent": False})


@operation("StartBackupJob")
def start_backup_job(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    job = backup_service.start_backup_job(ctx, request, now)
    return {
        "BackupJobId": job.BackupJobId,
        "RecoveryPointArn": job.RecoveryPointArn,
        "CreationDate": job.CreationDate,
        "IsParent": False,
    }


@operation("DescribeBackupJob")
def describe_backup_job(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    described = job_queries.describe_backup_job(ctx, request["BackupJobId"])
    return _backup_job(described.job, described.point)


@operation("ListBackupJobs")
def list_backup_jobs(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    jobs, token = job_queries.list_backup_jobs(ctx, request, page_size(request))
    return {"BackupJobs": [_backup_job(job) for job in jobs], "NextToken": token}


@operation("StopBackupJob")
def stop_backup_job(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    backup_service.stop_backup_job(ctx, request["BackupJobId"], now)
    return {}


@operation("StartRestoreJob")
def start_restore_job(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"RestoreJobId": restore_service.start_restore_job(ctx, request, now).RestoreJobId}


@operation("DescribeRestoreJob")
def describe_restore_job(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    return _restore_job(ctx.stores.jobs.get_restore_job(request["RestoreJobId"]))


@operation("ListRestoreJobs")
def list_restore_jobs(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    jobs, token = job_queries.list_restore_jobs(ctx, request, page_size(request))
    return {"RestoreJobs": [_restore_job(job) for job in jobs], "NextToken": token}


@operation("ListRestoreJobsByProtectedResource")
def list_restore_jobs_by_protected_resource(
    ctx: ServiceContext, request: dict[str, Any], now: datetime
) -> dict[str, Any]:
    jobs, token = job_queries.list_restore_jobs_of_resource(ctx, request, page_size(request))
    return {"RestoreJobs": [_restore_job(job) for job in jobs], "NextToken": token}


@operation("GetRestoreJobMetadata")
def get_restore_job_metadata(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    job = ctx.stores.jobs.get_restore_job(request["RestoreJobId"])
    return {"RestoreJobId": job.RestoreJobId, "Metadata": job.Metadata}


@operation("ListBackupJobSummaries")
def list_backup_job_summaries(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    summaries = job_queries.backup_job_summaries(ctx, request, now, page_size(request))
    return {
        "BackupJobSummaries": summaries.rows,
        "AggregationPeriod": summaries.period,
        "NextToken": summaries.next_token,
    }


@operation("ListRestoreJobSummaries")
def list_restore_job_summaries(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    summaries = job_queries.restore_job_summaries(ctx, request, now, page_size(request))
    return {
        "RestoreJobSummaries": summaries.rows,
        "AggregationPeriod": summaries.period,
        "NextToken": summaries.next_token,
    }
