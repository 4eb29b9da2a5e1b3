"""The restore testing store keeps the same contract on DynamoDB (moto) and in memory: a plan by name, created
once, saved only over the plan read; its selections in its own partition, paged, and deleted one by one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from lambdas.domain.errors import ConflictException
from lambdas.domain.restore_testing.plans import PointSelection, RestoreTestingPlan, RestoreTestingSelection

REGION, TABLE = "us-east-1", "strongroom-restore-testing-contract"
T0 = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> Any:
    from lambdas.store.restore_testing_store import RestoreTestingStore

    if request.param == "memory":
        from lambdas.store.memory_table import MemoryTable

        return RestoreTestingStore(MemoryTable())
    from lambdas.store.dynamodb_table import DynamoDbTable
    from local.bootstrap import table_definition

    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(**table_definition(TABLE))
    return RestoreTestingStore(DynamoDbTable(client, TABLE))


def plan(name: str, plan_id: str = "abc") -> RestoreTestingPlan:
    return RestoreTestingPlan(
        RestoreTestingPlanName=name,
        RestoreTestingPlanArn=f"arn:aws:backup:{REGION}:123456789012:restore-testing-plan:{name}-{plan_id}",
        RecoveryPointSelection=PointSelection.model_validate(
            {"Algorithm": "LATEST_WITHIN_WINDOW", "IncludeVaults": ["*"], "RecoveryPointTypes": ["SNAPSHOT"]}
        ),
        ScheduleExpression="cron(0 5 ? * * *)",
        CreationTime=T0,
    )


def selection(plan_name: str, name: str) -> RestoreTestingSelection:
    return RestoreTestingSelection(
        RestoreTestingPlanName=plan_name,
        RestoreTestingSelectionName=name,
        ProtectedResourceType="DynamoDB",
        IamRoleArn="arn:aws:iam::123456789012:role/r",
        ProtectedResourceArns=["*"],
        CreationTime=T0,
    )


def test_plans_are_created_once_listed_by_name_and_saved_only_over_the_one_read(store: Any) -> None:
    assert store.create_plan(plan("b")) and store.create_plan(plan("a"))
    assert not store.create_plan(plan("a", "other"))  # the name is taken: nothing written
    assert store.find_plan("a").RestoreTestingPlanArn.endswith("a-abc")
    page, token = store.plan_page(1, None)
    rest, _ = store.plan_page(1, token)
    assert [p.RestoreTestingPlanName for p in page + rest] == ["a", "b"]
    store.save_plan(plan("a").model_copy(update={"StartWindowHours": 3}))
    assert store.find_plan("a").StartWindowHours == 3
    # A plan deleted and made again under the name is not the one an old read saves over
    store.delete_plan("a")
    store.create_plan(plan("a", "new"))
    with pytest.raises(ConflictException):
        store.save_plan(plan("a"))


def test_selections_live_with_their_plan_and_go_one_by_one(store: Any) -> None:
    store.create_plan(plan("p"))
    store.create_plan(plan("q"))
    for name in ("s2", "s1", "s3"):
        assert store.create_selection(selection("p", name))
    store.create_selection(selection("q", "other"))
    assert not store.create_selection(selection("p", "s1"))
    first, token = store.selection_page("p", 2, None)
    second, _ = store.selection_page("p", 2, token)
    assert [s.RestoreTestingSelectionName for s in first + second] == ["s1", "s2", "s3"]
    store.delete_selection("p", "s2")
    assert [s.RestoreTestingSelectionName for s in store.selections("p")] == ["s1", "s3"]
    assert store.find_selection("p", "s2") is None and store.find_selection("q", "other") is not None
