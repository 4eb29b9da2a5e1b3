"""An EFS restore's metadata, checked and read into a plan before any job exists (AWS Backup's keys:
file-system-id, newFileSystem, Encrypted, KmsKeyId, PerformanceMode, CreationToken, ItemsToRestore)."""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.domain.errors import InvalidParameterValueException
from lambdas.resources.efs.file_tree import safe_relative
from lambdas.resources.vault_copy.points import flag, items_to_restore

PERFORMANCE_MODES = ("generalPurpose", "maxIO")


@dataclass(frozen=True)
class EfsRestorePlan:
    new_file_system: bool
    file_system_id: str | None
    items: tuple[str, ...]
    encrypted: bool
    kms_key_id: str | None
    performance_mode: str | None
    creation_token: str | None


def restore_plan(metadata: dict[str, str]) -> EfsRestorePlan:
    new = flag(metadata.get("newFileSystem"), "newFileSystem")
    encrypted = flag(metadata.get("Encrypted"), "Encrypted")
    kms_key_id = metadata.get("KmsKeyId") or None
    items = _paths(metadata.get("ItemsToRestore") or metadata.get("itemsToRestore"))
    if not new:
        file_system_id = metadata.get("file-system-id")
        if not file_system_id:
            raise InvalidParameterValueException(
                "Restore metadata for EFS is missing: file-system-id (or set newFileSystem to true)"
            )
        return EfsRestorePlan(False, file_system_id, items, encrypted, None, None, None)
    mode = metadata.get("PerformanceMode") or None
    if mode is not None and mode not in PERFORMANCE_MODES:
        raise InvalidParameterValueException(
            f"Restore metadata PerformanceMode must be one of {', '.join(PERFORMANCE_MODES)}, got {mode!r}"
        )
    if kms_key_id and not encrypted:
        raise InvalidParameterValueException("Restore metadata KmsKeyId needs Encrypted set to true")
    token = metadata.get("CreationToken") or None
    if token is not None and not 1 <= len(token) <= 64:
        raise InvalidParameterValueException("Restore metadata CreationToken must be 1 to 64 characters")
    return EfsRestorePlan(True, None, items, encrypted, kms_key_id, mode, token)


def _paths(raw: str | None) -> tuple[str, ...]:
    """ItemsToRestore: a JSON list of one to five paths relative to the file system root, e.g. ["/home/a"]."""
    paths = []
    for item in items_to_restore(raw, 5, "paths", '["/home/a"]', empty_ok=True) or ():
        relative = item.strip("/")
        try:
            safe_relative(relative)
        except ValueError:
            raise InvalidParameterValueException(
                f"ItemsToRestore path {item!r} must name a file or directory below the root, without '..'"
            ) from None
        paths.append(relative)
    return tuple(paths)
