"""Aurora as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lambdas.resources.spec import ArnForm, TypeSpec

if TYPE_CHECKING:
    from lambdas.resources.base import ResourceAdapter
    from lambdas.resources.spec import AdapterContext


def build(ctx: AdapterContext) -> ResourceAdapter:
    from lambdas.resources.rds_family.clusters import RdsClusterAdapter

    return RdsClusterAdapter("Aurora", ctx.client("rds"), ctx.region, ctx.account, owns_cluster_arns=True)


AURORA = TypeSpec(
    resource_type="Aurora",
    arn_forms=(ArnForm("rds", "cluster"),),
    tagging_filter="rds:cluster",
    summary="Aurora clusters: a recovery point is a manual cluster snapshot; a restore is a new cluster.",
    build=build,
    concurrent_copies=20,
    start_quota="the RDS manual cluster snapshot quota; one snapshot at a time per cluster",
    imports_native_backups=True,
)
