"""Job operations: StartBackupJob, StopBackupJob, StartRestoreJob, GetRestoreJobMetadata, and for the three job
kinds one Describe, one List and one List...Summaries each, registered per kind from its JobWire: how the
kind's job reads on the wire (the fields that are Strongroom's own bookkeeping and never answered, the nested
ones answered without their empty members, the renamed and the constant ones). StartCopyJob is in copies.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lambdas.api.operations import Operation, operation
from lambdas.api.operations.paging import page_size
from lambdas.domain.job_kinds import SPECS, JobKind
from lambdas.domain.jobs import MachineJob, RestoreJob
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.services import backup_service, job_queries, restore_service
from lambdas.services.context import ServiceContext


@dataclass(frozen=True)
class JobWire:
    kind: JobKind
    name: str  # the operations' stem: DescribeBackupJob, ListBackupJobs, ListBackupJobSummaries
    internal: frozenset[str]  # Strongroom's own bookkeeping, never part of an answer
    nested: tuple[str, ...] = ()  # answered without their None members, after the flat fields
    renamed: Mapping[str, str] = field(default_factory=dict)  # answer name -> job attribute
    constants: Mapping[str, Any] = field(default_factory=dict)
    describe_key: str | None = None  # DescribeCopyJob answers {"CopyJob": {...}}; the others, the fields


WIRES: dict[JobKind, JobWire] = {
    JobKind.BACKUP: JobWire(
        JobKind.BACKUP,
        "BackupJob",
        frozenset(
            {"NativeBackupId", "CorrelationId", "StartAttempts", "CompleteBy", "RecoveryPointTags", "CopyActions"}
            | {"HoldsClaim"}
        ),
        nested=("CreatedBy", "RecoveryPointLifecycle"),
        renamed={"ExpectedCompletionDate": "CompleteBy"},
        constants={"IsParent": False, "VaultType": "BACKUP_VAULT"},
    ),
    JobKind.RESTORE: JobWire(
        JobKind.RESTORE,
        "RestoreJob",
        frozenset({"ExecutionArn", "NativeRestoreId", "CorrelationId", "Metadata", "BackupVaultName"})
        | frozenset({"RestoreTestingSelectionName", "DeleteAt", "DeletionAttempts", "RecoveryTimeSeconds"}),
        nested=("CreatedBy",),
        constants={"IsParent": False},
    ),
    JobKind.COPY: JobWire(
        JobKind.COPY,
        "CopyJob",
        frozenset(
            {"SourceBackupVaultName", "DestinationNativeId", "SourceCreationDate", "CorrelationId", "StartAttempts"}
        ),
        nested=("CreatedBy", "DestinationRecoveryPointLifecycle"),
        constants={"IsParent": False, "DestinationVaultType": "BACKUP_VAULT"},
        describe_key="CopyJob",
    ),
}


def _without_empty(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value not in ({}, None)}


def job_answer(job: MachineJob, point: RecoveryPoint | None = None) -> dict[str, Any]:
    """The job as its kind's Describe and List answer it. `point`: a backup job's recovery point, whose
    encryption DescribeBackupJob answers."""
    wire = WIRES[SPECS_BY_MODEL[type(job)]]
    nested = {name: getattr(job, name) for name in wire.nested}
    fields = {
        **job.model_dump(exclude=set(wire.internal | set(wire.nested))),
        **{name: value.model_dump(exclude_none=True) if value is not None else None for name, value in nested.items()},
        **{name: getattr(job, attribute) for name, attribute in wire.renamed.items()},
        **wire.constants,
    }
    if point is not None:
        fields.update(EncryptionKeyArn=point.EncryptionKeyArn, IsEncrypted=point.IsEncrypted)
    return _without_empty(fields)


SPECS_BY_MODEL: dict[type[MachineJob], JobKind] = {spec.model: kind for kind, spec in SPECS.items()}


def _describe(wire: JobWire) -> Operation:
    spec = SPECS[wire.kind]

    def describe(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
        if wire.kind == JobKind.BACKUP:  # with its recovery point's encryption
            described = job_queries.describe_backup_job(ctx, request[spec.id_field])
            return job_answer(described.job, described.point)
        answer = job_answer(ctx.stores.jobs.get(spec.model, request[spec.id_field]))
        return {wire.describe_key: answer} if wire.describe_key else answer

    return describe


def _list(wire: JobWire) -> Operation:
    def list_jobs(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
        jobs, token = job_queries.list_jobs(ctx, wire.kind, request, page_size(request))
        return {f"{wire.name}s": [job_answer(job) for job in jobs], "NextToken": token}

    return list_jobs


def _summaries(wire: JobWire) -> Operation:
    def list_summaries(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
        summaries = job_queries.job_summaries(ctx, wire.kind, request, now, page_size(request))
        return {
            f"{wire.name}Summaries": summaries.rows,
            "AggregationPeriod": summaries.period,
            "NextToken": summaries.next_token,
        }

    return list_summaries


for _wire in WIRES.values():
    operation(f"Describe{_wire.name}")(_describe(_wire))
    operation(f"List{_wire.name}s")(_list(_wire))
    operation(f"List{_wire.name}Summaries")(_summaries(_wire))


@operation("StartBackupJob")
def start_backup_job(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    job = backup_service.start_backup_job(ctx, request, now)
    return {
        "BackupJobId": job.BackupJobId,
        "RecoveryPointArn": job.RecoveryPointArn,
        "CreationDate": job.CreationDate,
        "IsParent": False,
    }


@operation("StopBackupJob")
def stop_backup_job(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    backup_service.stop_backup_job(ctx, request["BackupJobId"], now)
    return {}


@operation("StartRestoreJob")
def start_restore_job(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"RestoreJobId": restore_service.start_restore_job(ctx, request, now).RestoreJobId}


@operation("ListRestoreJobsByProtectedResource")
def list_restore_jobs_by_protected_resource(
    ctx: ServiceContext, request: dict[str, Any], now: datetime
) -> dict[str, Any]:
    jobs, token = job_queries.list_restore_jobs_of_resource(ctx, request, page_size(request))
    return {"RestoreJobs": [job_answer(job) for job in jobs], "NextToken": token}


@operation("GetRestoreJobMetadata")
def get_restore_job_metadata(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    job = ctx.stores.jobs.get(RestoreJob, request["RestoreJobId"])
    return {"RestoreJobId": job.RestoreJobId, "Metadata": job.Metadata}
