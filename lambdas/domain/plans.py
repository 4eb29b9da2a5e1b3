"""Backup plans and their rules, validated the way AWS Backup validates them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lambdas.domain.schedule_expressions import (
    InvalidScheduleExpression,
    parse_schedule_expression,
    validate_timezone,
)

DEFAULT_SCHEDULE = "cron(0 5 ? * * *)"
DEFAULT_TIMEZONE = "Etc/UTC"
DEFAULT_START_WINDOW_MINUTES = 480
DEFAULT_COMPLETION_WINDOW_MINUTES = 10080
MIN_START_WINDOW_MINUTES = 60
MAX_WINDOW_MINUTES = 52_560_000
MIN_COLD_STORAGE_DAYS = 90
MAX_RULES_PER_PLAN = 10
MIN_MINUTES_BETWEEN_BACKUPS = 60
NAME_PATTERN = r"^[a-zA-Z0-9\-\_\.]{1,50}$"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Lifecycle(_Model):
    MoveToColdStorageAfterDays: int | None = Field(default=None, ge=1)
    DeleteAfterDays: int | None = Field(default=None, ge=1)
    OptInToArchiveForSupportedResources: bool | None = None

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
    DestinationBackupVaultArn: str = Field(pattern=r"^arn:aws[a-z\-]*:backup:[a-z0-9\-]*:\d{12}:backup-vault:.+$")
    Lifecycle: LifecycleModel | None = None


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
    TargetBackupVaultName: str = Field(pattern=r"^[a-zA-Z0-9\-\_]{2,50}$")
    ScheduleExpression: str = DEFAULT_SCHEDULE
    ScheduleExpressionTimezone: str = DEFAULT_TIMEZONE
    StartWindowMinutes: int = Field(default=DEFAULT_START_WINDOW_MINUTES, le=MAX_WINDOW_MINUTES)
    CompletionWindowMinutes: int = Field(default=DEFAULT_COMPLETION_WINDOW_MINUTES, le=MAX_WINDOW_MINUTES)
    Lifecycle: LifecycleModel | None = None
    RecoveryPointTags: dict[str, str] = Field(default_factory=dict, max_length=50)
    CopyActions: list[CopyAction] = Field(default_factory=list)
    EnableContinuousBackup: bool = False

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

    @model_validator(mode="after")
    def _windows(self) -> BackupRuleInput:
        check_windows(self.StartWindowMinutes, self.CompletionWindowMinutes)
        return self


class BackupRule(BackupRuleInput):
    RuleId: str


class BackupPlanInput(_Model):
    BackupPlanName: str = Field(pattern=NAME_PATTERN)
    Rules: list[BackupRuleInput] = Field(min_length=1)
    AdvancedBackupSettings: list[dict[str, object]] = Field(default_factory=list)

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

    def vault_names(self) -> set[str]:
        return {rule.TargetBackupVaultName for rule in self.Rules}


class BackupPlan(_Model):
    """A plan as stored: the current version of a plan, or one of its earlier versions."""

    BackupPlanId: str
    BackupPlanArn: str
    BackupPlanName: str
    VersionId: str
    Rules: list[BackupRule]
    AdvancedBackupSettings: list[dict[str, object]] = Field(default_factory=list)
    CreationDate: datetime
    CreatorRequestId: str | None = None
    DeletionDate: datetime | None = None
    LastExecutionDate: datetime | None = None

    def rule(self, rule_id: str) -> BackupRule | None:
        return next((rule for rule in self.Rules if rule.RuleId == rule_id), None)
