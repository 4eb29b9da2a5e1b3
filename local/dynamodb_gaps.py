"""moto gap: TransactWriteItems at scale. To roll a failed transaction back, moto deep-copies the whole table
once per item of the transaction (a 100-item transaction on a table of 20,000 items copies 2,000,000 items)
and then swaps the copy in, which loses writes other threads made meanwhile and, while copying, can meet a
table another thread is changing ("dictionary changed size during iteration").

This patch keeps moto's transaction as it is, minus the copies: before it runs, the previous value of every
key the transaction names is noted (an update's item is copied, since an update changes its item in place; a
put replaces its item and a delete removes it); moto's own rollback is made a no-op (its "copy" of a table, on
the thread running the transaction, is the table itself); and when moto would have rolled back, exactly those
keys are put back as they were. A rollback costs the transaction's size, not the table's, and other keys
written meanwhile are left alone. Transactions run one at a time, as before. Same answers and errors as
moto's: conditions, CancellationReasons, and the requests moto does not roll back (a transaction item with
two operations is refused mid-way, after the items before it were written; a table named by ARN is not
snapshotted) are left as moto leaves them. Not put back, as with the table snapshot this replaces: the stream
records of the rolled-back writes (Strongroom's catalog table has no stream).

Also Table.all_items, where every Query and Scan of moto starts (a Query on a GSI or on the table reads and sorts
the whole table): moto sorts on DynamoType comparisons, each computing both keys' values again; the values are
now computed once per item. Same order, same items; still O(table) per Query, as moto has no index.

Measured on the scale benchmark (one rule over N resources, about one transaction of 3 puts per job): the table
snapshot the transaction patch replaces copied the catalog's item maps (O(table)) per transaction, 13.5% of the
run at 2,000 resources and growing with the square of the resources; Query took 6.8 s of the 4,000-resource
run (a page of open jobs on GSI3 sorts the whole table), 1.5 s with the cheaper sort."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local.patching import Patch, PatchSet

_transactions = threading.Lock()
_running = threading.local()


@dataclass
class _Before:
    """One key a transaction names, as it was before the transaction."""

    table: Any
    hash_key: Any
    range_key: Any  # None for a table without a sort key
    had_hash_key: bool  # for a table with a sort key: whether the partition was there
    item: Any  # None: the key held no item


class _LiveTables:
    """Stands in for the `copy` module inside moto's DynamoDB models module: on the thread running a
    transaction, the "deep copy" of a table moto takes to roll back with is the table itself."""

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        if isinstance(value, Table) and getattr(_running, "transaction", False):
            return value
        return copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def _key(backend: Any, op_type: str, op: dict[str, Any]) -> tuple[Any, Any, Any] | None:
    """(table, hash key, range key) of one transaction item, derived as moto's put, delete and update derive
    them; None for a condition check, for a table moto does not roll back, or for an item moto refuses before
    it writes anything."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    table_name = op.get("TableName")
    if op_type not in ("Put", "Delete", "Update") or not table_name or table_name not in backend.tables:
        return None
    table = backend.tables[table_name]
    try:
        if op_type == "Put":
            attrs = op["Item"]
            hash_key = DynamoType(attrs[table.hash_key_attr])
            range_key = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr is not None else None
        else:
            key = op["Key"]
            if table.hash_key_attr in key and table.range_key_attr in key:
                hash_key, range_key = DynamoType(key[table.hash_key_attr]), DynamoType(key[table.range_key_attr])
            elif table.hash_key_attr in key:
                hash_key, range_key = DynamoType(key[table.hash_key_attr]), None
            elif op_type == "Update":
                hash_key, range_key = DynamoType(key), None  # moto's update_item falls back to this
            else:
                return None
        hash((hash_key, range_key))
    except Exception:  # noqa: BLE001 - an item moto cannot key (or store) fails before writing anything
        return None
    if table.range_key_attr is not None and range_key is None:
        return None  # moto refuses it (the table has a sort key) before writing
    return table, hash_key, range_key


def _before(table: Any, hash_key: Any, range_key: Any, update: bool) -> _Before:
    items = table.items  # a defaultdict: read with .get, so that noting a key does not add it
    if range_key is None:
        item = items.get(hash_key)
        had = hash_key in items
    else:
        ranges = items.get(hash_key)
        had = ranges is not None
        item = ranges.get(range_key) if ranges is not None else None
    if update and item is not None:
        item = copy.deepcopy(item)  # moto's update changes the stored item in place
    return _Before(table, hash_key, range_key, had, item)


def _restore(noted: list[_Before]) -> None:
    for before in reversed(noted):
        items = before.table.items
        if before.range_key is None:
            if before.item is not None:
                items[before.hash_key] = before.item
            else:
                items.pop(before.hash_key, None)
            continue
        if before.item is not None:
            items[before.hash_key][before.range_key] = before.item
            continue
        ranges = items.get(before.hash_key)
        if ranges is not None:
            ranges.pop(before.range_key, None)
            if not before.had_hash_key and not ranges:
                items.pop(before.hash_key, None)


def _all_items(original: Callable[[Any], list[Any]]) -> Callable[[Any], list[Any]]:
    """moto's Table.all_items (every Query and Scan starts with it), sorted on each key's value computed once per
    item rather than twice per comparison. The order is the same: a table's keys all have the table's key types
    (S, N or B), and DynamoType orders by that value."""

    def all_items(self: Any) -> list[Any]:
        if self.range_key_attr:
            items = [item for ranges in list(self.items.values()) for item in list(ranges.values())]
        else:
            items = list(self.items.values())
        try:
            keyed = [
                ((item.hash_key.cast_value, item.range_key.cast_value) if item.range_key else item.hash_key.cast_value)
                for item in items
            ]
            order = sorted(range(len(items)), key=keyed.__getitem__)
        except TypeError:  # keys moto itself could not have ordered: its own way, and its own error
            return original(self)
        return [items[n] for n in order]

    return all_items


def _transact_write_items(original: Callable[..., None]) -> Callable[..., None]:
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        from moto.dynamodb.exceptions import (
            MockValidationException,
            TooManyTransactionsException,
            TransactionCanceledException,
            TransactWriteSingleOpException,
        )

        with _transactions:
            noted: list[_Before] = []
            seen: set[tuple[int, Any, Any]] = set()
            if len(transact_items) <= 100:
                for entry in transact_items:
                    if not isinstance(entry, dict) or len(entry) != 1:
                        continue
                    op_type, op = next(iter(entry.items()))
                    key = _key(self, op_type, op) if isinstance(op, dict) else None
                    if key is not None and (id(key[0]), key[1], key[2]) not in seen:
                        seen.add((id(key[0]), key[1], key[2]))
                        noted.append(_before(*key, update=op_type == "Update"))
            _running.transaction = True
            try:
                original(self, transact_items)
            except (TransactionCanceledException, MockValidationException) as error:
                # moto rolls back on these, except on the two it raises outside its rollback.
                if not isinstance(error, TransactWriteSingleOpException | TooManyTransactionsException):
                    _restore(noted)
                raise
            finally:
                _running.transaction = False

    return transact_write_items


_MODELS = "moto.dynamodb.models"
_ROLLBACK = (
    "a transaction that fails leaves every item it names as it was, and only those (Amazon DynamoDB Developer "
    "Guide, Amazon DynamoDB Transactions: isolation levels)"
)
PATCHES = PatchSet(
    "DynamoDB at scale",
    [
        Patch.replace(_MODELS, "copy", _LiveTables(), why=_ROLLBACK),  # the module's own `copy` name
        Patch.wrap(f"{_MODELS}:DynamoDBBackend", "transact_write_items", _transact_write_items, why=_ROLLBACK),
        Patch.wrap(
            f"{_MODELS}.table:Table",
            "all_items",
            _all_items,
            why="a cost, not an answer: the same items in the same key order (Amazon DynamoDB Developer Guide, "
            "Query and Scan), each key's value computed once",
        ),
    ],
)
