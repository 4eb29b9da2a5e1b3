"""EBS as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lambdas.resources.spec import ArnForm, TypeSpec

if TYPE_CHECKING:
    from lambdas.resources.base import ResourceAdapter
    from lambdas.resources.spec import AdapterContext


def build(ctx: AdapterContext) -> ResourceAdapter:
    from lambdas.resources.ebs.adapter import EbsAdapter

    return EbsAdapter(ctx.client("ec2"), ctx.region, ctx.account)


EBS = TypeSpec(
    resource_type="EBS",
    arn_forms=(ArnForm("ec2", "volume"),),
    tagging_filter="ec2:volume",
    summary=(
        "EBS volumes: a recovery point is a snapshot (cold tier: the EBS snapshot archive); a restore is a new volume."
    ),
    build=build,
    supports_cold_storage=True,
    concurrent_copies=20,
    start_quota="5 pending snapshots per volume (SnapshotCreationPerVolumeRateExceeded)",
    imports_native_backups=True,
)
