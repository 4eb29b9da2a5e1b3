"""The ReconcileSchedules function on moto, wired as deployed: the catalog is the truth and the plan schedule
group follows it. After `cdk destroy` (which deletes the group and every schedule in it) and a deploy onto the
retained catalog, or after anyone deletes or edits a schedule by hand, the next run puts every live plan's rule
schedules back as the plan's latest version says, and removes schedules whose plan or rule is gone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.integration.builders import ACCOUNT, REGION, plan, rule

GROUP = "strongroom-plans"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:strongroom-StartBackups"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/strongroom-scheduler"


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The function's environment over moto (catalog table, key, bus, plan group), its context built as in Lambda;
    Scheduler refuses what AWS refuses (a group created twice, a schedule in a missing group)."""
    from infrastructure import constants
    from lambdas.common.config import get_settings
    from lambdas.handlers.wiring import service_context
    from local import scheduler_gaps
    from local.bootstrap import TABLE_NAME, table_definition

    boto3.client("dynamodb", region_name=REGION).create_table(**table_definition(TABLE_NAME))
    key_arn = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    boto3.client("scheduler", region_name=REGION).create_schedule_group(Name=GROUP)
    environment = {
        constants.ENV_TABLE_NAME: TABLE_NAME,
        constants.ENV_EVENT_BUS_NAME: "strongroom",
        constants.ENV_DEFAULT_KEY_ARN: key_arn,
        constants.ENV_VAULT_BUCKET: f"strongroom-vault-{ACCOUNT}-{REGION}",
        constants.ENV_POWERTOOLS_SERVICE_NAME: constants.SERVICE_NAME,
        constants.ENV_POWERTOOLS_METRICS_NAMESPACE: constants.METRICS_NAMESPACE,
        constants.ENV_PLAN_SCHEDULE_GROUP: GROUP,
        constants.ENV_SCHEDULER_ROLE_ARN: ROLE_ARN,
        constants.ENV_START_BACKUPS_FUNCTION_ARN: FUNCTION_ARN,
    }
    assert set(environment) == set(constants.RECONCILE_SCHEDULES.env_keys)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    service_context.cache_clear()
    undo = scheduler_gaps.PATCHES.apply()
    yield service_context()
    undo()
    get_settings.cache_clear()
    service_context.cache_clear()


def hourly_run() -> dict[str, Any]:
    from lambdas.handlers.reconcile_schedules import handler
    from local.emulator_gaps import FakeLambdaContext

    event = {"scheduled_time": "2026-12-03T10:00:00Z"}
    result: dict[str, Any] = handler(event, FakeLambdaContext(function_name="strongroom-ReconcileSchedules"))
    return result


def scheduler() -> Any:
    return boto3.client("scheduler", region_name=REGION)


def names_in_group() -> set[str]:
    return {s["Name"] for s in scheduler().list_schedules(GroupName=GROUP)["Schedules"]}


def saved_and_scheduled(ctx: Any, backup_plan: Any) -> None:
    """What CreateBackupPlan does: the plan in the catalog, one schedule per rule."""
    from lambdas.services.plan_scheduler import EventBridgePlanScheduler, SchedulerTarget

    ctx.stores.plans.create(backup_plan)
    EventBridgePlanScheduler(scheduler, SchedulerTarget(GROUP, FUNCTION_ARN, ROLE_ARN)).sync(backup_plan, None)


def two_rules(plan_id: str = "plan-1", version: str = "v1", cron: str = "cron(0 5 ? * * *)") -> Any:
    return plan(
        plan_id,
        version=version,
        rules=[
            rule(f"{plan_id}-daily", "daily", cron, ScheduleExpressionTimezone="Europe/Paris", StartWindowMinutes=480),
            rule(f"{plan_id}-monthly", "monthly", "cron(0 4 1 * ? *)"),
        ],
    )


def test_a_schedule_deleted_out_of_band_comes_back_at_the_next_hourly_run(deployed: Any) -> None:
    # Given a plan with two rules, each with its schedule
    saved_and_scheduled(deployed, two_rules())
    before = scheduler().get_schedule(Name="rule-plan-1-daily", GroupName=GROUP)
    # When someone deletes one schedule by hand
    scheduler().delete_schedule(Name="rule-plan-1-daily", GroupName=GROUP)
    # Then the next hourly run creates it again, exactly as the plan wrote it
    result = hourly_run()
    assert result["Recreated"] == 1 and result["Unchanged"] == 1 and result["Deleted"] == 0
    after = scheduler().get_schedule(Name="rule-plan-1-daily", GroupName=GROUP)
    for key in ("ScheduleExpression", "ScheduleExpressionTimezone", "FlexibleTimeWindow", "State", "Target"):
        assert after[key] == before[key], key
    assert json.loads(after["Target"]["Input"])["plan_id"] == "plan-1"


def test_after_destroy_and_redeploy_every_plan_of_the_retained_catalog_fires_again(deployed: Any) -> None:
    # Given two plans in the catalog
    saved_and_scheduled(deployed, two_rules("plan-1"))
    saved_and_scheduled(deployed, two_rules("plan-2"))
    # When `cdk destroy` deletes the group (and with it every schedule) and a deploy makes an empty group again
    scheduler().delete_schedule_group(Name=GROUP)
    scheduler().create_schedule_group(Name=GROUP)
    # Then one run puts all four rule schedules back
    result = hourly_run()
    assert result["Recreated"] == 4
    assert names_in_group() == {"rule-plan-1-daily", "rule-plan-1-monthly", "rule-plan-2-daily", "rule-plan-2-monthly"}


def test_a_missing_group_is_created_again_with_its_schedules(deployed: Any) -> None:
    # Given a plan, and its group deleted with nothing making it again
    saved_and_scheduled(deployed, two_rules())
    scheduler().delete_schedule_group(Name=GROUP)
    # When the reconcile runs
    result = hourly_run()
    # Then the group exists again and holds the plan's schedules
    assert result["GroupRecreated"] is True
    assert scheduler().get_schedule_group(Name=GROUP)["Name"] == GROUP
    assert names_in_group() == {"rule-plan-1-daily", "rule-plan-1-monthly"}


def test_schedules_whose_plan_or_rule_is_gone_are_deleted_and_others_left_alone(deployed: Any) -> None:
    # Given a live plan, a rule schedule whose plan the catalog does not have (deleted while the function was
    # down), a rule schedule of a rule the plan's latest version dropped, and a schedule that is not a rule's
    saved_and_scheduled(deployed, two_rules())
    target = {"Arn": FUNCTION_ARN, "RoleArn": ROLE_ARN, "Input": "{}"}
    for name in ("rule-gone-plan-daily", "rule-plan-1-weekly", "someone-elses"):
        scheduler().create_schedule(
            Name=name,
            GroupName=GROUP,
            ScheduleExpression="rate(1 day)",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target=target,
        )
    # When the reconcile runs
    result = hourly_run()
    # Then the two orphaned rule schedules are deleted, the live plan's stay, and the foreign one is untouched
    assert result["Deleted"] == 2
    assert names_in_group() == {"rule-plan-1-daily", "rule-plan-1-monthly", "someone-elses"}


def test_a_deleted_plans_schedules_are_deleted(deployed: Any) -> None:
    # Given a plan marked deleted in the catalog whose schedules survived (the delete stopped half-way)
    live = two_rules()
    saved_and_scheduled(deployed, live)
    from lambdas.common import clock

    deployed.stores.plans.replace(live.model_copy(update={"DeletionDate": clock.now(), "VersionId": "v2"}), "v1")
    # When the reconcile runs
    result = hourly_run()
    # Then its schedules are gone
    assert result["Deleted"] == 2
    assert names_in_group() == set()


def test_a_drifted_schedule_is_put_back_to_the_latest_version_and_a_faithful_one_is_not_rewritten(
    deployed: Any,
) -> None:
    # Given a plan whose daily rule runs at 05:00 Paris time
    saved_and_scheduled(deployed, two_rules())
    monthly_before = scheduler().get_schedule(Name="rule-plan-1-monthly", GroupName=GROUP)
    # When someone edits the schedule: another time, another zone, another target
    drifted = scheduler().get_schedule(Name="rule-plan-1-daily", GroupName=GROUP)
    scheduler().update_schedule(
        Name="rule-plan-1-daily",
        GroupName=GROUP,
        ScheduleExpression="cron(0 23 ? * * *)",
        ScheduleExpressionTimezone="UTC",
        FlexibleTimeWindow=drifted["FlexibleTimeWindow"],
        Target={**drifted["Target"], "Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:elsewhere"},
    )
    # Then the run puts it back as the rule says, and leaves the faithful monthly schedule as it was
    result = hourly_run()
    assert result["Updated"] == 1 and result["Unchanged"] == 1
    daily = scheduler().get_schedule(Name="rule-plan-1-daily", GroupName=GROUP)
    assert (daily["ScheduleExpression"], daily["ScheduleExpressionTimezone"]) == ("cron(0 5 ? * * *)", "Europe/Paris")
    assert daily["Target"]["Arn"] == FUNCTION_ARN
    monthly_after = scheduler().get_schedule(Name="rule-plan-1-monthly", GroupName=GROUP)
    assert monthly_after["LastModificationDate"] == monthly_before["LastModificationDate"]


def scheduler_calls_of(run: Any) -> list[str]:
    """The Scheduler operations Strongroom's clients made during run()."""
    from lambdas.common import aws

    heard: list[str] = []

    def hear(service: str, operation: str, *_: Any) -> None:
        if service == "scheduler":
            heard.append(operation)

    stop = aws.listen_to_calls(hear)
    try:
        run()
    finally:
        stop()
    return heard


def test_an_hourly_run_with_nothing_changed_only_lists_yet_a_later_edit_by_hand_is_still_put_back(
    deployed: Any,
) -> None:
    # Given a plan whose schedules one hourly run has already found in line with its rules
    saved_and_scheduled(deployed, two_rules())
    hourly_run()
    # When the next run comes with nothing changed
    calls = scheduler_calls_of(hourly_run)
    # Then it lists the group's schedules and reads none of them one by one
    assert calls == ["ListSchedules"]
    # And when someone then edits the daily schedule by hand (a new LastModificationDate)
    drifted = scheduler().get_schedule(Name="rule-plan-1-daily", GroupName=GROUP)
    scheduler().update_schedule(
        Name="rule-plan-1-daily",
        GroupName=GROUP,
        ScheduleExpression="cron(0 23 ? * * *)",
        FlexibleTimeWindow=drifted["FlexibleTimeWindow"],
        Target=drifted["Target"],
    )
    # Then the next run reads that one schedule again and puts it back; the untouched one is not read
    calls = scheduler_calls_of(hourly_run)
    assert sorted(calls) == ["GetSchedule", "ListSchedules", "UpdateSchedule"]
    daily = scheduler().get_schedule(Name="rule-plan-1-daily", GroupName=GROUP)
    assert daily["ScheduleExpression"] == "cron(0 5 ? * * *)"


def test_on_deploy_cloudformation_is_answered_after_the_schedules_are_back(
    deployed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a retained catalog with a plan and a fresh stack's empty group
    saved_and_scheduled(deployed, two_rules())
    scheduler().delete_schedule_group(Name=GROUP)
    scheduler().create_schedule_group(Name=GROUP)
    answers: list[tuple[str, dict[str, Any]]] = []
    from lambdas.handlers import custom_resource

    monkeypatch.setattr(custom_resource, "_put", lambda url, body: answers.append((url, json.loads(body))))
    # When CloudFormation creates the deploy-time reconcile resource
    from lambdas.handlers.reconcile_schedules import handler
    from local.emulator_gaps import FakeLambdaContext

    handler(
        {
            "RequestType": "Create",
            "ResponseURL": "https://cloudformation-answers.example/presigned",
            "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/Strongroom/1",
            "RequestId": "request-1",
            "LogicalResourceId": "ReconcilePlanSchedulesOnDeploy",
            "ResourceType": "Custom::PlanSchedulesReconcile",
            "ResourceProperties": {"ServiceToken": "arn", "PlanScheduleGroup": GROUP},
        },
        FakeLambdaContext(function_name="strongroom-ReconcileSchedules"),
    )
    # Then the schedules are back before CloudFormation hears SUCCESS, with the counts
    assert names_in_group() == {"rule-plan-1-daily", "rule-plan-1-monthly"}
    ((url, body),) = answers
    assert url == "https://cloudformation-answers.example/presigned"
    assert body["Status"] == "SUCCESS" and body["Data"]["Recreated"] == 2
    assert (body["RequestId"], body["LogicalResourceId"]) == ("request-1", "ReconcilePlanSchedulesOnDeploy")
