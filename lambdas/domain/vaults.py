"""Backup vaults: logical containers with their own encryption key and notification settings."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

VAULT_NAME_PATTERN = r"^[a-zA-Z0-9\-\_]{2,50}$"

# Vault events Strongroom sends (to the vault's SNS topic, for the events the vault subscribed to). Every other
# event of the model's BackupVaultEvents list is accepted and stored, and never sent: NEVER_SENT says why.
JOB_EVENTS = {
    "BACKUP_JOB_STARTED",
    "BACKUP_JOB_COMPLETED",
    "BACKUP_JOB_SUCCESSFUL",
    "BACKUP_JOB_FAILED",
    "BACKUP_JOB_EXPIRED",
    "RESTORE_JOB_STARTED",
    "RESTORE_JOB_COMPLETED",
    "RESTORE_JOB_SUCCESSFUL",
    "RESTORE_JOB_FAILED",
    "COPY_JOB_STARTED",
    "COPY_JOB_SUCCESSFUL",
    "COPY_JOB_FAILED",
    "RECOVERY_POINT_MODIFIED",
    "BACKUP_PLAN_CREATED",
    "BACKUP_PLAN_MODIFIED",
    "S3_RESTORE_OBJECT_FAILED",
}
_NO_EKS = "Strongroom does not back up Amazon EKS clusters"
_NO_INDEX = "Strongroom does not index recovery points (no backup search)"
_NO_ACCESS_POINTS = "Strongroom makes no S3 access points to recovery points"
NEVER_SENT: dict[str, str] = {
    "S3_BACKUP_OBJECT_FAILED": "an S3 backup records the versions of the objects and copies none, so no object can "
    "fail on its own: the listing succeeds or the whole backup job fails (BACKUP_JOB_FAILED)",
    "CONTINUOUS_BACKUP_INTERRUPTED": "Strongroom makes snapshot backups only, no continuous backups",
    "RECOVERY_POINT_INDEX_COMPLETED": _NO_INDEX,
    "RECOVERY_POINT_INDEX_DELETED": _NO_INDEX,
    "RECOVERY_POINT_INDEXING_FAILED": _NO_INDEX,
    "EKS_RESTORE_OBJECT_FAILED": _NO_EKS,
    "EKS_RESTORE_OBJECT_SKIPPED": _NO_EKS,
    "EKS_BACKUP_OBJECT_FAILED": _NO_EKS,
    "EKS_RESTORE_MODIFICATION_SUCCESS": _NO_EKS,
    "EKS_RESTORE_MODIFICATION_FAILED": _NO_EKS,
    "ACCESS_POINT_AVAILABLE": _NO_ACCESS_POINTS,
    "ACCESS_POINT_CREATION_FAILED": _NO_ACCESS_POINTS,
    "ACCESS_POINT_DELETED": _NO_ACCESS_POINTS,
    "ACCESS_POINT_DELETION_FAILED": _NO_ACCESS_POINTS,
    "ACCESS_POINT_EXPIRED": _NO_ACCESS_POINTS,
    "ACCESS_POINT_DISASSOCIATED": _NO_ACCESS_POINTS,
}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CreateBackupVaultInput(_Model):
    BackupVaultName: str = Field(pattern=VAULT_NAME_PATTERN)
    BackupVaultTags: dict[str, str] = Field(default_factory=dict)
    EncryptionKeyArn: str | None = Field(
        default=None, pattern=r"^arn:aws[a-z\-]*:kms:[a-z0-9\-]+:\d{12}:(key|alias)/.+$"
    )
    CreatorRequestId: str | None = None


class VaultNotifications(_Model):
    SNSTopicArn: str = Field(pattern=r"^arn:aws[a-z\-]*:sns:[a-z0-9\-]+:\d{12}:.+$")
    BackupVaultEvents: list[str] = Field(min_length=1)


class LockConfiguration(_Model):
    MinRetentionDays: int | None = Field(default=None, ge=1, le=36500)
    MaxRetentionDays: int | None = Field(default=None, ge=1, le=36500)
    ChangeableForDays: int | None = Field(default=None, ge=3, le=36500)
    LockDate: datetime | None = None

    def retained_until(self, created: datetime) -> datetime | None:
        """The earliest moment a point created at `created` may be deleted in this vault."""
        return created + timedelta(days=self.MinRetentionDays) if self.MinRetentionDays else None

    def check_retention(self, delete_after_days: int | None) -> str | None:
        """Why a lifecycle is outside this lock's bounds, or None when it fits."""
        minimum = self.MinRetentionDays
        if minimum and delete_after_days is not None and delete_after_days < minimum:
            return f"DeleteAfterDays {delete_after_days} is below the vault lock's MinRetentionDays {minimum}"
        if self.MaxRetentionDays and (delete_after_days is None or delete_after_days > self.MaxRetentionDays):
            kept = "kept forever" if delete_after_days is None else f"DeleteAfterDays {delete_after_days}"
            return f"{kept} exceeds the vault lock's MaxRetentionDays {self.MaxRetentionDays}"
        return None

    def is_immutable(self, now: datetime) -> bool:
        """Compliance mode: after its grace time the lock can no longer be changed or removed."""
        return self.LockDate is not None and now >= self.LockDate


class BackupVault(_Model):
    BackupVaultName: str
    BackupVaultArn: str
    EncryptionKeyArn: str
    CreationDate: datetime
    CreatorRequestId: str | None = None
    Tags: dict[str, str] = Field(default_factory=dict)
    Notifications: VaultNotifications | None = None
    NumberOfRecoveryPoints: int = 0
    AccessPolicy: str | None = None
    Lock: LockConfiguration | None = None
    # Strongroom's optimistic version: the store saves a vault only over the version it was read at, so two
    # concurrent changes (a tag and a lock) never silently undo each other. Not part of any API answer.
    Version: int = 1
    # Whether the native locks of the vault's points were turned into compliance locks as its compliance grace
    # ended (services/native_locks.py); cleared when the lock changes. Not part of any API answer.
    NativeLocksHardened: bool = False

    def refuses_retention(self, delete_after_days: int | None) -> str | None:
        """Why a recovery point kept `delete_after_days` (None: forever) may not be in this vault, whose lock
        bounds retention; None when it may."""
        if self.Lock is None:
            return None
        outside = self.Lock.check_retention(delete_after_days)
        return f"{outside}: backup vault {self.BackupVaultName} is locked" if outside else None

    def subscribes_to(self, event: str) -> bool:
        return self.Notifications is not None and event in self.Notifications.BackupVaultEvents
