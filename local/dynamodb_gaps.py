"""moto gap: TransactWriteItems at scale. To roll a failed transaction back, moto deep-copies the whole table
once per item of the transaction (a 100-item transaction on a table of 20,000 items copies 2,000,000 items)
and then swaps the copy in, which loses writes other threads made meanwhile and, while copying, can meet a
table another thread is changing ("dictionary changed size during iteration"). This patch snapshots the table
cheaply instead (the table object and its item maps, not the items: a Put replaces an item, it does not change
one) and runs one transaction at a time. Strongroom's transactions are Puts only; nothing else changes."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any

_transactions = threading.Lock()


class _CheapTableSnapshots:
    """Stands in for the `copy` module inside moto's transact_write_items only."""

    def __init__(self) -> None:
        self._taken: dict[int, Any] = {}

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        if not isinstance(value, Table):
            return copy.deepcopy(value, memo)
        if id(value) not in self._taken:
            snapshot = copy.copy(value)
            snapshot.items = copy.copy(value.items)
            if value.has_range_key:
                for hash_key, ranges in value.items.items():
                    snapshot.items[hash_key] = dict(ranges)
            self._taken[id(value)] = snapshot
        return self._taken[id(value)]

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def install() -> Callable[[], None]:
    """Patches moto's DynamoDB transact_write_items; returns the undo."""
    import moto.dynamodb.models as models

    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        with _transactions:
            setattr(models, "copy", _CheapTableSnapshots())  # noqa: B010 - the module's own `copy` name
            try:
                original(self, transact_items)
            finally:
                setattr(models, "copy", copy)  # noqa: B010

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]

    def undo() -> None:
        models.DynamoDBBackend.transact_write_items = original  # type: ignore[method-assign]

    return undo
