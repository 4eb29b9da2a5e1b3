"""Audit Manager through boto3's `backup` client on the local runtime: frameworks and report plans made, read,
changed, listed, tagged and deleted; bad input answered with the model's errors and nothing written; a report
job to a missing bucket FAILED with its message."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import unique

ENCRYPTED = {"ControlName": "BACKUP_RECOVERY_POINT_ENCRYPTED"}


def name(prefix: str) -> str:
    return unique(prefix).replace("-", "_")


def test_a_framework_is_created_described_updated_tagged_listed_and_deleted(backup: Any) -> None:
    # Given a framework with a parameterised, scoped control
    framework = name("fw")
    control = {
        "ControlName": "BACKUP_LAST_RECOVERY_POINT_CREATED",
        "ControlInputParameters": [{"ParameterName": "recoveryPointAgeValue", "ParameterValue": "12"},
                                   {"ParameterName": "recoveryPointAgeUnit", "ParameterValue": "hours"}],
        "ControlScope": {"ComplianceResourceTypes": ["EBS"], "Tags": {"tier": "gold"}},
    }  # fmt: skip
    created = backup.create_framework(
        FrameworkName=framework, FrameworkDescription="nightly", FrameworkControls=[control], FrameworkTags={"a": "1"}
    )
    assert created["FrameworkArn"].split(":framework:")[1].startswith(f"{framework}-")
    # When it is described, then every member comes back
    described = backup.describe_framework(FrameworkName=framework)
    assert described["FrameworkControls"] == [control]
    assert (described["DeploymentStatus"], described["FrameworkStatus"]) == ("COMPLETED", "ACTIVE")
    assert backup.list_tags(ResourceArn=created["FrameworkArn"])["Tags"] == {"a": "1"}
    # When it is updated and tagged
    backup.update_framework(FrameworkName=framework, FrameworkControls=[ENCRYPTED, control])
    backup.tag_resource(ResourceArn=created["FrameworkArn"], Tags={"b": "2"})
    listed = {f["FrameworkName"]: f for f in backup.list_frameworks()["Frameworks"]}
    assert listed[framework]["NumberOfControls"] == 2
    assert backup.list_tags(ResourceArn=created["FrameworkArn"])["Tags"] == {"a": "1", "b": "2"}
    # When it is deleted, it is gone
    backup.delete_framework(FrameworkName=framework)
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.describe_framework(FrameworkName=framework)


@pytest.mark.parametrize(
    ("control", "error", "says"),
    [
        ({"ControlName": "NO_SUCH_CONTROL"}, "InvalidParameterValueException", "Unknown control"),
        ({"ControlName": "RESOURCES_IN_LOGICALLY_AIR_GAPPED_VAULT"}, "InvalidParameterValueException", "air-gapped"),
        (
            {
                **ENCRYPTED,
                "ControlInputParameters": [{"ParameterName": "requiredRetentionDays", "ParameterValue": "3"}],
            },
            "InvalidParameterValueException",
            "has no input parameter",
        ),
        (
            {
                "ControlName": "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
                "ControlInputParameters": [{"ParameterName": "requiredRetentionDays", "ParameterValue": "many"}],
            },
            "InvalidParameterValueException",
            "whole number",
        ),
        ({**ENCRYPTED, "ControlScope": {"Tags": {"a": "1", "b": "2"}}}, "InvalidParameterValueException", "one tag"),
    ],
)
def test_bad_controls_are_refused_and_nothing_is_written(
    backup: Any, control: dict[str, Any], error: str, says: str
) -> None:
    framework = name("bad")
    with pytest.raises(backup.exceptions.ClientError) as refused:
        backup.create_framework(FrameworkName=framework, FrameworkControls=[control])
    assert refused.value.response["Error"]["Code"] == error
    assert says in refused.value.response["Error"]["Message"]
    assert framework not in {f["FrameworkName"] for f in backup.list_frameworks()["Frameworks"]}


def test_a_second_framework_of_the_same_name_already_exists(backup: Any) -> None:
    framework = name("twice")
    backup.create_framework(FrameworkName=framework, FrameworkControls=[ENCRYPTED])
    with pytest.raises(backup.exceptions.AlreadyExistsException):
        backup.create_framework(FrameworkName=framework, FrameworkControls=[ENCRYPTED])
    backup.delete_framework(FrameworkName=framework)


def test_report_plans_and_a_job_to_a_missing_bucket(backup: Any) -> None:
    plan = name("rp")
    created = backup.create_report_plan(
        ReportPlanName=plan,
        ReportDeliveryChannel={"S3BucketName": unique("missing-bucket"), "Formats": ["JSON"]},
        ReportSetting={"ReportTemplate": "BACKUP_JOB_REPORT"},
        ReportPlanTags={"team": "audit"},
    )
    assert backup.list_tags(ResourceArn=created["ReportPlanArn"])["Tags"] == {"team": "audit"}
    backup.update_report_plan(ReportPlanName=plan, ReportPlanDescription="daily jobs")
    described = backup.describe_report_plan(ReportPlanName=plan)["ReportPlan"]
    assert described["ReportPlanDescription"] == "daily jobs"
    assert described["ReportDeliveryChannel"]["Formats"] == ["JSON"]
    # When a job runs against a bucket that does not exist, then it is FAILED with the reason, not an API error
    job_id = backup.start_report_job(ReportPlanName=plan)["ReportJobId"]
    job = backup.describe_report_job(ReportJobId=job_id)["ReportJob"]
    assert job["Status"] == "FAILED" and "does not exist" in job["StatusMessage"]
    assert [
        j["ReportJobId"] for j in backup.list_report_jobs(ByReportPlanName=plan, ByStatus="FAILED")["ReportJobs"]
    ] == [job_id]
    assert backup.list_report_jobs(ByReportPlanName=plan, ByStatus="COMPLETED")["ReportJobs"] == []
    backup.delete_report_plan(ReportPlanName=plan)
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.describe_report_plan(ReportPlanName=plan)


@pytest.mark.parametrize(
    ("setting", "says"),
    [
        ({"ReportTemplate": "NOT_A_TEMPLATE"}, "ReportTemplate must be one of"),
        ({"ReportTemplate": "BACKUP_JOB_REPORT", "OrganizationUnits": ["ou-1"]}, "AWS Organizations"),
        ({"ReportTemplate": "BACKUP_JOB_REPORT", "Regions": ["eu-west-3"]}, "across accounts or Regions"),
        (
            {
                "ReportTemplate": "CONTROL_COMPLIANCE_REPORT",
                "FrameworkArns": ["arn:aws:backup:us-east-1:123456789012:framework:nope-1"],
            },
            "does not exist",
        ),
    ],
)
def test_report_settings_strongroom_cannot_honour_are_refused(backup: Any, setting: dict[str, Any], says: str) -> None:
    plan = name("bad_rp")
    with pytest.raises(backup.exceptions.InvalidParameterValueException, match=says):
        backup.create_report_plan(
            ReportPlanName=plan, ReportDeliveryChannel={"S3BucketName": "bucket"}, ReportSetting=setting
        )
    assert plan not in {p["ReportPlanName"] for p in backup.list_report_plans()["ReportPlans"]}
