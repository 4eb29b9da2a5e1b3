"""The IAM the EFS adapter's calls need, job by job. The data goes to the vault bucket through a mover Lambda
function attached to the file system, strongroom-efs-mover-<file system id> (mover.MOVER_FUNCTION_PREFIX), which
the engine looks up and invokes: the stack creates one per file system its efs_file_systems context lists
(infrastructure/constructs/efs_movers.py), and these grants name the movers by prefix only."""

from __future__ import annotations

from lambdas.resources.grants import arn, copy_vault_storage, describe, key_grants, restored_only
from lambdas.resources.spec import Grant

MOVER_FUNCTION_PREFIX = "strongroom-efs-mover-"

READ = describe("Efs", "elasticfilesystem", "DescribeFileSystems")
RUN_MOVERS = Grant(
    "RunEfsMovers",
    ("lambda:GetFunction", "lambda:InvokeFunction"),
    (arn("lambda", f"function:{MOVER_FUNCTION_PREFIX}*"),),
)

IAM: dict[str, tuple[Grant, ...]] = {
    "start_backup": (READ, RUN_MOVERS),
    # A mover that stopped at its time budget is started again from backup_status.
    "track_backup": (READ, RUN_MOVERS),
    "check_restore": (READ, RUN_MOVERS),
    "start_restore": (
        READ,
        Grant(
            "CreateFileSystems",
            ("elasticfilesystem:CreateFileSystem", "elasticfilesystem:TagResource"),
            (arn("elasticfilesystem", "file-system/*"),),
        ),
        RUN_MOVERS,
        *key_grants("Efs", "elasticfilesystem"),
    ),
    "copy_backup": copy_vault_storage(),
    # restore_status waits for a new file system to be available before it starts the mover.
    "poll_restore": (READ, RUN_MOVERS),
    "catalog": (READ,),
    # Restore testing (validation.py): the file system's settings; a file system a restore made, its mount
    # targets first (the files are read only where the function can see them: not in Lambda).
    "record_restore_test": (READ,),
    "test_restore": (
        describe("Efs", "elasticfilesystem", "DescribeFileSystems", "DescribeMountTargets"),
        Grant(
            "DeleteRestoredFileSystems",
            ("elasticfilesystem:DeleteMountTarget", "elasticfilesystem:DeleteFileSystem"),
            (arn("elasticfilesystem", "file-system/*"),),
            conditions=restored_only(),
        ),
    ),
}
