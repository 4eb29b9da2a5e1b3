"""A vault lock's retention bounds hold for every backup that goes into the vault: an on-demand backup
outside them is refused with AWS Backup's error and no job; a scheduled backup outside them fails, saying
why, and makes no snapshot. (Copies and lifecycle updates are covered in their own tests.)"""

from __future__ import annotations

from datetime import timedelta

import pytest

from lambdas.domain.errors import InvalidParameterValueException
from lambdas.domain.jobs import BackupJobState
from lambdas.services import backup_service, plan_service, scheduled_backups, vault_service
from tests.fakes import ROLE, T0, World


def locked_vault(world: World, **bounds: int) -> None:
    vault_service.create_vault(world.ctx, {"BackupVaultName": "locked"}, T0)
    vault_service.put_lock(world.ctx, "locked", bounds, T0)


@pytest.mark.parametrize(
    ("bounds", "lifecycle", "why"),
    [
        ({"MinRetentionDays": 30}, {"DeleteAfterDays": 7}, "below the vault lock's MinRetentionDays 30"),
        ({"MaxRetentionDays": 365}, None, "kept forever exceeds the vault lock's MaxRetentionDays 365"),
        ({"MaxRetentionDays": 365}, {"DeleteAfterDays": 400}, "DeleteAfterDays 400 exceeds"),
    ],
)
def test_given_a_locked_vault_when_an_on_demand_backup_is_outside_its_bounds_then_refused_and_no_job(
    world: World, bounds: dict[str, int], lifecycle: dict[str, int] | None, why: str
) -> None:
    locked_vault(world, **bounds)
    arn = world.ebs.add_volume(1)
    request = {"BackupVaultName": "locked", "ResourceArn": arn, "IamRoleArn": ROLE}
    if lifecycle:
        request["Lifecycle"] = lifecycle
    with pytest.raises(InvalidParameterValueException, match=why):
        backup_service.start_backup_job(world.ctx, request, T0)
    assert world.ctx.stores.jobs.backup_jobs()[0] == [] and world.ebs.snapshots == {}


def test_given_a_locked_vault_when_a_backup_is_within_its_bounds_then_it_runs(world: World) -> None:
    locked_vault(world, MinRetentionDays=7, MaxRetentionDays=365)
    arn = world.ebs.add_volume(1)
    job = backup_service.start_backup_job(
        world.ctx,
        {"BackupVaultName": "locked", "ResourceArn": arn, "IamRoleArn": ROLE, "Lifecycle": {"DeleteAfterDays": 35}},
        T0,
    )
    assert job.State == BackupJobState.RUNNING


def test_given_a_rule_whose_retention_the_lock_refuses_when_it_fires_then_its_jobs_fail_saying_why(
    world: World,
) -> None:
    locked_vault(world, MaxRetentionDays=30)
    world.ebs.add_volume(1, backup="yes")
    plan = plan_service.create_plan(
        world.ctx,
        {
            "BackupPlan": {
                "BackupPlanName": "p",
                "Rules": [{"RuleName": "r", "TargetBackupVaultName": "locked", "Lifecycle": {"DeleteAfterDays": 35}}],
            }
        },
        T0,
    )
    tags = [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "yes"}]
    plan_service.create_selection(
        world.ctx,
        plan.BackupPlanId,
        {"BackupSelection": {"SelectionName": "s", "IamRoleArn": ROLE, "ListOfTags": tags}},
        T0,
    )
    scheduled_backups.start_backups(world.ctx, plan.BackupPlanId, plan.Rules[0].RuleId, T0, T0 + timedelta(minutes=1))
    [job] = world.ctx.stores.jobs.backup_jobs()[0]
    assert job.State == BackupJobState.FAILED
    assert "MaxRetentionDays 30" in (job.StatusMessage or "") and "locked" in (job.StatusMessage or "")
    assert world.ebs.snapshots == {}
    assert [e.State for e in world.events.backup] == [BackupJobState.FAILED]
