"""Restore testing's data check for DynamoDB tables: the item count and a content digest of the table, recorded
when its backup completes, compared with the restored table's; the restored table deleted after the window.

The digest is order-free (each item's canonical JSON hashed, the sorted hashes hashed together), so two scans
that return the same items in another order agree, and any item dropped, added or changed disagrees. Reading the
table costs one Scan of it at backup time and one of the copy at test time (read capacity: docs/restore-testing.md)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from lambdas.domain.restore_testing.checks import Verdict
from lambdas.domain.restore_testing.picking import restored_name

_NOT_TABLE_NAME = r"[^a-zA-Z0-9_.-]"
# The record is read inside the tracking run that completes the backup (a 5-minute function): a larger table is
# not scanned, and its restore test checks that the restore completed (docs/restore-testing.md).
MAX_RECORDED_ITEMS = 50_000


class TooLargeToRecord(Exception):
    pass


def _table_name(arn: str) -> str:
    return arn.split(":table/", 1)[-1].split("/", 1)[0]


class DynamoDbValidation:
    resource_type = "DynamoDB"

    def __init__(self, dynamodb: Callable[[], Any]) -> None:
        self._dynamodb = dynamodb

    def _items(self, table: str, limit: int | None) -> Iterator[dict[str, Any]]:
        paginator = self._dynamodb().get_paginator("scan")
        read = 0
        for page in paginator.paginate(TableName=table, ConsistentRead=True):
            read += len(page.get("Items", []))
            if limit is not None and read > limit:
                raise TooLargeToRecord(f"{table} holds more than {limit} items")
            yield from page.get("Items", [])

    def _fingerprint(self, table: str, limit: int | None = None) -> tuple[int, str]:
        hashes = sorted(
            hashlib.sha256(json.dumps(item, sort_keys=True, default=str).encode()).hexdigest()
            for item in self._items(table, limit)
        )
        return len(hashes), hashlib.sha256("".join(hashes).encode()).hexdigest()

    def record(self, resource_arn: str) -> dict[str, str]:
        table = _table_name(resource_arn)
        # DescribeTable's ItemCount is about six hours old: a first cheap refusal; the bounded scan is the sure one.
        described = self._dynamodb().describe_table(TableName=table)["Table"]
        if int(described.get("ItemCount", 0)) > MAX_RECORDED_ITEMS:
            return {}
        try:
            count, digest = self._fingerprint(table, MAX_RECORDED_ITEMS)
        except TooLargeToRecord:
            return {}
        return {"itemCount": str(count), "contentDigest": digest}

    def test_metadata(self, metadata: dict[str, str], run_id: str) -> dict[str, str]:
        source = metadata.get("targetTableName") or metadata.get("originalTableName") or "table"
        return {**metadata, "targetTableName": restored_name(source, run_id, 255, _NOT_TABLE_NAME)}

    def check(self, recorded: dict[str, str], restored_arn: str) -> Verdict:
        count, digest = self._fingerprint(_table_name(restored_arn))
        expected_count, expected_digest = int(recorded["itemCount"]), recorded["contentDigest"]
        if count != expected_count:
            difference = (
                f"{expected_count - count} missing" if count < expected_count else f"{count - expected_count} more"
            )
            return Verdict(
                False, f"The restored table holds {count} items; the backup recorded {expected_count} ({difference})"
            )
        if digest != expected_digest:
            return Verdict(
                False,
                f"The restored table holds the {count} items recorded, but their content differs "
                f"(digest {digest[:12]}, recorded {expected_digest[:12]})",
            )
        return Verdict(True, f"{count} items, content digest {digest[:12]} as recorded at backup time")

    def delete(self, restored_arn: str) -> bool:
        table = _table_name(restored_arn)
        client = self._dynamodb()
        try:
            client.delete_table(TableName=table)
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code == "ResourceNotFoundException":
                return True
            if code != "ResourceInUseException":  # in use: its deletion is under way already
                raise
        try:
            client.describe_table(TableName=table)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ResourceNotFoundException":
                return True
            raise
        return False


def build(client: Callable[[str], Callable[[], Any]]) -> DynamoDbValidation:
    return DynamoDbValidation(client("dynamodb"))
