"""Job state changes, published the way AWS Backup publishes them: an EventBridge event ("Backup Job State
Change", "Restore Job State Change", source aws.backup) and, for the events a vault subscribed to, an SNS
notification to the vault's topic. Publishing never fails a job: a lost notification is logged, not raised."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from lambdas.common.observability import logger
from lambdas.domain.jobs import BackupJob, BackupJobState, RestoreJob, RestoreJobStatus
from lambdas.domain.vaults import BackupVault

SOURCE = "aws.backup"

BACKUP_VAULT_EVENTS: dict[BackupJobState, tuple[str, ...]] = {
    BackupJobState.RUNNING: ("BACKUP_JOB_STARTED",),
    BackupJobState.COMPLETED: ("BACKUP_JOB_COMPLETED", "BACKUP_JOB_SUCCESSFUL"),
    BackupJobState.FAILED: ("BACKUP_JOB_COMPLETED", "BACKUP_JOB_FAILED"),
    BackupJobState.ABORTED: ("BACKUP_JOB_COMPLETED", "BACKUP_JOB_FAILED"),
    BackupJobState.EXPIRED: ("BACKUP_JOB_COMPLETED", "BACKUP_JOB_EXPIRED"),
}
RESTORE_VAULT_EVENTS: dict[RestoreJobStatus, tuple[str, ...]] = {
    RestoreJobStatus.RUNNING: ("RESTORE_JOB_STARTED",),
    RestoreJobStatus.COMPLETED: ("RESTORE_JOB_COMPLETED", "RESTORE_JOB_SUCCESSFUL"),
    RestoreJobStatus.FAILED: ("RESTORE_JOB_COMPLETED", "RESTORE_JOB_FAILED"),
    RestoreJobStatus.ABORTED: ("RESTORE_JOB_COMPLETED", "RESTORE_JOB_FAILED"),
}


class EventSink(Protocol):
    def publish_backup_job(self, job: BackupJob, vault: BackupVault | None, now: datetime) -> None: ...

    def publish_restore_job(self, job: RestoreJob, vault: BackupVault | None, now: datetime) -> None: ...


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def backup_job_detail(job: BackupJob) -> dict[str, Any]:
    return {
        "backupJobId": job.BackupJobId,
        "backupVaultArn": job.BackupVaultArn,
        "backupVaultName": job.BackupVaultName,
        "resourceArn": job.ResourceArn,
        "resourceType": job.ResourceType,
        "state": job.State.value,
        "statusMessage": job.StatusMessage,
        "percentDone": job.PercentDone,
        "backupSizeInBytes": job.BackupSizeInBytes,
        "creationDate": _iso(job.CreationDate),
        "completionDate": _iso(job.CompletionDate),
        "recoveryPointArn": job.RecoveryPointArn,
        "iamRoleArn": job.IamRoleArn,
        "createdBy": job.CreatedBy.model_dump(exclude_none=True),
        "correlationId": job.CorrelationId,
    }


def restore_job_detail(job: RestoreJob) -> dict[str, Any]:
    return {
        "restoreJobId": job.RestoreJobId,
        "backupVaultArn": job.BackupVaultArn,
        "recoveryPointArn": job.RecoveryPointArn,
        "sourceResourceArn": job.SourceResourceArn,
        "resourceType": job.ResourceType,
        "status": job.Status.value,
        "statusMessage": job.StatusMessage,
        "createdResourceArn": job.CreatedResourceArn,
        "creationDate": _iso(job.CreationDate),
        "completionDate": _iso(job.CompletionDate),
        "correlationId": job.CorrelationId,
    }


class AwsEventSink:
    def __init__(
        self, events: Callable[[], Any], sns: Callable[[], Any], bus_name: str, account: str, region: str
    ) -> None:
        self._events = events
        self._sns = sns
        self._bus = bus_name
        self._account = account
        self._region = region

    def publish_backup_job(self, job: BackupJob, vault: BackupVault | None, now: datetime) -> None:
        detail = backup_job_detail(job)
        self._emit("Backup Job State Change", [job.BackupVaultArn, job.ResourceArn], detail, now)
        for event in BACKUP_VAULT_EVENTS.get(job.State, ()):
            self._notify(
                vault, event, detail, f"Backup job {job.BackupJobId} of {job.ResourceArn} is {job.State.value}"
            )

    def publish_restore_job(self, job: RestoreJob, vault: BackupVault | None, now: datetime) -> None:
        detail = restore_job_detail(job)
        self._emit("Restore Job State Change", [job.RecoveryPointArn], detail, now)
        for event in RESTORE_VAULT_EVENTS.get(job.Status, ()):
            self._notify(
                vault, event, detail, f"Restore job {job.RestoreJobId} of {job.RecoveryPointArn} is {job.Status.value}"
            )

    def _emit(self, detail_type: str, resources: list[str], detail: dict[str, Any], now: datetime) -> None:
        try:
            response = self._events().put_events(
                Entries=[
                    {
                        "Time": now,
                        "Source": SOURCE,
                        "DetailType": detail_type,
                        "Resources": resources,
                        "Detail": json.dumps(detail),
                        "EventBusName": self._bus,
                    }
                ]
            )
            if response.get("FailedEntryCount"):
                logger.warning("event not accepted", extra={"detail_type": detail_type, "response": response})
        except Exception:  # noqa: BLE001 - a lost event must not fail the job it describes
            logger.exception("could not publish event", extra={"detail_type": detail_type})

    def _notify(self, vault: BackupVault | None, event: str, detail: dict[str, Any], summary: str) -> None:
        if vault is None or not vault.subscribes_to(event) or vault.Notifications is None:
            return
        try:
            self._sns().publish(
                TopicArn=vault.Notifications.SNSTopicArn,
                Subject=f"AWS Backup notification: {event}"[:100],
                Message=json.dumps({"summary": summary, "event": event, "detail": detail}),
                MessageAttributes={"EventType": {"DataType": "String", "StringValue": event}},
            )
        except Exception:  # noqa: BLE001 - as above
            logger.exception("could not notify vault topic", extra={"event": event, "vault": vault.BackupVaultName})
