"""`strongroom status`: what is protected, what no plan covers, the day's jobs, RPO, storage and open failures."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from click.testing import Result

from tests.cli.conftest import NOW, ROLE, volume
from tests.cli.fake_backup import FakeBackup

DAILY = {
    "RuleName": "daily",
    "RuleId": "r-daily",
    "TargetBackupVaultName": "main",
    "ScheduleExpression": "cron(0 5 ? * * *)",
    "StartWindowMinutes": 60,
}
TAGGED = {
    "SelectionName": "tagged",
    "IamRoleArn": ROLE,
    "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "yes"}],
}


def point(
    resource: str, hours_ago: float, rule: str | None = "r-daily", size: int = 1024**3, tier: str = "WARM"
) -> dict:
    return {
        "RecoveryPointArn": f"arn:aws:ec2:us-east-1::snapshot/snap-{resource[-4:]}-{hours_ago}",
        "ResourceArn": resource,
        "ResourceType": "EBS",
        "CreationDate": NOW - timedelta(hours=hours_ago),
        "Status": "COMPLETED",
        "StorageClass": tier,
        "BackupSizeInBytes": size,
        "CreatedBy": {"BackupPlanId": "p1", "BackupRuleId": rule} if rule else {},
    }


def job(job_id: str, resource: str, state: str, hours_ago: float, message: str = "") -> dict:
    return {
        "BackupJobId": job_id,
        "ResourceArn": resource,
        "State": state,
        "BackupVaultName": "main",
        "ResourceType": "EBS",
        "CreationDate": NOW - timedelta(hours=hours_ago),
        "StatusMessage": message,
    }


def daily_plan(fake: FakeBackup) -> None:
    fake.plans["p1"] = {"BackupPlanName": "nightly", "Rules": [DAILY]}
    fake.selections["p1"] = [TAGGED]


def test_a_fresh_point_meets_the_daily_rpo_and_a_stale_one_misses_it(
    fake: FakeBackup, run: Callable[..., Result]
) -> None:
    # Given a daily rule (start window 1 h) and two volumes: one backed up 7 h ago, one 30 h ago
    daily_plan(fake)
    fresh, stale = volume("vol-fresh"), volume("vol-stale")
    fake.vaults["main"] = [point(fresh, 7), point(stale, 30), point(stale, 54)]
    fake.protected = [{"ResourceArn": arn, "ResourceType": "EBS"} for arn in (fresh, stale)]
    # When a person asks for the status
    result = run("status")
    # Then the fresh volume meets its objective, the stale one (older than 24 h + 1 h) misses it, and it is said
    assert result.exit_code == 0, result.output
    rows = {
        line.split("│")[1].strip(): line
        for line in result.output.splitlines()
        if "│" in line and "volume/" in line and "nightly/daily" in line
    }
    assert "met" in rows[fresh] and "7h 0m" in rows[fresh]
    assert "missed" in rows[stale] and "1d 6h" in rows[stale]
    assert "1 resource(s) miss their recovery point objective" in result.output


def test_a_resource_backed_up_only_on_demand_has_no_objective(fake: FakeBackup, run: Callable[..., Result]) -> None:
    # Given a volume whose only point was made on demand (no CreatedBy rule) and no plan at all
    manual = volume("vol-manual")
    fake.vaults["main"] = [point(manual, 200, rule=None)]
    fake.protected = [{"ResourceArn": manual, "ResourceType": "EBS"}]
    # When the status is shown
    result = run("status")
    # Then its RPO is "no plan", not a miss
    assert result.exit_code == 0, result.output
    (row,) = [line for line in result.output.splitlines() if manual in line and "8d 8h" in line]
    assert "no plan" in row and "missed" not in result.output


def test_with_the_estate_known_the_resources_no_plan_selects_are_listed(
    fake: FakeBackup, run: Callable[..., Result], tmp_path: Path
) -> None:
    # Given a plan over volumes tagged backup=yes, and the account's resources as the tagging API lists them
    daily_plan(fake)
    tagged, untagged = volume("vol-tagged"), volume("vol-untagged")
    estate = tmp_path / "estate.json"
    estate.write_text(
        json.dumps(
            {
                "ResourceTagMappingList": [
                    {"ResourceARN": tagged, "Tags": [{"Key": "backup", "Value": "yes"}]},
                    {"ResourceARN": untagged, "Tags": [{"Key": "backup", "Value": "no"}]},
                ]
            }
        )
    )
    # When the status is asked with the estate
    result = run("status", "--estate", str(estate))
    # Then one of two is covered by no plan: the untagged one; the tagged one, never backed up yet, misses its RPO
    assert result.exit_code == 0, result.output
    assert "Covered by no plan: 1 of 2 resources in the estate" in result.output
    uncovered = result.output.split("Covered by no plan")[1].split("Jobs since")[0]
    assert untagged in uncovered and tagged not in uncovered
    (row,) = [line for line in result.output.splitlines() if tagged in line and "nightly/daily" in line]
    assert "missed" in row


def test_jobs_of_the_last_day_are_counted_by_state_and_open_failures_listed(
    fake: FakeBackup, run: Callable[..., Result]
) -> None:
    # Given backup jobs: two completed today, one failed today, one failed 3 days ago and made good since
    a, b = volume("vol-a"), volume("vol-b")
    fake.backup_jobs = [
        job("j-ok-1", a, "COMPLETED", 2),
        job("j-ok-2", b, "COMPLETED", 3),
        job("j-failed", a, "FAILED", 1, "snapshot limit reached"),
        job("j-old-failure", b, "FAILED", 72, "throttled"),
        job("j-too-old", b, "COMPLETED", 30),
    ]
    # When the status is shown
    result = run("status")
    # Then the day's backup jobs are 2 COMPLETED, 1 FAILED (3 in all); only the failure not made good needs attention
    assert result.exit_code == 0, result.output
    day = result.output.split("Jobs since 2026-05-09 12:00 UTC")[1].split("Recovery point objective")[0]
    (backup_row,) = [line for line in day.splitlines() if line.startswith("│ backup ")]
    assert [cell.strip() for cell in backup_row.split("│")[2:5]] == ["2", "1", "3"]
    attention = result.output.split("Failed jobs needing attention (1)")[1]
    assert "j-failed" in attention and "snapshot limit reached" in attention
    assert "j-old-failure" not in attention


def test_storage_is_summed_per_vault_and_tier(fake: FakeBackup, run: Callable[..., Result]) -> None:
    # Given a vault with 2 GiB warm and 1 GiB cold, another with 512 MiB warm
    fake.vaults["main"] = [
        point(volume("vol-a"), 1),
        point(volume("vol-a"), 25),
        point(volume("vol-a"), 900, tier="COLD"),
    ]
    fake.vaults["archive"] = [point(volume("vol-b"), 1, size=512 * 1024**2)]
    # When the status is shown
    result = run("status")
    # Then each vault's points and bytes per tier are shown
    assert result.exit_code == 0, result.output
    storage = result.output.split("Storage by vault")[1]
    (main,) = [line for line in storage.splitlines() if line.startswith("│ main ")]
    (archive,) = [line for line in storage.splitlines() if line.startswith("│ archive ")]
    assert [cell.strip() for cell in main.split("│")[2:6]] == ["3", "1.0 GiB", "2.0 GiB", "3.0 GiB"]
    assert [cell.strip() for cell in archive.split("│")[2:6]] == ["1", "0 B", "512.0 MiB", "512.0 MiB"]


def test_an_api_error_is_said_in_one_line_with_aws_backups_code(fake: FakeBackup, run: Callable[..., Result]) -> None:
    # Given an endpoint that refuses the caller
    from tests.cli.fake_backup import _error

    def refuse(**_: object) -> dict:
        raise _error("AccessDeniedException", "not authorized to perform backup:ListProtectedResources")

    fake.list_protected_resources = refuse  # type: ignore[method-assign]
    # When the status is asked
    result = run("status")
    # Then the error's code and message, exit code 1, and no traceback
    assert result.exit_code == 1
    assert "AccessDeniedException: not authorized to perform backup:ListProtectedResources" in result.output
    assert "Traceback" not in result.output


def test_an_estate_of_plain_arns_is_matched_by_arn_alone(
    fake: FakeBackup, run: Callable[..., Result], tmp_path: Path
) -> None:
    # Given a plan whose selection names one volume by ARN, and an estate file of ARNs with a comment
    chosen, other = volume("vol-chosen"), volume("vol-other")
    fake.plans["p1"] = {"BackupPlanName": "nightly", "Rules": [DAILY]}
    fake.selections["p1"] = [{"SelectionName": "by-arn", "IamRoleArn": ROLE, "Resources": [chosen]}]
    estate = tmp_path / "estate.txt"
    estate.write_text(f"# the account's volumes\n{chosen}\n\n{other}\n")
    # When the status is asked with it
    result = run("status", "--estate", str(estate))
    # Then only the volume no selection names is uncovered
    assert result.exit_code == 0, result.output
    uncovered = result.output.split("Covered by no plan: 1 of 2 resources in the estate")[1].split("Jobs since")[0]
    assert other in uncovered and chosen not in uncovered
