"""Restore testing through boto3's `backup` client on the local runtime: plans and selections made, read,
changed, listed and deleted over the wire; bad input answered with the model's errors and nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import ROLE
from tests.api.helpers import unique


def name(prefix: str) -> str:
    return unique(prefix).replace("-", "_")


SELECTION = {"Algorithm": "RANDOM_WITHIN_WINDOW", "IncludeVaults": ["*"], "RecoveryPointTypes": ["SNAPSHOT"]}


def test_a_plan_and_a_selection_over_the_wire(backup: Any, runtime: Any) -> None:
    scheduler = runtime.client("scheduler")
    # Given a plan made with a request id, and a selection by tag conditions
    plan = name("weekly")
    created = backup.create_restore_testing_plan(
        CreatorRequestId="r1",
        RestoreTestingPlan={
            "RestoreTestingPlanName": plan,
            "ScheduleExpression": "cron(0 8 ? * SUN *)",
            "ScheduleExpressionTimezone": "Asia/Tokyo",
            "RecoveryPointSelection": SELECTION,
        },
        Tags={"team": "ops"},
    )
    assert created["RestoreTestingPlanName"] == plan
    conditions = {"StringEquals": [{"Key": "tier", "Value": "gold"}]}
    backup.create_restore_testing_selection(
        RestoreTestingPlanName=plan,
        RestoreTestingSelection={
            "RestoreTestingSelectionName": "tables",
            "ProtectedResourceType": "DynamoDB",
            "IamRoleArn": ROLE,
            "ProtectedResourceArns": ["*"],
            "ProtectedResourceConditions": conditions,
        },
    )
    # When they are read, every member comes back as sent, with AWS's defaults
    got = backup.get_restore_testing_plan(RestoreTestingPlanName=plan)["RestoreTestingPlan"]
    assert got["RecoveryPointSelection"] == {**SELECTION, "ExcludeVaults": [], "SelectionWindowDays": 30}
    assert (got["ScheduleExpressionTimezone"], got["StartWindowHours"], got["CreatorRequestId"]) == (
        "Asia/Tokyo",
        24,
        "r1",
    )
    selection = backup.get_restore_testing_selection(RestoreTestingPlanName=plan, RestoreTestingSelectionName="tables")
    assert selection["RestoreTestingSelection"]["ProtectedResourceConditions"] == {**conditions, "StringNotEquals": []}
    # And the plan's schedule exists in the plan group, in its time zone
    schedule = scheduler.get_schedule(Name=f"restore-testing-{plan}", GroupName="strongroom-plans")
    assert (schedule["ScheduleExpression"], schedule["ScheduleExpressionTimezone"]) == (
        "cron(0 8 ? * SUN *)",
        "Asia/Tokyo",
    )
    # When the plan is updated, UpdateTime comes back and the change is read
    updated = backup.update_restore_testing_plan(
        RestoreTestingPlanName=plan, RestoreTestingPlan={"StartWindowHours": 2}
    )
    assert updated["UpdateTime"] >= updated["CreationTime"]
    assert backup.get_restore_testing_plan(RestoreTestingPlanName=plan)["RestoreTestingPlan"]["StartWindowHours"] == 2
    listed = backup.list_restore_testing_plans()["RestoreTestingPlans"]
    assert plan in [p["RestoreTestingPlanName"] for p in listed]
    # Then the plan cannot go while its selection is there; it goes after
    with pytest.raises(backup.exceptions.InvalidRequestException):
        backup.delete_restore_testing_plan(RestoreTestingPlanName=plan)
    backup.delete_restore_testing_selection(RestoreTestingPlanName=plan, RestoreTestingSelectionName="tables")
    backup.delete_restore_testing_plan(RestoreTestingPlanName=plan)
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.get_restore_testing_plan(RestoreTestingPlanName=plan)
    with pytest.raises(scheduler.exceptions.ResourceNotFoundException):
        scheduler.get_schedule(Name=f"restore-testing-{plan}", GroupName="strongroom-plans")


def test_bad_input_gets_the_models_errors_and_writes_nothing(backup: Any) -> None:
    plan = name("bad")
    before = backup.list_restore_testing_plans()["RestoreTestingPlans"]
    with pytest.raises(backup.exceptions.InvalidParameterValueException, match="time zone"):
        backup.create_restore_testing_plan(
            RestoreTestingPlan={
                "RestoreTestingPlanName": plan,
                "ScheduleExpression": "cron(0 8 ? * SUN *)",
                "ScheduleExpressionTimezone": "Nowhere/Land",
                "RecoveryPointSelection": SELECTION,
            }
        )
    with pytest.raises(backup.exceptions.MissingParameterValueException, match="IncludeVaults"):
        backup.create_restore_testing_plan(
            RestoreTestingPlan={
                "RestoreTestingPlanName": plan,
                "ScheduleExpression": "cron(0 8 ? * SUN *)",
                "RecoveryPointSelection": {"Algorithm": "LATEST_WITHIN_WINDOW", "RecoveryPointTypes": ["SNAPSHOT"]},
            }
        )
    assert backup.list_restore_testing_plans()["RestoreTestingPlans"] == before
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.list_restore_testing_selections(RestoreTestingPlanName=plan)
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.put_restore_validation_result(RestoreJobId="NOPE", ValidationStatus="SUCCESSFUL")
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.get_restore_testing_inferred_metadata(
            BackupVaultName="Default", RecoveryPointArn="arn:aws:backup:us-east-1:123456789012:recovery-point:x"
        )
    # And ListRestoreJobs filters by a plan's ARN: no job of an unknown plan
    unknown = "arn:aws:backup:us-east-1:123456789012:restore-testing-plan:none-abc"
    assert backup.list_restore_jobs(ByRestoreTestingPlanArn=unknown)["RestoreJobs"] == []


def test_a_restore_testing_plans_tags_are_read_and_changed_through_its_arn(backup: Any) -> None:
    # Given a plan made with a tag
    plan = name("tagged")
    arn = backup.create_restore_testing_plan(
        RestoreTestingPlan={
            "RestoreTestingPlanName": plan,
            "ScheduleExpression": "cron(0 8 ? * SUN *)",
            "RecoveryPointSelection": SELECTION,
        },
        Tags={"team": "ops"},
    )["RestoreTestingPlanArn"]
    # When its tags are listed, added to and removed through its ARN, then each call sees the last
    assert backup.list_tags(ResourceArn=arn)["Tags"] == {"team": "ops"}
    backup.tag_resource(ResourceArn=arn, Tags={"cost": "lab"})
    backup.untag_resource(ResourceArn=arn, TagKeyList=["team"])
    assert backup.list_tags(ResourceArn=arn)["Tags"] == {"cost": "lab"}
    # And once the plan is gone, or for a made-up id under its name, its ARN names nothing
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.list_tags(ResourceArn=arn.rsplit("-", 1)[0] + "-000000")
    backup.delete_restore_testing_plan(RestoreTestingPlanName=plan)
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.list_tags(ResourceArn=arn)
