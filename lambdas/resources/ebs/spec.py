"""EBS as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from lambdas.resources.spec import ArnForm, TypeSpec, adapter_in

EBS = TypeSpec(
    resource_type="EBS",
    arn_forms=(ArnForm("ec2", "volume"),),
    tagging_filter="ec2:volume",
    summary=(
        "EBS volumes: a recovery point is a snapshot (cold tier: the EBS snapshot archive); a restore is a new volume."
    ),
    build=adapter_in("lambdas.resources.ebs.adapter"),
    supports_cold_storage=True,
    concurrent_copies=20,
    start_quota="5 pending snapshots per volume (SnapshotCreationPerVolumeRateExceeded)",
    imports_native_backups=True,
)
