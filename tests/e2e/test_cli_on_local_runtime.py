"""The `strongroom` command against the local runtime, through its endpoint: what a person sees after two days of
a daily plan, and a restore followed to COMPLETED."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rich.console import Console
from typer.testing import CliRunner

import strongroom_cli.app as cli_app
from local.runtime import LocalRuntime
from strongroom_cli.app import app

pytestmark = pytest.mark.e2e
ROLE = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"
WIDE = {"COLUMNS": "300"}


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    # Rich fixes a console's width when it is made if COLUMNS is set then: the assertions read whole table cells.
    monkeypatch.setattr(cli_app, "console", Console(width=300))


def test_status_jobs_plans_and_a_restore_through_the_cli(runtime: LocalRuntime) -> None:
    # Given a daily plan over tagged volumes, a tagged volume, and two days on the virtual clock
    backup = runtime.client("backup")
    backup.create_backup_vault(BackupVaultName="main")
    rule = {"RuleName": "daily", "TargetBackupVaultName": "main", "ScheduleExpression": "cron(0 5 ? * * *)"}
    plan_id = backup.create_backup_plan(BackupPlan={"BackupPlanName": "nightly", "Rules": [rule]})["BackupPlanId"]
    tags = [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "yes"}]
    backup.create_backup_selection(
        BackupPlanId=plan_id, BackupSelection={"SelectionName": "tagged", "IamRoleArn": ROLE, "ListOfTags": tags}
    )
    volume = runtime.client("ec2").create_volume(
        AvailabilityZone="us-east-1a",
        Size=8,
        TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "backup", "Value": "yes"}]}],
    )["VolumeId"]
    runtime.advance(timedelta(days=2))
    runner = CliRunner()
    endpoint = ["--endpoint-url", runtime.endpoint]

    # When a person asks for the status (ages read against the runtime's virtual clock, found at the endpoint)
    status = runner.invoke(app, [*endpoint, "status"], env=WIDE)
    # Then the volume is protected, its newest point meets the daily RPO, and a backup job completed in 24 h
    assert status.exit_code == 0, status.output
    assert f"volume/{volume}" in status.output
    assert "met" in status.output and "missed" not in status.output
    assert "nightly/daily" in status.output
    assert "Strongroom at 2026-05-03" in status.output

    # When they list the completed backup jobs of the vault in the last week
    listed = runner.invoke(app, [*endpoint, "jobs", "--type", "backup", "--vault", "main", "--since", "7d"], env=WIDE)
    # Then both nightly jobs are there, COMPLETED
    assert listed.exit_code == 0, listed.output
    jobs = backup.list_backup_jobs()["BackupJobs"]
    assert len(jobs) == 2
    for job in jobs:
        assert job["BackupJobId"] in listed.output
    assert listed.output.count("COMPLETED") == 2

    # When they look at the plans
    plans = runner.invoke(app, [*endpoint, "plans"], env=WIDE)
    # Then the rule is in words, with its next run after the virtual clock's now
    assert plans.exit_code == 0, plans.output
    assert "every day at 05:00 UTC" in plans.output, plans.output
    assert "2026-05-03 05:00 UTC" in plans.output, plans.output

    # When they restore the newest point, with a metadata override
    point = max(
        backup.list_recovery_points_by_backup_vault(BackupVaultName="main")["RecoveryPoints"],
        key=lambda p: p["CreationDate"],
    )["RecoveryPointArn"]
    restored = runner.invoke(app, [*endpoint, "restore", point, "--metadata", "volumeType=gp3"], env=WIDE)
    # Then the command follows the job to COMPLETED and names the new volume
    assert restored.exit_code == 0, restored.output
    (job,) = backup.list_restore_jobs()["RestoreJobs"]
    assert job["Status"] == "COMPLETED"
    assert f"COMPLETED: {job['CreatedResourceArn']}" in restored.output
    assert "gp3 (yours)" in restored.output
