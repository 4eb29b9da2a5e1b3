"""Storage Gateway as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from lambdas.resources.grants import EBS_REASONS
from lambdas.resources.spec import ArnForm, TypeSpec, adapter_in
from lambdas.resources.storage_gateway.iam import IAM

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
    # The Resource Groups Tagging API types a resource by the first part of its ARN's resource: a volume
    # (gateway/sgw-id/volume/vol-id) is a "storagegateway:gateway" resource, like its gateway.
    tagging_filter="storagegateway:gateway",
    summary=(
        "Storage Gateway volumes: a recovery point is the EBS snapshot the gateway makes; a restore is a "
        "gateway volume or an EBS volume."
    ),
    build=adapter_in("lambdas.resources.storage_gateway.adapter"),
    supports_cold_storage=True,  # its points are EBS snapshots: the EBS archive tier
    iam=IAM,
    wildcard_reasons={
        **EBS_REASONS,
        ("storagegateway", "gateway"): "The Storage Gateway volumes plans select, and those restores create, are the "
        "user's gateways' volumes.",
    },
    # moto has no Storage Gateway: an in-memory one, and its volumes in the Tagging API; EBS's emulation for the
    # snapshots its points are (copies, locks).
    local_emulation=("local.fakes.storagegateway.stand_in", "local.copy_gaps", "local.snapshot_locks"),
)
