"""Aurora as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from lambdas.resources.spec import ArnForm, TypeSpec, adapter_in

AURORA = TypeSpec(
    resource_type="Aurora",
    arn_forms=(ArnForm("rds", "cluster"),),
    tagging_filter="rds:cluster",
    summary="Aurora clusters: a recovery point is a manual cluster snapshot; a restore is a new cluster.",
    build=adapter_in("lambdas.resources.aurora.adapter"),
    concurrent_copies=20,
    start_quota="the RDS manual cluster snapshot quota; one snapshot at a time per cluster",
    imports_native_backups=True,
)
