"""Which resource types have a cold tier in Strongroom (the README's table): EBS and Storage Gateway points go
to the EBS snapshot archive tier, EFS file contents to S3 Glacier Instant Retrieval in the vault bucket; every
other type ignores MoveToColdStorageAfterDays, as AWS Backup ignores it, without a single AWS call."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.builders import ACCOUNT, REGION

HAS_COLD_TIER = {
    "EBS": True,
    "Storage Gateway": True,
    "EFS": True,
    "S3": False,
    "EC2": False,
    "RDS": False,
    "Aurora": False,
    "DocumentDB": False,
    "Neptune": False,
    "DynamoDB": False,
    "FSx": False,
    "Redshift": False,
}


@pytest.fixture
def adapters() -> dict[str, Any]:
    from lambdas.common import aws
    from lambdas.resources.catalog import build_adapters

    built = build_adapters(lambda service: lambda: aws.client(service, REGION), REGION, ACCOUNT)
    return {adapter.resource_type: adapter for adapter in built}


def test_given_every_adapter_then_each_says_whether_its_type_has_a_cold_tier(adapters: dict[str, Any]) -> None:
    assert {name: adapter.supports_cold_storage for name, adapter in adapters.items()} == HAS_COLD_TIER


@pytest.mark.parametrize("resource_type", sorted(t for t, cold in HAS_COLD_TIER.items() if not cold))
def test_given_a_type_with_no_cold_tier_when_asked_to_move_then_it_declines_without_calling_aws(
    adapters: dict[str, Any], resource_type: str
) -> None:
    # A backup that does not exist: any AWS call would fail, so False means nothing was asked
    assert adapters[resource_type].move_to_cold("no-such-backup") is False
