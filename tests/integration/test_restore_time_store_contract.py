"""The recovery time summaries keep the same contract on DynamoDB (moto) and in memory: one per resource type,
replaced by the newer summary of its type, read by type, and listed without the other items of the table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from lambdas.domain.restore_times import RecoveryTimeSummary

REGION, TABLE = "us-east-1", "strongroom-restore-time-contract"
T0 = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture(params=["memory", "dynamodb"])
def table(request: pytest.FixtureRequest) -> Any:
    if request.param == "memory":
        from lambdas.store.memory_table import MemoryTable

        return MemoryTable()
    from lambdas.store.dynamodb_table import DynamoDbTable
    from local.bootstrap import table_definition

    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(**table_definition(TABLE))
    return DynamoDbTable(client, TABLE)


def summary(resource_type: str, p50: float, at: datetime = T0) -> RecoveryTimeSummary:
    return RecoveryTimeSummary(
        ResourceType=resource_type,
        Count=3,
        P50Seconds=p50,
        P95Seconds=p50 * 2,
        MaxSeconds=p50 * 3,
        WindowDays=30,
        ComputedAt=at,
    )


def test_given_summaries_of_two_types_when_one_is_refreshed_then_each_type_reads_its_newest(table: Any) -> None:
    from lambdas.store.restore_time_store import RestoreTimeStore

    store = RestoreTimeStore(table)
    # Given no summary yet, then none is found
    assert store.find("EBS") is None and store.all() == []
    # When two types are summarized, and one again an hour later
    store.save(summary("EBS", 60))
    store.save(summary("Storage Gateway", 600))
    store.save(summary("EBS", 90, T0 + timedelta(hours=1)))
    # And a restore job's item is on the same table
    table.put({"PK": "RESTOREJOB#1", "SK": "JOB", "data": "{}"})
    # Then each type reads its newest summary, and the listing holds one per type
    assert store.find("EBS") == summary("EBS", 90, T0 + timedelta(hours=1))
    assert sorted((s.ResourceType, s.P50Seconds) for s in store.all()) == [("EBS", 90), ("Storage Gateway", 600)]
