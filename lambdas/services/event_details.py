"""The events Strongroom puts on its bus, shaped as AWS Backup's own: the same detail types and the same detail
fields, names, spelling and JSON types as the examples in AWS Backup's guide ("Monitoring AWS Backup events using
Amazon EventBridge"), so a rule or a consumer written for AWS Backup's events reads Strongroom's unchanged once its
`source` names Strongroom's.

Only the source differs: EventBridge refuses every source that starts with `aws.` to anyone but AWS's own services
(NotAuthorizedForSourceException), so Strongroom's events come from `strongroom.backup`.

AWS Backup leaves a field out when it has no value, and so does this module. Where its examples put numbers as
strings (a backup or restore job's backupSizeInBytes) or as numbers (percentDone; a copy job's backupSizeInBytes),
so does this module: a numeric rule (`{"numeric": [">", 0]}`) matches one kind and not the other. Strongroom adds
a few fields of its own (correlationId, a job's recoveryPointArn, a plan's name and ARN), never renames one."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from lambdas.domain.copies import CopyJob
from lambdas.domain.jobs import BackupJob, BackupJobState, RecoveryPointCreator, RestoreJob
from lambdas.domain.plans import BackupPlan
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.resources.base import ObjectFailure

EVENT_SOURCE = "strongroom.backup"

BACKUP_JOB_DETAIL_TYPE = "Backup Job State Change"
RESTORE_JOB_DETAIL_TYPE = "Restore Job State Change"
COPY_JOB_DETAIL_TYPE = "Copy Job State Change"
RECOVERY_POINT_DETAIL_TYPE = "Recovery Point State Change"
BACKUP_PLAN_DETAIL_TYPE = "Backup Plan State Change"
# Strongroom's own, not AWS Backup's: what a scheduled run did (services/run_summary.py, docs/monitoring.md).
RUN_SUMMARY_DETAIL_TYPE = "Strongroom Scheduled Run Summary"


class PlanState(StrEnum):
    CREATED = "CREATED"
    MODIFIED = "MODIFIED"
    DELETED = "DELETED"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    """AWS Backup's events carry no null field: an absent value is an absent key."""
    return {name: value for name, value in fields.items() if value is not None and value != {}}


def _percent(value: str | None) -> int | float | None:
    """The API's PercentDone is a string ("99.0"); the events' percentDone is a number (99)."""
    if value is None:
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


def _size_as_string(size: int | None) -> str | None:
    return None if size is None else str(size)


def created_by(creator: RecoveryPointCreator) -> dict[str, Any]:
    """The events' createdBy: camelCase, and the rule id named backupPlanRuleId (the API says BackupRuleId)."""
    return _present(
        {
            "backupPlanId": creator.BackupPlanId,
            "backupPlanArn": creator.BackupPlanArn,
            "backupPlanVersion": creator.BackupPlanVersion,
            "backupPlanRuleId": creator.BackupRuleId,
        }
    )


def backup_job_resources(job: BackupJob) -> list[str]:
    """AWS Backup names the recovery point a completed job made, and nothing before."""
    return [job.RecoveryPointArn] if job.State is BackupJobState.COMPLETED and job.RecoveryPointArn else []


def backup_job_detail(job: BackupJob) -> dict[str, Any]:
    return _present(
        {
            "backupJobId": job.BackupJobId,
            "backupVaultArn": job.BackupVaultArn,
            "backupVaultName": job.BackupVaultName,
            "backupSizeInBytes": _size_as_string(job.BackupSizeInBytes),
            "creationDate": _iso(job.CreationDate),
            "iamRoleArn": job.IamRoleArn,
            "resourceArn": job.ResourceArn,
            "resourceType": job.ResourceType,
            "state": job.State.value,
            "statusMessage": job.StatusMessage,
            "completionDate": _iso(job.CompletionDate),
            "startBy": _iso(job.StartBy),
            "percentDone": _percent(job.PercentDone),
            "createdBy": created_by(job.CreatedBy),
            "recoveryPointArn": job.RecoveryPointArn,
            "correlationId": job.CorrelationId,
        }
    )


def restore_job_detail(job: RestoreJob) -> dict[str, Any]:
    return _present(
        {
            "restoreJobId": job.RestoreJobId,
            "backupVaultArn": job.BackupVaultArn,
            "recoveryPointArn": job.RecoveryPointArn,
            "sourceResourceArn": job.SourceResourceArn,
            "backupSizeInBytes": _size_as_string(job.BackupSizeInBytes),
            "creationDate": _iso(job.CreationDate),
            "iamRoleArn": job.IamRoleArn,
            "percentDone": _percent(job.PercentDone),
            "resourceType": job.ResourceType,
            "status": job.Status.value,
            "statusMessage": job.StatusMessage,
            "createdResourceArn": job.CreatedResourceArn,
            "completionDate": _iso(job.CompletionDate),
            "correlationId": job.CorrelationId,
            # A restore test's plan, its data check's verdict and its cleanup (docs/restore-testing.md)
            "restoreTestingPlanArn": job.RestoreTestingPlanArn,
            "validationStatus": job.ValidationStatus,
            "validationStatusMessage": job.ValidationStatusMessage,
            "deletionStatus": job.DeletionStatus,
            "deletionStatusMessage": job.DeletionStatusMessage,
        }
    )


def copy_job_detail(job: CopyJob) -> dict[str, Any]:
    return _present(
        {
            "copyJobId": job.CopyJobId,
            "backupSizeInBytes": job.BackupSizeInBytes,
            "creationDate": _iso(job.CreationDate),
            "iamRoleArn": job.IamRoleArn,
            "resourceArn": job.ResourceArn,
            "resourceType": job.ResourceType,
            "sourceBackupVaultArn": job.SourceBackupVaultArn,
            "sourceRecoveryPointArn": job.SourceRecoveryPointArn,
            "state": job.State.value,
            "statusMessage": job.StatusMessage,
            "completionDate": _iso(job.CompletionDate),
            "destinationBackupVaultArn": job.DestinationBackupVaultArn,
            "destinationRecoveryPointArn": job.DestinationRecoveryPointArn,
            "createdBy": created_by(job.CreatedBy),
            "correlationId": job.CorrelationId,
        }
    )


def recovery_point_detail(point: RecoveryPoint) -> dict[str, Any]:
    """The detail of AWS Backup's "Recovery Point State Change" event, its field names and spelling included
    (calculatedLifeCycle; isEncrypted as a string), plus the point's ARN and status message."""
    lifecycle = point.Lifecycle
    calculated = point.CalculatedLifecycle
    return _present(
        {
            "recoveryPointArn": point.RecoveryPointArn,
            "backupVaultName": point.BackupVaultName,
            "backupVaultArn": point.BackupVaultArn,
            "resourceArn": point.ResourceArn,
            "resourceType": point.ResourceType,
            "status": point.Status.value,
            "statusMessage": point.StatusMessage,
            "storageClass": point.StorageClass,
            "isEncrypted": str(point.IsEncrypted).lower(),
            "iamRoleArn": point.IamRoleArn,
            "creationDate": _iso(point.CreationDate),
            "completionDate": _iso(point.CompletionDate),
            "backupSizeInBytes": point.BackupSizeInBytes,
            "createdBy": created_by(point.CreatedBy),
            "lifecycle": _present(
                {
                    "moveToColdStorageAfterDays": lifecycle.MoveToColdStorageAfterDays if lifecycle else None,
                    "deleteAfterDays": lifecycle.DeleteAfterDays if lifecycle else None,
                }
            ),
            "calculatedLifeCycle": _present(
                {"moveToColdStorageAt": _iso(calculated.MoveToColdStorageAt), "deleteAt": _iso(calculated.DeleteAt)}
            ),
        }
    )


def backup_plan_detail(plan: BackupPlan, state: PlanState, now: datetime) -> dict[str, Any]:
    """AWS Backup's "Backup Plan State Change" detail: the version, the state and when it happened."""
    moment = {PlanState.CREATED: "creationDate", PlanState.MODIFIED: "modifiedAt", PlanState.DELETED: "deletionDate"}
    return {
        "backupPlanId": plan.BackupPlanId,
        "backupPlanArn": plan.BackupPlanArn,
        "backupPlanName": plan.BackupPlanName,
        "versionId": plan.VersionId,
        moment[state]: _iso(now),
        "state": state.value,
    }


def restore_object_failure_detail(job: RestoreJob, failure: ObjectFailure) -> dict[str, Any]:
    """SNS only (AWS Backup puts no EventBridge event for one object): the body of S3_RESTORE_OBJECT_FAILED."""
    return {
        "restoreJobId": job.RestoreJobId,
        "recoveryPointArn": job.RecoveryPointArn,
        "backupVaultArn": job.BackupVaultArn,
        "resourceType": job.ResourceType,
        "createdResourceArn": job.CreatedResourceArn,
        "objectKey": failure.key,
        "objectVersionId": failure.version_id,
        "reason": failure.reason,
        "correlationId": job.CorrelationId,
    }
