"""The resumable walk every copy-into-vault job makes: over a point's manifest, part by part and entry by entry,
from a saved cursor, until the manifest ends or the call's budget does. Backups (EFS uploading files), copies
(S3 copying versions) and restores (both types) differ only in what they do with one entry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lambdas.resources.vault_copy.state import ManifestCursor
from lambdas.resources.vault_storage import WorkBudget

Entry = dict[str, Any]


def _nothing(part: int, entries: list[Entry]) -> None:
    return None


@dataclass(frozen=True)
class ManifestWalk:
    """read_part: a part's entries. visit: does one entry's work and says whether it did any (which spends the
    budget; an entry left out, say by ItemsToRestore, costs nothing). part_done: after a part's last entry,
    before the cursor moves on (an S3 copy writes its own manifest part then). paused: when the budget runs out
    inside a part (an EFS backup saves the entries it marked gone)."""

    read_part: Callable[[int], list[Entry]]
    visit: Callable[[Entry], bool]
    part_done: Callable[[int, list[Entry]], None] = _nothing
    paused: Callable[[int, list[Entry]], None] = _nothing

    def run(self, cursor: ManifestCursor, budget: WorkBudget) -> bool:
        """True when the whole manifest has been walked; False when the budget ran out first, the cursor at the
        first entry not yet visited. The caller saves the cursor; a crash before that repeats, from the last
        saved cursor, work that is idempotent (an object copied again is the same object)."""
        while cursor.part < cursor.parts:
            entries = self.read_part(cursor.part)
            while cursor.index < len(entries):
                if budget.exhausted:
                    self.paused(cursor.part, entries)
                    return False
                if self.visit(entries[cursor.index]):
                    budget.spend()
                cursor.index += 1
            self.part_done(cursor.part, entries)
            cursor.next_part()
        return True
