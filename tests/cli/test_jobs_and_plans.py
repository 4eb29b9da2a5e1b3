"""`strongroom jobs` with AWS Backup's filters and --watch, and `strongroom plans` with schedules in words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from click.testing import Result

from strongroom_cli.schedules import in_words, next_runs
from tests.cli.conftest import NOW, volume
from tests.cli.fake_backup import FakeBackup


def backup_job(job_id: str, state: str, hours_ago: float, vault: str = "main") -> dict:
    return {
        "BackupJobId": job_id,
        "ResourceArn": volume("vol-a"),
        "State": state,
        "BackupVaultName": vault,
        "ResourceType": "EBS",
        "CreationDate": NOW - timedelta(hours=hours_ago),
        "PercentDone": "40.0",
    }


def test_the_filters_go_to_the_api_as_aws_backups_own(fake: FakeBackup, run: Callable[..., Result]) -> None:
    # Given backup jobs in two vaults, of two states, one created 3 days ago
    fake.backup_jobs = [
        backup_job("j-main-failed", "FAILED", 2),
        backup_job("j-main-done", "COMPLETED", 2),
        backup_job("j-other-failed", "FAILED", 2, vault="other"),
        backup_job("j-old-failed", "FAILED", 72),
    ]
    # When failed backup jobs of vault main in the last 2 days are asked
    result = run("jobs", "--type", "backup", "--state", "failed", "--vault", "main", "--since", "2d")
    # Then ListBackupJobs was asked with ByState, ByBackupVaultName and ByCreatedAfter, and only one job is shown
    assert result.exit_code == 0, result.output
    assert fake.calls == [
        (
            "ListBackupJobs",
            {"ByCreatedAfter": NOW - timedelta(days=2), "ByState": "FAILED", "ByBackupVaultName": "main"},
        )
    ]
    assert "j-main-failed" in result.output
    for other in ("j-main-done", "j-other-failed", "j-old-failed"):
        assert other not in result.output


def test_without_a_type_all_three_kinds_are_listed_newest_first(fake: FakeBackup, run: Callable[..., Result]) -> None:
    # Given a backup, a copy and a restore job
    fake.backup_jobs = [backup_job("j-backup", "RUNNING", 3)]
    fake.copy_jobs = [
        {
            "CopyJobId": "j-copy",
            "State": "COMPLETED",
            "CreationDate": NOW - timedelta(hours=2),
            "SourceBackupVaultArn": "arn:aws:backup:us-east-1:123456789012:backup-vault:main",
        }
    ]
    fake.restore_jobs = [{"RestoreJobId": "j-restore", "Status": "FAILED", "CreationDate": NOW - timedelta(hours=1)}]
    # When jobs are listed with no filter
    result = run("jobs")
    # Then each appears, newest first, with its kind; the running backup shows how far it got
    assert result.exit_code == 0, result.output
    order = [result.output.index(job_id) for job_id in ("j-restore", "j-copy", "j-backup")]
    assert order == sorted(order)
    (running,) = [line for line in result.output.splitlines() if "j-backup" in line]
    assert "40.0%" in running


def test_restore_jobs_belong_to_no_vault_so_the_vault_filter_is_refused_for_them(
    fake: FakeBackup, run: Callable[..., Result]
) -> None:
    # When restore jobs of a vault are asked
    result = run("jobs", "--type", "restore", "--vault", "main")
    # Then the command refuses, saying why, and reads nothing
    assert result.exit_code == 2
    assert "restore jobs belong to no vault" in result.output
    assert fake.calls == []


def test_a_since_that_is_neither_a_duration_nor_a_time_is_refused(fake: FakeBackup, run: Callable[..., Result]) -> None:
    result = run("jobs", "--since", "yesterday")
    assert result.exit_code == 2
    assert "expected 90m, 24h, 7d or an ISO 8601 time" in result.output


def test_watch_reads_the_jobs_again_at_each_refresh(fake: FakeBackup, run: Callable[..., Result]) -> None:
    # Given a backup job
    fake.backup_jobs = [backup_job("j-1", "RUNNING", 1)]
    # When jobs are watched for two refreshes
    result = run("jobs", "--type", "backup", "--watch", "--interval", "0", "--refreshes", "2")
    # Then the listing was read three times (the first table and two refreshes)
    assert result.exit_code == 0, result.output
    assert [name for name, _ in fake.calls] == ["ListBackupJobs"] * 3


@pytest.mark.parametrize(
    ("expression", "zone", "words"),
    [
        ("cron(0 5 ? * * *)", None, "every day at 05:00 UTC"),
        ("cron(30 1 ? * MON-FRI *)", "Europe/Paris", "on weekdays at 01:30 Europe/Paris"),
        ("cron(0 3 1 * ? *)", "Etc/UTC", "on the 1st of the month at 03:00 UTC"),
        ("cron(0 0/12 * * ? *)", None, "every day every 12 hours from 00:00 UTC"),
        ("cron(0 4 ? * 1#2 *)", None, "on the 2nd SUN of the month at 04:00 UTC"),
        ("cron(15 * L * ? *)", None, "on the last day of the month every hour at minute 15 UTC"),
        ("rate(12 hours)", None, "every 12 hours"),
    ],
)
def test_schedules_in_words(expression: str, zone: str | None, words: str) -> None:
    assert in_words(expression, zone) == words


def test_next_runs_are_the_engines_own_firings_in_the_rules_time_zone() -> None:
    # Given a rule at 01:30 Paris time on weekdays; NOW is Sunday 2026-05-10 12:00 UTC (CEST, UTC+2)
    runs = next_runs("cron(30 1 ? * MON-FRI *)", "Europe/Paris", NOW, 2)
    # Then the next two are Monday and Tuesday at 23:30 UTC the evening before
    assert [run.isoformat() for run in runs] == ["2026-05-10T23:30:00+00:00", "2026-05-11T23:30:00+00:00"]


def test_plans_show_each_rule_with_words_next_runs_lifecycle_and_copies(
    fake: FakeBackup, run: Callable[..., Result]
) -> None:
    # Given a plan with a daily rule kept 35 days, cold after 7, copied to a DR vault
    dr = "arn:aws:backup:us-west-2:123456789012:backup-vault:dr"
    fake.plans["p1"] = {
        "BackupPlanName": "nightly",
        "Rules": [
            {
                "RuleName": "daily",
                "TargetBackupVaultName": "main",
                "ScheduleExpression": "cron(0 5 ? * * *)",
                "Lifecycle": {"MoveToColdStorageAfterDays": 7, "DeleteAfterDays": 35},
                "CopyActions": [{"DestinationBackupVaultArn": dr}],
            }
        ],
    }
    # When the plans are shown
    result = run("plans", "--runs", "2")
    # Then the rule's row says it all, with the next two runs after now
    assert result.exit_code == 0, result.output
    assert "Plan nightly (p1)" in result.output
    (row,) = [line for line in result.output.splitlines() if "│ daily " in line]
    for expected in ("every day at 05:00 UTC", "2026-05-11 05:00 UTC", "cold after 7 d, deleted after 35 d", dr):
        assert expected in row
    assert "2026-05-12 05:00 UTC" in result.output
    assert "2026-05-13 05:00 UTC" not in result.output


def test_copy_jobs_of_a_vault_are_those_from_or_to_it(fake: FakeBackup, run: Callable[..., Result]) -> None:
    # Given copies from main to dr, from other to main, and from other to dr
    vault = "arn:aws:backup:us-east-1:123456789012:backup-vault:"

    def copy(job_id: str, source: str, destination: str) -> dict:
        return {
            "CopyJobId": job_id,
            "State": "COMPLETED",
            "CreationDate": NOW - timedelta(hours=1),
            "SourceBackupVaultArn": vault + source,
            "DestinationBackupVaultArn": vault + destination,
        }

    fake.copy_jobs = [copy("c-out", "main", "dr"), copy("c-in", "other", "main"), copy("c-elsewhere", "other", "dr")]
    # When the copy jobs of main are asked
    result = run("jobs", "--type", "copy", "--vault", "main")
    # Then the two that touch main are listed, not the third
    assert result.exit_code == 0, result.output
    assert "c-out" in result.output and "c-in" in result.output
    assert "c-elsewhere" not in result.output
