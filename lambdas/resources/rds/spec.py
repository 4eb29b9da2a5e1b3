"""RDS as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from lambdas.resources.rds_family.iam import IAM
from lambdas.resources.rds_family.spec import LOCAL_EMULATION, WILDCARD_REASONS
from lambdas.resources.spec import native_type

RDS = native_type(
    "RDS",
    "rds:db",
    "RDS DB instances: a recovery point is a manual DB snapshot; a restore is a new DB instance.",
    package="lambdas.resources.rds",
    concurrent_copies=20,
    start_quota="the RDS manual snapshot quota; one snapshot at a time per instance",
    imports_native_backups=True,
    iam=IAM,
    wildcard_reasons=WILDCARD_REASONS,
    local_emulation=LOCAL_EMULATION,
)
