"""Backup and restore jobs and the state machines AWS Backup gives them. Every job kind (copy jobs too, in
copies.py) states its machine as data, a JobMachine, and shares one `transition` and one `is_open`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field

from lambdas.domain.errors import InvalidRequestException
from lambdas.domain.plans import CopyAction, Lifecycle


class BackupJobState(StrEnum):
    CREATED = "CREATED"
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    ABORTING = "ABORTING"
    ABORTED = "ABORTED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"
    PARTIAL = "PARTIAL"


class RestoreJobStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    ABORTED = "ABORTED"
    FAILED = "FAILED"


BACKUP_TRANSITIONS: dict[BackupJobState, frozenset[BackupJobState]] = {
    BackupJobState.CREATED: frozenset(
        {BackupJobState.RUNNING, BackupJobState.EXPIRED, BackupJobState.FAILED, BackupJobState.ABORTED}
    ),
    BackupJobState.PENDING: frozenset({BackupJobState.RUNNING, BackupJobState.EXPIRED, BackupJobState.ABORTED}),
    BackupJobState.RUNNING: frozenset(
        {BackupJobState.COMPLETED, BackupJobState.FAILED, BackupJobState.ABORTING, BackupJobState.EXPIRED}
    ),
    BackupJobState.ABORTING: frozenset({BackupJobState.ABORTED}),
}
OPEN_BACKUP_STATES = frozenset(BACKUP_TRANSITIONS)

RESTORE_TRANSITIONS: dict[RestoreJobStatus, frozenset[RestoreJobStatus]] = {
    RestoreJobStatus.PENDING: frozenset({RestoreJobStatus.RUNNING, RestoreJobStatus.FAILED, RestoreJobStatus.ABORTED}),
    RestoreJobStatus.RUNNING: frozenset(
        {RestoreJobStatus.COMPLETED, RestoreJobStatus.FAILED, RestoreJobStatus.ABORTED}
    ),
}


@dataclass(frozen=True)
class JobMachine:
    """A job kind's state machine: the field its state is in and the moves allowed from each open state (a
    state with no moves is final)."""

    noun: str  # "Backup job", for messages
    id_field: str
    state_field: str
    transitions: Mapping[Any, frozenset[Any]]  # the kind's own enum: {BackupJobState.CREATED: {...}, ...}

    def is_open(self, state: StrEnum) -> bool:
        return state in self.transitions

    def allows(self, current: StrEnum, to: StrEnum) -> bool:
        return to in self.transitions.get(current, frozenset())


class MachineJob(BaseModel):
    """What every job kind shares: its id, its state, whether it is open, and the one way it moves."""

    machine: ClassVar[JobMachine]

    @property
    def job_id(self) -> str:
        return str(getattr(self, self.machine.id_field))

    @property
    def state(self) -> StrEnum:
        state: StrEnum = getattr(self, self.machine.state_field)
        return state

    # Fields every kind has, each declaring them in its own place (the order of the stored and answered fields).

    @property
    def created(self) -> datetime:
        created: datetime = self.__dict__["CreationDate"]
        return created

    @property
    def account_id(self) -> str:
        return str(self.__dict__["AccountId"])

    @property
    def resource_type(self) -> str:
        return str(self.__dict__["ResourceType"])

    @property
    def is_open(self) -> bool:
        return self.machine.is_open(self.state)

    def transition(self, to: StrEnum, **changes: object) -> Self:
        if not self.machine.allows(self.state, to):
            raise InvalidRequestException(f"{self.machine.noun} {self.job_id} cannot go from {self.state} to {to}")
        return self.model_copy(update={self.machine.state_field: to, **changes})


class RecoveryPointCreator(BaseModel):
    model_config = ConfigDict(frozen=True)

    BackupPlanId: str | None = None
    BackupPlanArn: str | None = None
    BackupPlanName: str | None = None
    BackupPlanVersion: str | None = None
    BackupRuleId: str | None = None
    BackupRuleName: str | None = None
    BackupRuleCron: str | None = None
    BackupRuleTimezone: str | None = None


class BackupJob(MachineJob):
    model_config = ConfigDict(frozen=True)
    machine: ClassVar[JobMachine] = JobMachine("Backup job", "BackupJobId", "State", BACKUP_TRANSITIONS)

    BackupJobId: str
    AccountId: str
    BackupVaultName: str
    BackupVaultArn: str
    ResourceArn: str
    ResourceType: str
    ResourceName: str | None = None
    IamRoleArn: str
    State: BackupJobState = BackupJobState.CREATED
    StatusMessage: str | None = None
    PercentDone: str | None = None
    BackupSizeInBytes: int | None = None
    CreatedBy: RecoveryPointCreator = Field(default_factory=RecoveryPointCreator)
    CreationDate: datetime
    StartBy: datetime
    CompleteBy: datetime
    InitiationDate: datetime | None = None
    CompletionDate: datetime | None = None
    RecoveryPointArn: str | None = None
    RecoveryPointLifecycle: Lifecycle | None = None
    RecoveryPointTags: dict[str, str] = Field(default_factory=dict)
    BackupOptions: dict[str, str] = Field(default_factory=dict)
    BackupType: str | None = None
    # Strongroom's own bookkeeping: the native backup's id and the id that follows the job everywhere.
    NativeBackupId: str | None = None
    CorrelationId: str
    StartAttempts: int = 0
    # The copy actions of the rule that made the job, as they were then ([]: none; None: a job recorded
    # before jobs carried them, whose rule is read from its plan version).
    CopyActions: list[CopyAction] | None = None
    # Saved RUNNING together with a claim on its resource (one backup of a resource at a time), which it
    # releases when it ends; jobs started before claims existed hold none.
    HoldsClaim: bool = False

    def window_verdict(self, now: datetime) -> BackupJobState | None:
        """EXPIRED when a job did not start within its start window or finish within its completion window."""
        if self.State in (BackupJobState.CREATED, BackupJobState.PENDING) and now >= self.StartBy:
            return BackupJobState.EXPIRED
        if self.State == BackupJobState.RUNNING and now >= self.CompleteBy:
            return BackupJobState.EXPIRED
        return None


def windows(scheduled: datetime, start_minutes: int, completion_minutes: int) -> tuple[datetime, datetime]:
    """AWS counts both windows from the scheduled time (the completion window does not add the start window)."""
    return scheduled + timedelta(minutes=start_minutes), scheduled + timedelta(minutes=completion_minutes)


class RestoreJobCreator(BaseModel):
    """The model's RestoreJobCreator: the restore testing plan that started a restore job."""

    model_config = ConfigDict(frozen=True)

    RestoreTestingPlanArn: str | None = None


class RestoreJob(MachineJob):
    model_config = ConfigDict(frozen=True)
    machine: ClassVar[JobMachine] = JobMachine("Restore job", "RestoreJobId", "Status", RESTORE_TRANSITIONS)

    RestoreJobId: str
    AccountId: str
    RecoveryPointArn: str
    BackupVaultArn: str
    BackupVaultName: str
    SourceResourceArn: str
    ResourceType: str
    Metadata: dict[str, str] = Field(default_factory=dict)
    IamRoleArn: str | None = None
    Status: RestoreJobStatus = RestoreJobStatus.PENDING
    StatusMessage: str | None = None
    PercentDone: str | None = None
    BackupSizeInBytes: int | None = None
    CreatedResourceArn: str | None = None
    CreationDate: datetime
    CompletionDate: datetime | None = None
    RecoveryPointCreationDate: datetime | None = None
    ExecutionArn: str | None = None
    NativeRestoreId: str | None = None
    CorrelationId: str
    # Recovery time (lambdas/domain/restore_times.py): the whole seconds from the request to a usable resource,
    # recorded when the job completes (never answered: the API's minutes are derived from it), and the minutes
    # its restore was expected to take when it was asked for, read from the history of earlier restores.
    RecoveryTimeSeconds: int | None = None
    ExpectedCompletionTimeMinutes: int | None = None
    # Restore testing (lambdas/domain/restore_testing): the plan that started the job, the data check's and the
    # cleanup's verdicts, and Strongroom's own bookkeeping for them (the selection, when the restored resource
    # is deleted, the deletion attempts so far).
    CreatedBy: RestoreJobCreator | None = None
    ValidationStatus: str | None = None
    ValidationStatusMessage: str | None = None
    DeletionStatus: str | None = None
    DeletionStatusMessage: str | None = None
    RestoreTestingSelectionName: str | None = None
    DeleteAt: datetime | None = None
    DeletionAttempts: int = 0

    @property
    def RestoreTestingPlanArn(self) -> str | None:
        return self.CreatedBy.RestoreTestingPlanArn if self.CreatedBy else None

    @property
    def awaits_restore_test_follow_up(self) -> bool:
        """A restore test whose copy is still there: to validate, then delete (the hourly sweep's work)."""
        return (
            self.CreatedBy is not None
            and self.Status == RestoreJobStatus.COMPLETED
            and self.DeletionStatus != "SUCCESSFUL"
        )
