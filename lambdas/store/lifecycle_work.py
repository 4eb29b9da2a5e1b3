"""Whether the hourly Lifecycle run may have anything to do, from one small item: most runs find nothing (no point
due, no leftover, no vault lock, no legal hold), yet each made four queries to learn it.

The item (PK LIFECYCLE#WORK, SK MARKER) holds `Changes`, a count that every write able to give Lifecycle work adds
to: a live recovery point recorded (in the same transaction) or saved again (just before: its lifecycle may have
moved earlier), a leftover recorded, a vault written with a lock, a legal hold created. A run that finds nothing to
do records the count it read and when the next point falls due (`QuietOnce`, `QuietOnceAt`); a later run, at least
SETTLE after, that finds nothing again for the same count records `Quiet` and `QuietUntil`. While `Quiet` equals
`Changes` and the clock is before `QuietUntil`, a run reads this item and stops. Two runs apart, not one, because
the lifecycle index is a global secondary index, read eventually consistently: a point recorded just before one
run's query may not be in it yet, but it is by the later run's. No item (a table from before) means "look".

Conservative by construction: a count added in vain (a write that failed after it) costs one full run, and the
time bound ends the quiet when the earliest known point falls due."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from lambdas.store.codec import sortable
from lambdas.store.table import Add, ConditionFailed, Table

_PK, _SK = "LIFECYCLE#WORK", "MARKER"
SETTLE = timedelta(minutes=5)  # far longer than a global secondary index takes to catch up
_ANNOUNCE_TRIES = 3  # a transaction on the item may be under way (TransactionConflict): try again


def announced() -> Add:
    """The marker's write, for a transaction that records lifecycle work."""
    return Add(_PK, _SK, {"Changes": 1})


def _moment(value: object) -> datetime | None:
    return None if value in (None, "") else datetime.fromisoformat(str(value).replace("Z", "+00:00"))


@dataclass(frozen=True)
class LifecycleMarker:
    changes: int | None  # None: no marker yet
    quiet_once: int | None
    quiet_once_at: datetime | None
    quiet: int | None
    quiet_until: datetime | None  # None with `quiet` set: no point in the lifecycle index at all

    def nothing_to_do(self, now: datetime) -> bool:
        return (
            self.changes is not None
            and self.quiet == self.changes
            and (self.quiet_until is None or now < self.quiet_until)
        )


class LifecycleWork:
    def __init__(self, table: Table) -> None:
        self._table = table

    def announce(self) -> None:
        """Before a write that may give Lifecycle work and cannot carry `announced()` in its own transaction."""
        for attempt in range(_ANNOUNCE_TRIES):
            try:
                self._table.transact([announced()])
                return
            except ConditionFailed:  # only a conflict with another transaction on the item: it passes
                if attempt == _ANNOUNCE_TRIES - 1:
                    raise

    def read(self) -> LifecycleMarker:
        item = self._table.get(_PK, _SK) or {}

        def number(name: str) -> int | None:
            value = item.get(name)
            return None if value is None else int(value)

        return LifecycleMarker(
            number("Changes"),
            number("QuietOnce"),
            _moment(item.get("QuietOnceAt")),
            number("Quiet"),
            _moment(item.get("QuietUntil")),
        )

    def found_nothing(self, marker: LifecycleMarker, now: datetime, next_due: datetime | None) -> None:
        """A run that read `marker` at `now` found nothing to do, and no point due before `next_due` (None: none at
        all). Written only if nothing was announced since (Changes unchanged); the second such run, SETTLE or more
        after the first, lets the runs after it stop at the marker."""
        changes = marker.changes or 0
        item: dict[str, object] = {
            "PK": _PK,
            "SK": _SK,
            "Changes": changes,
            "QuietOnce": changes,
            "QuietOnceAt": sortable(now),
        }
        settled = marker.quiet_once_at is not None and now - marker.quiet_once_at >= SETTLE
        if marker.quiet_once == changes and settled:
            assert marker.quiet_once_at is not None
            item["Quiet"] = changes
            item["QuietUntil"] = sortable(next_due) if next_due is not None else ""
            # The first finding stays recorded: a third run confirms again from it.
            item["QuietOnceAt"] = sortable(marker.quiet_once_at)
        with suppress(ConditionFailed):  # work was announced meanwhile: the next run looks again
            self._table.put(item, expect={"Changes": marker.changes})
