"""RDS as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lambdas.resources.spec import ArnForm, TypeSpec

if TYPE_CHECKING:
    from lambdas.resources.base import ResourceAdapter
    from lambdas.resources.spec import AdapterContext


def build(ctx: AdapterContext) -> ResourceAdapter:
    from lambdas.resources.rds.adapter import RdsAdapter

    return RdsAdapter(ctx.client("rds"), ctx.region, ctx.account)


RDS = TypeSpec(
    resource_type="RDS",
    arn_forms=(ArnForm("rds", "db"),),
    tagging_filter="rds:db",
    summary="RDS DB instances: a recovery point is a manual DB snapshot; a restore is a new DB instance.",
    build=build,
    concurrent_copies=20,
    start_quota="the RDS manual snapshot quota; one snapshot at a time per instance",
    imports_native_backups=True,
)
