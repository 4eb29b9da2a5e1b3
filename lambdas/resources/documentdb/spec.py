"""DocumentDB as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from lambdas.resources.rds_family.spec import LOCAL_EMULATION, cluster_type

# local/rds_gaps.py: DocumentDB clusters (moto lacks the docdb engine).
DOCUMENTDB = cluster_type(
    "DocumentDB", package="lambdas.resources.documentdb", local_emulation=("local.rds_gaps", *LOCAL_EMULATION)
)
