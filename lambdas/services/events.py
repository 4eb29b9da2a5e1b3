"""Job, recovery point and plan state changes, published the way AWS Backup publishes them: an EventBridge event
("Backup Job State Change", "Restore Job State Change", "Copy Job State Change", "Recovery Point State Change",
"Backup Plan State Change", AWS Backup's detail shapes: see event_details.py) from source `strongroom.backup` on the
stack's bus and, for the events a vault subscribed to, an SNS notification to the vault's topic. Publishing never
fails an operation: an event EventBridge refuses is retried when the refusal is temporary, then counted in a metric
and logged (event_delivery.py); a lost vault notification is counted and logged too, never raised."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from lambdas.common.observability import logger, metrics
from lambdas.domain.copies import CopyJob, CopyJobState
from lambdas.domain.jobs import BackupJob, BackupJobState, RestoreJob, RestoreJobStatus
from lambdas.domain.plans import BackupPlan
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.domain.vaults import BackupVault
from lambdas.resources.base import ObjectFailure
from lambdas.services.event_delivery import PutEventsDelivery
from lambdas.services.event_details import (
    BACKUP_JOB_DETAIL_TYPE,
    BACKUP_PLAN_DETAIL_TYPE,
    COPY_JOB_DETAIL_TYPE,
    EVENT_SOURCE,
    RECOVERY_POINT_DETAIL_TYPE,
    RESTORE_JOB_DETAIL_TYPE,
    RUN_SUMMARY_DETAIL_TYPE,
    PlanState,
    backup_job_detail,
    backup_job_resources,
    backup_plan_detail,
    copy_job_detail,
    recovery_point_detail,
    restore_job_detail,
    restore_object_failure_detail,
)

EVENTS_PER_CALL = 10  # PutEvents takes at most ten entries
VAULT_NOTIFICATIONS_NOT_DELIVERED_METRIC = "VaultNotificationsNotDelivered"

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

COPY_VAULT_EVENTS: dict[CopyJobState, tuple[str, ...]] = {
    CopyJobState.RUNNING: ("COPY_JOB_STARTED",),
    CopyJobState.COMPLETED: ("COPY_JOB_SUCCESSFUL",),
    CopyJobState.FAILED: ("COPY_JOB_FAILED",),
}


# A deletion is a change to the plan: there is no BACKUP_PLAN_DELETED in the model's BackupVaultEvent.
PLAN_VAULT_EVENTS: dict[PlanState, str] = {
    PlanState.CREATED: "BACKUP_PLAN_CREATED",
    PlanState.MODIFIED: "BACKUP_PLAN_MODIFIED",
    PlanState.DELETED: "BACKUP_PLAN_MODIFIED",
}
RECOVERY_POINT_VAULT_EVENT = "RECOVERY_POINT_MODIFIED"
# Per resource type, the event for one object a restore could not restore (SNS only: AWS Backup puts no
# EventBridge event for it). S3 is the only type that restores object by object.
RESTORE_OBJECT_FAILED_EVENTS: dict[str, str] = {"S3": "S3_RESTORE_OBJECT_FAILED"}


class EventSink(Protocol):
    def publish_backup_job(self, job: BackupJob, vault: BackupVault | None, now: datetime) -> None: ...

    def publish_restore_job(self, job: RestoreJob, vault: BackupVault | None, now: datetime) -> None: ...

    def publish_copy_job(self, job: CopyJob, vault: BackupVault | None, now: datetime) -> None:
        """`vault` is the SOURCE vault: AWS Backup notifies copy jobs to the vault they copy from."""

    def publish_recovery_point(self, point: RecoveryPoint, vault: BackupVault | None, now: datetime) -> None:
        """A recovery point changed (its lifecycle, its storage class, its status): RECOVERY_POINT_MODIFIED."""

    def publish_backup_plan(
        self, plan: BackupPlan, state: PlanState, vaults: Sequence[BackupVault], now: datetime
    ) -> None:
        """`vaults`: the vaults the plan's rules target (before and after an update), each notified once."""

    def publish_restore_object_failures(
        self, job: RestoreJob, failures: Sequence[ObjectFailure], vault: BackupVault | None
    ) -> None:
        """Objects of a restore that failed while the job goes on: one notification each, SNS only."""

    def publish_run_summary(self, detail: dict[str, Any], now: datetime) -> None:
        """What a scheduled run did (run_summary.py): an event of Strongroom's own detail type; no vault is told."""

    def batched(self) -> AbstractContextManager[None]:
        """Within it, EventBridge events are sent ten to a call (PutEvents' limit) instead of one by one: for
        code that moves many jobs at once. Whatever is left is sent when it ends, even on an error."""


class AwsEventSink:
    def __init__(
        self,
        events: Callable[[], Any],
        sns: Callable[[], Any],
        bus_name: str,
        account: str,
        region: str,
        sleep: Callable[[float], None] = time.sleep,
        on_change: Callable[[datetime], None] | None = None,
    ) -> None:
        self._delivery = PutEventsDelivery(events, sleep)
        # Told of every change compliance can depend on (a point made, changed or deleted, a plan changed).
        self._on_change = on_change
        self._sns = sns
        self._bus = bus_name
        self._account = account
        self._region = region
        self._local = threading.local()  # each thread batches its own events (the local runtime is threaded)

    def publish_backup_job(self, job: BackupJob, vault: BackupVault | None, now: datetime) -> None:
        detail = backup_job_detail(job)
        self._emit(BACKUP_JOB_DETAIL_TYPE, backup_job_resources(job), detail, now)
        if job.State is BackupJobState.COMPLETED:
            self._changed(now)
        for event in BACKUP_VAULT_EVENTS.get(job.State, ()):
            self._notify(
                vault, event, detail, f"Backup job {job.BackupJobId} of {job.ResourceArn} is {job.State.value}"
            )

    def publish_restore_job(self, job: RestoreJob, vault: BackupVault | None, now: datetime) -> None:
        detail = restore_job_detail(job)
        self._emit(RESTORE_JOB_DETAIL_TYPE, [job.RecoveryPointArn], detail, now)
        for event in RESTORE_VAULT_EVENTS.get(job.Status, ()):
            self._notify(
                vault, event, detail, f"Restore job {job.RestoreJobId} of {job.RecoveryPointArn} is {job.Status.value}"
            )

    def publish_copy_job(self, job: CopyJob, vault: BackupVault | None, now: datetime) -> None:
        detail = copy_job_detail(job)
        self._emit(COPY_JOB_DETAIL_TYPE, [job.SourceRecoveryPointArn], detail, now)
        if job.State is CopyJobState.COMPLETED:
            self._changed(now)
        for event in COPY_VAULT_EVENTS.get(job.State, ()):
            self._notify(
                vault,
                event,
                detail,
                f"Copy job {job.CopyJobId} of {job.SourceRecoveryPointArn} to {job.DestinationBackupVaultArn} "
                f"is {job.State.value}",
            )

    def publish_recovery_point(self, point: RecoveryPoint, vault: BackupVault | None, now: datetime) -> None:
        detail = recovery_point_detail(point)
        self._emit(RECOVERY_POINT_DETAIL_TYPE, [point.RecoveryPointArn], detail, now)
        self._changed(now)
        self._notify(
            vault,
            RECOVERY_POINT_VAULT_EVENT,
            detail,
            f"Recovery point {point.RecoveryPointArn} of {point.ResourceArn} was modified: it is "
            f"{point.Status.value}, storage class {point.StorageClass}",
        )

    def publish_backup_plan(
        self, plan: BackupPlan, state: PlanState, vaults: Sequence[BackupVault], now: datetime
    ) -> None:
        detail = backup_plan_detail(plan, state, now)
        self._emit(BACKUP_PLAN_DETAIL_TYPE, [plan.BackupPlanArn], detail, now)
        self._changed(now)
        event = PLAN_VAULT_EVENTS[state]
        topics: set[str] = set()  # two vaults on one topic: the plan's change is one message
        for vault in vaults:
            if vault.Notifications is None or not vault.subscribes_to(event):
                continue
            if vault.Notifications.SNSTopicArn not in topics:
                topics.add(vault.Notifications.SNSTopicArn)
                summary = f"Backup plan {plan.BackupPlanName} ({plan.BackupPlanId}) was {state.value.lower()}"
                self._notify(vault, event, detail, summary)

    def publish_restore_object_failures(
        self, job: RestoreJob, failures: Sequence[ObjectFailure], vault: BackupVault | None
    ) -> None:
        event = RESTORE_OBJECT_FAILED_EVENTS.get(job.ResourceType)
        if event is None or vault is None or not vault.subscribes_to(event):
            return
        for failure in failures:
            summary = (
                f"Restore job {job.RestoreJobId} could not restore {failure.key} (version {failure.version_id}): "
                f"{failure.reason}"
            )
            self._notify(vault, event, restore_object_failure_detail(job, failure), summary)

    def publish_run_summary(self, detail: dict[str, Any], now: datetime) -> None:
        self._emit(RUN_SUMMARY_DETAIL_TYPE, [], detail, now)

    def _changed(self, now: datetime) -> None:
        if self._on_change is not None:
            self._on_change(now)

    @contextmanager
    def batched(self) -> Iterator[None]:
        outer = getattr(self._local, "buffer", None)
        if outer is not None:  # already batching: the outer scope sends
            yield
            return
        self._local.buffer = []
        try:
            yield
        finally:
            entries, self._local.buffer = self._local.buffer, None
            for start in range(0, len(entries), EVENTS_PER_CALL):
                self._send(entries[start : start + EVENTS_PER_CALL])

    def _emit(self, detail_type: str, resources: list[str], detail: dict[str, Any], now: datetime) -> None:
        entry = {
            "Time": now,
            "Source": EVENT_SOURCE,
            "DetailType": detail_type,
            "Resources": resources,
            "Detail": json.dumps(detail),
            "EventBusName": self._bus,
        }
        buffer: list[dict[str, Any]] | None = getattr(self._local, "buffer", None)
        if buffer is None:
            self._send([entry])
            return
        buffer.append(entry)
        if len(buffer) >= EVENTS_PER_CALL:
            self._local.buffer = []
            self._send(buffer)

    def _send(self, entries: list[dict[str, Any]]) -> None:
        # Retried, then counted and logged by the delivery: a lost event must not fail the job it describes.
        self._delivery.send(entries)

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
        except Exception:  # noqa: BLE001 - a lost notification must not fail the change it reports: counted instead
            metrics.add_metric(name=VAULT_NOTIFICATIONS_NOT_DELIVERED_METRIC, unit=MetricUnit.Count, value=1)
            logger.exception("could not notify vault topic", extra={"event": event, "vault": vault.BackupVaultName})
