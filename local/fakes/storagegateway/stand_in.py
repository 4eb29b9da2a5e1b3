"""Storage Gateway on the local runtime: moto has none of it, so the in-memory gateways (models.py) answer at the
edge to users' clients and Strongroom's alike, and the Resource Groups Tagging API, which moto answers without
them, lists their volumes too (GatewayTagging). Storage Gateway's spec names this module
(lambdas/resources/storage_gateway/spec.py, local_emulation); local/type_stand_ins.py installs it."""

from __future__ import annotations

from typing import Any

from lambdas.common import aws
from local.fakes.storagegateway.models import backend_for, reset_backends
from local.fakes.storagegateway.responses import FakeStorageGatewayClient, GatewayTagging
from local.stand_in_services import JsonStandIn
from local.type_stand_ins import StandInHost, Undo


def install(host: StandInHost) -> Undo:
    reset_backends()  # a new runtime starts with no gateway, as it starts from an empty account

    def gateways(region: str) -> Any:
        return FakeStorageGatewayClient(backend_for(region, host.account), lambda: aws.client("ec2", region))

    host.stand_ins["storagegateway"] = JsonStandIn(gateways, host.region)
    aws.use_stand_in(
        "resourcegroupstaggingapi",
        lambda real, region: GatewayTagging(real, backend_for(region or host.region, host.account)),
    )

    def undo() -> None:
        aws.use_stand_in("resourcegroupstaggingapi", None)
        host.stand_ins.pop("storagegateway", None)

    return undo
