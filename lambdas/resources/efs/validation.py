"""Restore testing's check of EFS file systems. A test restores to a new file system (newFileSystem), so the copy
can be deleted whole. Recorded when the backup completes: the file system's settings (encryption, performance and
throughput modes) and, where the function can read the file system's files, its file tree: each path, its kind,
size and a SHA-256 of its content, kept whole up to MANIFEST_LIMIT entries (beyond, a count, a byte total and a
digest). Compared after the restore: the new file system available with those settings, and the tree the restore
wrote (its aws-backup-restore_... directory) entry by entry, naming what is missing, changed or not in the backup.

Where the files can be read: a Lambda function has no mount of the customer's file systems (the movers do, one
per file system), so in AWS the check compares the settings and says the tree was not read; the local runtime
keeps each emulated file system's files in a folder its in-process mover reads (lambdas/resources/catalog.py's
efs_mover_stand_in), and there the tree is read and compared. Deleted after the window: the mount targets, then
the file system, only if it carries the restore's tag."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from contextlib import closing
from typing import Any

from botocore.exceptions import ClientError

from lambdas.domain.arns import parse_arn
from lambdas.domain.restore_testing.checks import Verdict
from lambdas.domain.restore_testing.comparing import (
    manifest_differences,
    must_be_restored,
    settings_verdict,
    unavailable,
)
from lambdas.resources import catalog
from lambdas.resources.base import RESTORE_TAG
from lambdas.resources.efs.file_tree import FileTree

RESTORE_DIRECTORY_PREFIX = "aws-backup-restore_"  # where an EFS restore writes (efs/adapter.py)
MANIFEST_LIMIT = 1000
_GONE = ("FileSystemNotFound",)
_TREE_KEYS = ("treeEntries", "treeBytes", "treeDigest", "tree")
TreeReader = Callable[[str], FileTree]


def _settings(file_system: dict[str, Any]) -> dict[str, str]:
    return {
        "Encrypted": str(bool(file_system.get("Encrypted"))).lower(),
        "PerformanceMode": str(file_system.get("PerformanceMode") or ""),
        "ThroughputMode": str(file_system.get("ThroughputMode") or ""),
    }


def tree_manifest(tree: FileTree, under: str = "") -> dict[str, str]:
    """path (relative to `under`) -> "kind:size:sha256" of every entry below `under`."""
    manifest: dict[str, str] = {}
    prefix = f"{under}/" if under else ""
    for entry in tree.walk():
        if not entry.path.startswith(prefix) or (not under and entry.path.startswith(RESTORE_DIRECTORY_PREFIX)):
            continue  # a tree's earlier in-place restores are not its data
        digest = ""
        if entry.kind == "file":
            digest = _sha256(tree, entry.path)
        elif entry.kind == "symlink":
            digest = entry.target or ""
        manifest[entry.path[len(prefix) :]] = f"{entry.kind}:{entry.size}:{digest}"
    return manifest


def _sha256(tree: FileTree, path: str) -> str:
    hashed = hashlib.sha256()
    with closing(tree.open_read(path)) as source:
        for chunk in iter(lambda: source.read(1024 * 1024), b""):
            hashed.update(chunk)
    return hashed.hexdigest()


def _digest(manifest: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()


class EfsValidation:
    resource_type = "EFS"

    def __init__(self, efs: Callable[[], Any], trees: Callable[[], TreeReader | None]) -> None:
        self._efs = efs
        self._trees = trees

    def _find(self, file_system_id: str) -> dict[str, Any] | None:
        try:
            found = self._efs().describe_file_systems(FileSystemId=file_system_id)["FileSystems"]
        except ClientError as error:
            if error.response["Error"]["Code"] in _GONE:
                return None
            raise
        return found[0] if found else None

    def record(self, resource_arn: str) -> dict[str, str]:
        file_system_id = parse_arn(resource_arn).resource_id
        found = self._find(file_system_id)
        if found is None:
            return {}
        record = _settings(found)
        trees = self._trees()
        if trees is not None:
            manifest = tree_manifest(trees(file_system_id))
            record.update(
                treeEntries=str(len(manifest)),
                treeBytes=str(sum(int(v.split(":")[1]) for v in manifest.values())),
                treeDigest=_digest(manifest),
            )
            if len(manifest) <= MANIFEST_LIMIT:
                record["tree"] = json.dumps(manifest, sort_keys=True)
        return record

    def test_metadata(self, metadata: dict[str, str], run_id: str) -> dict[str, str]:
        """A new file system, so the copy is never written into the source and can be deleted whole."""
        copy = {k: v for k, v in metadata.items() if k != "file-system-id"}
        return {**copy, "newFileSystem": "true", "CreationToken": f"strongroom-rt-{run_id.lower()[:40]}"}

    def check(self, recorded: dict[str, str], restored_arn: str) -> Verdict:
        file_system_id = parse_arn(restored_arn).resource_id
        found = self._find(file_system_id)
        state = found.get("LifeCycleState") if found else None
        if found is None or state != "available":
            return unavailable("EFS file system", file_system_id, state)
        what = f"EFS file system {file_system_id}"
        settings = settings_verdict(what, {k: v for k, v in recorded.items() if k not in _TREE_KEYS}, _settings(found))
        if not settings.passed:
            return settings
        trees = self._trees()
        if "treeDigest" not in recorded or trees is None:
            return Verdict(True, f"{settings.message}; its file tree was not read (no mount of it here)")
        return self._tree_verdict(recorded, trees(file_system_id), what)

    def _tree_verdict(self, recorded: dict[str, str], tree: FileTree, what: str) -> Verdict:
        roots = sorted(e.path for e in tree.walk() if "/" not in e.path and e.path.startswith(RESTORE_DIRECTORY_PREFIX))
        if not roots:
            return Verdict(False, f"The restored {what} holds no {RESTORE_DIRECTORY_PREFIX}... directory")
        manifest = tree_manifest(tree, roots[-1])
        entries, size = len(manifest), sum(int(v.split(":")[1]) for v in manifest.values())
        if _digest(manifest) == recorded["treeDigest"]:
            return Verdict(True, f"{entries} files and directories, {size} bytes, with the contents recorded")
        if "tree" not in recorded:
            return Verdict(
                False,
                f"The restored {what} holds {entries} entries, {size} bytes; the backup recorded "
                f"{recorded['treeEntries']}, {recorded['treeBytes']} bytes, other contents",
            )
        return manifest_differences(what, json.loads(recorded["tree"]), manifest)

    def delete(self, restored_arn: str) -> bool:
        file_system_id = parse_arn(restored_arn).resource_id
        found = self._find(file_system_id)
        if found is None:
            return True
        tags = {t["Key"]: t["Value"] for t in found.get("Tags") or []}
        must_be_restored(tags, RESTORE_TAG, f"EFS file system {file_system_id}")
        if found.get("LifeCycleState") == "deleting":
            return False
        targets = self._efs().describe_mount_targets(FileSystemId=file_system_id).get("MountTargets", [])
        if targets:  # DeleteFileSystem refuses a file system with mount targets (FileSystemInUse)
            for target in targets:
                self._efs().delete_mount_target(MountTargetId=target["MountTargetId"])
            return False
        try:
            self._efs().delete_file_system(FileSystemId=file_system_id)
        except ClientError as error:
            if error.response["Error"]["Code"] in _GONE:
                return True
            raise
        return self._find(file_system_id) is None


def _local_trees() -> TreeReader | None:
    """The local runtime's reader of emulated file systems' files, if one is installed (None in AWS)."""
    reader: TreeReader | None = getattr(catalog.efs_mover_stand_in, "tree", None)
    return reader


def build(
    client: Callable[[str], Callable[[], Any]], trees: Callable[[], TreeReader | None] = _local_trees
) -> EfsValidation:
    return EfsValidation(client("efs"), trees)
