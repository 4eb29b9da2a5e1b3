"""EFS as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lambdas.resources.spec import ArnForm, TypeSpec

if TYPE_CHECKING:
    from lambdas.resources.base import ResourceAdapter
    from lambdas.resources.spec import AdapterContext


def build(ctx: AdapterContext) -> ResourceAdapter:
    from lambdas.resources.efs.adapter import EfsAdapter
    from lambdas.resources.efs.mover import LambdaMover

    mover = ctx.efs_mover or LambdaMover(ctx.client("lambda"))
    return EfsAdapter(ctx.client("efs"), ctx.region, ctx.account, ctx.vault_storage, mover)


EFS = TypeSpec(
    resource_type="EFS",
    arn_forms=(ArnForm("elasticfilesystem", "file-system"),),
    tagging_filter="elasticfilesystem:file-system",
    summary=(
        "EFS file systems: a recovery point is the files' contents in the vault bucket; a restore writes them back."
    ),
    build=build,
    supports_cold_storage=True,
    manageable=True,
)
