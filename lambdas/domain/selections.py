"""Resource selections: which resources a plan protects, by ARN (trailing wildcard), by tag, with
exclusions (NotResources) and tag Conditions. Matching is pure: the resolver brings the resources."""

from __future__ import annotations

import fnmatch
import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_RESOURCES_PER_SELECTION = 500
MAX_SELECTIONS_PER_PLAN = 100  # AWS Backup's quota: resource assignments per backup plan (not adjustable)
IAM_ROLE_PATTERN = r"^arn:aws[a-z\-]*:iam::\d{12}:role/.+$"
RESOURCE_TAG_PREFIX = "aws:ResourceTag/"  # Conditions name tags as IAM condition keys do


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Condition(_Model):
    """One element of ListOfTags: resources tagged ConditionKey=ConditionValue (OR across the list)."""

    ConditionType: Literal["STRINGEQUALS"]
    ConditionKey: str = Field(min_length=1)
    ConditionValue: str


class ConditionParameter(_Model):
    ConditionKey: str = Field(min_length=1)
    ConditionValue: str


class Conditions(_Model):
    """Tag conditions that every selected resource must meet (AND across all of them)."""

    StringEquals: list[ConditionParameter] = Field(default_factory=list)
    StringNotEquals: list[ConditionParameter] = Field(default_factory=list)
    StringLike: list[ConditionParameter] = Field(default_factory=list)
    StringNotLike: list[ConditionParameter] = Field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.StringEquals or self.StringNotEquals or self.StringLike or self.StringNotLike)


ConditionsModel = Conditions  # the field below is named Conditions too, as in the AWS shape


class BackupSelectionInput(_Model):
    SelectionName: str = Field(pattern=r"^[a-zA-Z0-9\-\_\.]{1,50}$")
    IamRoleArn: str
    Resources: list[str] = Field(default_factory=list, max_length=MAX_RESOURCES_PER_SELECTION)
    ListOfTags: list[Condition] = Field(default_factory=list, max_length=30)
    NotResources: list[str] = Field(default_factory=list, max_length=MAX_RESOURCES_PER_SELECTION)
    Conditions: ConditionsModel = Field(default_factory=ConditionsModel)

    @field_validator("IamRoleArn")
    @classmethod
    def _role_arn(cls, value: str) -> str:
        if not re.match(IAM_ROLE_PATTERN, value):
            raise ValueError(f"{value!r} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)")
        return value

    @model_validator(mode="after")
    def _selects_something(self) -> BackupSelectionInput:
        if not self.Resources and not self.ListOfTags and self.Conditions.is_empty():
            raise ValueError(
                "Invalid backup selection: Resources, ListOfTags or Conditions must be non-empty to select anything"
            )
        return self

    def document(self) -> dict[str, Any]:
        """The BackupSelection structure GetBackupSelection returns."""
        return self.model_dump()


class CreateBackupSelectionRequest(_Model):
    """CreateBackupSelection's body: the selection and the idempotency token (the plan id is in the path)."""

    BackupSelection: BackupSelectionInput
    CreatorRequestId: str | None = None


class BackupSelection(_Model):
    SelectionId: str
    BackupPlanId: str
    Selection: BackupSelectionInput
    CreationDate: datetime
    CreatorRequestId: str | None = None

    def summary(self) -> dict[str, Any]:
        """A member of BackupSelectionsList."""
        return {
            "SelectionId": self.SelectionId,
            "SelectionName": self.Selection.SelectionName,
            "BackupPlanId": self.BackupPlanId,
            "CreationDate": self.CreationDate,
            "CreatorRequestId": self.CreatorRequestId,
            "IamRoleArn": self.Selection.IamRoleArn,
        }


class Resource(_Model):
    """A resource the resolver found: its ARN and its tags."""

    arn: str
    tags: dict[str, str] = Field(default_factory=dict)


def _arn_matches(pattern: str, arn: str) -> bool:
    if pattern == "*":
        return True
    if "*" in pattern:
        return fnmatch.fnmatchcase(arn, pattern)
    return arn == pattern


def _like(value: str | None, pattern: str) -> bool:
    return value is not None and fnmatch.fnmatchcase(value, pattern)


def _tag(tags: dict[str, str], key: str) -> str | None:
    """A condition key names a tag either plainly or as aws:ResourceTag/<tag>, as AWS Backup writes it."""
    if key in tags:
        return tags[key]
    return tags.get(key.removeprefix(RESOURCE_TAG_PREFIX)) if key.startswith(RESOURCE_TAG_PREFIX) else None


def _meets_conditions(resource: Resource, conditions: Conditions) -> bool:
    tags = resource.tags
    return (
        all(_tag(tags, c.ConditionKey) == c.ConditionValue for c in conditions.StringEquals)
        and all(_tag(tags, c.ConditionKey) != c.ConditionValue for c in conditions.StringNotEquals)
        and all(_like(_tag(tags, c.ConditionKey), c.ConditionValue) for c in conditions.StringLike)
        and all(not _like(_tag(tags, c.ConditionKey), c.ConditionValue) for c in conditions.StringNotLike)
    )


def selects(selection: BackupSelectionInput, resource: Resource) -> bool:
    """AWS Backup's rule: (in Resources OR tagged as ListOfTags) AND Conditions AND NOT in NotResources.
    A selection with only Conditions selects every resource that meets them."""
    if any(_arn_matches(pattern, resource.arn) for pattern in selection.NotResources):
        return False
    by_arn = any(_arn_matches(pattern, resource.arn) for pattern in selection.Resources)
    by_tag = any(resource.tags.get(c.ConditionKey) == c.ConditionValue for c in selection.ListOfTags)
    only_conditions = not selection.Resources and not selection.ListOfTags
    if not (by_arn or by_tag or only_conditions):
        return False
    return _meets_conditions(resource, selection.Conditions)
