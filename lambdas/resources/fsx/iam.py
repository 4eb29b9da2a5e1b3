"""The IAM the FSx adapter's calls need, job by job: a recovery point is a user-initiated FSx backup
(CreateBackup); a restore is CreateFileSystemFromBackup; a copy is CopyBackup in the destination Region."""

from __future__ import annotations

from lambdas.resources.grants import ANY_REGION, arn, describe, key_grants, keys_for_copies, restored_only
from lambdas.resources.spec import Grant

FILE_SYSTEMS = arn("fsx", "file-system/*")
BACKUPS = arn("fsx", "backup/*")
READ = describe("Fsx", "fsx", "DescribeFileSystems", "DescribeBackups")

IAM: dict[str, tuple[Grant, ...]] = {
    "start_backup": (READ, Grant("CreateFsxBackups", ("fsx:CreateBackup", "fsx:TagResource"), (FILE_SYSTEMS, BACKUPS))),
    "track_backup": (READ,),
    "delete_backup": (Grant("DeleteFsxBackups", ("fsx:DeleteBackup",), (BACKUPS,)),),
    "start_restore": (
        describe("Fsx", "fsx", "DescribeFileSystems"),
        Grant(
            "CreateFileSystemsFromFsxBackups",
            ("fsx:CreateFileSystemFromBackup", "fsx:TagResource"),
            (FILE_SYSTEMS, BACKUPS),
        ),
        *key_grants("Fsx", "fsx"),
    ),
    "copy_backup": (
        describe("Fsx", "fsx", "DescribeBackups"),
        Grant(
            "CopyFsxBackups",
            ("fsx:CopyBackup", "fsx:TagResource"),
            (BACKUPS, arn("fsx", "backup/*", region=ANY_REGION)),
        ),
        *keys_for_copies("Fsx", "fsx"),
    ),
    "poll_restore": (describe("Fsx", "fsx", "DescribeFileSystems"),),
    # FsxAdapter.list_native_backups reads the file system's backups.
    "catalog": (READ,),
    # Restore testing (validation.py): the file system's type and size; a restored one deleted without a final
    # backup.
    "record_restore_test": (describe("Fsx", "fsx", "DescribeFileSystems"),),
    "test_restore": (
        describe("Fsx", "fsx", "DescribeFileSystems"),
        Grant("DeleteRestoredFsxFileSystems", ("fsx:DeleteFileSystem",), (FILE_SYSTEMS,), conditions=restored_only()),
    ),
}
