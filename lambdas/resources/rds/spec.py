"""RDS as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from lambdas.resources.spec import ArnForm, TypeSpec, adapter_in

RDS = TypeSpec(
    resource_type="RDS",
    arn_forms=(ArnForm("rds", "db"),),
    tagging_filter="rds:db",
    summary="RDS DB instances: a recovery point is a manual DB snapshot; a restore is a new DB instance.",
    build=adapter_in("lambdas.resources.rds.adapter"),
    concurrent_copies=20,
    start_quota="the RDS manual snapshot quota; one snapshot at a time per instance",
    imports_native_backups=True,
)
