"""Legal holds, and the recovery points each was applied to.

A hold: PK LEGALHOLD#id, SK HOLD. GSI1 LEGALHOLDS, by creation time: every hold. GSI3 OPEN#LEGALHOLD
(sparse): the holds not canceled yet, which the account's quota counts.

A membership: in the recovery point's own partition, PK RP#arn, SK HOLD#id, so the holds on a point are one
query of its partition (the point itself is the item SK POINT there, read by key, never by query). GSI1
HOLDPOINTS#id, by point ARN: a hold's points. Memberships are the hold's record and stay when it is canceled:
whether a hold still protects is read from the hold, so cancelling is one conditional write.
"""

from __future__ import annotations

from collections.abc import Callable

from lambdas.domain.errors import ConflictException, ResourceNotFoundException
from lambdas.domain.legal_holds import HeldRecoveryPoint, LegalHold, LegalHoldStatus
from lambdas.store.codec import decode_token, encode_token, from_item, sortable, to_item
from lambdas.store.job_store import Slice, newest_first
from lambdas.store.lifecycle_work import LifecycleWork
from lambdas.store.table import ConditionFailed, Item, Query, Table

_SK = "HOLD"
_MEMBER = "HOLD#"
ALL_HOLDS = "LEGALHOLDS"
OPEN_HOLDS = "OPEN#LEGALHOLD"


def _item(hold: LegalHold) -> Item:
    order = f"{sortable(hold.CreationDate)}#{hold.LegalHoldId}"
    is_open = hold.Status != LegalHoldStatus.CANCELED
    return to_item(
        f"LEGALHOLD#{hold.LegalHoldId}",
        _SK,
        hold,
        State=hold.Status.value,
        GSI1PK=ALL_HOLDS,
        GSI1SK=order,
        GSI3PK=OPEN_HOLDS if is_open else None,
        GSI3SK=order if is_open else None,
    )


def _member_item(member: HeldRecoveryPoint) -> Item:
    return to_item(
        f"RP#{member.RecoveryPointArn}",
        f"{_MEMBER}{member.LegalHoldId}",
        member,
        GSI1PK=f"HOLDPOINTS#{member.LegalHoldId}",
        GSI1SK=member.RecoveryPointArn,
    )


class LegalHoldStore:
    def __init__(self, table: Table) -> None:
        self._table = table

    def create(self, hold: LegalHold) -> bool:
        """False when a hold with this id exists already (the same IdempotencyToken): nothing is written."""
        LifecycleWork(self._table).announce()  # a hold gives the hourly Lifecycle run work (its missing check)
        try:
            self._table.put(_item(hold), if_absent=True)
        except ConditionFailed:
            return False
        return True

    def find(self, hold_id: str) -> LegalHold | None:
        item = self._table.get(f"LEGALHOLD#{hold_id}", _SK)
        return from_item(LegalHold, item) if item else None

    def get(self, hold_id: str) -> LegalHold:
        hold = self.find(hold_id)
        if hold is None:
            raise ResourceNotFoundException(f"Legal hold {hold_id} does not exist")
        return hold

    def save(self, hold: LegalHold, expected_status: str) -> None:
        try:
            self._table.put(_item(hold), expect={"State": expected_status})
        except ConditionFailed:
            raise ConflictException(
                f"Legal hold {hold.LegalHoldId} is no longer {expected_status}; it changed meanwhile"
            ) from None

    def page(
        self, limit: int = 1000, token: str | None = None, keep: Callable[[LegalHold], bool] | None = None
    ) -> tuple[list[LegalHold], str | None]:
        """Every hold, newest first; `keep` filters while paging."""
        return newest_first(self._table, LegalHold, Slice(ALL_HOLDS, "GSI1"), keep, limit, token)

    def count_open(self, at_most: int) -> int:
        """How many holds are not canceled, counting no further than `at_most`."""
        return len(self._table.query(Query(OPEN_HOLDS, index="GSI3", limit=at_most)).items)

    def open_holds(self) -> list[LegalHold]:
        """Every hold not canceled yet (the sparse open index: canceled holds are never read)."""
        holds: list[LegalHold] = []
        start: Item | None = None
        while True:
            page = self._table.query(Query(OPEN_HOLDS, index="GSI3", start_after=start))
            holds.extend(from_item(LegalHold, item) for item in page.items)
            if page.next_key is None:
                return holds
            start = page.next_key

    def hold_points(self, members: list[HeldRecoveryPoint]) -> None:
        """Records the points a hold was applied to. Keys are the hold's and the point's, so a retry
        rewrites the same items."""
        self._table.put_many([_member_item(member) for member in members])

    def points_of(
        self, hold_id: str, limit: int = 1000, token: str | None = None
    ) -> tuple[list[HeldRecoveryPoint], str | None]:
        page = self._table.query(
            Query(f"HOLDPOINTS#{hold_id}", index="GSI1", limit=limit, start_after=decode_token(token))
        )
        return [from_item(HeldRecoveryPoint, item) for item in page.items], encode_token(page.next_key)

    def holds_on(self, point_arn: str) -> list[str]:
        """The ids of every hold ever applied to the point, canceled or not."""
        page = self._table.query(Query(f"RP#{point_arn}", sort_prefix=_MEMBER))
        return [from_item(HeldRecoveryPoint, item).LegalHoldId for item in page.items]
