"""FSx as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lambdas.resources.spec import ArnForm, TypeSpec

if TYPE_CHECKING:
    from lambdas.resources.base import ResourceAdapter
    from lambdas.resources.spec import AdapterContext


def build(ctx: AdapterContext) -> ResourceAdapter:
    from lambdas.resources.fsx.adapter import FsxAdapter

    return FsxAdapter(ctx.client("fsx"), ctx.region, ctx.account)


FSX = TypeSpec(
    resource_type="FSx",
    arn_forms=(ArnForm("fsx", "file-system"),),
    tagging_filter="fsx:file-system",
    summary=(
        "FSx for Windows File Server, Lustre and OpenZFS: a recovery point is a user-initiated backup; a "
        "restore is a new file system."
    ),
    build=build,
    concurrent_copies=5,
    imports_native_backups=True,
)
