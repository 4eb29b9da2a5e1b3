"""An S3 recovery point's `backup.json` and an S3 restore's state, typed (the JSON is the one earlier code wrote).

A manifest entry (one line of manifest/<part>.jsonl) stays a small dict, as written: k (key), v (version id),
e (ETag), s (size) and, in a copy's manifest, d (the data object in vault storage holding that version)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from lambdas.resources.vault_copy.state import (
    CopyOrigin,
    FailureTally,
    ManifestCursor,
    PointState,
    RestoreState,
    StoredState,
)


class S3CopyProgress(CopyOrigin, ManifestCursor, FailureTally):
    """A copy job's copy: its cursor over the SOURCE point's manifest, and the versions it could not copy."""


class S3PointState(PointState):
    """The listing's cursor (key and version markers, and whether the key it stopped in is decided already) and
    what the manifest holds so far. `cutoff` is S3's clock when the backup started (None until the first
    status call reads it from this object's LastModified)."""

    omitted_when_none: ClassVar[frozenset[str]] = StoredState.omitted_when_none | {"copy"}

    bucket: str
    cutoff: str | None = None
    key_marker: str | None = None
    version_marker: str | None = None
    current_key: str | None = None
    current_resolved: bool = False
    parts: int = 0
    objects: int = 0
    bytes: int = 0
    # Present only on a copy job's copy; "copy" on disk (the name would shadow BaseModel.copy).
    copy_progress: S3CopyProgress | None = Field(default=None, alias="copy")


class S3RestoreState(RestoreState):
    source_bucket: str
    destination: str
    encryption: dict[str, str] = {}
    skipped: int = 0
