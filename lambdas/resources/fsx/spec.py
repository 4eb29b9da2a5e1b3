"""FSx as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from lambdas.resources.spec import ArnForm, TypeSpec, adapter_in

FSX = TypeSpec(
    resource_type="FSx",
    arn_forms=(ArnForm("fsx", "file-system"),),
    tagging_filter="fsx:file-system",
    summary=(
        "FSx for Windows File Server, Lustre and OpenZFS: a recovery point is a user-initiated backup; a "
        "restore is a new file system."
    ),
    build=adapter_in("lambdas.resources.fsx.adapter"),
    concurrent_copies=5,
    imports_native_backups=True,
)
