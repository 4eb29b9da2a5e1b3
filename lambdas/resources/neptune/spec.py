"""Neptune as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lambdas.resources.spec import TypeSpec

if TYPE_CHECKING:
    from lambdas.resources.base import ResourceAdapter
    from lambdas.resources.spec import AdapterContext


def build(ctx: AdapterContext) -> ResourceAdapter:
    from lambdas.resources.rds_family.clusters import RdsClusterAdapter

    return RdsClusterAdapter("Neptune", ctx.client("rds"), ctx.region, ctx.account)


# Neptune cluster ARNs are arn:aws:rds:...:cluster:<name>, as Aurora's: the Aurora adapter owns the ARN form and
# reads the cluster's engine to tell the type (rds_family/clusters.py).
NEPTUNE = TypeSpec(
    resource_type="Neptune",
    arn_forms=(),
    tagging_filter="rds:cluster",
    summary="Neptune clusters: a recovery point is a manual cluster snapshot; a restore is a new cluster.",
    build=build,
    start_quota="the RDS manual cluster snapshot quota; one snapshot at a time per cluster",
    imports_native_backups=True,
)
