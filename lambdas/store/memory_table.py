"""In-memory twin of the DynamoDB table, for unit tests and the contract suite."""

from __future__ import annotations

import copy
import threading
from collections.abc import Sequence
from typing import Any

from lambdas.store.schema import TABLE_INDEXES, TABLE_PARTITION_KEY, TABLE_SORT_KEY
from lambdas.store.table import (
    MAX_TRANSACTION,
    Add,
    ConditionFailed,
    Item,
    Page,
    Put,
    Query,
    Write,
    check_start_key,
)


class MemoryTable:
    def __init__(self) -> None:
        self._items: dict[tuple[str, str], Item] = {}
        # partition attribute (the table's and each index's) -> its value -> keys of the items holding it, so a
        # query reads its partition, as DynamoDB does, not every item (a year's simulation made 155,000 queries)
        self._partitions: dict[str, dict[Any, set[tuple[str, str]]]] = {
            name: {} for name in {TABLE_PARTITION_KEY, *(pk for pk, _ in TABLE_INDEXES.values())}
        }
        self._lock = threading.Lock()

    def _store(self, key: tuple[str, str], item: Item) -> None:
        self._drop(key)
        self._items[key] = item
        for name, partitions in self._partitions.items():
            if name in item:
                partitions.setdefault(item[name], set()).add(key)

    def _drop(self, key: tuple[str, str]) -> None:
        old = self._items.pop(key, None)
        if old is not None:
            for name, partitions in self._partitions.items():
                if name in old:
                    partitions[old[name]].discard(key)

    @staticmethod
    def _key(item: Item) -> tuple[str, str]:
        return item[TABLE_PARTITION_KEY], item[TABLE_SORT_KEY]

    def _check(self, current: Item | None, if_absent: bool, expect: dict[str, Any] | None) -> None:
        if if_absent and current is not None:
            raise ConditionFailed("item exists")
        for name, value in (expect or {}).items():
            actual = None if current is None else current.get(name)
            # as DynamoDB: attribute_not_exists holds for a missing item, an equality does not
            if actual != value or (current is None and value is not None):
                raise ConditionFailed(f"{name} is {actual!r}, expected {value!r}")

    def put(
        self,
        item: Item,
        *,
        if_absent: bool = False,
        expect: dict[str, Any] | None = None,
        newer: tuple[str, str] | None = None,
    ) -> None:
        with self._lock:
            key = self._key(item)
            current = self._items.get(key)
            self._check(current, if_absent, expect)
            self._check_newer(current, newer)
            self._store(key, copy.deepcopy(item))

    @staticmethod
    def _check_newer(current: Item | None, newer: tuple[str, str] | None) -> None:
        if newer is not None and current is not None:
            name, value = newer
            # as DynamoDB's `#n < :v`: an item without the attribute fails the comparison
            if name not in current or not str(current[name]) < value:
                raise ConditionFailed(f"{name} is {current.get(name)!r}, not older than {value!r}")

    def get(self, pk: str, sk: str) -> Item | None:
        with self._lock:
            item = self._items.get((pk, sk))
            return copy.deepcopy(item) if item is not None else None

    def get_many(self, keys: list[tuple[str, str]]) -> list[Item]:
        with self._lock:
            return [copy.deepcopy(self._items[key]) for key in dict.fromkeys(keys) if key in self._items]

    def delete(self, pk: str, sk: str, *, expect: dict[str, Any] | None = None) -> None:
        with self._lock:
            if expect:
                self._check(self._items.get((pk, sk)), False, expect)
            self._drop((pk, sk))

    def put_many(self, items: list[Item]) -> None:
        for item in items:
            self.put(item)

    def transact(self, puts: Sequence[Write]) -> None:
        keys = [(w.pk, w.sk) if isinstance(w, Add) else self._key(w.item) for w in puts]
        if len(puts) > MAX_TRANSACTION or len(set(keys)) != len(puts):
            raise ValueError(f"a transaction holds at most {MAX_TRANSACTION} writes, on distinct keys")
        with self._lock:
            for write in puts:
                if isinstance(write, Put):
                    current = self._items.get(self._key(write.item))
                    self._check(current, write.if_absent, write.expect)
                    self._check_newer(current, write.newer)
            for key, write in zip(keys, puts, strict=True):
                if isinstance(write, Put):
                    self._store(key, copy.deepcopy(write.item))
                    continue
                if key not in self._items:
                    self._store(key, {TABLE_PARTITION_KEY: write.pk, TABLE_SORT_KEY: write.sk})
                item = self._items[key]
                for name, amount in write.amounts.items():
                    item[name] = int(item.get(name, 0)) + amount

    def query(self, query: Query) -> Page:
        pk_name, sk_name = TABLE_INDEXES[query.index] if query.index else (TABLE_PARTITION_KEY, TABLE_SORT_KEY)
        if query.sort_prefix is not None and query.sort_at_most is not None:
            raise ValueError("a query takes either a sort key prefix or an upper bound, not both")
        with self._lock:
            matches = [
                copy.deepcopy(item)
                for item in (self._items[key] for key in self._partitions[pk_name].get(query.partition, ()))
                if item.get(pk_name) == query.partition
                and sk_name in item
                and (query.sort_prefix is None or str(item[sk_name]).startswith(query.sort_prefix))
                and (query.sort_at_most is None or str(item[sk_name]) <= query.sort_at_most)
            ]
        # DynamoDB orders by the sort key, then (on an index) by the table key for ties.
        matches.sort(key=lambda i: (i[sk_name], i[TABLE_PARTITION_KEY], i[TABLE_SORT_KEY]), reverse=query.descending)
        if query.start_after is not None:
            check_start_key(query.start_after, pk_name, sk_name)
            start = query.start_after
            marker = (start[sk_name], start[TABLE_PARTITION_KEY], start[TABLE_SORT_KEY])

            def position(item: Item) -> tuple[str, str, str]:
                return (item[sk_name], item[TABLE_PARTITION_KEY], item[TABLE_SORT_KEY])

            # Resume after the marker's position, whether or not that item still exists (as DynamoDB does).
            if query.descending:
                matches = [i for i in matches if position(i) < marker]
            else:
                matches = [i for i in matches if position(i) > marker]
        if query.limit is not None and len(matches) > query.limit:
            page = matches[: query.limit]
            last = page[-1]
            next_key = {TABLE_PARTITION_KEY: last[TABLE_PARTITION_KEY], TABLE_SORT_KEY: last[TABLE_SORT_KEY]}
            if query.index:
                next_key[pk_name], next_key[sk_name] = last[pk_name], last[sk_name]
            return Page(page, next_key)
        return Page(matches)
