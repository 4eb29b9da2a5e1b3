"""Restore testing's data check, one per resource type (lambdas/resources/<type>/validation.py), behind one
Protocol: what to record when a backup completes, the restore metadata a test uses (names that cannot collide
with the source), how a restored copy compares with the record, and how the copy is deleted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str


class RestoreCheck(Protocol):
    resource_type: str

    def record(self, resource_arn: str) -> dict[str, str]:
        """What the check will need, read from the source as its backup completes."""

    def test_metadata(self, metadata: dict[str, str], run_id: str) -> dict[str, str]:
        """The recovery point's restore metadata with the restored resource renamed for this run."""

    def check(self, recorded: dict[str, str], restored_arn: str) -> Verdict:
        """The restored resource against the record: passed, or a message saying what differs."""

    def delete(self, restored_arn: str) -> bool:
        """Deletes the restored resource: True once it is gone, False while its deletion is under way."""
