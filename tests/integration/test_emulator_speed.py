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
