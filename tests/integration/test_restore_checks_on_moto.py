"""Restore testing's DynamoDB and S3 data checks on moto: the record taken from a source, a faithful copy passing,
a copy that lost or changed data failing with a message naming the difference, and the copy deleted."""

from __future__ import annotations

from typing import Any

import boto3

from lambdas.common import aws
from lambdas.resources.dynamodb.validation import DynamoDbValidation
from lambdas.resources.s3.validation import S3Validation
from tests.integration.builders import REGION

ACCOUNT = "123456789012"


def _client(service: str) -> Any:
    return lambda: aws.client(service, REGION)


def _table(name: str, items: list[dict[str, Any]]) -> str:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for item in items:
        dynamodb.put_item(TableName=name, Item=item)
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"


ORDERS = [{"id": {"S": f"o{n}"}, "total": {"N": str(n * 10)}} for n in range(5)]


def test_a_faithful_table_copy_passes_and_is_deleted_after() -> None:
    # Given a table's record at backup time and a copy holding the same items
    check = DynamoDbValidation(_client("dynamodb"))
    recorded = check.record(_table("orders", ORDERS))
    assert recorded["itemCount"] == "5"
    copy = _table("orders-rt-1", list(reversed(ORDERS)))
    # When the copy is checked, it passes
    verdict = check.check(recorded, copy)
    assert verdict.passed and verdict.message.startswith("5 items")
    # And when it is deleted, it is gone
    assert check.delete(copy) is True
    assert "orders-rt-1" not in boto3.client("dynamodb", region_name=REGION).list_tables()["TableNames"]
    assert check.delete(copy) is True  # a retried deletion of a gone table succeeds


def test_a_table_copy_with_an_item_dropped_or_changed_fails_saying_what_differs() -> None:
    check = DynamoDbValidation(_client("dynamodb"))
    recorded = check.record(_table("orders", ORDERS))
    dropped = check.check(recorded, _table("dropped", ORDERS[:3]))
    assert not dropped.passed
    assert dropped.message == "The restored table holds 3 items; the backup recorded 5 (2 missing)"
    changed = check.check(recorded, _table("changed", [*ORDERS[:4], {"id": {"S": "o4"}, "total": {"N": "41"}}]))
    assert not changed.passed and "content differs" in changed.message


def test_restore_test_table_names_never_collide_with_the_source() -> None:
    check = DynamoDbValidation(_client("dynamodb"))
    metadata = check.test_metadata({"targetTableName": "orders", "originalTableName": "orders"}, "AB12CD34")
    assert metadata["targetTableName"] == "orders-rt-ab12cd34" and metadata["originalTableName"] == "orders"


def _bucket(name: str, objects: dict[str, bytes]) -> str:
    s3 = boto3.client("s3", region_name=REGION)
    location = {} if REGION == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": REGION}}
    s3.create_bucket(Bucket=name, **location)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    for key, body in objects.items():
        s3.put_object(Bucket=name, Key=key, Body=body)
    return f"arn:aws:s3:::{name}"


FILES = {"a.txt": b"alpha", "dir/b.txt": b"beta", "c.bin": b"\x00\x01"}


def test_a_faithful_bucket_copy_passes_and_is_emptied_and_deleted() -> None:
    check = S3Validation(_client("s3"))
    recorded = check.record(_bucket("photos", FILES))
    assert (recorded["objectCount"], recorded["versionCount"]) == ("3", "3")
    copy = _bucket("photos-rt-1", FILES)
    assert check.check(recorded, copy).passed
    assert check.delete(copy) is True
    names = [b["Name"] for b in boto3.client("s3", region_name=REGION).list_buckets()["Buckets"]]
    assert names == ["photos"]


def test_a_bucket_copy_with_an_object_changed_or_missing_fails_naming_the_keys() -> None:
    check = S3Validation(_client("s3"))
    recorded = check.record(_bucket("photos", FILES))
    tampered = _bucket("tampered", {"a.txt": b"ALPHA", "c.bin": b"\x00\x01", "extra": b"x"})
    verdict = check.check(recorded, tampered)
    assert not verdict.passed
    assert verdict.message == (
        "The restored bucket differs from the backup: "
        "missing 1: dir/b.txt; changed 1: a.txt; not in the backup 1: extra"
    )


def test_restore_test_buckets_are_new_and_named_apart_from_the_source() -> None:
    check = S3Validation(_client("s3"))
    metadata = check.test_metadata({"DestinationBucketName": "Photos.Prod", "NewBucket": "false"}, "RUN42")
    assert metadata == {"DestinationBucketName": "photos-prod-rt-run42", "NewBucket": "true"}


def test_a_table_too_large_to_scan_inside_a_tracking_run_records_nothing(monkeypatch: Any) -> None:
    # Given a bound of 3 items on what a completed backup may scan (the record is read inside a 5-minute run)
    from lambdas.resources.dynamodb import validation

    monkeypatch.setattr(validation, "MAX_RECORDED_ITEMS", 3)
    check = DynamoDbValidation(_client("dynamodb"))
    # When a 5-item table's backup completes, nothing is recorded (its test then checks the restore completed)
    assert check.record(_table("orders", ORDERS)) == {}
    # And a 3-item table is recorded as before
    assert check.record(_table("small", ORDERS[:3]))["itemCount"] == "3"


def test_a_bucket_with_more_versions_than_a_tracking_run_may_list_records_nothing(monkeypatch: Any) -> None:
    from lambdas.resources.s3 import validation

    monkeypatch.setattr(validation, "MAX_RECORDED_VERSIONS", 2)
    check = S3Validation(_client("s3"))
    assert check.record(_bucket("photos", FILES)) == {}  # 3 versions: over the bound
    assert check.record(_bucket("two", {"a": b"1", "b": b"2"}))["versionCount"] == "2"
