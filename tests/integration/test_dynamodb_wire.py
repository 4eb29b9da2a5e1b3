"""The direct writing of DynamoDB attribute values (local/dynamodb_wire.py) must put on the wire exactly the bytes'
meaning moto's serializer puts there: the same answers and the same errors, for every operation Strongroom's
store makes, on items holding every kind of attribute value."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.integration.builders import REGION

TABLE = "strongroom-wire"

# Every kind of attribute value, nested, empty and binary ones included.
EVERY_KIND: dict[str, Any] = {
    "Text": {"S": "vault é ☃"},
    "Empty": {"S": ""},
    "Number": {"N": "-12.50"},
    "Blob": {"B": b"\x00\xffbytes"},
    "Texts": {"SS": ["a", "b"]},
    "Numbers": {"NS": ["1", "2.5"]},
    "Blobs": {"BS": [b"\x01", b"\x02\x03"]},
    "Flag": {"BOOL": False},
    "Nothing": {"NULL": True},
    "Map": {"M": {"inner": {"L": [{"S": "x"}, {"N": "1"}, {"M": {}}, {"B": b"\x09"}]}, "none": {"NULL": True}}},
    "EmptyMap": {"M": {}},
    "EmptyList": {"L": []},
}


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


_parsed: list[Any] = []  # what the client returned for each call (or its error's response), in order


def _call(client: Any, operation: str, **params: Any) -> None:
    try:
        answer = getattr(client, operation)(**params)
    except ClientError as error:
        answer = error.response
    _parsed.append({k: v for k, v in answer.items() if k != "ResponseMetadata"})  # request ids differ per call


def _story(client: Any) -> list[tuple[str, int, Any]]:
    """Runs every operation on a fresh table and returns each raw answer: operation, status, body as JSON (and
    leaves in _parsed what the client made of each)."""
    from local.bootstrap import table_definition

    _parsed.clear()
    answers: list[tuple[str, int, Any]] = []

    def record(operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        if operation_model.name in ("CreateTable", "DeleteTable"):
            return  # they describe the table, with its creation time: not items, and not the same twice
        body = response_dict["body"]
        answers.append((operation_model.name, response_dict["status_code"], json.loads(body) if body else None))

    client.meta.events.register("before-parse.dynamodb", record)
    try:
        client.create_table(**table_definition(TABLE))
        for n in range(6):
            item = _key(f"P#{n % 2}", f"S#{n}") | EVERY_KIND | {"GSI1PK": {"S": "G"}, "GSI1SK": {"S": f"{n}"}}
            _call(client, "put_item", TableName=TABLE, Item=item, ReturnValues="ALL_OLD")
        _call(client, "put_item", TableName=TABLE, Item=_key("P#0", "S#0") | EVERY_KIND, ReturnValues="ALL_OLD")
        _call(client, "get_item", TableName=TABLE, Key=_key("P#0", "S#0"))
        _call(client, "get_item", TableName=TABLE, Key=_key("P#0", "S#9"))  # no such item
        _call(
            client,
            "get_item",
            TableName=TABLE,
            Key=_key("P#0", "S#0"),
            ProjectionExpression="#m.inner[1], #b",
            ExpressionAttributeNames={"#m": "Map", "#b": "Blob"},
        )
        _call(client, "get_item", TableName="no-such-table", Key=_key("P#0", "S#0"))  # ResourceNotFound
        _call(client, "get_item", TableName=TABLE, Key={"PK": {"S": "P#0"}})  # ValidationException
        for forward in (True, False):
            _call(
                client,
                "query",
                TableName=TABLE,
                KeyConditionExpression="PK = :p",
                ExpressionAttributeValues={":p": {"S": "P#0"}},
                ScanIndexForward=forward,
                Limit=2,
            )
        _call(
            client,
            "query",
            TableName=TABLE,
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :g",
            FilterExpression="#f = :f",
            ExpressionAttributeNames={"#f": "Flag"},
            ExpressionAttributeValues={":g": {"S": "G"}, ":f": {"BOOL": False}},
        )
        _call(client, "scan", TableName=TABLE, Limit=3)
        _call(
            client,
            "batch_get_item",
            RequestItems={TABLE: {"Keys": [_key("P#0", "S#0"), _key("P#1", "S#1"), _key("P#1", "S#8")]}},
        )
        _call(
            client,
            "transact_get_items",
            TransactItems=[{"Get": {"TableName": TABLE, "Key": _key("P#1", "S#3")}}],
        )
        _call(
            client,
            "update_item",
            TableName=TABLE,
            Key=_key("P#1", "S#3"),
            UpdateExpression="SET #n = #n + :one, #m.#i[0] = :t ADD Texts :more",
            ConditionExpression="attribute_exists(PK) AND #f = :f",
            ExpressionAttributeNames={"#n": "Number", "#m": "Map", "#i": "inner", "#f": "Flag"},
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":t": {"S": "y"},
                ":more": {"SS": ["c"]},
                ":f": {"BOOL": False},
            },
            ReturnValues="ALL_NEW",
        )
        _call(  # a condition that fails, asking for the item as it was
            client,
            "update_item",
            TableName=TABLE,
            Key=_key("P#1", "S#3"),
            UpdateExpression="SET #f = :t",
            ConditionExpression="#f = :t",
            ExpressionAttributeNames={"#f": "Flag"},
            ExpressionAttributeValues={":t": {"BOOL": True}},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        _call(
            client,
            "transact_write_items",
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": _key("P#2", "S#0") | EVERY_KIND}},
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": _key("P#0", "S#2"),
                        "UpdateExpression": "ADD #n :n",
                        "ExpressionAttributeNames": {"#n": "Number"},
                        "ExpressionAttributeValues": {":n": {"N": "3"}},
                    }
                },
            ],
        )
        _call(  # a transaction cancelled by a condition: the reasons carry the item as it was
            client,
            "transact_write_items",
            TransactItems=[
                {
                    "ConditionCheck": {
                        "TableName": TABLE,
                        "Key": _key("P#2", "S#0"),
                        "ConditionExpression": "attribute_not_exists(PK)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
                {"Delete": {"TableName": TABLE, "Key": _key("P#0", "S#4")}},
            ],
        )
        _call(client, "delete_item", TableName=TABLE, Key=_key("P#0", "S#4"), ReturnValues="ALL_OLD")
        _call(
            client,
            "delete_item",
            TableName=TABLE,
            Key=_key("P#0", "S#2"),
            ConditionExpression="attribute_not_exists(PK)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        _call(client, "get_item", TableName=TABLE, Key=_key("P#0", "S#2"))
        client.delete_table(TableName=TABLE)
    finally:
        client.meta.events.unregister("before-parse.dynamodb", record)
    return answers


@pytest.fixture
def client() -> Any:
    return boto3.client("dynamodb", region_name=REGION)


def test_given_items_of_every_kind_when_written_directly_then_every_answer_and_error_is_moto_s_own(
    client: Any,
) -> None:
    # Given the same story of puts, reads, queries, updates, transactions and errors, run by moto's serializer
    # and read by botocore's parser
    from local import dynamodb_wire

    by_moto = _story(client)
    parsed_by_botocore = list(_parsed)
    # When it runs again with plain attribute values written and read directly
    undo = dynamodb_wire.PATCHES.apply()
    try:
        direct = _story(client)
        parsed_directly = list(_parsed)
    finally:
        undo()

    # Then every answer is the same on the wire and as the client reads it, errors included, and the story did
    # meet items, conditions and errors
    assert direct == by_moto
    assert parsed_directly == parsed_by_botocore
    assert any(answer.get("Item", {}).get("Blob") == {"B": b"\x00\xffbytes"} for answer in parsed_by_botocore)
    operations = {operation for operation, _, _ in by_moto}
    assert {"GetItem", "Query", "BatchGetItem", "TransactWriteItems", "UpdateItem", "Scan"} <= operations
    assert any(body and "Items" in body and body["Items"] for _, _, body in by_moto)
    failed = [body for _, status, body in by_moto if status >= 400]
    assert any("ConditionalCheckFailed" in body["__type"] and "Item" in body for body in failed)
    assert any("TransactionCanceled" in body["__type"] and "Item" in body["CancellationReasons"][0] for body in failed)
    assert any(
        operation == "UpdateItem" and status == 200 and body["Attributes"] for operation, status, body in by_moto
    )
    assert any("ResourceNotFound" in body["__type"] for body in failed)


def test_given_values_not_in_the_plain_form_when_written_then_moto_s_walk_writes_them() -> None:
    # Given values the fast path does not know: an object, a None inside a map, a number not as text
    from local.dynamodb_wire import _SLOW, wire_value

    class Stored:
        S = "text"

    # When each is offered to the fast path, Then it declines, so moto's serializer writes it as before
    for value in (Stored(), {"M": {"a": None}}, {"N": 5}, {"S": "a", "N": "1"}, {"X": "?"}, {"L": [None]}):
        assert wire_value(value) is _SLOW
    # And plain values are written as moto writes them: blobs in base64, the rest as they are
    assert wire_value({"B": b"\xff"}) == {"B": "/w=="}
    assert wire_value({"M": {"k": {"BS": [b"\x00"]}}}) == {"M": {"k": {"BS": ["AA=="]}}}
