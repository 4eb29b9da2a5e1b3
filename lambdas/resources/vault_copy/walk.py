"""The resumable walk every copy-into-vault job makes: over a point's manifest, part by part and entry by entry,
from a saved cursor, until the manifest ends or the call's budget does. Backups (EFS uploading files), copies
(S3 copying versions) and restores (both types) differ only in what they do with one entry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lambdas.resources.vault_copy.state import COMPLETED, FailureTally, ManifestCursor, StoredState
from lambdas.resources.vault_storage import WorkBudget

Entry = dict[str, Any]


class ManifestUnreadable(Exception):
    """A part of a manifest cannot be read, for good: the job fails saying so (read_part raises it; errors worth
    another try, like throttling, propagate instead and the next call resumes)."""


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


def walk_to_end(walk: ManifestWalk, cursor: ManifestCursor, budget: WorkBudget, job: StoredState) -> bool:
    """ManifestWalk.run, failing the job when its manifest cannot be read. True once the walk has ended."""
    try:
        return walk.run(cursor, budget)
    except ManifestUnreadable as unreadable:
        job.fail(str(unreadable))
        return False


def end_job(job: StoredState, tally: FailureTally, failure: Callable[[str], str]) -> None:
    """COMPLETED, or FAILED when some items failed: `failure` makes the message from the first few of them."""
    if tally.failed:
        job.fail(failure("; ".join(tally.errors)))
    else:
        job.status = COMPLETED
