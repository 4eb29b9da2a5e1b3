"""The compliance evaluation over a memory table and fake EBS: results per resource per control, only changes
written, history that answers "what was it then", events and report jobs from the results."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest

from lambdas.domain.audit.report_rows import COLUMNS
from lambdas.domain.audit.results import Compliance, ResourceResult
from lambdas.domain.errors import AlreadyExistsException, InvalidParameterValueException, LimitExceededException
from lambdas.services import (
    audit_frameworks,
    audit_reports,
    backup_service,
    copy_service,
    plan_service,
    restore_service,
    vault_service,
)
from lambdas.services.audit_compliance import evaluate_frameworks
from lambdas.services.report_delivery import ReportRefused
from lambdas.services.scheduled_backups import start_backups
from lambdas.services.tracking_service import track_jobs
from tests.fakes import ROLE, T0, World, make_world, select_by_tag


@dataclass
class RecordingCompliance:
    changes: list[tuple[str, str, Compliance | None, Compliance]] = field(default_factory=list)

    def changed(self, result: ResourceResult, previous: Compliance | None, now: datetime) -> None:
        self.changes.append((result.ControlName, result.ResourceId, previous, result.Status))

    def flush(self) -> None:
        pass


@dataclass
class MemoryBucket:
    objects: dict[str, bytes] = field(default_factory=dict)
    missing: bool = False

    def write(self, bucket: str, key: str, body: bytes, content_type: str) -> None:
        if self.missing:
            raise ReportRefused(f"The S3 bucket {bucket} does not exist")
        self.objects[key] = body


@pytest.fixture
def world() -> World:
    """Two tagged volumes in a daily plan, one untagged volume in none."""
    w = make_world()
    w.ebs.add_volume(1, backup="daily")
    w.ebs.add_volume(2, backup="daily")
    w.ebs.add_volume(3)
    vault_service.create_vault(w.ctx, {"BackupVaultName": "main"}, T0)
    rule = {"RuleName": "daily", "TargetBackupVaultName": "main", "Lifecycle": {"DeleteAfterDays": 35}}
    plan = plan_service.create_plan(w.ctx, {"BackupPlan": {"BackupPlanName": "daily", "Rules": [rule]}}, T0)
    select_by_tag(w, plan)
    return w


def framework(world: World, name: str = "core", *controls: dict[str, Any]) -> str:
    controls = controls or (
        {"ControlName": "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"},
        {"ControlName": "BACKUP_LAST_RECOVERY_POINT_CREATED"},
    )
    return audit_frameworks.create(
        world.ctx, {"FrameworkName": name, "FrameworkControls": list(controls)}, T0
    ).FrameworkArn


def run_backups(world: World, at: datetime) -> None:
    plan = world.ctx.stores.plans.live()[0]
    start_backups(world.ctx, plan.BackupPlanId, plan.Rules[0].RuleId, at, at)
    track_jobs(world.ctx, at + timedelta(minutes=5))


def test_results_per_resource_and_history_answer_what_it_was_on_a_day(world: World) -> None:
    # Given a framework, evaluated before any backup ran
    framework(world)
    events = RecordingCompliance()
    first = evaluate_frameworks(world.ctx, T0, events)
    assert first.frameworks == {"core": Compliance.NON_COMPLIANT}
    audit = world.ctx.stores.audit
    current = audit.current_results("core")
    assert {r.Status for (index, _), r in current.items() if index == 1} == {Compliance.NON_COMPLIANT}
    # When the daily backups run and the evaluation runs again the next day
    run_backups(world, T0 + timedelta(hours=20))
    events.changes.clear()
    evaluate_frameworks(world.ctx, T0 + timedelta(days=1), events)
    # Then the two protected volumes turned COMPLIANT for the recovery point control, and each change was an event
    turned = {(name, rid) for name, rid, before, after in events.changes if after == Compliance.COMPLIANT}
    assert turned == {
        ("BACKUP_LAST_RECOVERY_POINT_CREATED", world.ebs.volumes and rid) for rid in list(world.ebs.volumes)[:2]
    }
    # And the history answers for each moment
    volume = next(iter(world.ebs.volumes))
    assert (
        audit.result_at("core", 1, "BACKUP_LAST_RECOVERY_POINT_CREATED", volume, T0 + timedelta(hours=1)).Status
        == "NON_COMPLIANT"
    )  # type: ignore[union-attr]
    assert (
        audit.result_at("core", 1, "BACKUP_LAST_RECOVERY_POINT_CREATED", volume, T0 + timedelta(days=1)).Status
        == "COMPLIANT"
    )  # type: ignore[union-attr]
    assert audit.result_at("core", 1, "BACKUP_LAST_RECOVERY_POINT_CREATED", volume, T0 - timedelta(days=1)) is None


def test_an_evaluation_that_changes_nothing_writes_no_resource_item(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    framework(world)
    evaluate_frameworks(world.ctx, T0)
    written: list[str] = []
    put_many = world.table.put_many
    monkeypatch.setattr(
        world.table, "put_many", lambda items: (written.extend(i["SK"] for i in items), put_many(items))
    )
    again = evaluate_frameworks(world.ctx, T0 + timedelta(minutes=10), RecordingCompliance())
    assert again.changes == 0
    assert written and all(sk.startswith("CONTROL#") for sk in written)  # only the two control summaries


def test_with_no_framework_the_hourly_evaluation_lists_no_resource(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an account with plans and volumes but no framework (every account until someone creates one)
    listed: list[str] = []
    list_resources = world.ebs.list_resources

    def listing() -> Any:
        listed.append("ebs")
        return list_resources()

    monkeypatch.setattr(world.ebs, "list_resources", listing)
    # When the hourly evaluation runs
    run = evaluate_frameworks(world.ctx, T0)
    # Then it evaluated nothing and listed no resource: gathering the estate is for frameworks only
    assert run.frameworks == {} and run.evaluated == 0
    assert listed == []
    # And once a framework exists, the same run lists the resources it evaluates
    framework(world)
    evaluate_frameworks(world.ctx, T0 + timedelta(hours=1))
    assert listed == ["ebs"]


def test_framework_names_limits_and_air_gapped_control(world: World) -> None:
    framework(world)
    with pytest.raises(AlreadyExistsException):
        framework(world)
    with pytest.raises(InvalidParameterValueException, match="air-gapped"):
        framework(world, "other", {"ControlName": "RESOURCES_IN_LOGICALLY_AIR_GAPPED_VAULT"})
    many = [{"ControlName": "BACKUP_RECOVERY_POINT_ENCRYPTED"}] * 49
    with pytest.raises(LimitExceededException, match="at most 50 controls"):
        framework(world, "big", *many)
    assert [f.FrameworkName for f in world.ctx.stores.audit.every_framework()] == ["core"]


def report_plan(world: World, template: str, arns: list[str] | None = None) -> str:
    setting: dict[str, Any] = {"ReportTemplate": template}
    if arns:
        setting["FrameworkArns"] = arns
    request = {
        "ReportPlanName": template.lower(),
        "ReportDeliveryChannel": {"S3BucketName": "reports", "S3KeyPrefix": "audit", "Formats": ["CSV", "JSON"]},
        "ReportSetting": setting,
    }
    return audit_reports.create_plan(world.ctx, request, T0).ReportPlanName


@pytest.mark.parametrize("template", list(COLUMNS))
def test_each_template_writes_csv_and_json_with_aws_columns(world: World, template: str) -> None:
    # Given a day of backups, a copy of one point, a restore of another, and an evaluation
    arn = framework(world)
    run_backups(world, T0 + timedelta(hours=1))
    vault_service.create_vault(world.ctx, {"BackupVaultName": "second"}, T0)
    first, second = (job.RecoveryPointArn for job in world.ctx.stores.jobs.backup_jobs()[0])
    assert first and second
    copy_service.start_copy_job(
        world.ctx,
        {
            "RecoveryPointArn": first,
            "SourceBackupVaultName": "main",
            "DestinationBackupVaultArn": "arn:aws:backup:us-east-1:123456789012:backup-vault:second",
            "IamRoleArn": ROLE,
        },
        T0 + timedelta(hours=1, minutes=30),
    )
    restore_service.start_restore_job(world.ctx, {"RecoveryPointArn": second, "Metadata": {}}, T0 + timedelta(hours=1))
    evaluate_frameworks(world.ctx, T0 + timedelta(hours=2))
    bucket = MemoryBucket()
    name = report_plan(world, template, [arn] if "COMPLIANCE" in template else None)
    # When the report runs
    job = audit_reports.start_job(world.ctx, name, None, T0 + timedelta(hours=3), bucket)
    # Then both files are under AWS's key layout and parse with the template's columns
    assert job.Status == "COMPLETED"
    assert [key.rsplit(".", 1)[-1] for key in job.S3Keys] == ["csv", "json"]
    assert all(key.startswith(f"audit/Backup/123456789012/us-east-1/2026/03/01/{name}/") for key in job.S3Keys)
    table = list(csv.reader(io.StringIO(bucket.objects[job.S3Keys[0]].decode())))
    items = json.loads(bucket.objects[job.S3Keys[1]])["reportItems"]
    assert table[0] == COLUMNS[template]
    assert len(table) - 1 == len(items) > 0
    assert all(list(item) == COLUMNS[template] for item in items)


def test_a_missing_bucket_fails_the_job_with_a_message(world: World) -> None:
    name = report_plan(world, "BACKUP_JOB_REPORT")
    job = audit_reports.start_job(world.ctx, name, None, T0, MemoryBucket(missing=True))
    assert job.Status == "FAILED" and job.StatusMessage == "The S3 bucket reports does not exist"
    plan = audit_reports.get_plan(world.ctx, name)
    assert plan.LastAttemptedExecutionTime == T0 and plan.LastSuccessfulExecutionTime is None


def test_on_demand_backup_shows_in_the_backup_job_report(world: World) -> None:
    volume = list(world.ebs.volumes)[2]
    backup_service.start_backup_job(
        world.ctx, {"BackupVaultName": "main", "ResourceArn": volume, "IamRoleArn": ROLE}, T0 + timedelta(hours=1)
    )
    bucket = MemoryBucket()
    job = audit_reports.start_job(
        world.ctx, report_plan(world, "BACKUP_JOB_REPORT"), None, T0 + timedelta(hours=2), bucket
    )
    items = json.loads(bucket.objects[job.S3Keys[1]])["reportItems"]
    assert [item["resourceArn"] for item in items] == [volume]


class BrokenBucket:
    def write(self, bucket: str, key: str, body: bytes, content_type: str) -> None:
        raise RuntimeError("a bug of ours")


def test_a_fault_of_our_own_fails_the_job_and_is_not_swallowed(world: World) -> None:
    name = report_plan(world, "BACKUP_JOB_REPORT")
    with pytest.raises(RuntimeError):
        audit_reports.start_job(world.ctx, name, "token-1", T0, BrokenBucket())
    # The job does not stay RUNNING: the same token finds it FAILED, saying where to look
    job = audit_reports.start_job(world.ctx, name, "token-1", T0, MemoryBucket())
    assert job.Status == "FAILED" and "log" in (job.StatusMessage or "")
