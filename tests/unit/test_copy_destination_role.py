"""The source side of a cross-account copy assumes the destination deployment's role by a name both sides derive
from one function: per Region (IAM names are account-wide) and in the Region's partition."""

from __future__ import annotations

from typing import Any

import pytest

from lambdas.services.copy_destinations import (
    AwsCopyDestinations,
    CopyRefused,
    Destination,
    copy_destination_role_arn,
    copy_destination_role_name,
)


@pytest.mark.parametrize(
    ("region", "arn"),
    [
        ("eu-west-1", "arn:aws:iam::222222222222:role/strongroom-copy-destination-eu-west-1"),
        ("cn-north-1", "arn:aws-cn:iam::222222222222:role/strongroom-copy-destination-cn-north-1"),
        ("us-gov-west-1", "arn:aws-us-gov:iam::222222222222:role/strongroom-copy-destination-us-gov-west-1"),
    ],
)
def test_the_destination_role_is_named_after_its_region_in_its_partition(region: str, arn: str) -> None:
    assert copy_destination_role_arn("222222222222", region) == arn


def test_the_longest_region_name_fits_an_iam_role_name() -> None:
    assert len(copy_destination_role_name("ap-southeast-5-longest")) <= 64


class _RefusingSts:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def assume_role(self, RoleArn: str, RoleSessionName: str) -> dict[str, Any]:
        self.asked.append(RoleArn)
        raise RuntimeError("AccessDenied")


def test_a_copy_into_another_account_assumes_that_regions_role_and_says_which_when_refused() -> None:
    """Given a home deployment in us-east-1, when a copy goes to account 222222222222 in eu-west-1 and the role
    cannot be assumed, then the eu-west-1 role was asked for and the refusal names it and how to fix it."""
    sts = _RefusingSts()
    home = Destination("111111111111", "us-east-1", stores=None, adapters=None)  # type: ignore[arg-type]
    destinations = AwsCopyDestinations(home, lambda service, region, credentials: sts, lambda *args: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(CopyRefused) as refused:
        destinations.open("222222222222", "eu-west-1")
    assert sts.asked == ["arn:aws:iam::222222222222:role/strongroom-copy-destination-eu-west-1"]
    assert "strongroom-copy-destination-eu-west-1" in refused.value.message
    assert "copy_source_accounts" in refused.value.message
