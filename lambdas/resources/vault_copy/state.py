"""The typed progress of the copy-into-vault types (S3, EFS): what `backup.json` and `restores/<id>.json` hold.

The JSON on disk is the one the untyped header dicts wrote before these models existed, key for key, so a
recovery point or a restore written by earlier code reads (and restores) as it did; keys a model does not know
are kept as they are (extra="allow"). A few keys were written only when they had a value ("copy" marks a copy
job's copy by its presence): `to_json` leaves those out when they are None, as the dicts did."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict

RUNNING, COMPLETED, FAILED = "RUNNING", "COMPLETED", "FAILED"
MAX_ERRORS_KEPT = 5  # a failure message names the first few items, not thousands


class StoredState(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)
    omitted_when_none: ClassVar[frozenset[str]] = frozenset({"message"})

    status: str = RUNNING
    message: str | None = None

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Self:
        return cls.model_validate(value)

    def to_json(self) -> dict[str, Any]:
        dumped = self.model_dump(mode="json", by_alias=True)
        return {k: v for k, v in dumped.items() if not (v is None and k in self.omitted_when_none)}

    def fail(self, message: str) -> None:
        self.status, self.message = FAILED, message


class ManifestCursor(BaseModel):
    """Where a walk over a point's manifest stands: `parts` parts of up to 1,000 entries, the next entry being
    entry `index` of part `part`."""

    parts: int = 0
    part: int = 0
    index: int = 0

    def next_part(self) -> None:
        self.part += 1
        self.index = 0


class FailureTally(BaseModel):
    """Items a job could not move while it went on; it fails at the end naming the first few."""

    failed: int = 0
    errors: list[str] = []

    def record_failure(self, what: str) -> None:
        self.failed += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(what)


class PointState(StoredState):
    """A recovery point's `backup.json`: whose it is and how far its backup (or copy) has got."""

    resource_type: str
    source_arn: str
    job_id: str
    tags: dict[str, str] = {}


class CopyOrigin(BaseModel):
    """Where a copy job's copy reads from: the source deployment's vault bucket and point, and the key that
    encrypts the copy."""

    vault_bucket: str
    native_id: str
    region: str
    account: str
    kms_key_arn: str


class RestoreState(StoredState, ManifestCursor, FailureTally):
    """A restore's `restores/<restore job id>.json`: its cursor over the point's manifest and its counts."""

    native_id: str
    items: list[str] = []
    total: int = 0
    examined: int = 0
    restored: int = 0
    bytes: int = 0

    def percent_done(self) -> str:
        return f"{min(99.9, 100.0 * self.examined / (self.total or 1)):.1f}"
