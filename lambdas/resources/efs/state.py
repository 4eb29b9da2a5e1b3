"""An EFS recovery point's `backup.json` and an EFS restore's state, typed (the JSON is the one earlier code wrote).

A manifest entry stays a small dict, as written: p (path), t (file | dir | symlink), s (size), m (mode), mt
(mtime), l (a symlink's target) and gone (a file deleted between indexing and copying)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, Field

from lambdas.resources.vault_copy.state import CopyOrigin, ManifestCursor, PointState, RestoreState, StoredState

PENDING, PAUSED = "PENDING", "PAUSED"  # a mover is yet to run / stopped at its budget, to be launched again


class FileSystemFacts(BaseModel):
    """What a restore to a new file system recreates by default."""

    encrypted: bool = False
    kms_key_id: str | None = None
    performance_mode: str = "generalPurpose"


class MoverState(StoredState):
    """A job a mover runs (a backup or a restore): the lease that stops a second mover starting while one runs,
    and how many slices in a row have failed."""

    omitted_when_none: ClassVar[frozenset[str]] = StoredState.omitted_when_none | {"lease_expires"}

    failures: int = 0
    lease_expires: float | None = None


class EfsCopyProgress(CopyOrigin):
    after: str | None = None  # the last source key copied


class EfsPointState(PointState, MoverState, ManifestCursor):
    """The index (manifest) and how far the upload of the files it lists has got. A copy job's copy carries only
    the copy's fields until it ends, when it takes the source point's."""

    omitted_when_none: ClassVar[frozenset[str]] = MoverState.omitted_when_none | {
        "copy",
        "file_system_id",
        "file_system",
        "entries",
    }

    file_system_id: str | None = None
    file_system: FileSystemFacts | None = None
    indexed: bool = False
    entries: int | None = None
    files: int = 0
    bytes: int = 0
    files_done: int = 0
    bytes_done: int = 0
    gone: int = 0
    # Present only on a copy job's copy; "copy" on disk (the name would shadow BaseModel.copy).
    copy_progress: EfsCopyProgress | None = Field(default=None, alias="copy")


class EfsRestoreState(RestoreState, MoverState):
    prefix: str
    file_system_id: str
    new_file_system: bool = False
    directory: str
