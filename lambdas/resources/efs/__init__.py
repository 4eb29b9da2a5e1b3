"""EFS file systems on the copy-into-vault engine (lambdas/resources/vault_copy): the adapter, the mover that runs
next to the file system, and the file access it needs. The in-process mover of the local runtime and the tests is
local/efs_in_process.py."""

from lambdas.resources.efs.adapter import RESTORE_DIRECTORY_PREFIX, EfsAdapter
from lambdas.resources.efs.file_tree import FileEntry, FileTree, FileTreeUnavailable, LocalDirectoryTree
from lambdas.resources.efs.mover import (
    LAMBDA_SAFETY_MILLIS,
    MOUNT_PATH,
    MOVER_FUNCTION_PREFIX,
    LambdaMover,
    MoveRequest,
    MoverLauncher,
    handle_mover_event,
    mover_function_name,
    run_move,
)
from lambdas.resources.efs.restore_plan import EfsRestorePlan

__all__ = [
    "LAMBDA_SAFETY_MILLIS",
    "MOUNT_PATH",
    "MOVER_FUNCTION_PREFIX",
    "RESTORE_DIRECTORY_PREFIX",
    "EfsAdapter",
    "EfsRestorePlan",
    "FileEntry",
    "FileTree",
    "FileTreeUnavailable",
    "LambdaMover",
    "LocalDirectoryTree",
    "MoveRequest",
    "MoverLauncher",
    "handle_mover_event",
    "mover_function_name",
    "run_move",
]
