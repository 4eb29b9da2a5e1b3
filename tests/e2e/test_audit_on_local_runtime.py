"""Audit Manager end to end, through boto3's `backup` client on the local runtime: a framework with every control
over a mixed estate (a volume protected daily into a locked vault with a copy to another Region, a volume
protected into a plain vault with a short retention, an unprotected volume), a simulated week of schedules, a
restore, then every report template's CSV and JSON read back from the bucket."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import timedelta
from typing import Any

from lambdas.domain.audit.report_rows import COLUMNS
from local.runtime import LocalRuntime
from tests.api.conftest import ROLE

ACCOUNT = "123456789012"
BUCKET = "audit-reports"
CONTROLS = [
    "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
    "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
    "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK",
    "BACKUP_RECOVERY_POINT_ENCRYPTED",
    "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED",
    "BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION",
    "BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT",
    "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK",
    "BACKUP_LAST_RECOVERY_POINT_CREATED",
    "RESTORE_TIME_FOR_RESOURCES_MEET_TARGET",
]
DENY_DELETE = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "backup:DeleteRecoveryPoint", "Resource": "*"}
    ],
}


def volume(runtime: LocalRuntime, tier: str | None, encrypted: bool) -> str:
    tags = [{"Key": "audit", "Value": tier}] if tier else [{"Key": "Name", "Value": "stray"}]
    created = runtime.client("ec2").create_volume(
        AvailabilityZone="us-east-1a",
        Size=8,
        Encrypted=encrypted,
        TagSpecifications=[{"ResourceType": "volume", "Tags": tags}],
    )
    return f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/{created['VolumeId']}"


def plan(backup: Any, name: str, vault: str, keep_days: int, tier: str, copy_to: str | None = None) -> str:
    rule: dict[str, Any] = {
        "RuleName": "daily",
        "TargetBackupVaultName": vault,
        "ScheduleExpression": "cron(0 3 * * ? *)",
        "Lifecycle": {"DeleteAfterDays": keep_days},
    }
    if copy_to:
        rule["CopyActions"] = [{"DestinationBackupVaultArn": copy_to, "Lifecycle": {"DeleteAfterDays": keep_days}}]
    plan_id = backup.create_backup_plan(BackupPlan={"BackupPlanName": name, "Rules": [rule]})["BackupPlanId"]
    tags = [{"ConditionType": "STRINGEQUALS", "ConditionKey": "audit", "ConditionValue": tier}]
    backup.create_backup_selection(
        BackupPlanId=plan_id, BackupSelection={"SelectionName": tier, "IamRoleArn": ROLE, "ListOfTags": tags}
    )
    return str(plan_id)


def report(runtime: LocalRuntime, backup: Any, template: str, framework_arn: str) -> tuple[list[list[str]], Any]:
    setting: dict[str, Any] = {"ReportTemplate": template}
    if "COMPLIANCE" in template:
        setting["FrameworkArns"] = [framework_arn]
    name = template.lower()
    backup.create_report_plan(
        ReportPlanName=name,
        ReportDeliveryChannel={"S3BucketName": BUCKET, "S3KeyPrefix": "evidence", "Formats": ["CSV", "JSON"]},
        ReportSetting=setting,
    )
    job = backup.describe_report_job(ReportJobId=backup.start_report_job(ReportPlanName=name)["ReportJobId"])
    assert job["ReportJob"]["Status"] == "COMPLETED", job["ReportJob"].get("StatusMessage")
    csv_key, json_key = job["ReportJob"]["ReportDestination"]["S3Keys"]
    assert csv_key.startswith(f"evidence/Backup/{ACCOUNT}/us-east-1/2026/05/08/{name}/")
    s3 = runtime.client("s3")
    table = list(csv.reader(io.StringIO(s3.get_object(Bucket=BUCKET, Key=csv_key)["Body"].read().decode())))
    items = json.loads(s3.get_object(Bucket=BUCKET, Key=json_key)["Body"].read())["reportItems"]
    assert table[0] == COLUMNS[template]
    assert len(table) - 1 == len(items)
    return table, items


def test_a_week_of_compliance_and_every_report(runtime: LocalRuntime) -> None:
    backup = runtime.client("backup")
    runtime.client("s3").create_bucket(Bucket=BUCKET)
    # Given a locked vault that denies manual deletion and a plain one
    backup.create_backup_vault(BackupVaultName="locked")
    backup.put_backup_vault_lock_configuration(BackupVaultName="locked", MinRetentionDays=7, MaxRetentionDays=400)
    backup.put_backup_vault_access_policy(BackupVaultName="locked", Policy=json.dumps(DENY_DELETE))
    backup.create_backup_vault(BackupVaultName="plain")
    # And three volumes: gold (daily, 35 days, locked vault, copied to us-west-2), silver (daily, 7 days), stray
    gold, silver, stray = volume(runtime, "gold", True), volume(runtime, "silver", False), volume(runtime, None, False)
    dr_vault = f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:dr"
    plan(backup, "gold", "locked", 35, "gold", copy_to=dr_vault)
    plan(backup, "silver", "plain", 7, "silver")
    scope = {"ComplianceResourceTypes": ["EBS"]}
    controls = [
        {"ControlName": name, **({"ControlScope": scope} if "RESOURCES" in name or "LAST" in name else {})}
        for name in CONTROLS
    ]
    framework = backup.create_framework(FrameworkName="everything", FrameworkControls=controls)
    assert backup.describe_framework(FrameworkName="everything")["FrameworkStatus"] == "ACTIVE"

    # When a week goes by on the clock, and gold's latest point is restored
    runtime.advance(timedelta(days=7))
    points = backup.list_recovery_points_by_resource(ResourceArn=gold)["RecoveryPoints"]
    assert len(points) >= 6
    newest = max(points, key=lambda p: p["CreationDate"])
    metadata = backup.get_recovery_point_restore_metadata(
        BackupVaultName="locked", RecoveryPointArn=newest["RecoveryPointArn"]
    )["RestoreMetadata"]
    restore = backup.start_restore_job(RecoveryPointArn=newest["RecoveryPointArn"], Metadata=metadata, IamRoleArn=ROLE)
    deadline = time.monotonic() + 60
    while backup.describe_restore_job(RestoreJobId=restore["RestoreJobId"])["Status"] not in ("COMPLETED", "FAILED"):
        assert time.monotonic() < deadline, "the restore did not finish"
        runtime.advance(timedelta(minutes=5))
    runtime.advance(timedelta(hours=1))  # the hourly evaluation runs after the restore

    # Then the resource compliance report shows each resource's status under each control
    _, items = report(runtime, backup, "RESOURCE_COMPLIANCE_REPORT", framework["FrameworkArn"])
    status = {(item["controlName"], item["resourceId"]): item["resourceComplianceStatus"] for item in items}

    def of(control: str, resource: str) -> str:
        return status[(control, resource)]

    assert [of("BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN", r) for r in (gold, silver, stray)] == [
        "COMPLIANT",
        "COMPLIANT",
        "NON_COMPLIANT",
    ]
    plans = {k[1].rsplit(":", 1)[-1]: v for k, v in status.items() if k[0] == CONTROLS[1]}
    assert sorted(plans.values()) == ["COMPLIANT", "NON_COMPLIANT"]  # gold keeps 35 days, silver 7
    # Recovery points: gold's keep 35 days from an encrypted volume, silver's 7 days from an unencrypted one
    for resource, kept, encrypted in ((gold, "COMPLIANT", "COMPLIANT"), (silver, "NON_COMPLIANT", "NON_COMPLIANT")):
        arns = [
            p["RecoveryPointArn"]
            for p in backup.list_recovery_points_by_resource(ResourceArn=resource)["RecoveryPoints"]
        ]
        assert len(arns) >= 6
        assert {of(CONTROLS[2], arn) for arn in arns} == {kept}
        assert {of(CONTROLS[3], arn) for arn in arns} == {encrypted}
    assert of(CONTROLS[4], f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:locked") == "COMPLIANT"
    assert of(CONTROLS[4], f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:plain") == "NON_COMPLIANT"
    assert [of(CONTROLS[5], r) for r in (gold, silver, stray)] == ["COMPLIANT", "NON_COMPLIANT", "NON_COMPLIANT"]
    assert {of(CONTROLS[6], r) for r in (gold, silver, stray)} == {"NON_COMPLIANT"}
    assert [of(CONTROLS[7], r) for r in (gold, silver, stray)] == ["COMPLIANT", "NON_COMPLIANT", "NON_COMPLIANT"]
    assert [of(CONTROLS[8], r) for r in (gold, silver, stray)] == ["COMPLIANT", "COMPLIANT", "NON_COMPLIANT"]
    assert [of(CONTROLS[9], r) for r in (gold, silver, stray)] == [
        "COMPLIANT",
        "INSUFFICIENT_DATA",
        "INSUFFICIENT_DATA",
    ]

    # And the control report rolls them up, one row per control
    _, control_items = report(runtime, backup, "CONTROL_COMPLIANCE_REPORT", framework["FrameworkArn"])
    by_control = {item["controlName"]: item for item in control_items}
    assert sorted(by_control) == sorted(CONTROLS)
    # Every control but the restore time has a failing resource here; the restore time has one restore on time and
    # two resources never restored (INSUFFICIENT_DATA), which roll up to COMPLIANT
    assert {name: item["controlComplianceStatus"] for name, item in by_control.items()} == {
        **dict.fromkeys(CONTROLS, "NON_COMPLIANT"),
        CONTROLS[9]: "COMPLIANT",
    }
    assert (by_control[CONTROLS[1]]["numResourcesCompliant"], by_control[CONTROLS[1]]["numResourcesNonCompliant"]) == (
        1,
        1,
    )

    # And the jobs reports list the day's real jobs
    _, backups = report(runtime, backup, "BACKUP_JOB_REPORT", framework["FrameworkArn"])
    assert {gold, silver} <= {item["resourceArn"] for item in backups}
    _, copies = report(runtime, backup, "COPY_JOB_REPORT", framework["FrameworkArn"])
    assert {item["destinationBackupVaultArn"] for item in copies} == {dr_vault}
    _, restores = report(runtime, backup, "RESTORE_JOB_REPORT", framework["FrameworkArn"])
    assert [item["restoreJobId"] for item in restores] == [restore["RestoreJobId"]]


def compliance(runtime: LocalRuntime, backup: Any, framework_arn: str, name: str) -> dict[str, str]:
    """Each resource's status under BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN, from a report made now."""
    backup.create_report_plan(
        ReportPlanName=name,
        ReportDeliveryChannel={"S3BucketName": BUCKET, "Formats": ["JSON"]},
        ReportSetting={"ReportTemplate": "RESOURCE_COMPLIANCE_REPORT", "FrameworkArns": [framework_arn]},
    )
    job = backup.describe_report_job(ReportJobId=backup.start_report_job(ReportPlanName=name)["ReportJobId"])
    (key,) = job["ReportJob"]["ReportDestination"]["S3Keys"]
    items = json.loads(runtime.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read())["reportItems"]
    return {item["resourceId"]: item["resourceComplianceStatus"] for item in items}


def test_a_change_is_evaluated_within_minutes_not_at_the_next_hourly_run(runtime: LocalRuntime) -> None:
    backup = runtime.client("backup")
    runtime.client("s3").create_bucket(Bucket=BUCKET)
    backup.create_backup_vault(BackupVaultName="plain")
    runtime.advance(timedelta(minutes=10))  # 00:10, fifty minutes before the hourly evaluation
    # Given an unprotected volume and a framework created for it
    stray = volume(runtime, "gold", True)
    scope = {"ComplianceResourceTypes": ["EBS"]}
    control = {"ControlName": CONTROLS[0], "ControlScope": scope}
    framework = backup.create_framework(FrameworkName="protected", FrameworkControls=[control])["FrameworkArn"]
    # When ten minutes go by, then the new framework has its first results
    runtime.advance(timedelta(minutes=10))
    assert compliance(runtime, backup, framework, "first") == {stray: "NON_COMPLIANT"}
    # When a plan selects the volume, and ten minutes go by (still before the hourly run)
    plan(backup, "gold", "plain", 35, "gold")
    runtime.advance(timedelta(minutes=10))
    # Then the volume is compliant already
    assert compliance(runtime, backup, framework, "after_the_plan") == {stray: "COMPLIANT"}
    # And the request was a one-time schedule, gone once it ran
    schedules = runtime.client("scheduler").list_schedules(GroupName="strongroom-plans")["Schedules"]
    assert not [s for s in schedules if not s["Name"].startswith("rule-")]
