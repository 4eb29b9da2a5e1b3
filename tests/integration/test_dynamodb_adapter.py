"""The DynamoDB adapter against moto: tables are described, backed up on demand, found again by job id,
deleted idempotently, and restored into new tables with the items they held at backup time."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.integration.builders import ACCOUNT, REGION

ORDERS_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"


@pytest.fixture
def dynamodb() -> Any:
    return boto3.client("dynamodb", region_name=REGION)


@pytest.fixture
def orders(dynamodb: Any) -> str:
    """A table `orders`, tagged, holding three items."""
    dynamodb.create_table(
        TableName="orders",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": "backup", "Value": "daily"}, {"Key": "team", "Value": "shop"}],
    )
    for n in range(3):
        dynamodb.put_item(TableName="orders", Item={"id": {"S": f"order-{n}"}, "total": {"N": str(10 * n)}})
    return ORDERS_ARN


@pytest.fixture
def adapter() -> Any:
    from lambdas.common import aws
    from lambdas.resources.dynamodb.adapter import DynamoDbAdapter

    return DynamoDbAdapter(lambda: aws.client("dynamodb"), REGION, ACCOUNT)


def scan(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    return sorted(dynamodb.scan(TableName=table)["Items"], key=lambda item: item["id"]["S"])


# describe


def test_given_a_tagged_table_when_described_then_name_tags_and_arn_are_reported(orders, adapter) -> None:
    info = adapter.describe(orders)

    assert info.arn == ORDERS_ARN
    assert info.resource_type == "DynamoDB"
    assert info.name == "orders"
    assert info.tags == {"backup": "daily", "team": "shop"}
    assert info.is_encrypted is True


def test_given_no_such_table_when_described_then_resource_not_found(adapter) -> None:
    from lambdas.domain.errors import ResourceNotFoundException

    with pytest.raises(ResourceNotFoundException, match="table/missing"):
        adapter.describe(f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/missing")


# backup


def test_given_a_table_when_a_backup_starts_then_an_on_demand_backup_named_after_the_job_exists(
    dynamodb, orders, adapter
) -> None:
    backup = adapter.start_backup(orders, "JOB-1", {"owner": "team-a"})

    assert backup.native_id == backup.recovery_point_arn
    assert backup.native_id.startswith(f"{ORDERS_ARN}/backup/")
    details = dynamodb.describe_backup(BackupArn=backup.native_id)["BackupDescription"]["BackupDetails"]
    assert details["BackupName"] == "strongroom-JOB-1"


def test_given_backups_of_two_jobs_when_found_by_job_id_then_each_job_finds_its_own(orders, adapter) -> None:
    first = adapter.start_backup(orders, "JOB-1", {})
    second = adapter.start_backup(orders, "JOB-2", {})

    assert adapter.find_backup(orders, "JOB-1") == first
    assert adapter.find_backup(orders, "JOB-2") == second
    assert adapter.find_backup(orders, "JOB-3") is None


def test_given_a_backup_when_its_status_is_read_then_completed(orders, adapter) -> None:
    from lambdas.resources.base import Phase

    backup = adapter.start_backup(orders, "JOB-1", {})

    progress = adapter.backup_status(backup.native_id)

    assert progress.phase == Phase.COMPLETED
    assert progress.percent_done == "100.0"
    assert isinstance(progress.size_bytes, int)


def test_given_a_backup_when_deleted_twice_then_it_is_gone_and_the_second_delete_is_fine(
    dynamodb, orders, adapter
) -> None:
    from lambdas.resources.base import Phase

    backup = adapter.start_backup(orders, "JOB-1", {})

    adapter.delete_backup(backup.native_id)
    adapter.delete_backup(backup.native_id)

    assert adapter.find_backup(orders, "JOB-1") is None
    assert adapter.backup_status(backup.native_id).phase == Phase.FAILED
    with pytest.raises(dynamodb.exceptions.BackupNotFoundException):
        dynamodb.describe_backup(BackupArn=backup.native_id)


# restore


def test_given_a_backup_when_restore_metadata_is_read_then_the_target_is_the_source_table(orders, adapter) -> None:
    backup = adapter.start_backup(orders, "JOB-1", {})

    metadata = adapter.restore_metadata(backup.native_id, None)

    assert metadata["targetTableName"] == "orders"
    assert metadata["originalTableName"] == "orders"


def test_given_a_backup_when_restored_to_a_new_table_then_it_holds_the_items_of_backup_time(
    dynamodb, orders, adapter
) -> None:
    from lambdas.resources.base import Phase

    before = scan(dynamodb, "orders")
    backup = adapter.start_backup(orders, "JOB-1", {})
    dynamodb.put_item(TableName="orders", Item={"id": {"S": "written-after-the-backup"}, "total": {"N": "1"}})
    metadata = {**adapter.restore_metadata(backup.native_id, None), "targetTableName": "orders-restored"}

    restore = adapter.start_restore(backup.native_id, "RESTORE-1", metadata)

    assert restore.native_id == "orders-restored"
    assert restore.created_resource_arn == f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders-restored"
    assert len(before) == 3
    assert scan(dynamodb, "orders-restored") == before
    assert adapter.restore_status(restore).phase == Phase.COMPLETED
    assert adapter.find_restore(backup.native_id, "RESTORE-1", metadata) == restore


def test_given_a_table_not_made_by_this_restore_when_finding_the_restore_then_none(orders, adapter) -> None:
    backup = adapter.start_backup(orders, "JOB-1", {})

    # `orders` exists, but it was not restored from this backup; a table that does not exist is not a restore either
    assert adapter.find_restore(backup.native_id, "RESTORE-1", {"targetTableName": "orders"}) is None
    assert adapter.find_restore(backup.native_id, "RESTORE-1", {"targetTableName": "nowhere"}) is None


def test_given_an_existing_table_name_when_restoring_onto_it_then_invalid_parameter_naming_the_table(
    dynamodb, orders, adapter
) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    backup = adapter.start_backup(orders, "JOB-1", {})
    metadata = adapter.restore_metadata(backup.native_id, None)  # targetTableName: orders, which exists
    dynamodb.put_item(TableName="orders", Item={"id": {"S": "live"}})
    live = scan(dynamodb, "orders")

    with pytest.raises(InvalidParameterValueException, match="Table orders already exists"):
        adapter.start_restore(backup.native_id, "RESTORE-1", metadata)
    assert scan(dynamodb, "orders") == live


@pytest.mark.parametrize(
    "metadata",
    [{}, {"targetTableName": ""}, {"targetTableName": "ab"}, {"targetTableName": "bad name!"}],
    ids=["missing", "empty", "too-short", "bad-characters"],
)
def test_given_a_bad_target_table_name_when_restoring_then_invalid_parameter_and_no_table(
    dynamodb, orders, adapter, metadata
) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    backup = adapter.start_backup(orders, "JOB-1", {})

    with pytest.raises(InvalidParameterValueException, match="targetTableName"):
        adapter.start_restore(backup.native_id, "RESTORE-1", metadata)
    assert dynamodb.list_tables()["TableNames"] == ["orders"]
