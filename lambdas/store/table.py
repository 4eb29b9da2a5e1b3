"""The item-level contract every store is built on: a single table with conditional writes and
sparse indexes. Two implementations keep it: DynamoDB (the cloud, and moto) and memory (unit tests).

Items are flat dicts of strings and numbers: key attributes, index attributes, a few scalar attributes
that conditions test, and the entity itself serialized in `data`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

Item = dict[str, Any]


class ConditionFailed(Exception):
    """A conditional write found the item not in the expected state."""


@dataclass(frozen=True)
class Put:
    """One conditional write of a transaction: the conditions of Table.put."""

    item: Item
    if_absent: bool = False
    expect: dict[str, Any] | None = None
    newer: tuple[str, str] | None = None


@dataclass(frozen=True)
class Add:
    """One write of a transaction that adds to numeric attributes of an item (DynamoDB's UpdateItem `ADD`):
    a counter kept beside the items it counts, written in the same transaction as they are. An absent item or
    attribute counts from 0."""

    pk: str
    sk: str
    amounts: dict[str, int]


Write = Put | Add

MAX_TRANSACTION = 100  # DynamoDB's TransactWriteItems limit


@dataclass(frozen=True)
class Page:
    items: list[Item]
    next_key: Item | None = None


@dataclass(frozen=True)
class Query:
    partition: str
    index: str | None = None
    sort_prefix: str | None = None
    sort_at_most: str | None = None
    limit: int | None = None
    start_after: Item | None = None
    descending: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def check_start_key(start_after: Item, pk_name: str, sk_name: str) -> None:
    """A continuation key must be one this table handed out for this index: anything else is the
    caller's bad NextToken, not a server fault."""
    from lambdas.domain.errors import InvalidParameterValueException
    from lambdas.store.schema import TABLE_PARTITION_KEY, TABLE_SORT_KEY

    needed = {TABLE_PARTITION_KEY, TABLE_SORT_KEY, pk_name, sk_name}
    if set(start_after) != needed or not all(isinstance(v, str) for v in start_after.values()):
        raise InvalidParameterValueException("Invalid NextToken: it does not continue this listing")


class Table(Protocol):
    def put(
        self,
        item: Item,
        *,
        if_absent: bool = False,
        expect: dict[str, Any] | None = None,
        newer: tuple[str, str] | None = None,
    ) -> None:
        """Write the item. if_absent: fail if an item with that key exists. expect: fail unless every
        named attribute of the stored item equals the given value (None: the attribute is absent).
        newer=(name, value): fail if the item exists with `name` at or above `value` (a string compare):
        "keep the newest" in one write, with no read first."""

    def get(self, pk: str, sk: str) -> Item | None: ...

    def get_many(self, keys: list[tuple[str, str]]) -> list[Item]:
        """The items that exist among these (pk, sk) keys, in no particular order (BatchGetItem, 100 keys a call,
        strongly consistent)."""

    def delete(self, pk: str, sk: str, *, expect: dict[str, Any] | None = None) -> None: ...

    def query(self, query: Query) -> Page: ...

    def put_many(self, items: list[Item]) -> None:
        """Unconditional batch write (batched 25 at a time on DynamoDB)."""

    def transact(self, puts: Sequence[Write]) -> None:
        """All of the writes (at most MAX_TRANSACTION, on distinct keys) or none: ConditionFailed when any
        condition does not hold, or another write to one of the items canceled it (a conflict), and then nothing
        is written."""
