"""Every resource adapter Strongroom ships. Adding a resource type is one adapter module and one line here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lambdas.resources.base import ResourceAdapter
from lambdas.resources.dynamodb import DynamoDbAdapter
from lambdas.resources.ebs import EbsAdapter

ClientFactory = Callable[[str], Callable[[], Any]]  # service name -> lazy client of the home region


def build_adapters(client: ClientFactory, region: str, account: str) -> list[ResourceAdapter]:
    return [
        EbsAdapter(client("ec2"), region, account),
        DynamoDbAdapter(client("dynamodb"), region, account),
    ]
