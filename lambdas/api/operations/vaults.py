"""Vault operations: create, describe, list, delete, notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lambdas.api.operations import operation
from lambdas.api.operations.paging import page_size
from lambdas.domain.errors import ResourceNotFoundException
from lambdas.domain.vaults import BackupVault
from lambdas.services import vault_service
from lambdas.services.context import ServiceContext


def _described(vault: BackupVault) -> dict[str, Any]:
    lock = vault.Lock.model_dump() if vault.Lock else {}
    return {
        **vault.model_dump(),
        **lock,
        "VaultType": "BACKUP_VAULT",
        "VaultState": "AVAILABLE",
        "EncryptionKeyType": "CUSTOMER_MANAGED_KMS_KEY",
        "Locked": vault.Lock is not None,
    }


@operation("CreateBackupVault")
def create_backup_vault(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    vault = vault_service.create_vault(ctx, request, now)
    return {**vault.model_dump(), "VaultState": "AVAILABLE"}


@operation("DescribeBackupVault")
def describe_backup_vault(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    return _described(vault_service.describe_vault(ctx, request["BackupVaultName"]))


@operation("ListBackupVaults")
def list_backup_vaults(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    vaults, token = ctx.stores.vaults.page(page_size(request), request.get("NextToken"))
    counts = ctx.stores.recovery_points.counts_in_vaults([v.BackupVaultName for v in vaults])
    listed = [_described(v.model_copy(update={"NumberOfRecoveryPoints": counts[v.BackupVaultName]})) for v in vaults]
    return {"BackupVaultList": listed, "NextToken": token}


@operation("DeleteBackupVault")
def delete_backup_vault(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    vault_service.delete_vault(ctx, request["BackupVaultName"], now)
    return {}


@operation("PutBackupVaultNotifications")
def put_backup_vault_notifications(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    fields: dict[str, Any] = {k: request[k] for k in ("SNSTopicArn", "BackupVaultEvents") if k in request}
    vault_service.put_notifications(ctx, request["BackupVaultName"], fields)
    return {}


@operation("GetBackupVaultNotifications")
def get_backup_vault_notifications(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    vault = ctx.stores.vaults.get(request["BackupVaultName"])
    if vault.Notifications is None:
        raise ResourceNotFoundException(f"Backup vault {vault.BackupVaultName} has no notifications configured")
    return {
        "BackupVaultName": vault.BackupVaultName,
        "BackupVaultArn": vault.BackupVaultArn,
        **vault.Notifications.model_dump(),
    }


@operation("DeleteBackupVaultNotifications")
def delete_backup_vault_notifications(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    vault_service.delete_notifications(ctx, request["BackupVaultName"])
    return {}


@operation("PutBackupVaultAccessPolicy")
def put_backup_vault_access_policy(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    vault_service.put_access_policy(ctx, request["BackupVaultName"], request.get("Policy") or "")
    return {}


@operation("GetBackupVaultAccessPolicy")
def get_backup_vault_access_policy(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    vault = ctx.stores.vaults.get(request["BackupVaultName"])
    if vault.AccessPolicy is None:
        raise ResourceNotFoundException(f"Backup vault {vault.BackupVaultName} has no access policy")
    return {
        "BackupVaultName": vault.BackupVaultName,
        "BackupVaultArn": vault.BackupVaultArn,
        "Policy": vault.AccessPolicy,
    }


@operation("DeleteBackupVaultAccessPolicy")
def delete_backup_vault_access_policy(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    vault_service.delete_access_policy(ctx, request["BackupVaultName"])
    return {}


@operation("PutBackupVaultLockConfiguration")
def put_backup_vault_lock_configuration(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    keys = ("MinRetentionDays", "MaxRetentionDays", "ChangeableForDays")
    fields: dict[str, Any] = {k: request[k] for k in keys if k in request}
    vault_service.put_lock(ctx, request["BackupVaultName"], fields, now)
    return {}


@operation("DeleteBackupVaultLockConfiguration")
def delete_backup_vault_lock_configuration(
    ctx: ServiceContext, request: dict[str, Any], now: datetime
) -> dict[str, Any]:
    vault_service.delete_lock(ctx, request["BackupVaultName"], now)
    return {}
