"""The recovery time summary of each resource type (lambdas/domain/restore_times.py): one item per type, PK
RESTORETIMES, SK the type, rewritten whenever a restore of the type completes, so a new restore's expected time
is one read and every type's summary one query."""

from __future__ import annotations

from lambdas.domain.restore_times import RecoveryTimeSummary
from lambdas.store.codec import from_item, to_item
from lambdas.store.table import Query, Table

_PK = "RESTORETIMES"


class RestoreTimeStore:
    def __init__(self, table: Table) -> None:
        self._table = table

    def save(self, summary: RecoveryTimeSummary) -> None:
        self._table.put(to_item(_PK, summary.ResourceType, summary))

    def find(self, resource_type: str) -> RecoveryTimeSummary | None:
        item = self._table.get(_PK, resource_type)
        return from_item(RecoveryTimeSummary, item) if item else None

    def all(self) -> list[RecoveryTimeSummary]:
        """Every type's summary, by type (one partition: at most one item per supported type)."""
        page = self._table.query(Query(_PK))
        return [from_item(RecoveryTimeSummary, item) for item in page.items]
