"""Which resources some restore testing selection covers, so that a completed backup takes its data check's record
(a Scan of a table, a listing of a bucket, a read of a file tree) only when a restore test may use it.

A selection covers a resource of its ProtectedResourceType named in its ProtectedResourceArns, or every resource
of the type with ["*"], kept by its ProtectedResourceConditions on the resource's tags. The selections are read
once per tracking run, at the first backup that completes, however many complete. A resource added to a
selection later has its next backup recorded; a test of one of its older points checks only that the restore
completed, and says so (restore_testing_validation)."""

from __future__ import annotations

from collections.abc import Iterable

from lambdas.domain.restore_testing.plans import WILDCARD, RestoreTestingSelection
from lambdas.store.restore_testing_store import RestoreTestingStore


def covers(selections: Iterable[RestoreTestingSelection], resource_type: str, arn: str, tags: dict[str, str]) -> bool:
    for selection in selections:
        if selection.ProtectedResourceType != resource_type:
            continue
        arns = selection.ProtectedResourceArns or []
        if arn in arns:
            return True
        conditions = selection.ProtectedResourceConditions
        if WILDCARD in arns and (conditions is None or conditions.match(tags)):
            return True
    return False


class RestoreTestCoverage:
    """The selections of every restore testing plan, read at the first question and kept for the run."""

    def __init__(self, store: RestoreTestingStore) -> None:
        self._store = store
        self._selections: list[RestoreTestingSelection] | None = None

    def covers(self, resource_type: str, arn: str, tags: dict[str, str]) -> bool:
        if self._selections is None:
            self._selections = [
                selection
                for plan in self._store.every_plan()
                for selection in self._store.selections(plan.RestoreTestingPlanName)
            ]
        return covers(self._selections, resource_type, arn, tags)
