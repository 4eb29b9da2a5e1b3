"""Recovery points. PK RP#arn, SK POINT. GSI1: a vault's points by creation time. GSI2: a resource's points.
GSI3 (sparse), the lifecycle index: live points with something still to happen to them, ordered by their next
lifecycle moment (RecoveryPoint.next_lifecycle_moment: the move to cold storage while the point is WARM, else
its deletion, never before a failed attempt's retry time), so the hourly lifecycle run reads only what is due.
One item has one GSI3PK, so one index and one partition serve both moves and deletions: a WARM point sits at
its move, and the save that makes it COLD moves it on to its DeleteAt. The partition keeps its first name,
EXPIRY, so points written before cold moves existed stay in it (indexed by their DeleteAt until rewritten).

Each vault's live points are counted (and their bytes summed) in a counter item beside the vault (PK VAULT#name,
SK COUNTS), added to in the same transaction that records a point or deletes it, so ListBackupVaults and
DescribeBackupVault read one item per vault instead of every point. A vault created before the counter existed
has none (or one without `Exact`), and is counted by a query as before."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from lambdas.domain.errors import ConflictException, ResourceNotFoundException
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.store.codec import decode_token, encode_token, from_item, sortable, to_item
from lambdas.store.job_store import Slice, newest_first
from lambdas.store.lifecycle_work import LifecycleWork, announced
from lambdas.store.table import MAX_TRANSACTION, Add, ConditionFailed, Item, Put, Query, Table

_SK = "POINT"
COUNTS_SK = "COUNTS"


def vault_counts_item(vault_name: str) -> Item:
    """The counter of a new vault: exact from its first point on."""
    return {"PK": f"VAULT#{vault_name}", "SK": COUNTS_SK, "Points": 0, "Bytes": 0, "Exact": 1}


def counted(point: RecoveryPoint, sign: int) -> Add:
    """The counter write that goes with recording (+1) or deleting (-1) a live point."""
    return Add(
        f"VAULT#{point.BackupVaultName}",
        COUNTS_SK,
        {"Points": sign, "Bytes": sign * int(point.BackupSizeInBytes or 0)},
    )


LIFECYCLE_DUE = "EXPIRY"


def _item(point: RecoveryPoint) -> Item:
    live = point.StorageClass != "DELETED"
    created = sortable(point.CreationDate)
    due_at = point.next_lifecycle_moment()
    return to_item(
        f"RP#{point.RecoveryPointArn}",
        _SK,
        point,
        State=point.Status.value,
        GSI1PK=f"VAULT#{point.BackupVaultName}" if live else None,
        GSI1SK=f"RP#{created}#{point.RecoveryPointArn}" if live else None,
        GSI2PK=f"RESOURCE#{point.ResourceArn}" if live else None,
        GSI2SK=f"RP#{created}#{point.RecoveryPointArn}" if live else None,
        GSI3PK=LIFECYCLE_DUE if live and due_at else None,
        GSI3SK=f"{sortable(due_at)}#{point.RecoveryPointArn}" if live and due_at else None,
    )


recovery_point_item = _item  # for writes that span stores (Stores.complete_backup)


class RecoveryPointStore:
    def __init__(self, table: Table) -> None:
        self._table = table

    def create(self, point: RecoveryPoint) -> bool:
        try:
            if point.StorageClass == "DELETED":
                self._table.put(_item(point), if_absent=True)
            else:
                # Lifecycle's marker hears of the new point in the same transaction (lambdas/store/lifecycle_work.py)
                self._table.transact([Put(_item(point), if_absent=True), counted(point, +1), announced()])
        except ConditionFailed:
            return False
        return True

    def find(self, arn: str) -> RecoveryPoint | None:
        item = self._table.get(f"RP#{arn}", _SK)
        return from_item(RecoveryPoint, item) if item else None

    def get(self, arn: str, vault_name: str | None = None) -> RecoveryPoint:
        point = self.find(arn)
        if point is None or point.StorageClass == "DELETED" or (vault_name and point.BackupVaultName != vault_name):
            where = f" in backup vault {vault_name}" if vault_name else ""
            raise ResourceNotFoundException(f"Recovery point {arn} does not exist{where}")
        return point

    def save(self, point: RecoveryPoint, expected_status: str) -> None:
        try:
            if point.StorageClass != "DELETED":
                LifecycleWork(self._table).announce()  # its lifecycle may now fall due sooner
                self._table.put(_item(point), expect={"State": expected_status})
                return
            # Deleting: the vault's counter goes down with the point, only if the stored point was still live
            # (in its vault's index); a point already deleted is saved again without counting it twice.
            live = {"State": expected_status, "GSI1PK": f"VAULT#{point.BackupVaultName}"}
            try:
                self._table.transact([Put(_item(point), expect=live), counted(point, -1)])
            except ConditionFailed:
                self._table.put(_item(point), expect={"State": expected_status, "GSI1PK": None})
        except ConditionFailed:
            raise ConflictException(
                f"Recovery point {point.RecoveryPointArn} changed while it was being updated"
            ) from None

    def save_deleted(self, points: list[tuple[RecoveryPoint, str]]) -> bool:
        """Deleted points (each over the status it was read with, and still live in its vault) saved in one
        transaction with one counter write per vault, or none (False): then the caller saves them one by one
        with `save`, to learn which changed meanwhile. For the lifecycle run: about 1/90 call per point."""
        vaults: dict[str, list[RecoveryPoint]] = {}
        for point, _ in points:
            vaults.setdefault(point.BackupVaultName, []).append(point)
        if not points or len(points) + len(vaults) > MAX_TRANSACTION:
            return False
        if any(point.StorageClass != "DELETED" for point, _ in points):
            raise ValueError("save_deleted saves deleted points only")
        puts = [
            Put(_item(point), expect={"State": expected, "GSI1PK": f"VAULT#{point.BackupVaultName}"})
            for point, expected in points
        ]
        counters = [
            Add(
                f"VAULT#{name}",
                COUNTS_SK,
                {"Points": -len(gone), "Bytes": -sum(int(point.BackupSizeInBytes or 0) for point in gone)},
            )
            for name, gone in vaults.items()
        ]
        try:
            self._table.transact([*puts, *counters])
        except ConditionFailed:
            return False
        return True

    def in_vault(
        self, vault_name: str, limit: int = 1000, token: str | None = None
    ) -> tuple[list[RecoveryPoint], str | None]:
        page = self._table.query(
            Query(f"VAULT#{vault_name}", index="GSI1", sort_prefix="RP#", limit=limit, start_after=decode_token(token))
        )
        return [from_item(RecoveryPoint, item) for item in page.items], encode_token(page.next_key)

    def search(
        self,
        *,
        vault_name: str | None = None,
        resource_arn: str | None = None,
        keep: Callable[[RecoveryPoint], bool] | None = None,
        limit: int = 1000,
        token: str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
    ) -> tuple[list[RecoveryPoint], str | None]:
        """Live points newest first, of a resource (GSI2, the narrower index, when given) or of a vault
        (GSI1); with both, the resource's points in that vault. `keep` applies any other filter."""
        if resource_arn is not None:
            where = Slice(f"RESOURCE#{resource_arn}", "GSI2", "RP#", created_after, created_before)
            in_vault = (lambda p: p.BackupVaultName == vault_name) if vault_name is not None else None
            combined = in_vault if keep is None else (lambda p: (in_vault is None or in_vault(p)) and keep(p))
            return newest_first(self._table, RecoveryPoint, where, combined, limit, token)
        if vault_name is None:
            raise ValueError("listing recovery points needs a vault or a resource")
        where = Slice(f"VAULT#{vault_name}", "GSI1", "RP#", created_after, created_before)
        return newest_first(self._table, RecoveryPoint, where, keep, limit, token)

    def count_in_vault(self, vault_name: str) -> int:
        return self.counts_in_vaults([vault_name])[vault_name]

    def counts_in_vaults(self, vault_names: list[str]) -> dict[str, int]:
        """Live points per vault: one batch read of the counters (100 vaults a call), however many points."""
        items = self._table.get_many([(f"VAULT#{name}", COUNTS_SK) for name in vault_names])
        exact = {str(item["PK"]).removeprefix("VAULT#"): int(item["Points"]) for item in items if item.get("Exact")}
        return {name: exact[name] if name in exact else self._counted_by_query(name) for name in vault_names}

    def _counted_by_query(self, vault_name: str) -> int:
        return len(self._table.query(Query(f"VAULT#{vault_name}", index="GSI1", sort_prefix="RP#")).items)

    def of_resource(self, resource_arn: str) -> list[RecoveryPoint]:
        page = self._table.query(Query(f"RESOURCE#{resource_arn}", index="GSI2", sort_prefix="RP#"))
        return [from_item(RecoveryPoint, item) for item in page.items]

    def due(self, now: datetime, limit: int = 500, token: str | None = None) -> tuple[list[RecoveryPoint], str | None]:
        """Live points whose next lifecycle moment is not after `now`, earliest first, a page at a time: the
        token continues after the last point handed out, whatever the caller did to it meanwhile."""
        page = self._table.query(
            Query(
                LIFECYCLE_DUE,
                index="GSI3",
                sort_at_most=f"{sortable(now)}#~",
                limit=limit,
                start_after=decode_token(token),
            )
        )
        return [from_item(RecoveryPoint, item) for item in page.items], encode_token(page.next_key)

    def next_due(self) -> datetime | None:
        """The earliest next lifecycle moment of any live point (None: no point has one), from one item of the
        lifecycle index."""
        page = self._table.query(Query(LIFECYCLE_DUE, index="GSI3", limit=1))
        if not page.items:
            return None
        return from_item(RecoveryPoint, page.items[0]).next_lifecycle_moment()
