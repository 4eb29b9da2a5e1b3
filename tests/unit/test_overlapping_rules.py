"""Overlapping rules: a daily and a monthly rule of one plan both firing at 05:00 on the 1st take ONE backup
per resource, kept for the longer retention and credited to the rule that gave it; on other days the daily
rule alone backs up as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lambdas.domain.plans import BackupPlan
from lambdas.services import plan_service, scheduled_backups, vault_service
from lambdas.services.tracking_service import track_jobs
from tests.fakes import ROLE, World

FIRST = datetime(2026, 4, 1, 5, 0, tzinfo=UTC)


def daily_and_monthly(world: World, monthly_at: str = "0 5") -> BackupPlan:
    world.ebs.add_volume(1, backup="yes")
    world.ebs.add_volume(2, backup="yes")
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, FIRST)
    vault_service.create_vault(world.ctx, {"BackupVaultName": "archive"}, FIRST)
    plan = plan_service.create_plan(
        world.ctx,
        {
            "BackupPlan": {
                "BackupPlanName": "daily-monthly",
                "Rules": [
                    {
                        "RuleName": "daily",
                        "TargetBackupVaultName": "main",
                        "ScheduleExpression": "cron(0 5 * * ? *)",
                        "Lifecycle": {"DeleteAfterDays": 35},
                    },
                    {
                        "RuleName": "monthly",
                        "TargetBackupVaultName": "archive",
                        "ScheduleExpression": f"cron({monthly_at} 1 * ? *)",
                        "Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 365},
                    },
                ],
            }
        },
        FIRST - timedelta(days=1),
    )
    tags = [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "yes"}]
    plan_service.create_selection(
        world.ctx,
        plan.BackupPlanId,
        {"BackupSelection": {"SelectionName": "s", "IamRoleArn": ROLE, "ListOfTags": tags}},
        FIRST - timedelta(days=1),
    )
    return plan


def fire(world: World, plan: BackupPlan, rule_name: str, at: datetime) -> scheduled_backups.StartBackupsResult:
    rule = next(r for r in plan.Rules if r.RuleName == rule_name)
    return scheduled_backups.start_backups(world.ctx, plan.BackupPlanId, rule.RuleId, at, at)


@pytest.mark.parametrize("order", [("daily", "monthly"), ("monthly", "daily")])
def test_given_two_rules_firing_together_when_both_deliveries_arrive_then_one_backup_with_the_longest_retention(
    world: World, order: tuple[str, str]
) -> None:
    plan = daily_and_monthly(world)
    # When both schedules deliver on the 1st, in either order
    first = fire(world, plan, order[0], FIRST)
    second = fire(world, plan, order[1], FIRST)
    # Then the first delivery made one job per resource and the second found them
    assert first.inline and second.inline
    assert (first.inline.created, second.inline.created, second.inline.already_existed) == (2, 0, 2)
    jobs = world.ctx.stores.jobs.backup_jobs()[0]
    assert len(jobs) == 2 and len(world.ebs.snapshots) == 2
    # kept 365 days, in the monthly rule's vault, credited to the monthly rule
    for job in jobs:
        assert job.RecoveryPointLifecycle is not None and job.RecoveryPointLifecycle.DeleteAfterDays == 365
        assert job.CreatedBy.BackupRuleName == "monthly" and job.BackupVaultName == "archive"
    track_jobs(world.ctx, FIRST + timedelta(minutes=5))
    points = world.ctx.stores.recovery_points.search(vault_name="archive")[0]
    assert [p.CalculatedLifecycle.DeleteAt for p in points] == [FIRST + timedelta(days=365)] * 2


def test_given_a_day_when_only_the_daily_rule_fires_then_its_own_retention(world: World) -> None:
    plan = daily_and_monthly(world)
    fire(world, plan, "daily", FIRST + timedelta(days=1))
    jobs = world.ctx.stores.jobs.backup_jobs()[0]
    assert {j.CreatedBy.BackupRuleName for j in jobs} == {"daily"}
    assert {j.RecoveryPointLifecycle.DeleteAfterDays for j in jobs if j.RecoveryPointLifecycle} == {35}


def test_given_rules_whose_windows_meet_but_not_their_times_then_still_one_backup(world: World) -> None:
    # The monthly rule fires at 05:30, inside the daily rule's 8-hour default start window
    plan = daily_and_monthly(world, monthly_at="30 5")
    fire(world, plan, "daily", FIRST)
    fire(world, plan, "monthly", FIRST + timedelta(minutes=30))
    assert len(world.ctx.stores.jobs.backup_jobs()[0]) == 2  # one per resource, not four


def test_given_rules_whose_windows_do_not_meet_then_each_backs_up(world: World) -> None:
    plan = daily_and_monthly(world, monthly_at="0 17")  # 12 hours apart, 8-hour windows
    fire(world, plan, "daily", FIRST)
    fire(world, plan, "monthly", FIRST + timedelta(hours=12))
    jobs = world.ctx.stores.jobs.backup_jobs()[0]
    assert sorted(j.CreatedBy.BackupRuleName or "" for j in jobs) == ["daily", "daily", "monthly", "monthly"]
