"""Creating, updating and deleting plans: validation first, nothing written on bad input, schedules follow."""

from __future__ import annotations

from typing import Any

import pytest

from lambdas.domain.errors import InvalidParameterValueException, InvalidRequestException, ResourceNotFoundException
from lambdas.services import plan_service, vault_service
from tests.fakes import ROLE, T0, World


def daily(vault: str = "main", **lifecycle: int) -> dict[str, Any]:
    rule: dict[str, Any] = {"RuleName": "daily", "TargetBackupVaultName": vault}
    if lifecycle:
        rule["Lifecycle"] = lifecycle
    return {"BackupPlan": {"BackupPlanName": "daily", "Rules": [rule]}}


def test_given_an_invalid_lifecycle_when_creating_a_plan_then_refused_and_nothing_is_written(world: World) -> None:
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    items_before = dict(world.table._items)
    with pytest.raises(InvalidParameterValueException, match="at least 90 days"):
        plan_service.create_plan(world.ctx, daily(MoveToColdStorageAfterDays=10, DeleteAfterDays=20), T0)
    assert world.table._items == items_before
    assert world.scheduler.schedules == {}


def test_given_an_unknown_vault_when_creating_a_plan_then_refused_and_nothing_is_written(world: World) -> None:
    with pytest.raises(InvalidParameterValueException, match="backup vault nowhere does not exist"):
        plan_service.create_plan(world.ctx, daily("nowhere"), T0)
    assert world.ctx.stores.plans.page()[0] == []
    assert world.scheduler.schedules == {}


def test_given_a_plan_when_created_then_each_rule_gets_a_schedule_and_version(world: World) -> None:
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    plan = plan_service.create_plan(world.ctx, daily(DeleteAfterDays=35), T0)
    assert world.scheduler.schedules == {plan.Rules[0].RuleId: "cron(0 5 ? * * *)"}
    assert world.ctx.stores.plans.get(plan.BackupPlanId).VersionId == plan.VersionId


def test_given_a_plan_when_updated_then_the_version_changes_and_schedules_follow_the_rules(world: World) -> None:
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    plan = plan_service.create_plan(world.ctx, daily(), T0)
    update = {
        "BackupPlan": {
            "BackupPlanName": "daily",
            "Rules": [
                {"RuleName": "daily", "TargetBackupVaultName": "main", "ScheduleExpression": "cron(0 3 ? * * *)"},
                {"RuleName": "monthly", "TargetBackupVaultName": "main", "ScheduleExpression": "cron(0 4 1 * ? *)"},
            ],
        }
    }
    updated = plan_service.update_plan(world.ctx, plan.BackupPlanId, update, T0)
    assert updated.VersionId != plan.VersionId
    # the renamed-in-place rule keeps its id (and so its schedule); the new one gets its own
    assert updated.Rules[0].RuleId == plan.Rules[0].RuleId
    assert world.scheduler.schedules == {
        plan.Rules[0].RuleId: "cron(0 3 ? * * *)",
        updated.Rules[1].RuleId: "cron(0 4 1 * ? *)",
    }
    versions = world.ctx.stores.plans.versions(plan.BackupPlanId)
    assert {v.VersionId for v in versions} == {plan.VersionId, updated.VersionId}


def test_given_a_plan_with_a_selection_when_deleted_then_refused_until_the_selection_goes(world: World) -> None:
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    plan = plan_service.create_plan(world.ctx, daily(), T0)
    selection = plan_service.create_selection(
        world.ctx,
        plan.BackupPlanId,
        {"BackupSelection": {"SelectionName": "all", "IamRoleArn": ROLE, "Resources": ["*"]}},
        T0,
    )
    with pytest.raises(InvalidRequestException, match="still has resource selections"):
        plan_service.delete_plan(world.ctx, plan.BackupPlanId, T0)
    assert world.scheduler.schedules
    world.ctx.stores.plans.delete_selection(plan.BackupPlanId, selection.SelectionId)
    plan_service.delete_plan(world.ctx, plan.BackupPlanId, T0)
    assert world.scheduler.schedules == {}
    with pytest.raises(ResourceNotFoundException):
        world.ctx.stores.plans.get(plan.BackupPlanId)


def test_given_a_selection_naming_an_unsupported_type_when_created_then_refused(world: World) -> None:
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    plan = plan_service.create_plan(world.ctx, daily(), T0)
    request = {
        "BackupSelection": {
            "SelectionName": "q",
            "IamRoleArn": ROLE,
            "Resources": ["arn:aws:sqs:us-east-1:123456789012:queue"],
        }
    }
    with pytest.raises(InvalidParameterValueException, match="not supported"):
        plan_service.create_selection(world.ctx, plan.BackupPlanId, request, T0)
    assert world.ctx.stores.plans.selections(plan.BackupPlanId) == []
