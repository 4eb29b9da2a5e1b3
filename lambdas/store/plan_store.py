"""Backup plans, their versions and their selections.

PK PLAN#id: SK CURRENT (the live version, VersionId checked on update), SK VERSION#vid (every version),
SK SELECTION#sid. Listing live plans uses GSI1 (PLANS, name#id); listing every plan, deleted ones too,
uses GSI2 (PLANS#ALL, name#id): GSI2's other partitions are resource ARNs, which never look like that."""

from __future__ import annotations

from datetime import datetime

from lambdas.domain.errors import AlreadyExistsException, ConflictException, ResourceNotFoundException
from lambdas.domain.plans import BackupPlan
from lambdas.domain.selections import BackupSelection
from lambdas.store.codec import decode_token, encode_token, from_item, sortable, to_item
from lambdas.store.table import ConditionFailed, Query, Table

_CURRENT = "CURRENT"
_LIST_PARTITION = "PLANS"
_ALL_PARTITION = "PLANS#ALL"
_VERSION = "VERSION#"
_SELECTION = "SELECTION#"


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
            GSI2PK=_ALL_PARTITION,
            GSI2SK=f"{plan.BackupPlanName}#{plan.BackupPlanId}",
        )

    def _version_item(self, plan: BackupPlan) -> dict[str, object]:
        return to_item(_pk(plan.BackupPlanId), f"{_VERSION}{sortable(plan.CreationDate)}#{plan.VersionId}", plan)

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

    def put_version(self, plan: BackupPlan) -> None:
        """Write a version item again (idempotent): heals a create that stopped between its two writes."""
        self._table.put(self._version_item(plan))

    def save_tags(self, plan_id: str, tags: dict[str, str]) -> BackupPlan:
        """Replace the live plan's tags without making a new version (tags are not part of the plan document)."""
        current = self.get(plan_id)
        tagged = current.model_copy(update={"Tags": dict(tags)})
        try:
            self._table.put(self._current_item(tagged), expect={"VersionId": current.VersionId})
        except ConditionFailed:
            raise ConflictException(f"Backup plan {plan_id} changed while its tags were being updated; retry") from None
        return tagged

    def record_execution(self, plan_id: str, when: datetime) -> None:
        """LastExecutionDate moves forward only; a plan changed meanwhile keeps its new version untouched."""
        current = self.find(plan_id)
        if current is None or (current.LastExecutionDate and current.LastExecutionDate >= when):
            return
        stamped = current.model_copy(update={"LastExecutionDate": when})
        try:
            self._table.put(self._current_item(stamped), expect={"VersionId": current.VersionId})
        except ConditionFailed:
            return

    def versions(self, plan_id: str) -> list[BackupPlan]:
        """Every version, oldest first."""
        page = self._table.query(Query(_pk(plan_id), sort_prefix=_VERSION))
        return [from_item(BackupPlan, item) for item in page.items]

    def version_page(
        self, plan_id: str, limit: int = 1000, token: str | None = None
    ) -> tuple[list[BackupPlan], str | None]:
        """Versions newest first, a page at a time."""
        query = Query(_pk(plan_id), sort_prefix=_VERSION, limit=limit, start_after=decode_token(token), descending=True)
        page = self._table.query(query)
        return [from_item(BackupPlan, item) for item in page.items], encode_token(page.next_key)

    def page(
        self, limit: int = 1000, token: str | None = None, *, include_deleted: bool = False
    ) -> tuple[list[BackupPlan], str | None]:
        partition, index = (_ALL_PARTITION, "GSI2") if include_deleted else (_LIST_PARTITION, "GSI1")
        page = self._table.query(Query(partition, index=index, limit=limit, start_after=decode_token(token)))
        return [from_item(BackupPlan, item) for item in page.items], encode_token(page.next_key)

    def live(self) -> list[BackupPlan]:
        """Every plan not deleted (at most the per-account quota of them)."""
        page = self._table.query(Query(_LIST_PARTITION, index="GSI1"))
        return [from_item(BackupPlan, item) for item in page.items]

    def add_selection(self, selection: BackupSelection) -> None:
        item = to_item(_pk(selection.BackupPlanId), f"{_SELECTION}{selection.SelectionId}", selection)
        try:
            self._table.put(item, if_absent=True)
        except ConditionFailed:
            raise AlreadyExistsException(f"Selection {selection.SelectionId} already exists") from None

    def selections(self, plan_id: str) -> list[BackupSelection]:
        page = self._table.query(Query(_pk(plan_id), sort_prefix=_SELECTION))
        return [from_item(BackupSelection, item) for item in page.items]

    def selection_page(
        self, plan_id: str, limit: int = 1000, token: str | None = None
    ) -> tuple[list[BackupSelection], str | None]:
        page = self._table.query(
            Query(_pk(plan_id), sort_prefix=_SELECTION, limit=limit, start_after=decode_token(token))
        )
        return [from_item(BackupSelection, item) for item in page.items], encode_token(page.next_key)

    def find_selection(self, plan_id: str, selection_id: str) -> BackupSelection | None:
        item = self._table.get(_pk(plan_id), f"{_SELECTION}{selection_id}")
        return None if item is None else from_item(BackupSelection, item)

    def get_selection(self, plan_id: str, selection_id: str) -> BackupSelection:
        item = self._table.get(_pk(plan_id), f"{_SELECTION}{selection_id}")
        if item is None:
            raise ResourceNotFoundException(f"Selection {selection_id} of backup plan {plan_id} does not exist")
        return from_item(BackupSelection, item)

    def delete_selection(self, plan_id: str, selection_id: str) -> None:
        self.get_selection(plan_id, selection_id)
        self._table.delete(_pk(plan_id), f"{_SELECTION}{selection_id}")
