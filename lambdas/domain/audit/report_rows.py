"""What each report template carries: AWS's columns in AWS's order (the sample reports of "Choosing your report
template" in the AWS Backup developer guide), one row per job or result, and the CSV and JSON files.

Jobs reports list the jobs of the report's 24 hours and every job still open; compliance reports list the
latest results of the plan's frameworks."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from lambdas.domain.audit.results import ControlResult, ResourceResult
from lambdas.domain.copies import CopyJob
from lambdas.domain.jobs import BackupJob, RecoveryPointCreator, RestoreJob
from lambdas.domain.plans import Lifecycle
from lambdas.domain.vaults import BackupVault

_CONTEXT = "backupPlanName backupRuleName backupRuleSchedule backupRuleTimezone startWindowEnd backupOptions"
_PARENT = "isParentJob parentJobId"
_VAULT = "vaultType vaultLockStatus isEncrypted encryptionKeyArn"
_LIFECYCLE = "deleteAfterDays moveToColdAfterDays enableArchive"
_PERIOD = "reportTimePeriodStart reportTimePeriodEnd accountId region"

# Each template's columns, in the order of AWS's sample report.
COLUMNS: dict[str, list[str]] = {
    "BACKUP_JOB_REPORT": f"""{_PERIOD} backupJobId jobStatus resourceType resourceArn resourceName backupPlanArn
        backupRuleId initiationDate {_CONTEXT} {_PARENT} creationDate completionDate recoveryPointArn jobRunTime
        backupSizeInBytes backupVaultName backupVaultArn {_VAULT} {_LIFECYCLE} iamRoleArn""".split(),
    "COPY_JOB_REPORT": f"""{_PERIOD} copyJobId jobStatus jobRunTime resourceType resourceArn resourceName
        initiationDate {_CONTEXT} {_PARENT} creationDate completionDate backupSizeInBytes sourceRecoveryPointArn
        sourceBackupVaultArn destinationRecoveryPointArn destinationBackupVaultArn {_VAULT} {_LIFECYCLE}
        iamRoleArn""".split(),
    "RESTORE_JOB_REPORT": f"""reportTimePeriod accountId region restoreJobId jobStatus recoveryPointArn resourceName
        initiationDate {_CONTEXT} {_PARENT} {_VAULT} {_LIFECYCLE} sourceResourceArn backupVaultArn creationDate
        backupSizeInBytes percentDone iamRoleArn""".split(),
    "CONTROL_COMPLIANCE_REPORT": [
        "accountId",
        "region",
        "frameworkName",
        "frameworkDescription",
        "controlName",
        "controlComplianceStatus",
        "lastEvaluationTime",
        "numResourcesCompliant",
        "numResourcesNonCompliant",
        "controlFrequency",
        "controlScope",
        "controlParameters",
    ],
    "RESOURCE_COMPLIANCE_REPORT": [
        "accountId",
        "region",
        "frameworkName",
        "frameworkDescription",
        "controlName",
        "resourceId",
        "resourceType",
        "resourceComplianceStatus",
        "lastEvaluationTime",
    ],
}


def stamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def run_time(start: datetime | None, end: datetime | None) -> str | None:
    if start is None or end is None:
        return None
    seconds = int((end - start).total_seconds())
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


@dataclass(frozen=True)
class ReportContext:
    """What every row of one report shares, and what rows look up: the vaults by name."""

    account: str
    region: str
    start: datetime
    end: datetime
    vaults: Mapping[str, BackupVault] = field(default_factory=dict)
    framework_descriptions: Mapping[str, str] = field(default_factory=dict)


def _plan_context(created_by: RecoveryPointCreator, start_window_end: datetime | None) -> dict[str, Any]:
    return {
        "backupPlanName": created_by.BackupPlanName,
        "backupRuleName": created_by.BackupRuleName,
        "backupRuleSchedule": created_by.BackupRuleCron,
        "backupRuleTimezone": created_by.BackupRuleTimezone,
        "startWindowEnd": stamp(start_window_end),
        "backupOptions": {},
        "isParentJob": False,
        "parentJobId": None,
    }


def _vault_context(vault: BackupVault | None, now: datetime) -> dict[str, Any]:
    lock = vault.Lock if vault else None
    status = "UNLOCKED" if lock is None else ("LOCKED" if lock.is_immutable(now) else "LOCKED_CHANGEABLE")
    return {
        "vaultType": "BACKUP_VAULT",
        "vaultLockStatus": status if vault else None,
        "isEncrypted": bool(vault),
        "encryptionKeyArn": vault.EncryptionKeyArn if vault else None,
    }


def _lifecycle(life: Lifecycle | None) -> dict[str, Any]:
    return {
        "deleteAfterDays": life.DeleteAfterDays if life else None,
        "moveToColdAfterDays": life.MoveToColdStorageAfterDays if life else None,
        "enableArchive": bool(life and life.OptInToArchiveForSupportedResources),
    }


def _period(ctx: ReportContext) -> dict[str, Any]:
    return {"reportTimePeriodStart": stamp(ctx.start), "reportTimePeriodEnd": stamp(ctx.end)}


def backup_job_row(job: BackupJob, ctx: ReportContext) -> dict[str, Any]:
    life = job.RecoveryPointLifecycle
    return {
        **_period(ctx),
        "accountId": ctx.account,
        "region": ctx.region,
        "backupJobId": job.BackupJobId,
        "jobStatus": job.State.value,
        "resourceType": job.ResourceType,
        "resourceArn": job.ResourceArn,
        "resourceName": job.ResourceName,
        "backupPlanArn": job.CreatedBy.BackupPlanArn,
        "backupRuleId": job.CreatedBy.BackupRuleId,
        "initiationDate": stamp(job.InitiationDate or job.CreationDate),
        **_plan_context(job.CreatedBy, job.StartBy),
        "creationDate": stamp(job.CreationDate),
        "completionDate": stamp(job.CompletionDate),
        "recoveryPointArn": job.RecoveryPointArn,
        "jobRunTime": run_time(job.CreationDate, job.CompletionDate),
        "backupSizeInBytes": job.BackupSizeInBytes,
        "backupVaultName": job.BackupVaultName,
        "backupVaultArn": job.BackupVaultArn,
        **_vault_context(ctx.vaults.get(job.BackupVaultName), ctx.end),
        **_lifecycle(life),
        "iamRoleArn": job.IamRoleArn,
    }


def copy_job_row(job: CopyJob, ctx: ReportContext) -> dict[str, Any]:
    life = job.DestinationRecoveryPointLifecycle
    return {
        **_period(ctx),
        "accountId": ctx.account,
        "region": ctx.region,
        "copyJobId": job.CopyJobId,
        "jobStatus": job.State.value,
        "jobRunTime": run_time(job.CreationDate, job.CompletionDate),
        "resourceType": job.ResourceType,
        "resourceArn": job.ResourceArn,
        "resourceName": job.ResourceName,
        "initiationDate": stamp(job.CreationDate),
        **_plan_context(job.CreatedBy, None),
        "creationDate": stamp(job.CreationDate),
        "completionDate": stamp(job.CompletionDate),
        "backupSizeInBytes": job.BackupSizeInBytes,
        "sourceRecoveryPointArn": job.SourceRecoveryPointArn,
        "sourceBackupVaultArn": job.SourceBackupVaultArn,
        "destinationRecoveryPointArn": job.DestinationRecoveryPointArn,
        "destinationBackupVaultArn": job.DestinationBackupVaultArn,
        **_vault_context(ctx.vaults.get(job.SourceBackupVaultName), ctx.end),
        **_lifecycle(life),
        "iamRoleArn": job.IamRoleArn,
    }


def restore_job_row(job: RestoreJob, ctx: ReportContext) -> dict[str, Any]:
    return {
        "reportTimePeriod": f"{stamp(ctx.start)} - {stamp(ctx.end)}",
        "accountId": ctx.account,
        "region": ctx.region,
        "restoreJobId": job.RestoreJobId,
        "jobStatus": job.Status.value,
        "recoveryPointArn": job.RecoveryPointArn,
        "resourceName": None,
        "initiationDate": stamp(job.CreationDate),
        **_plan_context(RecoveryPointCreator(), None),
        **_vault_context(ctx.vaults.get(job.BackupVaultName), ctx.end),
        **_lifecycle(None),
        "sourceResourceArn": job.SourceResourceArn,
        "backupVaultArn": job.BackupVaultArn,
        "creationDate": stamp(job.CreationDate),
        "backupSizeInBytes": job.BackupSizeInBytes,
        "percentDone": job.PercentDone,
        "iamRoleArn": job.IamRoleArn,
    }


def control_row(result: ControlResult, ctx: ReportContext) -> dict[str, Any]:
    return {
        "accountId": ctx.account,
        "region": ctx.region,
        "frameworkName": result.FrameworkName,
        "frameworkDescription": ctx.framework_descriptions.get(result.FrameworkName, ""),
        "controlName": result.ControlName,
        "controlComplianceStatus": result.Status.value,
        "lastEvaluationTime": stamp(result.EvaluatedAt),
        "numResourcesCompliant": result.Compliant,
        "numResourcesNonCompliant": result.NonCompliant,
        "controlFrequency": "Twenty_Four_Hours",
        "controlScope": result.ControlScope,
        "controlParameters": result.ControlParameters,
    }


def resource_row(result: ResourceResult, ctx: ReportContext) -> dict[str, Any]:
    return {
        "accountId": ctx.account,
        "region": ctx.region,
        "frameworkName": result.FrameworkName,
        "frameworkDescription": ctx.framework_descriptions.get(result.FrameworkName, ""),
        "controlName": result.ControlName,
        "resourceId": result.ResourceId,
        "resourceType": result.ResourceType,
        "resourceComplianceStatus": result.Status.value,
        "lastEvaluationTime": stamp(result.EvaluatedAt),
    }


def in_period(created: datetime, finished: datetime | None, is_open: bool, ctx: ReportContext) -> bool:
    """A jobs report lists the jobs that finished in its 24 hours and every job still active."""
    return is_open or (finished is not None and ctx.start <= finished < ctx.end) or ctx.start <= created < ctx.end


DAY = timedelta(days=1)


def render(template: str, fmt: str, rows: Iterable[dict[str, Any]]) -> bytes:
    """CSV: a header of the template's columns, then a line per row (objects as JSON). JSON: {"reportItems": [...]}."""
    columns = COLUMNS[template]
    ordered = [{column: row.get(column) for column in columns} for row in rows]
    if fmt == "JSON":
        return json.dumps({"reportItems": ordered}, indent=2).encode()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in ordered:
        writer.writerow(
            "" if value is None else json.dumps(value) if isinstance(value, dict | list | bool) else value
            for value in row.values()
        )
    return buffer.getvalue().encode()
