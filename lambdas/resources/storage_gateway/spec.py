"""Storage Gateway as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lambdas.resources.spec import ArnForm, TypeSpec

if TYPE_CHECKING:
    from lambdas.resources.base import ResourceAdapter
    from lambdas.resources.spec import AdapterContext


def build(ctx: AdapterContext) -> ResourceAdapter:
    from lambdas.resources.storage_gateway.adapter import StorageGatewayAdapter

    return StorageGatewayAdapter(ctx.client("storagegateway"), ctx.client("ec2"), ctx.region, ctx.account)


STORAGE_GATEWAY = TypeSpec(
    resource_type="Storage Gateway",
    arn_forms=(
        ArnForm(
            "storagegateway",
            "gateway",
            must_contain="/volume/",
            refusal=(
                "Storage Gateway backs up volumes, arn:aws:storagegateway:region:account:gateway/sgw-id/volume/vol-id, "
                "not gateways"
            ),
        ),
    ),
    tagging_filter="storagegateway:gateway",
    summary=(
        "Storage Gateway volumes: a recovery point is the EBS snapshot the gateway makes; a restore is a "
        "gateway volume or an EBS volume."
    ),
    build=build,
    supports_cold_storage=True,
)
