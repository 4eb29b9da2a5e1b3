"""Protected resources: a resource with at least one recovery point, and its latest one.
PK PROTECTED#arn, SK RESOURCE; GSI1 PROTECTED (every protected resource), GSI2 by the latest vault."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from lambdas.domain.errors import ResourceNotFoundException
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.store.codec import decode_token, encode_token, from_item, sortable, to_item
from lambdas.store.table import ConditionFailed, Item, Query, Table

_SK = "RESOURCE"
_ALL = "PROTECTED"


class ProtectedResource(BaseModel):
    model_config = ConfigDict(frozen=True)

    ResourceArn: str
    ResourceType: str
    ResourceName: str | None = None
    LastBackupTime: datetime
    LastBackupVaultArn: str
    LastBackupVaultName: str
    LastRecoveryPointArn: str


def protected_item(point: RecoveryPoint) -> Item:
    """The protected resource `point` makes, written only over an older LastBackupAt."""
    resource = ProtectedResource(
        ResourceArn=point.ResourceArn,
        ResourceType=point.ResourceType,
        ResourceName=point.ResourceName,
        LastBackupTime=point.CreationDate,
        LastBackupVaultArn=point.BackupVaultArn,
        LastBackupVaultName=point.BackupVaultName,
        LastRecoveryPointArn=point.RecoveryPointArn,
    )
    return to_item(
        f"PROTECTED#{point.ResourceArn}",
        _SK,
        resource,
        LastBackupAt=sortable(point.CreationDate),
        GSI1PK=_ALL,
        GSI1SK=point.ResourceArn,
        GSI2PK=f"PROTECTED-IN#{point.BackupVaultName}",
        GSI2SK=point.ResourceArn,
    )


class ProtectedResourceStore:
    def __init__(self, table: Table) -> None:
        self._table = table

    def record(self, point: RecoveryPoint) -> None:
        """Keeps the newest backup: an older point recorded late does not win over a newer one. One
        conditional write, no read: it lands only over an older LastBackupTime."""
        item = protected_item(point)
        try:
            self._table.put(item, newer=("LastBackupAt", item["LastBackupAt"]))
        except ConditionFailed:
            current = self.find(point.ResourceArn)
            if current is not None and current.LastBackupTime < point.CreationDate:
                # recorded before LastBackupAt existed: the newer point wins, read-then-write as before
                self._table.put(item)

    def find(self, resource_arn: str) -> ProtectedResource | None:
        item = self._table.get(f"PROTECTED#{resource_arn}", _SK)
        return from_item(ProtectedResource, item) if item else None

    def get(self, resource_arn: str) -> ProtectedResource:
        found = self.find(resource_arn)
        if found is None:
            raise ResourceNotFoundException(f"Resource {resource_arn} is not protected by any recovery point")
        return found

    def page(self, limit: int, token: str | None) -> tuple[list[ProtectedResource], str | None]:
        page = self._table.query(Query(_ALL, index="GSI1", limit=limit, start_after=decode_token(token)))
        return [from_item(ProtectedResource, i) for i in page.items], encode_token(page.next_key)

    def in_vault(self, vault_name: str, limit: int, token: str | None) -> tuple[list[ProtectedResource], str | None]:
        query = Query(f"PROTECTED-IN#{vault_name}", index="GSI2", limit=limit, start_after=decode_token(token))
        page = self._table.query(query)
        return [from_item(ProtectedResource, i) for i in page.items], encode_token(page.next_key)
