"""Backup vaults: logical containers with their own encryption key and notification settings."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

VAULT_NAME_PATTERN = r"^[a-zA-Z0-9\-\_]{2,50}$"

# Vault events Strongroom emits today; the rest of the model's BackupVaultEvents list is accepted and stored.
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
    "RECOVERY_POINT_MODIFIED",
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

    def subscribes_to(self, event: str) -> bool:
        return self.Notifications is not None and event in self.Notifications.BackupVaultEvents
