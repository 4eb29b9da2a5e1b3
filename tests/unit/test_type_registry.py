"""The registry of resource types (lambdas/resources/types.py): one spec per type feeds every per-type table, so
a spec that says one thing while its adapter does another, or a table that forgets a type, fails here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lambdas.domain.arns import resource_type_of
from lambdas.domain.errors import InvalidParameterValueException
from lambdas.resources.spec import JOBS, ArnForm, Grant, TypeSpec
from lambdas.resources.types import TYPES

ACCOUNT, REGION = "123456789012", "eu-west-1"


def _no_calls(service: str) -> Callable[[], Any]:
    return lambda: pytest.fail("no adapter may call AWS while it is built")


def _adapters() -> dict[str, Any]:
    from lambdas.resources.catalog import build_adapters

    return {adapter.resource_type: adapter for adapter in build_adapters(_no_calls, REGION, ACCOUNT)}


def test_given_the_registry_then_each_spec_builds_the_adapter_of_its_type_with_the_traits_it_states() -> None:
    adapters = _adapters()
    assert list(adapters) == [spec.resource_type for spec in TYPES]
    for spec in TYPES:
        adapter = adapters[spec.resource_type]
        assert (adapter.tagging_filter, adapter.supports_cold_storage) == (
            spec.tagging_filter,
            spec.supports_cold_storage,
        ), spec.resource_type


def test_given_the_registry_then_the_supported_types_are_the_registered_ones_redshift_included() -> None:
    from lambdas.resources.registry import AdapterRegistry

    supported = AdapterRegistry(_adapters().values()).supported_types()
    assert supported == sorted(spec.resource_type for spec in TYPES)
    assert "Redshift" in supported


@pytest.mark.parametrize(
    ("arn", "resource_type"),
    [
        (f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:sales", "Redshift"),
        (f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:orders", "Aurora"),
        (f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-1", "EBS"),
        (f"arn:aws:storagegateway:{REGION}:{ACCOUNT}:gateway/sgw-1/volume/vol-1", "Storage Gateway"),
        ("arn:aws:s3:::bucket", "S3"),
    ],
)
def test_given_an_arn_of_a_registered_form_then_its_type_is_the_specs(arn: str, resource_type: str) -> None:
    assert resource_type_of(arn) == resource_type


def test_given_an_arn_a_spec_refuses_or_no_spec_knows_then_it_is_refused_saying_why() -> None:
    with pytest.raises(InvalidParameterValueException, match="backs up volumes"):
        resource_type_of(f"arn:aws:storagegateway:{REGION}:{ACCOUNT}:gateway/sgw-1")
    with pytest.raises(InvalidParameterValueException, match="redshift:snapshot is not supported"):
        resource_type_of(f"arn:aws:redshift:{REGION}:{ACCOUNT}:snapshot:sales/s1")


def test_given_the_per_type_tables_then_each_reads_the_specs() -> None:
    from lambdas.api.operations.account import MANAGEABLE_TYPES
    from lambdas.domain.copies import CONCURRENT_COPIES_PER_DESTINATION
    from lambdas.domain.plans import ADVANCED_BACKUP_OPTIONS

    assert set(MANAGEABLE_TYPES) == {"DynamoDB", "EFS"}
    assert CONCURRENT_COPIES_PER_DESTINATION == {"EBS": 20, "RDS": 20, "Aurora": 20, "EC2": 20, "FSx": 5}
    assert set(ADVANCED_BACKUP_OPTIONS) == {"EC2", "S3"}


def test_given_a_type_that_refuses_copies_then_its_adapter_is_not_copy_capable_and_the_reverse() -> None:
    from lambdas.resources.base import CopyCapable

    adapters = _adapters()
    for spec in TYPES:
        if spec.resource_type in ("S3", "EFS"):
            continue  # copied by the copy-into-vault engine, whose adapters are another package's
        assert isinstance(adapters[spec.resource_type], CopyCapable) == (spec.copy_refusal is None), spec.resource_type


def test_given_iam_for_a_job_that_does_not_exist_then_the_spec_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown jobs"):
        TypeSpec(
            resource_type="Thing",
            arn_forms=(ArnForm("thing", "widget"),),
            tagging_filter="thing:widget",
            summary="",
            iam={"start_backups": (Grant("X", ("thing:Make",)),)},
        )
    assert "start_backup" in JOBS
