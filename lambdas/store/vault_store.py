"""Backup vaults in the table: PK VAULT#name, SK VAULT."""

from __future__ import annotations

from lambdas.domain.errors import AlreadyExistsException, ResourceNotFoundException
from lambdas.domain.vaults import BackupVault
from lambdas.store.codec import decode_token, encode_token, from_item, to_item
from lambdas.store.table import ConditionFailed, Query, Table

_SK = "VAULT"
_LIST_PARTITION = "VAULTS"


def _pk(name: str) -> str:
    return f"VAULT#{name}"


class VaultStore:
    def __init__(self, table: Table) -> None:
        self._table = table

    def create(self, vault: BackupVault) -> None:
        item = to_item(_pk(vault.BackupVaultName), _SK, vault, GSI1PK=_LIST_PARTITION, GSI1SK=vault.BackupVaultName)
        try:
            self._table.put(item, if_absent=True)
        except ConditionFailed:
            raise AlreadyExistsException(f"Backup vault {vault.BackupVaultName} already exists") from None

    def find(self, name: str) -> BackupVault | None:
        item = self._table.get(_pk(name), _SK)
        return from_item(BackupVault, item) if item else None

    def get(self, name: str) -> BackupVault:
        vault = self.find(name)
        if vault is None:
            raise ResourceNotFoundException(f"Backup vault {name} does not exist")
        return vault

    def save(self, vault: BackupVault) -> None:
        item = to_item(_pk(vault.BackupVaultName), _SK, vault, GSI1PK=_LIST_PARTITION, GSI1SK=vault.BackupVaultName)
        try:
            self._table.put(item, expect={"GSI1PK": _LIST_PARTITION})
        except ConditionFailed:
            raise ResourceNotFoundException(f"Backup vault {vault.BackupVaultName} does not exist") from None

    def delete(self, name: str) -> None:
        try:
            self._table.delete(_pk(name), _SK, expect={"GSI1PK": _LIST_PARTITION})
        except ConditionFailed:
            raise ResourceNotFoundException(f"Backup vault {name} does not exist") from None

    def page(self, limit: int = 1000, token: str | None = None) -> tuple[list[BackupVault], str | None]:
        page = self._table.query(Query(_LIST_PARTITION, index="GSI1", limit=limit, start_after=decode_token(token)))
        return [from_item(BackupVault, item) for item in page.items], encode_token(page.next_key)
