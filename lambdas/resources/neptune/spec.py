"""Neptune as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from lambdas.resources.rds_family.spec import cluster_type

NEPTUNE = cluster_type("Neptune", package="lambdas.resources.neptune")
