"""What the RDS family's cluster types (Aurora, DocumentDB, Neptune) state alike: one adapter class, one ARN form
(rds:cluster, owned by Aurora's adapter, which reads a cluster's engine to tell the type), one snapshot quota."""

from __future__ import annotations

from typing import Any

from lambdas.resources.rds_family.iam import IAM
from lambdas.resources.spec import TypeSpec, native_type

# Why the family's grants (rds_family/iam.py, the same for the four types) cannot be narrower.
WILDCARD_REASONS: dict[tuple[str, str], str] = {
    ("rds", "db"): "The DB instances plans select and restores create are named at run time.",
    ("rds", "cluster"): "The DB clusters (Aurora, DocumentDB, Neptune) plans select and restores create are named at "
    "run time.",
    ("rds", "snapshot"): "DB snapshots are recovery points named after their job; copies land in any Region.",
    ("rds", "cluster-snapshot"): "DB cluster snapshots are recovery points named after their job; copies land in any "
    "Region.",
    ("rds", "subgrp"): "A restore uses the DB subnet group its restore metadata names.",
    ("rds", "og"): "A restore uses the option group its restore metadata names.",
    ("rds", "pg"): "A restore uses the parameter group its restore metadata names.",
    ("rds", "cluster-pg"): "A restore uses the cluster parameter group its restore metadata names.",
}
# What the emulator lacks for the family (each module says what and why): account quotas, cross-account copies.
LOCAL_EMULATION = ("local.adapter_gaps", "local.copy_gaps")


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
        wildcard_reasons=WILDCARD_REASONS,
        **traits,
    )
