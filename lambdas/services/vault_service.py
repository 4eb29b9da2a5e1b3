"""Use cases on backup vaults."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lambdas.domain.arns import vault_arn
from lambdas.domain.errors import InvalidRequestException
from lambdas.domain.validation import parse_model
from lambdas.domain.vaults import BackupVault, CreateBackupVaultInput, VaultNotifications
from lambdas.services.context import ServiceContext


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


def put_notifications(ctx: ServiceContext, vault_name: str, request: dict[str, Any]) -> BackupVault:
    notifications = parse_model(VaultNotifications, request)
    vault = ctx.stores.vaults.get(vault_name)
    updated = vault.model_copy(update={"Notifications": notifications})
    ctx.stores.vaults.save(updated)
    return updated


def describe_vault(ctx: ServiceContext, vault_name: str) -> BackupVault:
    vault = ctx.stores.vaults.get(vault_name)
    return vault.model_copy(update={"NumberOfRecoveryPoints": ctx.stores.recovery_points.count_in_vault(vault_name)})


def delete_vault(ctx: ServiceContext, vault_name: str) -> None:
    ctx.stores.vaults.get(vault_name)
    if ctx.stores.recovery_points.count_in_vault(vault_name):
        raise InvalidRequestException(
            f"Backup vault {vault_name} cannot be deleted because it contains recovery points; delete them first"
        )
    ctx.stores.vaults.delete(vault_name)
