"""Whether any backup or copy job may be open, from one small item: TrackJobs fires every 5 minutes, and on most
firings nothing is open (jobs open when a rule fires and close within the hour), yet it queried the open-job
index of each kind every time.

The item (PK JOBS#OPEN, SK MARKER) holds `Opened`, a count every creation of backup or copy jobs adds to before it
writes them (so a crash between the two can only make the tracker look in vain), and what the tracker found:
`EmptyOnce`, the count when one run's queries found no open job, and `Empty`, the count when a later run found
none again. The tracker skips its queries only while `Empty` equals `Opened`: no job was created since two runs,
minutes apart, found none open. Two runs, not one, because the open-job index is a global secondary index, read
eventually consistently: a job created just before one run's query may not be in the index yet, but it is by the
next run. No marker (a table written before it existed) means "may be open". Closing a job writes nothing here."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

from lambdas.store.table import Add, ConditionFailed, Table

_PK, _SK = "JOBS#OPEN", "MARKER"


@dataclass(frozen=True)
class OpenJobsMarker:
    opened: int | None  # None: no marker yet
    empty_once: int | None
    empty: int | None

    @property
    def nothing_open(self) -> bool:
        return self.opened is not None and self.empty == self.opened


class OpenJobs:
    def __init__(self, table: Table) -> None:
        self._table = table

    def opening(self) -> None:
        """Before backup or copy jobs are written."""
        self._table.transact([Add(_PK, _SK, {"Opened": 1})])

    def read(self) -> OpenJobsMarker:
        item = self._table.get(_PK, _SK) or {}

        def number(name: str) -> int | None:
            value = item.get(name)
            return None if value is None else int(value)

        return OpenJobsMarker(number("Opened"), number("EmptyOnce"), number("Empty"))

    def found_none(self, marker: OpenJobsMarker) -> None:
        """The tracker's queries found no open job, after it read `marker`. Written only if no job was created
        since (Opened unchanged); the second such run in a row lets the next ones skip their queries."""
        opened = marker.opened or 0
        item: dict[str, object] = {"PK": _PK, "SK": _SK, "Opened": opened, "EmptyOnce": opened}
        if marker.empty_once == opened:
            item["Empty"] = opened
        with suppress(ConditionFailed):  # a job was created meanwhile: the next run looks again
            self._table.put(item, expect={"Opened": marker.opened})
