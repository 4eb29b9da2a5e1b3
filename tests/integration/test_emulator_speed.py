"""The local runtime's look-ups in place of moto's scans (local/emulator_speed.py) must answer exactly what moto
answers: the same items, in the same order, with the same pagination keys."""

from __future__ import annotations

from typing import Any

import boto3

from tests.integration.builders import REGION

TABLE = "strongroom-speed"


def _fill(client: Any) -> None:
    from local.bootstrap import table_definition

    client.create_table(**table_definition(TABLE))
    for n in range(60):
        item = {"PK": {"S": f"P#{n % 4}"}, "SK": {"S": f"S#{n:03d}"}}
        if n % 3:
            item |= {"GSI1PK": {"S": f"G#{n % 5}"}, "GSI1SK": {"S": f"RP#{n % 7}#{n:03d}"}}
        client.put_item(TableName=TABLE, Item=item)


QUERIES: list[dict[str, Any]] = [
    {"KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": {":p": {"S": "P#1"}}},
    {"KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": {":p": {"S": "P#9"}}},
    {
        "KeyConditionExpression": "PK = :p AND begins_with(SK, :s)",
        "ExpressionAttributeValues": {":p": {"S": "P#2"}, ":s": {"S": "S#01"}},
        "ScanIndexForward": False,
    },
    {"IndexName": "GSI1", "KeyConditionExpression": "GSI1PK = :p", "ExpressionAttributeValues": {":p": {"S": "G#3"}}},
    {
        "IndexName": "GSI1",
        "KeyConditionExpression": "GSI1PK = :p AND GSI1SK <= :s",
        "ExpressionAttributeValues": {":p": {"S": "G#1"}, ":s": {"S": "RP#4"}},
        "ScanIndexForward": False,
    },
]


def _pages(client: Any, query: dict[str, Any]) -> list[Any]:
    """Every page of the query, three items at a time, with the key each page ends at."""
    pages, start = [], None
    while True:
        page = client.query(TableName=TABLE, Limit=3, **query, **({"ExclusiveStartKey": start} if start else {}))
        pages.append((page["Items"], page.get("LastEvaluatedKey")))
        start = page.get("LastEvaluatedKey")
        if not start:
            return pages


def test_given_a_table_with_partitions_and_an_index_when_queried_then_the_lookups_answer_as_moto_does() -> None:
    # Given a table with 60 items in 4 partitions, 40 of them in 5 partitions of GSI1
    from local import emulator_speed

    client = boto3.client("dynamodb", region_name=REGION)
    _fill(client)
    # When each query is paged through by moto's scan, then by the look-ups
    by_moto = [_pages(client, query) for query in QUERIES]
    undo = emulator_speed.PATCHES.apply()
    try:
        looked_up = [_pages(client, query) for query in QUERIES]
    finally:
        undo()

    # Then every page is the same, and the queries did find items
    assert looked_up == by_moto
    assert sum(len(items) for pages in by_moto for items, _ in pages) >= 30


def test_given_the_wire_story_when_moto_writes_its_answers_without_needless_walks_then_they_are_the_same() -> None:
    # Given the story of puts, reads, queries, updates, transactions and errors on items of every kind of
    # attribute value (blobs in maps and lists included), answered by moto as it is
    from local import emulator_speed
    from tests.integration import test_dynamodb_wire as wire

    client = boto3.client("dynamodb", region_name=REGION)
    by_moto = wire._story(client)
    parsed_by_moto = list(wire._parsed)
    # When it runs again with plain values converted first and the request id put only where it can go
    undo = emulator_speed.ANSWER_COSTS.apply()
    try:
        faster = wire._story(client)
        parsed_faster = list(wire._parsed)
    finally:
        undo()

    # Then every answer is the same, on the wire and as the client reads it, errors included
    assert faster == by_moto
    assert parsed_faster == parsed_by_moto
    assert any(answer.get("Item", {}).get("Blob") == {"B": b"\x00\xffbytes"} for answer in parsed_by_moto)


def test_given_answers_with_and_without_a_request_id_element_when_enriched_then_as_moto_enriches_them() -> None:
    # Given moto's enrichment of an answer, and the one that runs its substitution only where it can match
    from moto.core.responses import BaseResponse

    from local import emulator_speed

    original = BaseResponse._enrich_response
    undo = emulator_speed.ANSWER_COSTS.apply()
    try:
        faster = BaseResponse._enrich_response
    finally:
        undo()
    xml = "<Response><RequestId>old</RequestId></Response>"
    json_text = '{"Item": {"Note": {"S": "says <RequestId>x</RequestId>"}}}'
    for body in (xml, json_text, '{"Items": []}', b"<RequestId>bytes</RequestId>", ""):
        # When each body is enriched both ways
        status: dict[str, Any] = {"status": 200}  # moto's handlers put the status in as a number
        slow_headers, slow_body = original(dict(status), body)
        fast_headers, fast_body = faster(dict(status), body)
        # Then the bodies are the same but for the random request id, and so are the headers
        for headers in (slow_headers, fast_headers):
            assert headers["status"] == "200"
            assert len(headers["x-amzn-requestid"]) == 52
        request_ids = (slow_headers["x-amzn-requestid"], fast_headers["x-amzn-requestid"])
        assert fast_body == (slow_body.replace(*request_ids) if isinstance(body, str) else slow_body)
        if isinstance(body, str) and "<RequestId>" in body:
            assert request_ids[1] in fast_body  # the element did get the id


def test_given_results_of_every_form_when_made_plain_then_as_moto_makes_them() -> None:
    # Given results as moto's DynamoDB backend hands them over: DynamoTypes of every kind (a blob still in
    # base64, as read from the wire, and one already bytes), nested maps and lists, datetimes, objects with
    # `to_json`, and a dict subclass
    from collections import OrderedDict
    from datetime import UTC, datetime

    from moto.dynamodb.models import utilities
    from moto.dynamodb.models.dynamo_type import DynamoType

    from local import emulator_speed

    class Described:
        def to_json(self) -> dict[str, Any]:
            return {"Created": datetime(2026, 1, 2, tzinfo=UTC), "Item": DynamoType({"B": "AAE="})}

    results = [
        {
            "Item": {
                "Text": DynamoType({"S": "a"}),
                "Blob": DynamoType({"B": "AAE="}),
                "Raw": DynamoType({"B": b"\x01"}),
            }
        },
        {"Items": [{"Set": DynamoType({"BS": ["AAE=", b"\x02"]}), "Map": DynamoType({"M": {"n": {"N": "1"}}})}]},
        {"List": DynamoType({"L": [{"S": "x"}, {"BOOL": True}, {"NULL": True}]}), "Count": 2, "Scanned": 2.5},
        {"Table": Described(), "Ordered": OrderedDict(a=DynamoType({"SS": ["s"]})), "None": None},
    ]
    original = utilities.dynamo_to_dict
    undo = emulator_speed.ANSWER_COSTS.apply()
    try:
        # When each is made plain by moto and by the plain-first conversion
        faster = [utilities.dynamo_to_dict(result) for result in results]
    finally:
        undo()
    # Then both make the same plain values (blobs decoded to bytes, datetimes kept)
    assert faster == [original(result) for result in results]
    assert faster[0]["Item"]["Blob"] == {"B": b"\x00\x01"}


def test_given_items_of_every_kind_when_sized_then_as_moto_sizes_them() -> None:
    # Given items holding every kind of attribute value (unicode text, numbers, blobs, sets, nested maps, lists)
    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    from local import emulator_speed
    from tests.integration.test_dynamodb_wire import EVERY_KIND

    items = [
        Item(
            DynamoType({"S": "P#1"}), DynamoType({"S": "S#1"}), {"PK": {"S": "P#1"}, "SK": {"S": "S#1"}, **EVERY_KIND}
        ),
        Item(DynamoType({"S": "é"}), None, {"PK": {"S": "é"}, "Zahl": {"N": "123.456"}, "Wahr": {"BOOL": True}}),
    ]
    values = [DynamoType(value) for value in (*EVERY_KIND.values(), {"S": "☃☃"}, {"N": "-0.5"}, {"NULL": True})]
    by_moto = ([item.size() for item in items], [value.size() for value in values])
    # When they are sized with strings and text numbers sized at once
    undo = emulator_speed.ANSWER_COSTS.apply()
    try:
        faster = ([item.size() for item in items], [value.size() for value in values])
    finally:
        undo()
    # Then every size is moto's own (a string's size is its UTF-8 length, not its characters)
    assert faster == by_moto
    assert DynamoType({"S": "☃☃"}).size() == 6
