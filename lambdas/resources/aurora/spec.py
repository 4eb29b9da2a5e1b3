"""Aurora as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from lambdas.resources.rds_family.spec import LOCAL_EMULATION, cluster_type

AURORA = cluster_type(
    "Aurora",
    package="lambdas.resources.aurora",
    owns_cluster_arns=True,
    concurrent_copies=20,
    local_emulation=LOCAL_EMULATION,
)
