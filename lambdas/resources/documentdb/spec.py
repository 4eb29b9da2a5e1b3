"""DocumentDB as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from lambdas.resources.rds_family.spec import cluster_type

DOCUMENTDB = cluster_type("DocumentDB", package="lambdas.resources.documentdb")
