"""Backup plans, their versions and their selections.

PK PLAN#id: SK CURRENT (the live version, VersionId checked on update), SK VERSION#vid (every version),
SK SELECTION#sid. Listing plans uses GSI1 (PLANS, name#id)."""

from __future__ import annotations

from lambdas.domain.errors import AlreadyExistsException, ConflictException, ResourceNotFoundException
from lambdas.domain.plans import BackupPlan
from lambdas.domain.selections import BackupSelection
from lambdas.store.codec import decode_token, encode_token, from_item, sortable, to_item
from lambdas.store.table import ConditionFailed, Query, Table

_CURRENT = "CURRENT"
_LIST_PARTITION = "PLANS"


def _pk(plan_id: str) -> str:
    return f"PLAN#{plan_id}"


class PlanStore:
    def __init__(self, table: Table) -> None:
        self._table = table

    def _current_item(self, plan: BackupPlan) -> dict[str, object]:
        return to_item(
            _pk(plan.BackupPlanId),
            _CURRENT,
            plan,
            VersionId=plan.VersionId,
            GSI1PK=_LIST_PARTITION if plan.DeletionDate is None else None,
            GSI1SK=f"{plan.BackupPlanName}#{plan.BackupPlanId}",
        )

    def _version_item(self, plan: BackupPlan) -> dict[str, object]:
        return to_item(_pk(plan.BackupPlanId), f"VERSION#{sortable(plan.CreationDate)}#{plan.VersionId}", plan)

    def create(self, plan: BackupPlan) -> None:
        try:
            self._table.put(self._current_item(plan), if_absent=True)
        except ConditionFailed:
            raise AlreadyExistsException(f"Backup plan {plan.BackupPlanId} already exists") from None
        self._table.put(self._version_item(plan))

    def replace(self, plan: BackupPlan, expected_version: str) -> None:
        """Write a new version, but only over the version the caller read (no lost update)."""
        try:
            self._table.put(self._current_item(plan), expect={"VersionId": expected_version})
        except ConditionFailed:
            raise ConflictException(
                f"Backup plan {plan.BackupPlanId} changed while it was being updated; read it again and retry"
            ) from None
        self._table.put(self._version_item(plan))

    def find(self, plan_id: str, version_id: str | None = None) -> BackupPlan | None:
        item = self._table.get(_pk(plan_id), _CURRENT)
        if item is None:
            return None
        plan = from_item(BackupPlan, item)
        if version_id is None or plan.VersionId == version_id:
            return plan
        for version in self.versions(plan_id):
            if version.VersionId == version_id:
                return version
        return None

    def get(self, plan_id: str, version_id: str | None = None) -> BackupPlan:
        plan = self.find(plan_id, version_id)
        if plan is None or (version_id is None and plan.DeletionDate is not None):
            suffix = f" version {version_id}" if version_id else ""
            raise ResourceNotFoundException(f"Backup plan {plan_id}{suffix} does not exist")
        return plan

    def versions(self, plan_id: str) -> list[BackupPlan]:
        page = self._table.query(Query(_pk(plan_id), sort_prefix="VERSION#"))
        return [from_item(BackupPlan, item) for item in page.items]

    def page(self, limit: int = 1000, token: str | None = None) -> tuple[list[BackupPlan], str | None]:
        page = self._table.query(Query(_LIST_PARTITION, index="GSI1", limit=limit, start_after=decode_token(token)))
        return [from_item(BackupPlan, item) for item in page.items], encode_token(page.next_key)

    def add_selection(self, selection: BackupSelection) -> None:
        item = to_item(_pk(selection.BackupPlanId), f"SELECTION#{selection.SelectionId}", selection)
        try:
            self._table.put(item, if_absent=True)
        except ConditionFailed:
            raise AlreadyExistsException(f"Selection {selection.SelectionId} already exists") from None

    def selections(self, plan_id: str) -> list[BackupSelection]:
        page = self._table.query(Query(_pk(plan_id), sort_prefix="SELECTION#"))
        return [from_item(BackupSelection, item) for item in page.items]

    def get_selection(self, plan_id: str, selection_id: str) -> BackupSelection:
        item = self._table.get(_pk(plan_id), f"SELECTION#{selection_id}")
        if item is None:
            raise ResourceNotFoundException(f"Selection {selection_id} of backup plan {plan_id} does not exist")
        return from_item(BackupSelection, item)

    def delete_selection(self, plan_id: str, selection_id: str) -> None:
        self.get_selection(plan_id, selection_id)
        self._table.delete(_pk(plan_id), f"SELECTION#{selection_id}")
