"""Aurora clusters are backed up by the RDS family's cluster adapter (lambdas/resources/rds_family/clusters.py)."""

from __future__ import annotations

from lambdas.resources.rds_family.clusters import RdsClusterAdapter
from lambdas.resources.spec import AdapterContext


def build(ctx: AdapterContext) -> RdsClusterAdapter:
    return RdsClusterAdapter("Aurora", ctx.client("rds"), ctx.region, ctx.account, owns_cluster_arns=True)
