"""S3 as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lambdas.resources.s3.iam import IAM
from lambdas.resources.spec import ArnForm, TypeSpec

if TYPE_CHECKING:
    from lambdas.resources.base import ResourceAdapter
    from lambdas.resources.spec import AdapterContext


def build(ctx: AdapterContext) -> ResourceAdapter:
    from lambdas.resources.s3.adapter import S3Adapter

    return S3Adapter(ctx.client("s3"), ctx.region, ctx.account, ctx.vault_storage)


S3 = TypeSpec(
    resource_type="S3",
    arn_forms=(ArnForm("s3", ""),),
    tagging_filter="s3:bucket",
    summary="S3 buckets: a recovery point is a manifest of object versions in the vault bucket; a restore copies them.",
    build=build,
    backup_options={
        "BackupACLs": frozenset({"enabled", "disabled"}),
        "BackupObjectTags": frozenset({"enabled", "disabled"}),
    },
    iam=IAM,
)
