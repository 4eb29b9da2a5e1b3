"""Selections resolved against moto: tags through the Resource Groups Tagging API, exact ARNs described one by
one, wildcard ARNs listed, with NotResources and Conditions applied on top."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from tests.integration.builders import ACCOUNT, REGION, selection_input


@dataclass(frozen=True)
class Estate:
    """What the account holds: resources tagged backup=daily (prod and dev), and untagged ones."""

    vol_daily_prod: str
    vol_daily_dev: str
    vol_plain: str
    table_daily_prod: str
    table_plain: str

    @property
    def volumes(self) -> set[str]:
        return {self.vol_daily_prod, self.vol_daily_dev, self.vol_plain}


def _volume(ec2: Any, tags: dict[str, str]) -> str:
    request: dict[str, Any] = {"AvailabilityZone": f"{REGION}a", "Size": 8}
    if tags:
        request["TagSpecifications"] = [
            {"ResourceType": "volume", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
        ]
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{ec2.create_volume(**request)['VolumeId']}"


def _table(dynamodb: Any, name: str, tags: dict[str, str]) -> str:
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if tags:
        request["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    return str(dynamodb.create_table(**request)["TableDescription"]["TableArn"])


@pytest.fixture
def estate() -> Estate:
    ec2 = boto3.client("ec2", region_name=REGION)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    return Estate(
        vol_daily_prod=_volume(ec2, {"backup": "daily", "env": "prod"}),
        vol_daily_dev=_volume(ec2, {"backup": "daily", "env": "dev"}),
        vol_plain=_volume(ec2, {}),
        table_daily_prod=_table(dynamodb, "orders", {"backup": "daily", "env": "prod"}),
        table_plain=_table(dynamodb, "scratch", {}),
    )


@pytest.fixture
def resolver() -> Any:
    from lambdas.common import aws
    from lambdas.resources.dynamodb.adapter import DynamoDbAdapter
    from lambdas.resources.ebs.adapter import EbsAdapter
    from lambdas.resources.registry import AdapterRegistry
    from lambdas.services.selection_resolver import SelectionResolver

    registry = AdapterRegistry(
        [
            EbsAdapter(lambda: aws.client("ec2"), REGION, ACCOUNT),
            DynamoDbAdapter(lambda: aws.client("dynamodb"), REGION, ACCOUNT),
        ]
    )
    return SelectionResolver(lambda: aws.client("resourcegroupstaggingapi"), registry)


def arns(resources: list[Any]) -> list[str]:
    return [resource.arn for resource in resources]


def daily_tag() -> list[dict[str, str]]:
    return [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "daily"}]


def test_given_tagged_and_untagged_resources_when_selected_by_tag_then_only_tagged_ones_of_both_types(
    estate, resolver
) -> None:
    resolved = resolver.resolve([selection_input(ListOfTags=daily_tag())])

    assert arns(resolved) == sorted([estate.vol_daily_prod, estate.vol_daily_dev, estate.table_daily_prod])
    by_arn = {resource.arn: resource.tags for resource in resolved}
    assert by_arn[estate.table_daily_prod] == {"backup": "daily", "env": "prod"}


def test_given_a_tag_selection_with_not_resources_when_resolved_then_the_excluded_ones_are_left_out(
    estate, resolver
) -> None:
    selection = selection_input(
        ListOfTags=daily_tag(),
        NotResources=[estate.vol_daily_dev, f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/*"],
    )

    assert arns(resolver.resolve([selection])) == [estate.vol_daily_prod]


def test_given_an_exact_arn_of_a_missing_volume_when_resolved_then_it_is_skipped_not_an_error(estate, resolver) -> None:
    missing = f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-0123456789abcdef0"
    selection = selection_input(Resources=[missing, estate.vol_plain, estate.table_plain])

    resolved = resolver.resolve([selection])

    assert arns(resolved) == sorted([estate.vol_plain, estate.table_plain])


def test_given_a_volume_wildcard_arn_when_resolved_then_every_volume_and_no_table(estate, resolver) -> None:
    selection = selection_input(Resources=[f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/*"])

    resolved = resolver.resolve([selection])

    assert set(arns(resolved)) == estate.volumes
    assert len(resolved) == 3


def test_given_conditions_only_when_resolved_then_resources_meeting_every_string_equals(estate, resolver) -> None:
    selection = selection_input(
        Conditions={
            "StringEquals": [
                {"ConditionKey": "backup", "ConditionValue": "daily"},
                {"ConditionKey": "env", "ConditionValue": "prod"},
            ]
        }
    )

    assert arns(resolver.resolve([selection])) == sorted([estate.vol_daily_prod, estate.table_daily_prod])


def test_given_a_wildcard_with_a_string_equals_condition_when_resolved_then_only_matching_volumes(
    estate, resolver
) -> None:
    selection = selection_input(
        Resources=[f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/*"],
        Conditions={"StringEquals": [{"ConditionKey": "env", "ConditionValue": "dev"}]},
    )

    assert arns(resolver.resolve([selection])) == [estate.vol_daily_dev]


def test_given_two_selections_picking_the_same_resource_when_resolved_then_it_is_listed_once(estate, resolver) -> None:
    by_tag = selection_input(ListOfTags=daily_tag())
    by_arn = selection_input(Resources=[estate.vol_daily_prod, estate.vol_plain])

    resolved = resolver.resolve([by_tag, by_arn])

    assert arns(resolved) == sorted(
        [estate.vol_daily_prod, estate.vol_daily_dev, estate.vol_plain, estate.table_daily_prod]
    )
