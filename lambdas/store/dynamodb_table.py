"""The table on DynamoDB. Conditional writes that fail, and transactions canceled by a conflicting write, turn into
ConditionFailed; nothing else is interpreted here."""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Sequence
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from lambdas.store.schema import TABLE_INDEXES, TABLE_PARTITION_KEY, TABLE_SORT_KEY
from lambdas.store.table import (
    MAX_TRANSACTION,
    ConditionFailed,
    Item,
    Page,
    Put,
    Query,
    Write,
    check_start_key,
)

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


BATCH_GET_KEYS = 100  # BatchGetItem's limit
# Cancellation reasons that leave nothing written and may pass (anything else, e.g. a ValidationError, is a bug).
CANCELED_FOR_NOW = {
    None,
    "None",
    "ConditionalCheckFailed",
    "TransactionConflict",
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
    "RequestLimitExceeded",
}


def _back_off(attempt: int) -> None:
    """Unprocessed keys or items mean the table is being throttled: wait before asking again, as AWS advises."""
    time.sleep(min(2.0, 0.05 * 2**attempt) * random.uniform(0.5, 1.0))


def _to_dynamo(item: Item) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in item.items()}


def _from_dynamo(item: dict[str, Any]) -> Item:
    plain = {name: _deserializer.deserialize(value) for name, value in item.items()}
    # Numbers come back as Decimal; the entities store integers only.
    return {name: int(value) if type(value).__name__ == "Decimal" else value for name, value in plain.items()}


def _condition(if_absent: bool, expect: dict[str, Any] | None) -> dict[str, Any]:
    clauses: list[str] = []
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    if if_absent:
        clauses.append("attribute_not_exists(#pk)")
        names["#pk"] = TABLE_PARTITION_KEY
    for n, (name, value) in enumerate((expect or {}).items()):
        names[f"#c{n}"] = name
        if value is None:
            clauses.append(f"attribute_not_exists(#c{n})")
        else:
            clauses.append(f"#c{n} = :c{n}")
            values[f":c{n}"] = _serializer.serialize(value)
    if not clauses:
        return {}
    condition: dict[str, Any] = {"ConditionExpression": " AND ".join(clauses), "ExpressionAttributeNames": names}
    if values:
        condition["ExpressionAttributeValues"] = values
    return condition


def _full_condition(if_absent: bool, expect: dict[str, Any] | None, newer: tuple[str, str] | None) -> dict[str, Any]:
    condition = _condition(if_absent, expect)
    if newer is None:
        return condition
    if condition:
        raise ValueError("newer= stands alone: it is not combined with if_absent or expect")
    return {
        "ConditionExpression": "attribute_not_exists(#pk) OR #n < :n",
        "ExpressionAttributeNames": {"#pk": TABLE_PARTITION_KEY, "#n": newer[0]},
        "ExpressionAttributeValues": {":n": _serializer.serialize(newer[1])},
    }


class DynamoDbTable:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._name = table_name

    def put(
        self,
        item: Item,
        *,
        if_absent: bool = False,
        expect: dict[str, Any] | None = None,
        newer: tuple[str, str] | None = None,
    ) -> None:
        condition = _full_condition(if_absent, expect, newer)
        try:
            self._client.put_item(TableName=self._name, Item=_to_dynamo(item), **condition)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise ConditionFailed(str(error)) from error
            raise

    def get(self, pk: str, sk: str) -> Item | None:
        response = self._client.get_item(
            TableName=self._name,
            Key=_to_dynamo({TABLE_PARTITION_KEY: pk, TABLE_SORT_KEY: sk}),
            ConsistentRead=True,
        )
        return _from_dynamo(response["Item"]) if "Item" in response else None

    def get_many(self, keys: list[tuple[str, str]]) -> list[Item]:
        found: list[Item] = []
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), BATCH_GET_KEYS):
            wanted = [
                _to_dynamo({TABLE_PARTITION_KEY: pk, TABLE_SORT_KEY: sk})
                for pk, sk in unique[start : start + BATCH_GET_KEYS]
            ]
            pending: dict[str, Any] = {self._name: {"Keys": wanted, "ConsistentRead": True}}
            for attempt in itertools.count():
                response = self._client.batch_get_item(RequestItems=pending)
                found.extend(_from_dynamo(item) for item in response.get("Responses", {}).get(self._name, []))
                pending = response.get("UnprocessedKeys") or {}
                if not pending:
                    break
                _back_off(attempt)
        return found

    def delete(self, pk: str, sk: str, *, expect: dict[str, Any] | None = None) -> None:
        try:
            self._client.delete_item(
                TableName=self._name,
                Key=_to_dynamo({TABLE_PARTITION_KEY: pk, TABLE_SORT_KEY: sk}),
                **_condition(False, expect),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise ConditionFailed(str(error)) from error
            raise

    def put_many(self, items: list[Item]) -> None:
        for start in range(0, len(items), 25):
            requests = [{"PutRequest": {"Item": _to_dynamo(item)}} for item in items[start : start + 25]]
            pending: dict[str, Any] = {self._name: requests}
            for attempt in itertools.count():
                response = self._client.batch_write_item(RequestItems=pending)
                pending = response.get("UnprocessedItems") or {}
                if not pending:
                    break
                _back_off(attempt)

    def transact(self, puts: Sequence[Write]) -> None:
        if len(puts) > MAX_TRANSACTION:
            raise ValueError(f"a transaction holds at most {MAX_TRANSACTION} writes")
        items = [self._transact_item(write) for write in puts]
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as error:
            reasons = {reason.get("Code") for reason in error.response.get("CancellationReasons") or []}
            # Canceled, nothing written: a condition failed, or another request wrote one of the items meanwhile
            # (TransactionConflict) or was throttled. The caller looks again, as after a failed condition.
            if error.response["Error"]["Code"] == "TransactionCanceledException" and reasons <= CANCELED_FOR_NOW:
                raise ConditionFailed(str(error)) from error
            raise

    def _transact_item(self, write: Write) -> dict[str, Any]:
        if isinstance(write, Put):
            return {
                "Put": {
                    "TableName": self._name,
                    "Item": _to_dynamo(write.item),
                    **_full_condition(write.if_absent, write.expect, write.newer),
                }
            }
        names = {f"#a{n}": name for n, name in enumerate(write.amounts)}
        values = {f":a{n}": amount for n, amount in enumerate(write.amounts.values())}
        return {
            "Update": {
                "TableName": self._name,
                "Key": _to_dynamo({TABLE_PARTITION_KEY: write.pk, TABLE_SORT_KEY: write.sk}),
                "UpdateExpression": "ADD " + ", ".join(f"#a{n} :a{n}" for n in range(len(names))),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": _to_dynamo(values),
            }
        }

    def query(self, query: Query) -> Page:
        pk_name, sk_name = TABLE_INDEXES[query.index] if query.index else (TABLE_PARTITION_KEY, TABLE_SORT_KEY)
        names = {"#pk": pk_name}
        values: dict[str, Any] = {":pk": _serializer.serialize(query.partition)}
        expression = "#pk = :pk"
        if query.sort_prefix is not None and query.sort_at_most is not None:
            raise ValueError("a query takes either a sort key prefix or an upper bound, not both")
        if query.sort_prefix is not None:
            names["#sk"] = sk_name
            values[":prefix"] = _serializer.serialize(query.sort_prefix)
            expression += " AND begins_with(#sk, :prefix)"
        elif query.sort_at_most is not None:
            names["#sk"] = sk_name
            values[":most"] = _serializer.serialize(query.sort_at_most)
            expression += " AND #sk <= :most"
        request: dict[str, Any] = {
            "TableName": self._name,
            "KeyConditionExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": not query.descending,
        }
        if query.index:
            request["IndexName"] = query.index
        if query.start_after:
            check_start_key(query.start_after, pk_name, sk_name)
            request["ExclusiveStartKey"] = _to_dynamo(query.start_after)
        items: list[Item] = []
        # DynamoDB's Limit counts items evaluated, so keep reading until the page is full or the data ends.
        while True:
            if query.limit is not None:
                request["Limit"] = query.limit - len(items)
            response = self._client.query(**request)
            items.extend(_from_dynamo(item) for item in response.get("Items", []))
            last = response.get("LastEvaluatedKey")
            if last is None:
                return Page(items)
            if query.limit is not None and len(items) >= query.limit:
                return Page(items, _from_dynamo(last))
            request["ExclusiveStartKey"] = last
