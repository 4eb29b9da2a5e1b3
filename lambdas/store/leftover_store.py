"""Native backups no job or recovery point owns (a start that lost a race, a retried create's duplicate, a backup
unfinished when its completion window ended), waiting for the Lifecycle function to delete them.

The functions that start and track backups never delete one themselves: only Lifecycle and the Backup API may
destroy a backup (their roles alone carry the delete actions), and Lifecycle checks that no recovery point is
the leftover before it deletes it."""

from __future__ import annotations

import contextlib
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from lambdas.store.codec import from_item, sortable, to_item
from lambdas.store.lifecycle_work import LifecycleWork
from lambdas.store.table import ConditionFailed, Query, Table

_PK = "LEFTOVERS"


class Leftover(BaseModel):
    model_config = ConfigDict(frozen=True)

    ResourceType: str
    NativeBackupId: str
    RecoveryPointArn: str  # the ARN a recovery point of this backup would have: checked before the deletion
    Reason: str
    Since: datetime
    Attempts: int = 0


def _item(leftover: Leftover) -> dict[str, object]:
    return to_item(_PK, f"{leftover.ResourceType}#{leftover.NativeBackupId}", leftover, Since=sortable(leftover.Since))


class LeftoverStore:
    def __init__(self, table: Table) -> None:
        self._table = table

    def add(self, leftover: Leftover) -> None:
        """Once: a backup found again (a sweep repeated before Lifecycle ran) keeps its first record."""
        LifecycleWork(self._table).announce()  # Lifecycle deletes it: its marker must not say "nothing to do"
        with contextlib.suppress(ConditionFailed):
            self._table.put(_item(leftover), if_absent=True)

    def oldest(self, limit: int) -> list[Leftover]:
        page = self._table.query(Query(_PK, limit=limit))
        return [from_item(Leftover, item) for item in page.items]

    def save(self, leftover: Leftover) -> None:
        self._table.put(_item(leftover))

    def remove(self, leftover: Leftover) -> None:
        self._table.delete(_PK, f"{leftover.ResourceType}#{leftover.NativeBackupId}")
