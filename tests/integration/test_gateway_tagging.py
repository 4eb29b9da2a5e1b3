"""The local runtime's Resource Groups Tagging API with the Storage Gateway fake's resources in it: moto has no
Storage Gateway, so without it a plan selecting gateway volumes by tag would select nothing on the emulator."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.integration.builders import ACCOUNT, REGION

GIB = 1024**3
TAG_YES = {"Key": "backup", "Value": "yes"}
TAGGED = [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "yes"}]


@pytest.fixture
def world() -> Any:
    from lambdas.common import aws
    from local.fakes.storagegateway import FakeStorageGatewayBackend, FakeStorageGatewayClient, GatewayTagging

    backend = FakeStorageGatewayBackend(REGION, ACCOUNT)
    sgw = FakeStorageGatewayClient(backend, lambda: aws.client("ec2"))
    tagging = GatewayTagging(boto3.client("resourcegroupstaggingapi", region_name=REGION), backend)
    return sgw, tagging


def gateway_with_volumes(sgw: Any, volumes: dict[str, dict[str, str]]) -> dict[str, str]:
    gateway = sgw.activate_gateway(
        ActivationKey="AAAAA-BBBBB-CCCCC-DDDDD-EEEEE",
        GatewayName="branch-office",
        GatewayTimezone="GMT",
        GatewayRegion=REGION,
        GatewayType="CACHED",
        Tags=[{"Key": "backup", "Value": "yes"}],  # a tagged gateway is listed, but it is not a resource to back up
    )["GatewayARN"]
    interface = sgw.describe_gateway_information(GatewayARN=gateway)["GatewayNetworkInterfaces"][0]["Ipv4Address"]
    return {
        target: sgw.create_cached_iscsi_volume(
            GatewayARN=gateway,
            VolumeSizeInBytes=GIB,
            TargetName=target,
            NetworkInterfaceId=interface,
            ClientToken=f"token-{target}",
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )["VolumeARN"]
        for target, tags in volumes.items()
    } | {"gateway": gateway}


def arns(pages: Any) -> set[str]:
    return {mapping["ResourceARN"] for page in pages for mapping in page["ResourceTagMappingList"]}


def test_given_tagged_gateway_volumes_when_resources_are_listed_by_tag_then_they_are_there_with_moto_own(
    world: Any,
) -> None:
    sgw, tagging = world
    made = gateway_with_volumes(sgw, {"data": {"backup": "yes"}, "logs": {"backup": "no"}, "bare": {}})
    volume = boto3.client("ec2", region_name=REGION).create_volume(
        AvailabilityZone=f"{REGION}a", Size=1, TagSpecifications=[{"ResourceType": "volume", "Tags": [TAG_YES]}]
    )
    pages = tagging.get_paginator("get_resources").paginate(
        TagFilters=[{"Key": "backup", "Values": ["yes"]}],
        ResourceTypeFilters=["ec2:volume", "storagegateway:gateway"],
        ResourcesPerPage=100,
    )

    found = arns(pages)

    assert found == {made["data"], made["gateway"], f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{volume['VolumeId']}"}


def test_given_a_filter_on_other_types_or_another_key_when_listed_then_no_gateway_resource_is_there(world: Any) -> None:
    sgw, tagging = world
    gateway_with_volumes(sgw, {"data": {"backup": "yes"}})

    assert arns([tagging.get_resources(TagFilters=[{"Key": "backup"}], ResourceTypeFilters=["ec2:volume"])]) == set()
    assert arns([tagging.get_resources(TagFilters=[{"Key": "owner"}])]) == set()
    assert len(arns([tagging.get_resources(TagFilters=[{"Key": "backup"}], ResourceTypeFilters=["storagegateway"])]))


def test_given_the_tagging_api_with_the_fake_when_a_plan_selects_by_tag_then_only_the_tagged_volume_is_selected(
    world: Any,
) -> None:
    from lambdas.domain.selections import BackupSelectionInput
    from lambdas.resources.registry import AdapterRegistry
    from lambdas.resources.storage_gateway.adapter import StorageGatewayAdapter
    from lambdas.services.selection_resolver import SelectionResolver

    sgw, tagging = world
    made = gateway_with_volumes(sgw, {"data": {"backup": "yes"}, "logs": {"backup": "no"}})
    adapters = AdapterRegistry([StorageGatewayAdapter(lambda: sgw, lambda: None, REGION, ACCOUNT)])
    selection = BackupSelectionInput.model_validate(
        {"SelectionName": "tagged", "IamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/b", "ListOfTags": TAGGED}
    )

    selected = SelectionResolver(lambda: tagging, adapters).resolve([selection])

    assert [resource.arn for resource in selected] == [made["data"]]
