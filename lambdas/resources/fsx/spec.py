"""FSx as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from lambdas.resources.fsx.iam import IAM
from lambdas.resources.spec import native_type

FSX = native_type(
    "FSx",
    "fsx:file-system",
    (
        "FSx for Windows File Server, Lustre and OpenZFS: a recovery point is a user-initiated backup; a "
        "restore is a new file system."
    ),
    package="lambdas.resources.fsx",
    concurrent_copies=5,
    imports_native_backups=True,
    iam=IAM,
    wildcard_reasons={
        ("fsx", "file-system"): "The FSx file systems plans select, and those restores create, are chosen at run time.",
        ("fsx", "backup"): "FSx backups are recovery points with ids FSx chooses; copies land in any Region.",
    },
    local_emulation=("local.fakes.fsx.stand_in",),  # moto's FSx lacks restores from backups and copies
)
