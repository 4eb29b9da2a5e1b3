"""Frameworks: a named set of controls, each with its input parameters and its scope (AWS Backup's
CreateFramework shapes). Validation lives here: the model's bounds, one tag at most in a scope (AWS's
ControlScope: "A maximum of one key-value pair can be provided"), known controls and their parameters."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lambdas.domain.audit.control_catalog import validate_parameters

NAME_PATTERN = r"^[a-zA-Z][_a-zA-Z0-9]*$"
DESCRIPTION_PATTERN = r"^[\s\S]*\S[\s\S]*$"
# "You can use up to 50 controls per account per Region. Using the same control in two different frameworks
# counts as using two controls" (AWS Backup developer guide, Controls and remediation).
MAX_CONTROLS_PER_ACCOUNT = 50


class Deployment(StrEnum):
    """The model's DeploymentStatus values."""

    # Strongroom deploys no AWS Config rules, so a framework is ready as soon as it is written.
    CREATE_IN_PROGRESS = "CREATE_IN_PROGRESS"
    UPDATE_IN_PROGRESS = "UPDATE_IN_PROGRESS"
    DELETE_IN_PROGRESS = "DELETE_IN_PROGRESS"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class Recording(StrEnum):
    """The model's FrameworkStatus values."""

    # AWS reports whether AWS Config records the resources; Strongroom's evaluation needs no recorder: ACTIVE.
    ACTIVE = "ACTIVE"
    PARTIALLY_ACTIVE = "PARTIALLY_ACTIVE"
    INACTIVE = "INACTIVE"
    UNAVAILABLE = "UNAVAILABLE"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ControlInputParameter(_Model):
    ParameterName: str
    ParameterValue: str


class Scope(_Model):
    """The model's ControlScope."""

    ComplianceResourceIds: list[str] | None = Field(default=None, min_length=1, max_length=100)
    ComplianceResourceTypes: list[str] | None = None
    Tags: dict[str, str] | None = None

    @field_validator("Tags")
    @classmethod
    def _one_tag(cls, tags: dict[str, str] | None) -> dict[str, str] | None:
        if tags is not None and len(tags) > 1:
            raise ValueError(f"a control scope has at most one tag key and value, got {len(tags)}")
        return tags


class FrameworkControl(_Model):
    ControlName: str = Field(min_length=1, max_length=256)
    ControlInputParameters: list[ControlInputParameter] = Field(default_factory=list)
    ControlScope: Scope | None = None

    @model_validator(mode="after")
    def _known_control(self) -> FrameworkControl:
        names = [parameter.ParameterName for parameter in self.ControlInputParameters]
        if len(names) != len(set(names)):
            raise ValueError(f"control {self.ControlName} names an input parameter twice")
        validate_parameters(self.ControlName, self.given)
        return self

    @property
    def given(self) -> dict[str, str]:
        return {parameter.ParameterName: parameter.ParameterValue for parameter in self.ControlInputParameters}

    @property
    def parameters(self) -> dict[str, object]:
        """The parameters in force: those given, and AWS's defaults for the rest."""
        return validate_parameters(self.ControlName, self.given)


class CreateFrameworkInput(_Model):
    FrameworkName: str = Field(min_length=1, max_length=256, pattern=NAME_PATTERN)
    FrameworkDescription: str | None = Field(default=None, max_length=1024, pattern=DESCRIPTION_PATTERN)
    FrameworkControls: list[FrameworkControl] = Field(min_length=1)
    IdempotencyToken: str | None = None
    FrameworkTags: dict[str, str] = Field(default_factory=dict)


class UpdateFrameworkInput(_Model):
    FrameworkName: str = Field(min_length=1, max_length=256, pattern=NAME_PATTERN)
    FrameworkDescription: str | None = Field(default=None, max_length=1024, pattern=DESCRIPTION_PATTERN)
    FrameworkControls: list[FrameworkControl] | None = Field(default=None, min_length=1)
    IdempotencyToken: str | None = None


class Framework(_Model):
    FrameworkName: str
    FrameworkArn: str
    FrameworkDescription: str | None = None
    FrameworkControls: list[FrameworkControl]
    CreationTime: datetime
    DeploymentStatus: Deployment = Deployment.COMPLETED
    FrameworkStatus: Recording = Recording.ACTIVE
    IdempotencyToken: str | None = None
    Tags: dict[str, str] = Field(default_factory=dict)
    # The IdempotencyToken of the last UpdateFramework: the same update retried changes nothing.
    UpdateToken: str | None = None


def framework_arn(region: str, account: str, name: str, framework_id: str, partition: str = "aws") -> str:
    """As IAM's resource type `framework`: arn:...:backup:region:account:framework:Name-id."""
    return f"arn:{partition}:backup:{region}:{account}:framework:{name}-{framework_id}"
