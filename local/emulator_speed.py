"""Where the emulator scans, the local runtime looks up: the per-request and per-query costs that made a scheduled
invocation cost tens of milliseconds once the table held a few thousand items (profiled: docs/performance.md).

- moto's Query reads every item of the table (sorting them all by key first) and keeps those of the queried
  partition. Here a Query hands moto only the partition's items: for a table query the partition itself (items
  are stored by hash key), for an index query the items whose index key attributes equal the query's. What moto
  does with them (sort, pagination, range conditions, filters, limits) is unchanged, so answers are the same.
- moto's server dispatcher lists its own package directory on disk for every request (`host in
  list_of_moto_modules()`): the listing is read once.
- moto's responses find the action's method with `inspect.getmembers` over the response class on every request:
  once per class.
- moto's serializer walks every DynamoDB attribute value through botocore's shape with six alias look-ups per
  member: plain attribute values are written directly (local/dynamodb_wire.py).

Each is a pure speed-up: same inputs, same answers. tests/integration/test_emulator_speed.py checks that."""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any

from local import dynamodb_wire
from local.patching import Patch, PatchSet

_partition = threading.local()  # the query's partition while moto's Table.query runs in this thread


def _partition_items(table: Any, wanted: tuple[Any, list[tuple[str, Any]]]) -> list[Any]:
    hash_key, conditions = wanted
    if not conditions:  # a query on the table's own key: its items are stored by hash key
        stored = table.items.get(hash_key) if hash_key is not None else None
        if stored is None:
            return []
        items = list(stored.values()) if table.range_key_attr else [stored]
    else:
        ranges = list(table.items.values())
        stored_items = (
            [item for by_range in ranges for item in list(by_range.values())] if table.range_key_attr else ranges
        )
        if len(conditions) == 1:  # an index with one hash key attribute (every index Strongroom has): one look each
            ((name, expected),) = conditions
            kind, value = expected.type, expected.value
            items = [
                item
                for item in stored_items
                if (stored := item.attrs.get(name)) is not None and stored.type == kind and stored.value == value
            ]
        else:
            items = [
                item for item in stored_items if all(_same(item.attrs.get(name), value) for name, value in conditions)
            ]
    return items


def _same(stored: Any, expected: Any) -> bool:
    return stored is not None and stored.type == expected.type and stored.value == expected.value


def _query(original: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(original)

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        arguments = signature.bind(self, hash_key, *args, **kwargs).arguments  # moto passes index_name by position
        index_name = arguments.get("index_name")
        conditions = arguments.get("hash_key_conditions") or []
        if index_name and not conditions:  # a form this does not know: moto's own scan
            return original(self, hash_key, *args, **kwargs)
        _partition.wanted = (hash_key, list(conditions) if index_name else [])
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            _partition.wanted = None

    return query


def _all_items(original: Callable[[Any], list[Any]]) -> Callable[[Any], list[Any]]:
    def all_items(self: Any) -> list[Any]:
        wanted = getattr(_partition, "wanted", None)
        if wanted is None:
            return original(self)
        _partition.wanted = None  # only the query's own read, never a nested one
        return _partition_items(self, wanted)  # moto's query sorts what it keeps by the keys itself

    return all_items


def _cached(found: Callable[..., Any]) -> Callable[..., Any]:
    return functools.lru_cache(maxsize=None)(found)


def _listed_once(found: Callable[[], list[str]]) -> Callable[[], tuple[str, ...]]:
    modules = tuple(found())
    return lambda: modules


_SAME = "a cost, not an answer: the same inputs give the same answers (tests/integration/test_emulator_speed.py)"
PATCHES = PatchSet(
    "emulator look-ups",
    [
        Patch.wrap("moto.dynamodb.models.table:Table", "query", _query, why=_SAME),
        Patch.wrap("moto.dynamodb.models.table:Table", "all_items", _all_items, why=_SAME),
        Patch.wrap("moto.backends", "list_of_moto_modules", _listed_once, why=_SAME),
        Patch.wrap("moto.core.responses", "method_names_from_class", _cached, why=_SAME),
        dynamodb_wire.PATCHES,
    ],
)
