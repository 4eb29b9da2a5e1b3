"""Backup vaults in the table: PK VAULT#name, SK VAULT. Saves are optimistic: the item carries the vault's
Version, and a save succeeds only over the version the caller read (ConflictException otherwise), so a
concurrent tag, notification, policy or lock change is never overwritten by a stale copy."""

from __future__ import annotations

import time

from lambdas.domain.errors import AlreadyExistsException, ConflictException, ResourceNotFoundException
from lambdas.domain.vaults import BackupVault
from lambdas.store.codec import decode_token, encode_token, from_item, to_item
from lambdas.store.lifecycle_work import LifecycleWork, announced
from lambdas.store.recovery_point_store import COUNTS_SK, vault_counts_item
from lambdas.store.table import ConditionFailed, Item, Put, Query, Table

_SK = "VAULT"
_LIST_PARTITION = "VAULTS"


def _pk(name: str) -> str:
    return f"VAULT#{name}"


def _item(vault: BackupVault) -> Item:
    return to_item(
        _pk(vault.BackupVaultName),
        _SK,
        vault,
        GSI1PK=_LIST_PARTITION,
        GSI1SK=vault.BackupVaultName,
        Version=vault.Version,
    )


def _vault(item: Item) -> BackupVault:
    """A vault written before versions existed has no Version attribute: it reads as version 0."""
    vault = from_item(BackupVault, item)
    version = int(item.get("Version", 0))
    return vault if vault.Version == version else vault.model_copy(update={"Version": version})


# How long a vault read for the engine's hot paths (events, tracking, starting jobs) may be reused. Writers in
# this process forget it at once; another process sees a change within this many seconds.
CACHE_SECONDS = 5.0


def _present(name: str, vault: BackupVault | None) -> BackupVault:
    if vault is None:
        raise ResourceNotFoundException(f"Backup vault {name} does not exist")
    return vault


class VaultStore:
    def __init__(self, table: Table) -> None:
        self._table = table
        self._cache: dict[str, tuple[float, BackupVault | None]] = {}

    def cached(self, name: str) -> BackupVault | None:
        """`find`, reused for CACHE_SECONDS: for code that reads the same vault once per job (a thousand jobs,
        one read). Never for a read-modify-write: those read with `find`."""
        hit = self._cache.get(name)
        if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
        vault = self.find(name)
        self._cache[name] = (time.monotonic(), vault)
        return vault

    def cached_get(self, name: str) -> BackupVault:
        """`cached`, or ResourceNotFoundException as `get` raises it (without reading a second time)."""
        return _present(name, self.cached(name))

    def _forget(self, name: str) -> None:
        self._cache.pop(name, None)

    def create(self, vault: BackupVault) -> None:
        self._forget(vault.BackupVaultName)
        try:
            # with its recovery point counter (recovery_point_store), at zero
            writes = [Put(_item(vault), if_absent=True), Put(vault_counts_item(vault.BackupVaultName))]
            # A locked vault gives the hourly Lifecycle run work (lambdas/store/lifecycle_work.py)
            self._table.transact([*writes, announced()] if vault.Lock is not None else writes)
        except ConditionFailed:
            raise AlreadyExistsException(f"Backup vault {vault.BackupVaultName} already exists") from None

    def find(self, name: str) -> BackupVault | None:
        item = self._table.get(_pk(name), _SK)
        return _vault(item) if item else None

    def get(self, name: str) -> BackupVault:
        return _present(name, self.find(name))

    def save(self, vault: BackupVault) -> BackupVault:
        """Writes the vault over the version it was read at and returns it with its new version."""
        saved = vault.model_copy(update={"Version": vault.Version + 1})
        self._forget(vault.BackupVaultName)
        if saved.Lock is not None:  # a lock set or changed gives the hourly Lifecycle run work
            LifecycleWork(self._table).announce()
        try:
            self._table.put(_item(saved), expect={"GSI1PK": _LIST_PARTITION, "Version": vault.Version or None})
        except ConditionFailed:
            current = self.find(vault.BackupVaultName)
            if current is None:
                raise ResourceNotFoundException(f"Backup vault {vault.BackupVaultName} does not exist") from None
            raise ConflictException(
                f"Backup vault {vault.BackupVaultName} was changed by another request while this one was "
                f"updating it (read at version {vault.Version}, now at {current.Version}); try again"
            ) from None
        return saved

    def delete(self, name: str) -> None:
        self._forget(name)
        try:
            self._table.delete(_pk(name), _SK, expect={"GSI1PK": _LIST_PARTITION})
        except ConditionFailed:
            raise ResourceNotFoundException(f"Backup vault {name} does not exist") from None
        self._table.delete(_pk(name), COUNTS_SK)  # a vault is deleted empty: its counter says 0

    def page(self, limit: int = 1000, token: str | None = None) -> tuple[list[BackupVault], str | None]:
        page = self._table.query(Query(_LIST_PARTITION, index="GSI1", limit=limit, start_after=decode_token(token)))
        return [_vault(item) for item in page.items], encode_token(page.next_key)
