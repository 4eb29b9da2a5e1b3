"""Storage: the catalog table and the default vault key."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Match, Template

from infrastructure import constants
from tests.infrastructure import reading


def _table(template: dict[str, Any]) -> dict[str, Any]:
    tables = reading.resources(template, "AWS::DynamoDB::Table")
    assert len(tables) == 1, "Strongroom keeps everything in one table"
    return next(iter(tables.values()))


def test_catalog_table_is_keyed_by_pk_and_sk_strings(template: dict[str, Any]) -> None:
    # Given the synthesized stack
    # When we read the single table's key schema
    table = _table(template)["Properties"]
    # Then it is PK (hash) / SK (range), both strings, as the repositories expect
    assert table["KeySchema"] == [
        {"AttributeName": constants.TABLE_PARTITION_KEY, "KeyType": "HASH"},
        {"AttributeName": constants.TABLE_SORT_KEY, "KeyType": "RANGE"},
    ]
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    assert types[constants.TABLE_PARTITION_KEY] == types[constants.TABLE_SORT_KEY] == "S"


def test_catalog_table_has_exactly_the_shared_indexes_projecting_all(template: dict[str, Any]) -> None:
    # Given the indexes the store queries (constants.TABLE_INDEXES)
    table = _table(template)["Properties"]
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    # When we read the table's global secondary indexes
    indexes = {index["IndexName"]: index for index in table["GlobalSecondaryIndexes"]}
    # Then there is one per shared name, keyed by its string pk/sk, projecting ALL
    assert set(indexes) == set(constants.TABLE_INDEXES)
    for name, (pk, sk) in constants.TABLE_INDEXES.items():
        assert indexes[name]["KeySchema"] == [
            {"AttributeName": pk, "KeyType": "HASH"},
            {"AttributeName": sk, "KeyType": "RANGE"},
        ], name
        assert indexes[name]["Projection"] == {"ProjectionType": "ALL"}, name
        assert types[pk] == types[sk] == "S", name


def test_catalog_table_is_on_demand_recoverable_encrypted_and_retained(template: dict[str, Any]) -> None:
    # Given the one table that holds every recovery point's record
    table = _table(template)
    properties = table["Properties"]
    # Then it bills per request, keeps point-in-time recovery, is encrypted at rest...
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"]["SSEEnabled"] is True
    # ...and survives a stack deletion (losing it would orphan every backup)
    assert table["DeletionPolicy"] == "Retain"


def test_default_vault_key_is_one_rotating_retained_key_shared_by_all_functions(
    template: dict[str, Any], cdk_template: Template
) -> None:
    # Given the key every function is told is the default vault key
    told = {
        json.dumps(reading.function(template, spec)[1]["Environment"]["Variables"][constants.ENV_DEFAULT_KEY_ARN])
        for spec in constants.FUNCTIONS
    }
    assert len(told) == 1, "all functions must agree on the default key"
    key_id = json.loads(told.pop())["Fn::GetAtt"][0]
    # Then it is a KMS key of this stack, rotating, that outlives the stack (recovery points need it)
    key = reading.resources(template, "AWS::KMS::Key")[key_id]
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"
    cdk_template.has_resource_properties(
        "AWS::KMS::Alias",
        {"TargetKeyId": reading.arn_of(key_id), "AliasName": Match.string_like_regexp("^alias/")},
    )
