"""Copy jobs: a completed recovery point copied into another vault, possibly in another Region or account,
with the copy's own lifecycle. The states and fields are AWS Backup's (CopyJob, CopyJobState)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from lambdas.domain.arns import parse_arn
from lambdas.domain.errors import InvalidParameterValueException
from lambdas.domain.jobs import JobMachine, MachineJob, RecoveryPointCreator
from lambdas.domain.plans import LifecycleModel
from lambdas.resources.types import TYPES


class CopyJobState(StrEnum):
    CREATED = "CREATED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    PARTIAL = "PARTIAL"


COPY_TRANSITIONS: dict[CopyJobState, frozenset[CopyJobState]] = {
    CopyJobState.CREATED: frozenset({CopyJobState.RUNNING, CopyJobState.FAILED}),
    CopyJobState.RUNNING: frozenset({CopyJobState.COMPLETED, CopyJobState.FAILED}),
}
OPEN_COPY_STATES = frozenset(COPY_TRANSITIONS)

# AWS Backup's documented limit of concurrent copies into one destination Region, per resource type; jobs
# beyond it wait in CREATED and start when a slot frees up. Types not listed are not bounded by Strongroom.
CONCURRENT_COPIES_PER_DESTINATION: dict[str, int] = {
    spec.resource_type: spec.concurrent_copies for spec in TYPES if spec.concurrent_copies is not None
}


@dataclass(frozen=True)
class VaultAddress:
    """Where a destination vault lives: its ARN names the account, the Region and the vault."""

    arn: str
    account: str
    region: str
    name: str

    @classmethod
    def parse(cls, arn: str) -> VaultAddress:
        try:
            parsed = parse_arn(arn)
        except InvalidParameterValueException:
            parsed = None
        kind, _, name = parsed.resource.partition(":") if parsed else ("", "", "")
        if parsed is None or parsed.service != "backup" or kind != "backup-vault" or not name:
            raise InvalidParameterValueException(
                f"Invalid DestinationBackupVaultArn {arn!r}: expected "
                "arn:aws:backup:<region>:<account id>:backup-vault:<vault name>"
            )
        if not parsed.account.isdigit() or len(parsed.account) != 12:
            raise InvalidParameterValueException(
                f"Invalid DestinationBackupVaultArn {arn!r}: the account id must be 12 digits"
            )
        return cls(arn, parsed.account, parsed.region, name)


class CopyJob(MachineJob):
    model_config = ConfigDict(frozen=True)
    machine: ClassVar[JobMachine] = JobMachine("Copy job", "CopyJobId", "State", COPY_TRANSITIONS)

    CopyJobId: str
    AccountId: str
    SourceBackupVaultArn: str
    SourceBackupVaultName: str
    SourceRecoveryPointArn: str
    DestinationBackupVaultArn: str
    DestinationRecoveryPointArn: str | None = None
    DestinationEncryptionKeyArn: str | None = None
    DestinationRecoveryPointLifecycle: LifecycleModel | None = None
    ResourceArn: str
    ResourceType: str
    ResourceName: str | None = None
    IamRoleArn: str
    CreatedBy: RecoveryPointCreator = Field(default_factory=RecoveryPointCreator)
    CreatedByBackupJobId: str | None = None
    State: CopyJobState = CopyJobState.CREATED
    StatusMessage: str | None = None
    MessageCategory: str | None = None
    BackupSizeInBytes: int | None = None
    CreationDate: datetime
    CompletionDate: datetime | None = None
    # Strongroom's bookkeeping: the copy's native id in the destination, the source's creation date (the copy
    # keeps it, so its lifecycle counts from when the data was backed up), and the correlation id.
    DestinationNativeId: str | None = None
    SourceCreationDate: datetime
    CorrelationId: str
    StartAttempts: int = 0

    @property
    def destination(self) -> VaultAddress:
        return VaultAddress.parse(self.DestinationBackupVaultArn)


class StartCopyJobInput(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    RecoveryPointArn: str = Field(min_length=1)
    SourceBackupVaultName: str = Field(min_length=1)
    DestinationBackupVaultArn: str = Field(min_length=1)
    IamRoleArn: str = Field(pattern=r"^arn:aws[a-z\-]*:iam::\d{12}:role/.+$")
    IdempotencyToken: str | None = None
    Lifecycle: LifecycleModel | None = None
