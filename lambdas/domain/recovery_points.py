"""Recovery points: a resource's content at a time, with its metadata, restore parameters and tags."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from lambdas.domain.jobs import RecoveryPointCreator
from lambdas.domain.lifecycle import CalculatedLifecycle as CalculatedLifecycleModel
from lambdas.domain.plans import LifecycleModel


class RecoveryPointStatus(StrEnum):
    COMPLETED = "COMPLETED"
    PARTIAL = "PARTIAL"
    DELETING = "DELETING"
    EXPIRED = "EXPIRED"
    AVAILABLE = "AVAILABLE"
    STOPPED = "STOPPED"
    CREATING = "CREATING"


class RecoveryPoint(BaseModel):
    model_config = ConfigDict(frozen=True)

    RecoveryPointArn: str
    BackupVaultName: str
    BackupVaultArn: str
    ResourceArn: str
    ResourceType: str
    ResourceName: str | None = None
    CreatedBy: RecoveryPointCreator = Field(default_factory=RecoveryPointCreator)
    IamRoleArn: str | None = None
    Status: RecoveryPointStatus = RecoveryPointStatus.COMPLETED
    StatusMessage: str | None = None
    CreationDate: datetime
    InitiationDate: datetime | None = None
    CompletionDate: datetime | None = None
    BackupSizeInBytes: int | None = None
    Lifecycle: LifecycleModel | None = None
    CalculatedLifecycle: CalculatedLifecycleModel = Field(default_factory=CalculatedLifecycleModel)
    EncryptionKeyArn: str | None = None
    IsEncrypted: bool = False
    StorageClass: str = "WARM"
    LastRestoreTime: datetime | None = None
    Tags: dict[str, str] = Field(default_factory=dict)
    BackupJobId: str | None = None
    # A copy: the vault it was copied from and the copy job that made it.
    SourceBackupVaultArn: str | None = None
    CopyJobId: str | None = None
    NativeBackupId: str
    RestoreMetadata: dict[str, str] = Field(default_factory=dict)
    # What restore testing's data check compares a restored copy with, recorded when the backup completed (an
    # item count and digest, an object manifest): lambdas/resources/<type>/validation.py.
    ValidationRecord: dict[str, str] = Field(default_factory=dict)
    DeletionAttempts: int = 0
    # After a lifecycle action failed (a deletion, a move to cold storage), the hourly run looks at the point
    # again no earlier than this: a point that keeps failing queues behind the others instead of before them.
    LifecycleRetryAt: datetime | None = None

    def next_lifecycle_moment(self) -> datetime | None:
        """When the lifecycle run has something to do with this point: its move to cold storage while it is
        WARM and the move comes first, else its deletion; never before LifecycleRetryAt."""
        calculated = self.CalculatedLifecycle
        moment = calculated.DeleteAt
        move = calculated.MoveToColdStorageAt
        if self.StorageClass == "WARM" and move is not None and (moment is None or move < moment):
            moment = move
        if moment is not None and self.LifecycleRetryAt is not None:
            moment = max(moment, self.LifecycleRetryAt)
        return moment
