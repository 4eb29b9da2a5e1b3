"""What the RDS family's cluster types (Aurora, DocumentDB, Neptune) state alike: one adapter class, one ARN form
(rds:cluster, owned by Aurora's adapter, which reads a cluster's engine to tell the type), one snapshot quota."""

from __future__ import annotations

from typing import Any

from lambdas.resources.rds_family.iam import IAM
from lambdas.resources.spec import TypeSpec, native_type


def cluster_type(resource_type: str, *, package: str, owns_cluster_arns: bool = False, **traits: Any) -> TypeSpec:
    return native_type(
        resource_type,
        "rds:cluster",
        f"{resource_type} clusters: a recovery point is a manual cluster snapshot; a restore is a new cluster.",
        package=package,
        owns_arns=owns_cluster_arns,
        start_quota="the RDS manual cluster snapshot quota; one snapshot at a time per cluster",
        imports_native_backups=True,
        iam=IAM,
        **traits,
    )
