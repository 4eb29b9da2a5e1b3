"""The checks before a copy starts: the destination vault exists and its lock accepts the copy's retention, the
source point is still there to copy, its key may cross accounts, and the destination vault's access policy lets
the copy in. A check that fails raises CopyRefused (or CopyDenied), with a message that says how to fix it."""

from __future__ import annotations

from datetime import datetime

from lambdas.domain.access_policy import Caller, decision, parse_policy
from lambdas.domain.copies import CopyJob
from lambdas.domain.errors import BackupError
from lambdas.domain.iam_policy import Decision
from lambdas.domain.recovery_points import RecoveryPoint, RecoveryPointStatus
from lambdas.domain.vaults import BackupVault
from lambdas.services.context import ServiceContext
from lambdas.services.copy_destinations import CopyRefused, Destination

COPYABLE = frozenset({RecoveryPointStatus.COMPLETED, RecoveryPointStatus.AVAILABLE})


def check_copy(ctx: ServiceContext, job: CopyJob, destination: Destination) -> tuple[BackupVault, RecoveryPoint]:
    address = job.destination
    vault = destination.stores.vaults.find(address.name)
    if vault is None:
        raise CopyRefused(
            f"Destination backup vault {address.name} does not exist in account {address.account} in "
            f"{address.region}. Create it there (aws backup create-backup-vault --backup-vault-name {address.name} "
            f"--region {address.region}) or correct the DestinationBackupVaultArn"
        )
    lifecycle = job.DestinationRecoveryPointLifecycle
    if vault.Lock is not None:
        outside = vault.Lock.check_retention(lifecycle.DeleteAfterDays if lifecycle else None)
        if outside:
            raise CopyRefused(
                f"{outside}: the lock of destination backup vault {address.name} refuses this copy. Give the "
                "copy a DeleteAfterDays within the lock's bounds"
            )
    point = ctx.stores.recovery_points.find(job.SourceRecoveryPointArn)
    if point is None or point.StorageClass == "DELETED" or point.Status not in COPYABLE:
        raise CopyRefused(f"Source recovery point {job.SourceRecoveryPointArn} is no longer available to copy")
    if destination.account != ctx.account and point.EncryptionKeyArn and _aws_managed(ctx, point.EncryptionKeyArn):
        raise CopyRefused(
            f"Recovery point {point.RecoveryPointArn} is encrypted with the AWS managed key "
            f"{point.EncryptionKeyArn}, which cannot be shared with account {address.account}. Encrypt "
            f"{point.ResourceArn} with a customer managed KMS key that account {address.account} may use, "
            "then back it up and copy that recovery point"
        )
    return vault, point


class CopyDenied(CopyRefused):
    """The destination vault's access policy refuses the copy: the job fails with category AccessDenied."""


def check_destination_policy(
    ctx: ServiceContext, job: CopyJob, vault: BackupVault, destination: Destination, now: datetime
) -> None:
    """AWS Backup evaluates `backup:CopyIntoBackupVault` against the destination vault's access policy for the
    role that runs the copy: an explicit Deny stops any copy; a copy from another account needs an Allow."""
    if vault.AccessPolicy is None and destination.account == ctx.account:
        return
    copier = Caller(arn=job.IamRoleArn, account=ctx.account)
    policy = parse_policy(vault.AccessPolicy) if vault.AccessPolicy else None
    verdict = decision(policy, copier, "backup:CopyIntoBackupVault", vault.BackupVaultArn, now)
    if verdict == Decision.EXPLICIT_DENY:
        raise CopyDenied(
            f"The access policy of destination backup vault {vault.BackupVaultName} denies "
            f"backup:CopyIntoBackupVault to {job.IamRoleArn}: change the vault's access policy to copy into it"
        )
    if destination.account != ctx.account and verdict != Decision.ALLOWED:
        raise CopyDenied(
            f"The access policy of destination backup vault {vault.BackupVaultName} in account "
            f"{destination.account} does not allow backup:CopyIntoBackupVault from account {ctx.account}: add a "
            f'statement allowing it (Principal {{"AWS": "arn:aws:iam::{ctx.account}:root"}})'
        )


def _aws_managed(ctx: ServiceContext, key_arn: str) -> bool:
    return ctx.destinations.is_aws_managed_key(key_arn) if ctx.destinations else ":alias/aws/" in key_arn


def failure_category(error: BackupError) -> str:
    if isinstance(error, CopyDenied):
        return "AccessDenied"
    return "AccessDenied" if "assume" in error.message.lower() else "InvalidParameters"
