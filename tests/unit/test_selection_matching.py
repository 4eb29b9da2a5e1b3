"""Which resources a selection picks: ARNs with wildcards, tags, exclusions and conditions."""

from __future__ import annotations

from typing import Any

from lambdas.domain.selections import BackupSelectionInput, Resource, selects

ROLE = "arn:aws:iam::123456789012:role/backup"
VOL = "arn:aws:ec2:us-east-1:123456789012:volume/vol-1"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"


def selection(**fields: Any) -> BackupSelectionInput:
    return BackupSelectionInput.model_validate({"SelectionName": "s", "IamRoleArn": ROLE, **fields})


def tagged(key: str, value: str) -> dict[str, Any]:
    return {"ConditionType": "STRINGEQUALS", "ConditionKey": key, "ConditionValue": value}


def test_given_a_trailing_wildcard_when_matching_then_only_that_type_is_selected() -> None:
    s = selection(Resources=["arn:aws:ec2:us-east-1:123456789012:volume/*"])
    assert selects(s, Resource(arn=VOL))
    assert not selects(s, Resource(arn=TABLE))


def test_given_tags_when_matching_then_any_listed_tag_selects() -> None:
    s = selection(ListOfTags=[tagged("backup", "daily"), tagged("tier", "gold")])
    assert selects(s, Resource(arn=VOL, tags={"tier": "gold"}))
    assert not selects(s, Resource(arn=VOL, tags={"backup": "weekly"}))


def test_given_not_resources_when_matching_then_the_exclusion_wins_over_a_tag() -> None:
    s = selection(ListOfTags=[tagged("backup", "daily")], NotResources=[VOL])
    assert not selects(s, Resource(arn=VOL, tags={"backup": "daily"}))


def test_given_conditions_when_matching_then_every_condition_must_hold() -> None:
    s = selection(
        Resources=["*"],
        Conditions={
            "StringEquals": [{"ConditionKey": "aws:ResourceTag/env", "ConditionValue": "prod"}],
            "StringNotLike": [{"ConditionKey": "aws:ResourceTag/name", "ConditionValue": "tmp-*"}],
        },
    )
    prod = {"aws:ResourceTag/env": "prod", "aws:ResourceTag/name": "db"}
    assert selects(s, Resource(arn=TABLE, tags=prod))
    assert not selects(s, Resource(arn=TABLE, tags={**prod, "aws:ResourceTag/name": "tmp-1"}))
    assert not selects(s, Resource(arn=TABLE, tags={"aws:ResourceTag/env": "dev"}))


def test_given_only_conditions_when_matching_then_they_select_by_themselves() -> None:
    s = selection(Conditions={"StringLike": [{"ConditionKey": "team", "ConditionValue": "pay*"}]})
    assert selects(s, Resource(arn=VOL, tags={"team": "payments"}))
    assert not selects(s, Resource(arn=VOL, tags={"team": "search"}))
