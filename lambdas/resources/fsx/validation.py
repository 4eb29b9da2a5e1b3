"""Restore testing's check of FSx file systems. What FSx keeps, in AWS and in the emulation alike, is the file
system's shape, not files Strongroom could read (reading them needs a client mounted in the VPC): recorded when the
backup completes, the file system type, its storage capacity, storage type and type version (Lustre); compared
after the restore, the restored file system AVAILABLE with each of those. Deleted after the window without a final
backup (SkipFinalBackup), only if it carries the restore's tag."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from lambdas.domain.arns import parse_arn
from lambdas.domain.restore_testing.checks import Verdict
from lambdas.domain.restore_testing.comparing import must_be_restored, settings_verdict, unavailable
from lambdas.resources.base import RESTORE_TAG
from lambdas.resources.snapshot_engine import tags_of

_GONE = ("FileSystemNotFound",)
# DeleteFileSystem's per-type member that says no final backup is wanted (its shapes in botocore's fsx model).
_SKIP_FINAL_BACKUP: dict[str, tuple[str, dict[str, Any]]] = {
    "LUSTRE": ("LustreConfiguration", {"SkipFinalBackup": True}),
    "WINDOWS": ("WindowsConfiguration", {"SkipFinalBackup": True}),
    "OPENZFS": ("OpenZFSConfiguration", {"SkipFinalBackup": True, "Options": ["DELETE_CHILD_VOLUMES_AND_SNAPSHOTS"]}),
}


def settings(file_system: dict[str, Any]) -> dict[str, str]:
    return {
        "FileSystemType": str(file_system.get("FileSystemType") or ""),
        "StorageCapacity": str(file_system.get("StorageCapacity") or ""),
        "StorageType": str(file_system.get("StorageType") or ""),
        "FileSystemTypeVersion": str(file_system.get("FileSystemTypeVersion") or ""),
    }


class FsxValidation:
    resource_type = "FSx"

    def __init__(self, fsx: Callable[[], Any]) -> None:
        self._fsx = fsx

    def _find(self, file_system_id: str) -> dict[str, Any] | None:
        try:
            found = self._fsx().describe_file_systems(FileSystemIds=[file_system_id])["FileSystems"]
        except ClientError as error:
            if error.response["Error"]["Code"] in _GONE:
                return None
            raise
        return found[0] if found else None

    def record(self, resource_arn: str) -> dict[str, str]:
        found = self._find(parse_arn(resource_arn).resource_id)
        return settings(found) if found else {}

    def test_metadata(self, metadata: dict[str, str], run_id: str) -> dict[str, str]:
        return dict(metadata)  # a restore makes a new file system with its own id: nothing can collide

    def check(self, recorded: dict[str, str], restored_arn: str) -> Verdict:
        file_system_id = parse_arn(restored_arn).resource_id
        found = self._find(file_system_id)
        lifecycle = found.get("Lifecycle") if found else None
        if found is None or lifecycle != "AVAILABLE":
            return unavailable("FSx file system", file_system_id, lifecycle)
        return settings_verdict(f"FSx file system {file_system_id}", recorded, settings(found))

    def delete(self, restored_arn: str) -> bool:
        file_system_id = parse_arn(restored_arn).resource_id
        found = self._find(file_system_id)
        if found is None:
            return True
        must_be_restored(tags_of(found, "Tags"), RESTORE_TAG, f"FSx file system {file_system_id}")
        if found.get("Lifecycle") == "DELETING":
            return False
        request: dict[str, Any] = {"FileSystemId": file_system_id}
        member = _SKIP_FINAL_BACKUP.get(str(found.get("FileSystemType")))
        if member is not None:
            request[member[0]] = member[1]
        try:
            self._fsx().delete_file_system(**request)
        except ClientError as error:
            if error.response["Error"]["Code"] in _GONE:
                return True
            raise
        return self._find(file_system_id) is None


def build(client: Callable[[str], Callable[[], Any]]) -> FsxValidation:
    return FsxValidation(client("fsx"))
