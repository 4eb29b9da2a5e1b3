"""Report plans and report jobs (AWS Backup's CreateReportPlan and StartReportJob shapes), and where a report
goes: AWS delivers a current-account, current-Region report to
s3://bucket/prefix/Backup/accountID/Region/year/month/day/report-name (AWS Backup developer guide, "Creating
report plans"). Strongroom reports on its own account and Region only; other accounts, Regions and
organizational units are refused, saying so, rather than accepted and ignored."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lambdas.domain.audit.frameworks import DESCRIPTION_PATTERN, NAME_PATTERN

JOB_TEMPLATES = ("BACKUP_JOB_REPORT", "COPY_JOB_REPORT", "RESTORE_JOB_REPORT")
COMPLIANCE_TEMPLATES = ("CONTROL_COMPLIANCE_REPORT", "RESOURCE_COMPLIANCE_REPORT")
TEMPLATES = JOB_TEMPLATES + COMPLIANCE_TEMPLATES
FORMATS = ("CSV", "JSON")
MAX_REPORT_PLANS = 20  # "You can have up to 20 report plans per AWS account" (Working with audit reports)
MAX_FRAMEWORKS_PER_PLAN = 1000  # "You can add a maximum 1,000 frameworks to a report plan"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DeliveryChannel(_Model):
    """The model's ReportDeliveryChannel."""

    S3BucketName: str = Field(min_length=3, max_length=63)
    S3KeyPrefix: str | None = None
    Formats: list[str] | None = None  # CSV when not given, as on AWS

    @field_validator("Formats")
    @classmethod
    def _known_formats(cls, formats: list[str] | None) -> list[str] | None:
        if formats is None:
            return None
        unknown = [f for f in formats if f not in FORMATS]
        if unknown or not formats or len(set(formats)) != len(formats):
            raise ValueError(f"Formats lists CSV, JSON or both, once each; got {formats}")
        return formats

    @property
    def formats(self) -> list[str]:
        return self.Formats or ["CSV"]


class Setting(_Model):
    """The model's ReportSetting."""

    ReportTemplate: str
    FrameworkArns: list[str] = Field(default_factory=list, max_length=MAX_FRAMEWORKS_PER_PLAN)
    NumberOfFrameworks: int | None = Field(default=None, ge=0)
    Accounts: list[str] = Field(default_factory=list)
    OrganizationUnits: list[str] = Field(default_factory=list)
    Regions: list[str] = Field(default_factory=list)

    @field_validator("ReportTemplate")
    @classmethod
    def _known_template(cls, template: str) -> str:
        if template not in TEMPLATES:
            raise ValueError(f"ReportTemplate must be one of {', '.join(TEMPLATES)}, got {template!r}")
        return template

    @field_validator("OrganizationUnits")
    @classmethod
    def _no_organization(cls, units: list[str]) -> list[str]:
        if units:
            raise ValueError("Strongroom reports on its own account only: it does not read AWS Organizations")
        return units

    @model_validator(mode="after")
    def _frameworks_only_for_compliance(self) -> Setting:
        # A compliance report without FrameworkArns covers every framework of the account.
        if self.ReportTemplate in JOB_TEMPLATES and self.FrameworkArns:
            raise ValueError(f"{self.ReportTemplate} reports jobs, not frameworks: leave FrameworkArns out")
        return self


class CreateReportPlanInput(_Model):
    ReportPlanName: str = Field(min_length=1, max_length=256, pattern=NAME_PATTERN)
    ReportPlanDescription: str | None = Field(default=None, max_length=1024, pattern=DESCRIPTION_PATTERN)
    ReportDeliveryChannel: DeliveryChannel
    ReportSetting: Setting
    ReportPlanTags: dict[str, str] = Field(default_factory=dict)
    IdempotencyToken: str | None = None


class UpdateReportPlanInput(_Model):
    ReportPlanName: str = Field(min_length=1, max_length=256, pattern=NAME_PATTERN)
    ReportPlanDescription: str | None = Field(default=None, max_length=1024, pattern=DESCRIPTION_PATTERN)
    ReportDeliveryChannel: DeliveryChannel | None = None
    ReportSetting: Setting | None = None
    IdempotencyToken: str | None = None


class ReportPlan(_Model):
    ReportPlanArn: str
    ReportPlanName: str
    ReportPlanDescription: str | None = None
    ReportSetting: Setting
    ReportDeliveryChannel: DeliveryChannel
    DeploymentStatus: str = "COMPLETED"
    CreationTime: datetime
    LastAttemptedExecutionTime: datetime | None = None
    LastSuccessfulExecutionTime: datetime | None = None
    Tags: dict[str, str] = Field(default_factory=dict)
    IdempotencyToken: str | None = None


class ReportJobStatus(StrEnum):
    CREATED = "CREATED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class ReportJob(_Model):
    ReportJobId: str
    ReportPlanArn: str
    ReportPlanName: str  # not in the ReportJob shape: ListReportJobs filters by it
    ReportTemplate: str
    CreationTime: datetime
    CompletionTime: datetime | None = None
    Status: ReportJobStatus = ReportJobStatus.CREATED
    StatusMessage: str | None = None
    S3BucketName: str
    S3Keys: list[str] = Field(default_factory=list)


def report_plan_arn(region: str, account: str, name: str, plan_id: str, partition: str = "aws") -> str:
    """As IAM's resource type `reportPlan`: arn:...:backup:region:account:report-plan:Name-id."""
    return f"arn:{partition}:backup:{region}:{account}:report-plan:{name}-{plan_id}"


def report_keys(plan: ReportPlan, job_id: str, account: str, region: str, at: datetime) -> list[str]:
    """prefix/Backup/accountID/Region/year/month/day/report-name/<job id>.<format>, one per format."""
    prefix = (plan.ReportDeliveryChannel.S3KeyPrefix or "").strip("/")
    folder = f"Backup/{account}/{region}/{at:%Y/%m/%d}/{plan.ReportPlanName}"
    base = f"{prefix}/{folder}" if prefix else folder
    return [f"{base}/{job_id}.{fmt.lower()}" for fmt in plan.ReportDeliveryChannel.formats]
