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
- moto runs a regular expression with a look-behind over every answer's whole body, to put the request id into
  an XML `<RequestId>` element: on a page of DynamoDB items, a third of a millisecond for nothing. It runs only
  where the body holds `<RequestId>`, the only bodies it can change.
- moto sizes every item a query or batch read meets, twice per item in a query (for the 1 MB page limit), by
  asking each value in turn whether it is a number, a set, a list, a map or a boolean: a string or a number held
  as text is sized at once, as the last and first of those branches size it.
- moto turns a DynamoDB result into plain values by asking every dict, list and string whether it is a
  datetime, a DynamoType or has `to_json`: plain dicts, lists and scalars are copied as they are first.

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


def _request_id_where_it_can_go(original: Callable[..., Any]) -> staticmethod[..., Any]:
    """moto's `_enrich_response`: the status as text and a request id in the headers, always; its substitution of
    `(?<=<RequestId>).*(?=</RequestId>)` only where it can match (a body that is not text it leaves alone too)."""

    def enrich_response(headers: Any, body: Any) -> tuple[Any, Any]:
        if isinstance(body, str) and _REQUEST_ID_ELEMENT in body:
            return original(headers, body)
        enriched, _ = original(headers, "")  # the headers' part, on a body with nothing to substitute
        return enriched, body

    return staticmethod(enrich_response)


_REQUEST_ID_ELEMENT = "<RequestId>"


def _plain_values_first(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """moto's `dynamo_to_dict`, answering first what its last branches answer: a plain dict or list (neither a
    datetime, a DynamoType nor anything with `to_json`) converted member by member, a plain scalar as it is, and a
    DynamoType other than a blob as `{type: value converted}`. Anything else (a subclass, a blob, an object) is
    the original's."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    def dynamo_to_dict(obj: Any) -> Any:
        kind = type(obj)
        if kind is dict:
            return {key: dynamo_to_dict(value) for key, value in obj.items()}
        if kind is list:
            return [dynamo_to_dict(value) for value in obj]
        if kind is str or kind is int or kind is float or kind is bool or obj is None:
            return obj
        if kind is DynamoType and obj.type not in ("B", "BS"):
            return {obj.type: dynamo_to_dict(obj.value)}
        return original(obj)

    return dynamo_to_dict


def _text_sized_at_once(original: Callable[[Any], int]) -> Callable[[Any], int]:
    """moto's `DynamoType.size`: a string is its UTF-8 length, a number held as text its length (what its
    branches answer for them); anything else is the original's."""

    def size(self: Any) -> int:
        value = self.value
        if type(value) is str:
            if self.type == "S":
                return len(value.encode("utf-8"))
            if self.type == "N":
                return len(value)
        return original(self)

    return size


def _item_sized_in_a_loop(original: Callable[[Any], int]) -> Callable[[Any], int]:
    """moto's `Item.size`: each attribute name's UTF-8 length plus its value's size, summed."""

    def size(self: Any) -> int:
        total = 0
        for name, value in self.attrs.items():
            if type(name) is not str:
                return original(self)
            total += len(name.encode("utf-8")) + value.size()
        return total

    return size


def _cached(found: Callable[..., Any]) -> Callable[..., Any]:
    return functools.lru_cache(maxsize=None)(found)


def _listed_once(found: Callable[[], list[str]]) -> Callable[[], tuple[str, ...]]:
    modules = tuple(found())
    return lambda: modules


_SAME = "a cost, not an answer: the same inputs give the same answers (tests/integration/test_emulator_speed.py)"
# The costs of writing an answer, after moto has found it (tests/integration/test_emulator_speed.py compares the
# wire story of tests/integration/test_dynamodb_wire.py with them and without them).
ANSWER_COSTS = PatchSet(
    "emulator answers written without needless walks",
    [
        Patch.wrap("moto.core.responses:BaseResponse", "_enrich_response", _request_id_where_it_can_go, why=_SAME),
        # moto's recursion calls the module's name; its handler calls the name it imported
        Patch.wrap("moto.dynamodb.models.utilities", "dynamo_to_dict", _plain_values_first, why=_SAME),
        Patch.wrap("moto.dynamodb.responses", "dynamo_to_dict", _plain_values_first, why=_SAME),
        Patch.wrap("moto.dynamodb.models.dynamo_type:DynamoType", "size", _text_sized_at_once, why=_SAME),
        Patch.wrap("moto.dynamodb.models.dynamo_type:Item", "size", _item_sized_in_a_loop, why=_SAME),
    ],
)
PATCHES = PatchSet(
    "emulator look-ups",
    [
        Patch.wrap("moto.dynamodb.models.table:Table", "query", _query, why=_SAME),
        Patch.wrap("moto.dynamodb.models.table:Table", "all_items", _all_items, why=_SAME),
        Patch.wrap("moto.backends", "list_of_moto_modules", _listed_once, why=_SAME),
        Patch.wrap("moto.core.responses", "method_names_from_class", _cached, why=_SAME),
        ANSWER_COSTS,
        dynamodb_wire.PATCHES,
    ],
)
