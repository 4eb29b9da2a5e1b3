"""The local runtime's Scheduler refuses what AWS refuses (local/scheduler_gaps.py): creating a group that
exists (moto would replace it, dropping every plan's schedules) and creating a schedule in a missing group."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.integration.builders import REGION


@pytest.fixture
def strict_scheduler() -> Iterator[None]:
    from local import scheduler_gaps

    undo = scheduler_gaps.PATCHES.apply()
    yield
    undo()


def test_creating_a_group_that_exists_is_a_conflict_and_its_schedules_survive(strict_scheduler: None) -> None:
    client = boto3.client("scheduler", region_name=REGION)
    # Given a plan group holding a schedule
    client.create_schedule_group(Name="strongroom-plans")
    client.create_schedule(
        Name="rule-1",
        GroupName="strongroom-plans",
        ScheduleExpression="rate(1 day)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": "arn:aws:lambda:us-east-1:123456789012:function:f", "RoleArn": "arn:aws:iam::1:role/r"},
    )
    # When the group is created again
    with pytest.raises(ClientError) as refused:
        client.create_schedule_group(Name="strongroom-plans")
    # Then AWS's ConflictException, and the schedule is still there
    assert refused.value.response["Error"]["Code"] == "ConflictException"
    assert [s["Name"] for s in client.list_schedules(GroupName="strongroom-plans")["Schedules"]] == ["rule-1"]


def test_a_schedule_in_a_missing_group_is_not_found(strict_scheduler: None) -> None:
    client = boto3.client("scheduler", region_name=REGION)
    with pytest.raises(ClientError) as refused:
        client.create_schedule(
            Name="rule-1",
            GroupName="gone",
            ScheduleExpression="rate(1 day)",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": "arn:aws:lambda:us-east-1:123456789012:function:f", "RoleArn": "arn:aws:iam::1:role/r"},
        )
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"
