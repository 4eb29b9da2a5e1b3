"""Restore testing plans and their selections.

A plan: PK RTPLAN#name, SK PLAN; GSI1 RTPLANS by name. A selection lives in its plan's partition: PK RTPLAN#name,
SK SELECTION#name, so a plan's selections are one query and "does it still have selections" one read."""

from __future__ import annotations

from collections.abc import Iterator

from lambdas.domain.errors import ConflictException
from lambdas.domain.restore_testing.plans import RestoreTestingPlan, RestoreTestingSelection
from lambdas.store.codec import decode_token, encode_token, from_item, to_item
from lambdas.store.table import ConditionFailed, Query, Table

PLANS = "RTPLANS"
SELECTION = "SELECTION#"


def _pk(plan_name: str) -> str:
    return f"RTPLAN#{plan_name}"


def _plan_item(plan: RestoreTestingPlan) -> dict[str, object]:
    return to_item(
        _pk(plan.RestoreTestingPlanName),
        "PLAN",
        plan,
        GSI1PK=PLANS,
        GSI1SK=plan.RestoreTestingPlanName,
        Arn=plan.RestoreTestingPlanArn,
    )


def _selection_item(selection: RestoreTestingSelection) -> dict[str, object]:
    return to_item(
        _pk(selection.RestoreTestingPlanName), f"{SELECTION}{selection.RestoreTestingSelectionName}", selection
    )


class RestoreTestingStore:
    def __init__(self, table: Table) -> None:
        self._table = table

    # Plans
    def create_plan(self, plan: RestoreTestingPlan) -> bool:
        """False when a plan of that name exists: nothing written."""
        try:
            self._table.put(_plan_item(plan), if_absent=True)
        except ConditionFailed:
            return False
        return True

    def save_plan(self, plan: RestoreTestingPlan) -> None:
        """Replaces the plan only if it is still the one read (a deleted and re-created one is not)."""
        try:
            self._table.put(_plan_item(plan), expect={"Arn": plan.RestoreTestingPlanArn})
        except ConditionFailed:
            raise ConflictException(f"Restore testing plan {plan.RestoreTestingPlanName} changed meanwhile") from None

    def find_plan(self, name: str) -> RestoreTestingPlan | None:
        item = self._table.get(_pk(name), "PLAN")
        return from_item(RestoreTestingPlan, item) if item else None

    def delete_plan(self, name: str) -> None:
        self._table.delete(_pk(name), "PLAN")

    def plan_page(self, limit: int, token: str | None) -> tuple[list[RestoreTestingPlan], str | None]:
        page = self._table.query(Query(PLANS, index="GSI1", limit=limit, start_after=decode_token(token)))
        return [from_item(RestoreTestingPlan, item) for item in page.items], encode_token(page.next_key)

    def every_plan(self) -> Iterator[RestoreTestingPlan]:
        token: str | None = None
        while True:
            plans, token = self.plan_page(1000, token)
            yield from plans
            if token is None:
                return

    # Selections
    def create_selection(self, selection: RestoreTestingSelection) -> bool:
        try:
            self._table.put(_selection_item(selection), if_absent=True)
        except ConditionFailed:
            return False
        return True

    def save_selection(self, selection: RestoreTestingSelection) -> None:
        self._table.put(_selection_item(selection))

    def find_selection(self, plan_name: str, name: str) -> RestoreTestingSelection | None:
        item = self._table.get(_pk(plan_name), f"{SELECTION}{name}")
        return from_item(RestoreTestingSelection, item) if item else None

    def delete_selection(self, plan_name: str, name: str) -> None:
        self._table.delete(_pk(plan_name), f"{SELECTION}{name}")

    def selection_page(
        self, plan_name: str, limit: int, token: str | None
    ) -> tuple[list[RestoreTestingSelection], str | None]:
        page = self._table.query(
            Query(_pk(plan_name), sort_prefix=SELECTION, limit=limit, start_after=decode_token(token))
        )
        return [from_item(RestoreTestingSelection, item) for item in page.items], encode_token(page.next_key)

    def selections(self, plan_name: str) -> list[RestoreTestingSelection]:
        found: list[RestoreTestingSelection] = []
        token: str | None = None
        while True:
            page, token = self.selection_page(plan_name, 1000, token)
            found += page
            if token is None:
                return found
