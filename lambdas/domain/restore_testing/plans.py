"""Restore testing plans and selections, as AWS Backup's CreateRestoreTestingPlan and
CreateRestoreTestingSelection shapes describe them. Validation lives here, with AWS's documented bounds:
names of 1-50 letters, digits and underscores; CreatorRequestId of 1-50 letters, digits and '-_.';
StartWindowHours 1-168 (default 24); SelectionWindowDays 1-365 (default 30); ValidationWindowHours 0-168;
IncludeVaults and RecoveryPointTypes required; at most 30 ProtectedResourceArns, or ["*"]; never specific ARNs
together with ProtectedResourceConditions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lambdas.domain.schedule_expressions import InvalidScheduleExpression, parse_schedule_expression, validate_timezone

NAME_PATTERN = r"^[a-zA-Z0-9_]{1,50}$"
REQUEST_ID_PATTERN = r"^[a-zA-Z0-9\-_.]{1,50}$"
# "When no CRON expression is provided, AWS Backup will use the default expression cron(0 5 ? * * *)"
DEFAULT_SCHEDULE = "cron(0 5 ? * * *)"
DEFAULT_START_WINDOW_HOURS = 24
DEFAULT_SELECTION_WINDOW_DAYS = 30
MAX_PROTECTED_RESOURCE_ARNS = 30
WILDCARD = "*"


class SelectionAlgorithm(StrEnum):
    LATEST_WITHIN_WINDOW = "LATEST_WITHIN_WINDOW"
    RANDOM_WITHIN_WINDOW = "RANDOM_WITHIN_WINDOW"


class PointType(StrEnum):
    CONTINUOUS = "CONTINUOUS"
    SNAPSHOT = "SNAPSHOT"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PointSelection(_Model):
    Algorithm: SelectionAlgorithm
    IncludeVaults: list[str] = Field(min_length=1)
    RecoveryPointTypes: list[PointType] = Field(min_length=1)
    ExcludeVaults: list[str] = Field(default_factory=list)
    SelectionWindowDays: int = Field(default=DEFAULT_SELECTION_WINDOW_DAYS, ge=1, le=365)

    @field_validator("RecoveryPointTypes")
    @classmethod
    def _snapshots(cls, types: list[PointType]) -> list[PointType]:
        # Strongroom makes no continuous (point-in-time) backups: a plan testing only those would never restore
        # anything, so it is refused rather than accepted and left idle. With SNAPSHOT beside it, it selects
        # what exists, as AWS's "either" means.
        if PointType.SNAPSHOT not in types:
            raise ValueError(
                "Strongroom makes no CONTINUOUS recovery points, so a plan must include SNAPSHOT in RecoveryPointTypes"
            )
        return types


def _valid_schedule(value: str) -> str:
    try:
        expression = parse_schedule_expression(value)
    except InvalidScheduleExpression as error:
        raise ValueError(str(error)) from None
    if expression.kind != "cron":
        raise ValueError(f"{value!r} is not a cron expression: restore testing plans are scheduled with cron(...)")
    return value


def _valid_timezone(value: str) -> str:
    try:
        return validate_timezone(value)
    except InvalidScheduleExpression as error:
        raise ValueError(str(error)) from None


class PlanForCreate(_Model):
    RestoreTestingPlanName: str = Field(pattern=NAME_PATTERN)
    RecoveryPointSelection: PointSelection
    ScheduleExpression: str = DEFAULT_SCHEDULE
    ScheduleExpressionTimezone: str = "UTC"
    StartWindowHours: int = Field(default=DEFAULT_START_WINDOW_HOURS, ge=1, le=168)

    @field_validator("ScheduleExpression")
    @classmethod
    def _schedule(cls, value: str) -> str:
        return _valid_schedule(value)

    @field_validator("ScheduleExpressionTimezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return _valid_timezone(value)


class CreatePlanInput(_Model):
    RestoreTestingPlan: PlanForCreate
    CreatorRequestId: str | None = Field(default=None, pattern=REQUEST_ID_PATTERN)
    Tags: dict[str, str] = Field(default_factory=dict)


class PlanForUpdate(_Model):
    RecoveryPointSelection: PointSelection | None = None
    ScheduleExpression: str | None = None
    ScheduleExpressionTimezone: str | None = None
    StartWindowHours: int | None = Field(default=None, ge=1, le=168)

    @field_validator("ScheduleExpression")
    @classmethod
    def _schedule(cls, value: str | None) -> str | None:
        return None if value is None else _valid_schedule(value)

    @field_validator("ScheduleExpressionTimezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return None if value is None else _valid_timezone(value)


class UpdatePlanInput(_Model):
    RestoreTestingPlanName: str
    RestoreTestingPlan: PlanForUpdate


class RestoreTestingPlan(_Model):
    RestoreTestingPlanName: str
    RestoreTestingPlanArn: str
    RecoveryPointSelection: PointSelection
    ScheduleExpression: str
    ScheduleExpressionTimezone: str = "UTC"
    StartWindowHours: int = DEFAULT_START_WINDOW_HOURS
    CreationTime: datetime
    CreatorRequestId: str | None = None
    LastExecutionTime: datetime | None = None
    LastUpdateTime: datetime | None = None
    Tags: dict[str, str] = Field(default_factory=dict)


class KeyValue(_Model):
    Key: str = Field(min_length=1)
    Value: str


class Conditions(_Model):
    StringEquals: list[KeyValue] = Field(default_factory=list)
    StringNotEquals: list[KeyValue] = Field(default_factory=list)

    def match(self, tags: dict[str, str]) -> bool:
        return all(tags.get(c.Key) == c.Value for c in self.StringEquals) and all(
            tags.get(c.Key) != c.Value for c in self.StringNotEquals
        )


def _check_arns(arns: list[str] | None, conditions: Conditions | None) -> None:
    if arns is None:
        if conditions is None:
            raise ValueError(
                "a selection names its resources with ProtectedResourceArns or ProtectedResourceConditions"
            )
        return
    if not arns:
        raise ValueError('ProtectedResourceArns is empty: name up to 30 resource ARNs, or ["*"]')
    if WILDCARD in arns:
        if len(arns) > 1:
            raise ValueError('ProtectedResourceArns holds either ["*"] or specific ARNs, not both')
        return
    if len(arns) > MAX_PROTECTED_RESOURCE_ARNS:
        raise ValueError(f"ProtectedResourceArns holds at most {MAX_PROTECTED_RESOURCE_ARNS} ARNs, got {len(arns)}")
    if conditions is not None:
        raise ValueError(
            'specific ProtectedResourceArns cannot be combined with ProtectedResourceConditions: use ["*"] with '
            "conditions"
        )


class SelectionForCreate(_Model):
    RestoreTestingSelectionName: str = Field(pattern=NAME_PATTERN)
    ProtectedResourceType: str = Field(min_length=1)
    IamRoleArn: str = Field(pattern=r"^arn:aws[a-z\-]*:iam::\d{12}:role/.+$")
    ProtectedResourceArns: list[str] | None = None
    ProtectedResourceConditions: Conditions | None = None
    RestoreMetadataOverrides: dict[str, str] = Field(default_factory=dict)
    ValidationWindowHours: int = Field(default=0, ge=0, le=168)

    @model_validator(mode="after")
    def _resources(self) -> SelectionForCreate:
        _check_arns(self.ProtectedResourceArns, self.ProtectedResourceConditions)
        return self


class CreateSelectionInput(_Model):
    RestoreTestingPlanName: str
    RestoreTestingSelection: SelectionForCreate
    CreatorRequestId: str | None = Field(default=None, pattern=REQUEST_ID_PATTERN)


class SelectionForUpdate(_Model):
    IamRoleArn: str | None = Field(default=None, pattern=r"^arn:aws[a-z\-]*:iam::\d{12}:role/.+$")
    ProtectedResourceArns: list[str] | None = None
    ProtectedResourceConditions: Conditions | None = None
    RestoreMetadataOverrides: dict[str, str] | None = None
    ValidationWindowHours: int | None = Field(default=None, ge=0, le=168)


class UpdateSelectionInput(_Model):
    RestoreTestingPlanName: str
    RestoreTestingSelectionName: str
    RestoreTestingSelection: SelectionForUpdate


class RestoreTestingSelection(_Model):
    RestoreTestingPlanName: str
    RestoreTestingSelectionName: str
    ProtectedResourceType: str
    IamRoleArn: str
    ProtectedResourceArns: list[str] | None = None
    ProtectedResourceConditions: Conditions | None = None
    RestoreMetadataOverrides: dict[str, str] = Field(default_factory=dict)
    ValidationWindowHours: int = 0
    CreationTime: datetime
    CreatorRequestId: str | None = None
    LastUpdateTime: datetime | None = None

    @model_validator(mode="after")
    def _resources(self) -> RestoreTestingSelection:
        _check_arns(self.ProtectedResourceArns, self.ProtectedResourceConditions)
        return self


def plan_arn(region: str, account: str, name: str, plan_id: str, partition: str = "aws") -> str:
    """As IAM's resource type `restoreTestingPlan`: arn:...:backup:region:account:restore-testing-plan:Name-id."""
    return f"arn:{partition}:backup:{region}:{account}:restore-testing-plan:{name}-{plan_id}"
