"""Backup plans and their rules, validated the way AWS Backup validates them.

Field names are the ones of botocore's `backup` model (BackupPlanInput, BackupRuleInput, Lifecycle, CopyAction,
AdvancedBackupSetting, IndexAction, ScanAction, ScanSetting), so a request body maps onto these models as is."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lambdas.domain.schedule_expressions import (
    InvalidScheduleExpression,
    parse_schedule_expression,
    validate_timezone,
)
from lambdas.resources.types import TYPES

DEFAULT_SCHEDULE = "cron(0 5 ? * * *)"
DEFAULT_TIMEZONE = "Etc/UTC"
DEFAULT_START_WINDOW_MINUTES = 480
DEFAULT_COMPLETION_WINDOW_MINUTES = 10080
MIN_START_WINDOW_MINUTES = 60
MAX_WINDOW_MINUTES = 52_560_000
MIN_COLD_STORAGE_DAYS = 90
MAX_RETENTION_DAYS = 36_500
MAX_CONTINUOUS_RETENTION_DAYS = 35
MAX_RULES_PER_PLAN = 10
MIN_MINUTES_BETWEEN_BACKUPS = 60
MAX_PLANS_PER_ACCOUNT = 300  # AWS Backup's quota: backup plans per Region per account
MAX_TAGS = 50
NAME_PATTERN = r"^[a-zA-Z0-9\-\_\.]{1,50}$"
VAULT_NAME_PATTERN = r"^[a-zA-Z0-9\-\_]{2,50}$"
IAM_ROLE_PATTERN = r"^arn:aws[a-z\-]*:iam::\d{12}:role/.+$"
BACKUP_VAULT_ARN_PATTERN = r"^arn:aws[a-z\-]*:backup:[a-z0-9\-]*:\d{12}:backup-vault:.+$"

# AdvancedBackupSettings AWS Backup accepts: resource type -> option -> allowed values.
ADVANCED_BACKUP_OPTIONS: dict[str, dict[str, frozenset[str]]] = {
    spec.resource_type: spec.backup_options for spec in TYPES if spec.backup_options
}

_ID_NAMESPACE = uuid.UUID("0b6f4f53-2a43-4f0e-9a55-6f1d8e1c3a70")


def derived_id(*parts: str) -> str:
    """A stable id for a retried request: the same CreatorRequestId names the same plan (or rule, selection)."""
    return str(uuid.uuid5(_ID_NAMESPACE, "|".join(parts)))


def check_tags(tags: dict[str, str], field: str) -> dict[str, str]:
    """AWS's tag rules: at most 50, keys 1-128 characters not starting with aws:, values up to 256."""
    if len(tags) > MAX_TAGS:
        raise ValueError(f"{field} has {len(tags)} tags; at most {MAX_TAGS} are allowed")
    for key, value in tags.items():
        if not 1 <= len(key) <= 128:
            raise ValueError(f"{field} key {key!r} must be 1 to 128 characters long")
        if key.lower().startswith("aws:"):
            raise ValueError(f"{field} key {key!r} uses the reserved prefix aws:")
        if len(value) > 256:
            raise ValueError(f"{field} value of {key!r} is longer than 256 characters")
    return tags


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Lifecycle(_Model):
    # AWS Backup keeps a recovery point at most 100 years (36,500 days), and refuses longer lifecycles.
    MoveToColdStorageAfterDays: int | None = Field(default=None, ge=1, le=MAX_RETENTION_DAYS)
    DeleteAfterDays: int | None = Field(default=None, ge=1, le=MAX_RETENTION_DAYS)
    OptInToArchiveForSupportedResources: bool | None = None
    DeleteAfterEvent: Literal["DELETE_AFTER_COPY"] | None = None

    @field_validator("DeleteAfterEvent")
    @classmethod
    def _output_only(cls, value: str | None) -> str | None:
        # The model says of DeleteAfterEvent "Not valid as an input": AWS Backup sets it, users do not.
        if value is not None:
            raise ValueError("DeleteAfterEvent is set by AWS Backup and is not valid as an input")
        return value

    @model_validator(mode="after")
    def _cold_storage_minimum(self) -> Lifecycle:
        move, delete = self.MoveToColdStorageAfterDays, self.DeleteAfterDays
        if move is not None and delete is not None and delete < move + MIN_COLD_STORAGE_DAYS:
            raise ValueError(
                f"DeleteAfterDays ({delete}) must be at least {MIN_COLD_STORAGE_DAYS} days after "
                f"MoveToColdStorageAfterDays ({move}): recovery points stay in cold storage "
                f"for a minimum of {MIN_COLD_STORAGE_DAYS} days"
            )
        return self


LifecycleModel = Lifecycle  # the field below is named Lifecycle too, as in the AWS shapes


class CopyAction(_Model):
    Lifecycle: LifecycleModel | None = None
    DestinationBackupVaultArn: str

    @field_validator("DestinationBackupVaultArn")
    @classmethod
    def _vault_arn(cls, value: str) -> str:
        if not re.match(BACKUP_VAULT_ARN_PATTERN, value):
            raise ValueError(
                f"{value!r} is not a backup vault ARN (arn:aws:backup:<region>:<account>:backup-vault:<name>)"
            )
        return value


class IndexAction(_Model):
    # One resource type per index action (EBS or S3), as AWS Backup's IndexAction documents.
    ResourceTypes: list[Literal["EBS", "S3"]] = Field(min_length=1, max_length=1)


class ScanAction(_Model):
    MalwareScanner: Literal["GUARDDUTY"] | None = None
    ScanMode: Literal["FULL_SCAN", "INCREMENTAL_SCAN"] | None = None


class ScanSetting(_Model):
    MalwareScanner: Literal["GUARDDUTY"] | None = None
    ResourceTypes: list[str] = Field(default_factory=list)
    ScannerRoleArn: str | None = Field(default=None, pattern=IAM_ROLE_PATTERN)


class AdvancedBackupSetting(_Model):
    ResourceType: str = Field(pattern=NAME_PATTERN)
    BackupOptions: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_options(self) -> AdvancedBackupSetting:
        allowed = ADVANCED_BACKUP_OPTIONS.get(self.ResourceType)
        if allowed is None:
            raise ValueError(
                f"ResourceType {self.ResourceType!r} has no advanced backup settings; "
                f"supported: {', '.join(sorted(ADVANCED_BACKUP_OPTIONS))}"
            )
        for option, value in self.BackupOptions.items():
            if option not in allowed:
                raise ValueError(
                    f"BackupOptions {option!r} is not an option of {self.ResourceType}; "
                    f"supported: {', '.join(sorted(allowed))}"
                )
            if value not in allowed[option]:
                raise ValueError(f"BackupOptions {option} must be 'enabled' or 'disabled', got {value!r}")
        return self


def check_windows(start: int, completion: int) -> None:
    if start < MIN_START_WINDOW_MINUTES:
        raise ValueError(f"StartWindowMinutes must be at least {MIN_START_WINDOW_MINUTES} minutes, got {start}")
    if completion < start + MIN_START_WINDOW_MINUTES:
        raise ValueError(
            f"CompletionWindowMinutes ({completion}) must be at least {MIN_START_WINDOW_MINUTES} minutes "
            f"greater than StartWindowMinutes ({start})"
        )


class BackupRuleInput(_Model):
    RuleName: str = Field(pattern=NAME_PATTERN)
    TargetBackupVaultName: str = Field(pattern=VAULT_NAME_PATTERN)
    TargetLogicallyAirGappedBackupVaultArn: str | None = None
    ScheduleExpression: str = DEFAULT_SCHEDULE
    ScheduleExpressionTimezone: str = DEFAULT_TIMEZONE
    StartWindowMinutes: int = Field(default=DEFAULT_START_WINDOW_MINUTES, le=MAX_WINDOW_MINUTES)
    CompletionWindowMinutes: int = Field(default=DEFAULT_COMPLETION_WINDOW_MINUTES, le=MAX_WINDOW_MINUTES)
    Lifecycle: LifecycleModel | None = None
    RecoveryPointTags: dict[str, str] = Field(default_factory=dict)
    CopyActions: list[CopyAction] = Field(default_factory=list)
    EnableContinuousBackup: bool = False
    IndexActions: list[IndexAction] = Field(default_factory=list, max_length=1)  # "0 or 1 index action"
    ScanActions: list[ScanAction] = Field(default_factory=list)

    @field_validator("ScheduleExpression")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        if not value.startswith("cron("):
            raise ValueError(f"{value!r} is not a cron expression: backup rules are scheduled with cron(...)")
        try:
            expression = parse_schedule_expression(value)
        except InvalidScheduleExpression as error:
            raise ValueError(str(error)) from None
        interval = expression.min_interval()
        if interval is not None and interval.total_seconds() < MIN_MINUTES_BETWEEN_BACKUPS * 60:
            raise ValueError(f"{value} runs more often than once an hour, the most frequent backup schedule allowed")
        return value

    @field_validator("ScheduleExpressionTimezone")
    @classmethod
    def _valid_timezone(cls, value: str) -> str:
        try:
            return validate_timezone(value)
        except InvalidScheduleExpression as error:
            raise ValueError(str(error)) from None

    @field_validator("RecoveryPointTags")
    @classmethod
    def _valid_tags(cls, value: dict[str, str]) -> dict[str, str]:
        return check_tags(value, "RecoveryPointTags")

    @model_validator(mode="after")
    def _windows(self) -> BackupRuleInput:
        check_windows(self.StartWindowMinutes, self.CompletionWindowMinutes)
        return self

    @model_validator(mode="after")
    def _continuous_backup(self) -> BackupRuleInput:
        if not self.EnableContinuousBackup or self.Lifecycle is None:
            return self
        if self.Lifecycle.MoveToColdStorageAfterDays is not None:
            raise ValueError("continuous backups cannot move to cold storage: remove MoveToColdStorageAfterDays")
        delete = self.Lifecycle.DeleteAfterDays
        if delete is not None and delete > MAX_CONTINUOUS_RETENTION_DAYS:
            raise ValueError(
                f"continuous backups are kept 1 to {MAX_CONTINUOUS_RETENTION_DAYS} days; DeleteAfterDays is {delete}"
            )
        return self

    def document(self) -> dict[str, Any]:
        """The rule as AWS Backup shows it: set fields only, empty tags and optional lists left out."""
        shown = self.model_dump(exclude_none=True)
        for name in ("RecoveryPointTags", "IndexActions", "ScanActions"):
            if not shown.get(name):
                shown.pop(name, None)
        if not self.EnableContinuousBackup:
            shown.pop("EnableContinuousBackup")
        return shown


class BackupRule(BackupRuleInput):
    RuleId: str

    def as_input(self) -> BackupRuleInput:
        return BackupRuleInput.model_validate(self.model_dump(exclude={"RuleId"}))


class BackupPlanInput(_Model):
    BackupPlanName: str = Field(pattern=NAME_PATTERN)
    Rules: list[BackupRuleInput] = Field(min_length=1)
    AdvancedBackupSettings: list[AdvancedBackupSetting] = Field(default_factory=list)
    ScanSettings: list[ScanSetting] = Field(default_factory=list)

    @field_validator("Rules")
    @classmethod
    def _rules(cls, rules: list[BackupRuleInput]) -> list[BackupRuleInput]:
        if len(rules) > MAX_RULES_PER_PLAN:
            raise ValueError(f"a backup plan has at most {MAX_RULES_PER_PLAN} rules, got {len(rules)}")
        names = [rule.RuleName for rule in rules]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"rule names must be unique within a plan; repeated: {', '.join(duplicates)}")
        return rules

    @field_validator("AdvancedBackupSettings")
    @classmethod
    def _one_setting_per_type(cls, settings: list[AdvancedBackupSetting]) -> list[AdvancedBackupSetting]:
        types = [setting.ResourceType for setting in settings]
        repeated = sorted({t for t in types if types.count(t) > 1})
        if repeated:
            raise ValueError(f"one advanced backup setting per resource type; repeated: {', '.join(repeated)}")
        return settings

    def vault_names(self) -> set[str]:
        return {rule.TargetBackupVaultName for rule in self.Rules}

    def document(self) -> dict[str, Any]:
        """The BackupPlan structure of the API (no rule ids: this plan is not stored)."""
        shown: dict[str, Any] = {
            "BackupPlanName": self.BackupPlanName,
            "Rules": [rule.document() for rule in self.Rules],
        }
        if self.AdvancedBackupSettings:
            shown["AdvancedBackupSettings"] = [s.model_dump(exclude_none=True) for s in self.AdvancedBackupSettings]
        if self.ScanSettings:
            shown["ScanSettings"] = [s.model_dump(exclude_none=True) for s in self.ScanSettings]
        return shown


class CreateBackupPlanRequest(_Model):
    """CreateBackupPlan's input: the plan, its tags and the idempotency token."""

    BackupPlan: BackupPlanInput
    BackupPlanTags: dict[str, str] = Field(default_factory=dict)
    CreatorRequestId: str | None = None

    @field_validator("BackupPlanTags")
    @classmethod
    def _valid_tags(cls, value: dict[str, str]) -> dict[str, str]:
        return check_tags(value, "BackupPlanTags")


class UpdateBackupPlanRequest(_Model):
    BackupPlan: BackupPlanInput


class BackupPlan(_Model):
    """A plan as stored: the current version of a plan, or one of its earlier versions."""

    BackupPlanId: str
    BackupPlanArn: str
    BackupPlanName: str
    VersionId: str
    Rules: list[BackupRule]
    AdvancedBackupSettings: list[AdvancedBackupSetting] = Field(default_factory=list)
    ScanSettings: list[ScanSetting] = Field(default_factory=list)
    CreationDate: datetime
    CreatorRequestId: str | None = None
    DeletionDate: datetime | None = None
    LastExecutionDate: datetime | None = None
    Tags: dict[str, str] = Field(default_factory=dict)

    def rule(self, rule_id: str) -> BackupRule | None:
        return next((rule for rule in self.Rules if rule.RuleId == rule_id), None)

    def as_input(self) -> BackupPlanInput:
        """The plan document this version was made from, to compare with a new request."""
        return BackupPlanInput(
            BackupPlanName=self.BackupPlanName,
            Rules=[rule.as_input() for rule in self.Rules],
            AdvancedBackupSettings=self.AdvancedBackupSettings,
            ScanSettings=self.ScanSettings,
        )

    def document(self) -> dict[str, Any]:
        """The BackupPlan structure GetBackupPlan returns: the rules carry their RuleId."""
        shown = self.as_input().document()
        for rule, rendered in zip(self.Rules, shown["Rules"], strict=True):
            rendered["RuleId"] = rule.RuleId
        return shown

    def summary(self) -> dict[str, Any]:
        """A member of BackupPlansList and BackupPlanVersionsList."""
        return {
            "BackupPlanArn": self.BackupPlanArn,
            "BackupPlanId": self.BackupPlanId,
            "CreationDate": self.CreationDate,
            "DeletionDate": self.DeletionDate,
            "VersionId": self.VersionId,
            "BackupPlanName": self.BackupPlanName,
            "CreatorRequestId": self.CreatorRequestId,
            "LastExecutionDate": self.LastExecutionDate,
            "AdvancedBackupSettings": [s.model_dump(exclude_none=True) for s in self.AdvancedBackupSettings] or None,
        }

    def scheduled_runs(self, after: datetime, count: int) -> list[dict[str, Any]]:
        """The next `count` runs of the plan's rules after `after` (GetBackupPlan's ScheduledRunsPreview)."""
        runs: list[dict[str, Any]] = []
        for rule in self.Rules:
            expression = parse_schedule_expression(rule.ScheduleExpression)
            moment = after
            kind = "CONTINUOUS_AND_SNAPSHOTS" if rule.EnableContinuousBackup else "SNAPSHOTS"
            for _ in range(count):
                upcoming = expression.next_after(moment, rule.ScheduleExpressionTimezone)
                if upcoming is None:
                    break
                runs.append({"ExecutionTime": upcoming, "RuleId": rule.RuleId, "RuleExecutionType": kind})
                moment = upcoming
        runs.sort(key=lambda run: (run["ExecutionTime"], run["RuleId"]))
        return runs[:count]
