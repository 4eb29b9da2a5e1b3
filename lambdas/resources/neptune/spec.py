"""Neptune as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from lambdas.resources.spec import TypeSpec, adapter_in

# Neptune cluster ARNs are arn:aws:rds:...:cluster:<name>, as Aurora's: the Aurora adapter owns the ARN form and
# reads the cluster's engine to tell the type (rds_family/clusters.py).
NEPTUNE = TypeSpec(
    resource_type="Neptune",
    arn_forms=(),
    tagging_filter="rds:cluster",
    summary="Neptune clusters: a recovery point is a manual cluster snapshot; a restore is a new cluster.",
    build=adapter_in("lambdas.resources.neptune.adapter"),
    start_quota="the RDS manual cluster snapshot quota; one snapshot at a time per cluster",
    imports_native_backups=True,
)
