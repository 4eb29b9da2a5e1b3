"""EFS as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lambdas.resources.efs.iam import IAM
from lambdas.resources.spec import native_type

if TYPE_CHECKING:
    from lambdas.resources.base import ResourceAdapter
    from lambdas.resources.spec import AdapterContext


def build(ctx: AdapterContext) -> ResourceAdapter:
    from lambdas.resources.efs.adapter import EfsAdapter
    from lambdas.resources.efs.mover import LambdaMover

    mover = ctx.efs_mover or LambdaMover(ctx.client("lambda"))
    return EfsAdapter(ctx.client("efs"), ctx.region, ctx.account, ctx.vault_storage, mover)


EFS = native_type(
    "EFS",
    "elasticfilesystem:file-system",
    "EFS file systems: a recovery point is the files' contents in the vault bucket; a restore writes them back.",
    package="lambdas.resources.efs",
    build=build,
    supports_cold_storage=True,  # the file contents in the vault bucket go to S3 Glacier Instant Retrieval
    manageable=True,
    iam=IAM,
    wildcard_reasons={
        ("elasticfilesystem", "file-system"): "Restores create new EFS file systems, with ids EFS chooses.",
        ("lambda", "function"): "EFS movers are the functions named strongroom-efs-mover-<file system id>.",
    },
)
