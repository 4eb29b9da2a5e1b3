"""Use cases on backup vaults. Every change is read, change, conditional save (`_update`): a change that loses a
race with another one is applied again once to the vault as the winner left it, then the conflict is surfaced."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from lambdas.domain.access_policy import parse_policy
from lambdas.domain.arns import vault_arn
from lambdas.domain.errors import ConflictException, InvalidParameterValueException, InvalidRequestException
from lambdas.domain.validation import parse_model
from lambdas.domain.vaults import BackupVault, CreateBackupVaultInput, LockConfiguration, VaultNotifications
from lambdas.services.audit_trigger import evaluate_soon
from lambdas.services.context import ServiceContext
from lambdas.services.native_locks import protect_vault


def create_vault(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> BackupVault:
    data = parse_model(CreateBackupVaultInput, request)
    vault = BackupVault(
        BackupVaultName=data.BackupVaultName,
        BackupVaultArn=vault_arn(ctx.region, ctx.account, data.BackupVaultName),
        EncryptionKeyArn=data.EncryptionKeyArn or ctx.default_key_arn,
        CreationDate=now,
        CreatorRequestId=data.CreatorRequestId,
        Tags=data.BackupVaultTags,
    )
    ctx.stores.vaults.create(vault)
    return vault


def _update(ctx: ServiceContext, vault_name: str, change: Callable[[BackupVault], BackupVault]) -> BackupVault:
    """`change` gets the vault as stored and returns it changed (or raises); it runs again on a fresh read when
    the save lost a race, so only its own change is applied on top of the other one."""
    attempts = 2
    for attempt in range(1, attempts + 1):
        vault = ctx.stores.vaults.get(vault_name)
        try:
            return ctx.stores.vaults.save(change(vault))
        except ConflictException:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


def put_notifications(ctx: ServiceContext, vault_name: str, request: dict[str, Any]) -> BackupVault:
    notifications = parse_model(VaultNotifications, request)
    return _update(ctx, vault_name, lambda vault: vault.model_copy(update={"Notifications": notifications}))


def delete_notifications(ctx: ServiceContext, vault_name: str) -> BackupVault:
    return _update(ctx, vault_name, lambda vault: vault.model_copy(update={"Notifications": None}))


def set_tags(ctx: ServiceContext, vault_name: str, tags: dict[str, str]) -> BackupVault:
    return _update(ctx, vault_name, lambda vault: vault.model_copy(update={"Tags": tags}))


def describe_vault(ctx: ServiceContext, vault_name: str) -> BackupVault:
    vault = ctx.stores.vaults.get(vault_name)
    return vault.model_copy(update={"NumberOfRecoveryPoints": ctx.stores.recovery_points.count_in_vault(vault_name)})


def put_access_policy(ctx: ServiceContext, vault_name: str, document: str) -> BackupVault:
    parse_policy(document)  # refuse a policy that cannot be evaluated before storing it
    return _update(ctx, vault_name, lambda vault: vault.model_copy(update={"AccessPolicy": document}))


def delete_access_policy(ctx: ServiceContext, vault_name: str) -> BackupVault:
    return _update(ctx, vault_name, lambda vault: vault.model_copy(update={"AccessPolicy": None}))


def put_lock(ctx: ServiceContext, vault_name: str, request: dict[str, Any], now: datetime) -> BackupVault:
    """Governance mode without ChangeableForDays; compliance mode with it: after that many days the lock
    is immutable. The points already in the vault have their native backups locked to match."""
    lock = parse_model(LockConfiguration, request)
    if lock.MinRetentionDays and lock.MaxRetentionDays and lock.MinRetentionDays > lock.MaxRetentionDays:
        raise InvalidParameterValueException(
            f"MinRetentionDays ({lock.MinRetentionDays}) cannot exceed MaxRetentionDays ({lock.MaxRetentionDays})"
        )
    if lock.ChangeableForDays:
        lock = lock.model_copy(update={"LockDate": now + timedelta(days=lock.ChangeableForDays)})

    def locked(vault: BackupVault) -> BackupVault:
        if vault.Lock is not None and vault.Lock.is_immutable(now):
            raise InvalidRequestException(
                f"Backup vault {vault_name} is locked in compliance mode; its lock cannot change"
            )
        return vault.model_copy(update={"Lock": lock, "NativeLocksHardened": False})

    changed = _update(ctx, vault_name, locked)
    protect_vault(ctx, vault_name, now)  # the lock holds outside the API too, on the points already there
    evaluate_soon(ctx.audit_trigger, now)
    return changed


def delete_lock(ctx: ServiceContext, vault_name: str, now: datetime) -> None:
    def unlocked(vault: BackupVault) -> BackupVault:
        if vault.Lock is not None and vault.Lock.is_immutable(now):
            raise InvalidRequestException(
                f"Backup vault {vault_name} is locked in compliance mode since {vault.Lock.LockDate:%Y-%m-%d}; "
                "the lock cannot be removed"
            )
        return vault.model_copy(update={"Lock": None, "NativeLocksHardened": False})

    _update(ctx, vault_name, unlocked)
    protect_vault(ctx, vault_name, now)  # governance locks go, unless a legal hold needs them
    evaluate_soon(ctx.audit_trigger, now)


def delete_vault(ctx: ServiceContext, vault_name: str, now: datetime | None = None) -> None:
    vault = ctx.stores.vaults.get(vault_name)
    if now is not None and vault.Lock is not None and vault.Lock.is_immutable(now):
        raise InvalidRequestException(f"Backup vault {vault_name} is locked in compliance mode and cannot be deleted")
    if ctx.stores.recovery_points.count_in_vault(vault_name):
        raise InvalidRequestException(
            f"Backup vault {vault_name} cannot be deleted because it contains recovery points; delete them first"
        )
    ctx.stores.vaults.delete(vault_name)
