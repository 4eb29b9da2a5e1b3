"""Legal holds: a restraint on deleting or disassociating recovery points until someone cancels it.

A hold selects recovery points by vault name, by resource ARN and by a creation date range; every criterion
given narrows the selection, a criterion left out does not narrow it. Which points a hold covers, and when it
protects them, is decided here; finding the points and recording them is the service's and the store's.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.domain.vaults import VAULT_NAME_PATTERN

# AWS Backup's quota: legal holds active at one time in an account.
MAX_ACTIVE_LEGAL_HOLDS = 50
MAX_RETAIN_RECORD_DAYS = 36500
_ARN = re.compile(r"^arn:aws[a-z\-]*:[a-z0-9\-]+:[a-z0-9\-]*:\d{0,12}:.+$")


def legal_hold_arn(region: str, account: str, hold_id: str, partition: str = "aws") -> str:
    return f"arn:{partition}:backup:{region}:{account}:legal-hold:{hold_id}"


class LegalHoldStatus(StrEnum):
    CREATING = "CREATING"
    ACTIVE = "ACTIVE"
    CANCELING = "CANCELING"
    CANCELED = "CANCELED"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DateRange(_Model):
    """Recovery points created from FromDate to ToDate, both inclusive."""

    FromDate: datetime
    ToDate: datetime

    @model_validator(mode="after")
    def _in_order(self) -> DateRange:
        if self.FromDate > self.ToDate:
            raise ValueError(
                f"FromDate ({self.FromDate.isoformat()}) must not be after ToDate ({self.ToDate.isoformat()})"
            )
        return self

    def check_past(self, now: datetime) -> str | None:
        """Why the range cannot be used at `now` (AWS Backup permits no future dates), or None."""
        if self.ToDate > now:
            return f"DateRange.ToDate ({self.ToDate.isoformat()}) is in the future: future dates are not permitted"
        return None


DateRangeModel = DateRange  # the field below is named DateRange too, as in the AWS shape


class RecoveryPointSelection(_Model):
    VaultNames: list[str] | None = None
    ResourceIdentifiers: list[str] | None = None
    DateRange: DateRangeModel | None = None

    @field_validator("VaultNames")
    @classmethod
    def _vault_names(cls, names: list[str] | None) -> list[str] | None:
        for name in names or []:
            if not re.match(VAULT_NAME_PATTERN, name):
                raise ValueError(f"{name!r} is not a backup vault name (2 to 50 of a-z, A-Z, 0-9, - and _)")
        return names

    @field_validator("ResourceIdentifiers")
    @classmethod
    def _resource_arns(cls, arns: list[str] | None) -> list[str] | None:
        for arn in arns or []:
            if not _ARN.match(arn):
                raise ValueError(f"{arn!r} is not a resource ARN (arn:partition:service:region:account:resource)")
        return arns

    def selects(self, point: RecoveryPoint) -> bool:
        """Whether the point is one this selection names: live (not deleted or disassociated), in one of the
        vaults, of one of the resources, created within the date range; a criterion left out does not narrow."""
        if point.StorageClass == "DELETED":
            return False
        if self.VaultNames and point.BackupVaultName not in self.VaultNames:
            return False
        if self.ResourceIdentifiers and point.ResourceArn not in self.ResourceIdentifiers:
            return False
        window = self.DateRange
        return window is None or window.FromDate <= point.CreationDate <= window.ToDate


RecoveryPointSelectionModel = RecoveryPointSelection  # the fields below are named as in the AWS shapes


class CreateLegalHoldInput(_Model):
    Title: str = Field(min_length=1)
    Description: str = Field(min_length=1)
    IdempotencyToken: str | None = None
    RecoveryPointSelection: RecoveryPointSelectionModel = Field(default_factory=RecoveryPointSelectionModel)
    Tags: dict[str, str] = Field(default_factory=dict)


class CancelLegalHoldInput(_Model):
    LegalHoldId: str = Field(min_length=1)
    CancelDescription: str = Field(min_length=1)
    RetainRecordInDays: int | None = Field(default=None, ge=1, le=MAX_RETAIN_RECORD_DAYS)


class LegalHold(_Model):
    LegalHoldId: str
    LegalHoldArn: str
    Title: str
    Description: str
    Status: LegalHoldStatus
    CreationDate: datetime
    CancellationDate: datetime | None = None
    CancelDescription: str | None = None
    RetainRecordUntil: datetime | None = None
    RecoveryPointSelection: RecoveryPointSelectionModel = Field(default_factory=RecoveryPointSelectionModel)
    IdempotencyToken: str | None = None
    Tags: dict[str, str] = Field(default_factory=dict)

    @property
    def protects(self) -> bool:
        """A hold protects its points from the moment it is being applied until it is canceled."""
        return self.Status != LegalHoldStatus.CANCELED

    def is_on_record(self, now: datetime) -> bool:
        """A canceled hold's record stays readable until its RetainRecordUntil (forever without one)."""
        return self.RetainRecordUntil is None or now < self.RetainRecordUntil

    def canceled(self, request: CancelLegalHoldInput, now: datetime) -> LegalHold:
        days = request.RetainRecordInDays
        return self.model_copy(
            update={
                "Status": LegalHoldStatus.CANCELED,
                "CancellationDate": now,
                "CancelDescription": request.CancelDescription,
                "RetainRecordUntil": now + timedelta(days=days) if days is not None else None,
            }
        )


class HeldRecoveryPoint(_Model):
    """One recovery point a hold was applied to: what ListRecoveryPointsByLegalHold tells of it."""

    LegalHoldId: str
    RecoveryPointArn: str
    ResourceArn: str
    ResourceType: str
    BackupVaultName: str

    @classmethod
    def of(cls, hold_id: str, point: RecoveryPoint) -> HeldRecoveryPoint:
        return cls(
            LegalHoldId=hold_id,
            RecoveryPointArn=point.RecoveryPointArn,
            ResourceArn=point.ResourceArn,
            ResourceType=point.ResourceType,
            BackupVaultName=point.BackupVaultName,
        )
