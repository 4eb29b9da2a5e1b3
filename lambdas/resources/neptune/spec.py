"""Neptune as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from lambdas.resources.rds_family.spec import LOCAL_EMULATION, cluster_type

# local/rds_gaps.py: Neptune restores (moto fails on a cluster with no master password).
NEPTUNE = cluster_type(
    "Neptune", package="lambdas.resources.neptune", local_emulation=("local.rds_gaps", *LOCAL_EMULATION)
)
