"""Backups that services made themselves, cataloged as recovery points: the seed's "backups created using
services with existing backup capabilities ... can be accessed".

`import_native_backups` looks at protected resources (those a backup plan selects and those that already
have a recovery point, or the ARNs given) and records every completed native backup that Strongroom did not
make as a recovery point in the chosen vault. Nothing is copied: the point's ARN and NativeBackupId are the
native backup's own, CreatedBy is empty (no plan made it), it has no lifecycle (Strongroom never expires
it), and the backup stays where it is, usable from its service as before. Such a point restores like any
other.

Idempotent: the recovery point is written conditionally under the native backup's ARN, so a second run, a
concurrent run, or a backup already cataloged by a job, in another vault, or disassociated, adds nothing.
Backups Strongroom made (the job tag, or a job's backup name) are left to the job that made them.

Listing a resource's native backups is not in the adapter Protocol yet: an adapter offers it with the
optional `list_native_backups` below, and is then the source of its own type. FSx does; so do EC2 (the
instance's AMIs: lambdas.resources.ec2 says which AMIs are an instance's), RDS (a DB instance's manual and
automated snapshots) and the Aurora, DocumentDB and Neptune clusters (their manual and automated cluster
snapshots). Each lists the NativeBackup its own start_backup would give (native id and recovery point ARN), so
restore, deletion, copies and lifecycle treat an imported point as one of their own. EBS snapshots and DynamoDB
backups are listed here until their adapters gain it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from aws_lambda_powertools.metrics import MetricUnit

from lambdas.common.observability import logger, metrics
from lambdas.domain.arns import parse_arn
from lambdas.domain.errors import BackupError
from lambdas.domain.recovery_points import RecoveryPoint, RecoveryPointStatus
from lambdas.resources.base import JOB_TAG, NativeBackup, Phase, ResourceAdapter, ResourceInfo
from lambdas.resources.dynamodb.adapter import backup_name
from lambdas.services import native_locks
from lambdas.services.context import ServiceContext

STRONGROOM_BACKUP_PREFIX = backup_name("")  # DynamoDB backups a Strongroom job made are named after the job
_AMI_SNAPSHOT = "Created by CreateImage("  # an AMI's snapshots belong to the AMI, cataloged with EC2 instances


@runtime_checkable
class NativeBackupSource(Protocol):
    """What ResourceAdapter should gain (base.py): the resource's backups its service holds, made by anyone
    but Strongroom, each with its creation time."""

    def list_native_backups(self, resource_arn: str) -> Iterator[tuple[NativeBackup, datetime]]: ...


class EbsSnapshots:
    """EBS snapshots of a volume, owned by this account, not made by Strongroom, AWS Backup or an AMI."""

    def __init__(self, ec2: Callable[[], Any], region: str) -> None:
        self._ec2 = ec2
        self._region = region

    def list_native_backups(self, resource_arn: str) -> Iterator[tuple[NativeBackup, datetime]]:
        volume_id = parse_arn(resource_arn).resource_id
        paginator = self._ec2().get_paginator("describe_snapshots")
        filters = [{"Name": "volume-id", "Values": [volume_id]}, {"Name": "status", "Values": ["completed"]}]
        for page in paginator.paginate(OwnerIds=["self"], Filters=filters):
            for snapshot in page["Snapshots"]:
                tags = {tag["Key"]: tag["Value"] for tag in snapshot.get("Tags", [])}
                if JOB_TAG in tags or any(key.startswith("aws:backup:") for key in tags):
                    continue
                if (snapshot.get("Description") or "").startswith(_AMI_SNAPSHOT) or snapshot["State"] != "completed":
                    continue
                snapshot_id = snapshot["SnapshotId"]
                arn = f"arn:aws:ec2:{self._region}::snapshot/{snapshot_id}"
                yield NativeBackup(snapshot_id, arn), snapshot["StartTime"]


class DynamoDbBackups:
    """A table's on-demand backups (BackupType USER), available, not named by a Strongroom job."""

    def __init__(self, dynamodb: Callable[[], Any]) -> None:
        self._dynamodb = dynamodb

    def list_native_backups(self, resource_arn: str) -> Iterator[tuple[NativeBackup, datetime]]:
        request: dict[str, Any] = {"TableName": parse_arn(resource_arn).resource_id, "BackupType": "USER"}
        while True:
            response = self._dynamodb().list_backups(**request)
            for summary in response.get("BackupSummaries", []):
                if summary.get("BackupType", "USER") != "USER" or summary["BackupStatus"] != "AVAILABLE":
                    continue
                if summary["BackupName"].startswith(STRONGROOM_BACKUP_PREFIX):
                    continue
                yield NativeBackup(summary["BackupArn"], summary["BackupArn"]), summary["BackupCreationDateTime"]
            if "LastEvaluatedBackupArn" not in response:
                return
            request["ExclusiveStartBackupArn"] = response["LastEvaluatedBackupArn"]


def default_sources(region: str) -> dict[str, NativeBackupSource]:
    """Listings for the types whose adapters do not offer one yet, over the deployment's own clients. The
    adapters that do (FSx, EC2, RDS, Aurora, DocumentDB, Neptune) need no entry: _import_resource asks them."""
    from lambdas.common import aws

    return {
        "EBS": EbsSnapshots(lambda: aws.client("ec2", region), region),
        "DynamoDB": DynamoDbBackups(lambda: aws.client("dynamodb", region)),
    }


@dataclass
class ImportResult:
    resources: int = 0
    imported: list[str] = field(default_factory=list)  # recovery point ARNs cataloged by this run
    already_cataloged: int = 0
    not_listable: dict[str, str] = field(default_factory=dict)  # resource ARN -> why nothing could be listed
    errors: list[str] = field(default_factory=list)


def import_native_backups(
    ctx: ServiceContext,
    vault_name: str,
    resource_arns: list[str] | None,
    now: datetime,
    *,
    resource_types: list[str] | None = None,
    sources: Mapping[str, NativeBackupSource] | None = None,
) -> ImportResult:
    """Catalogs the native backups of `resource_arns` (or of every protected resource when None) in the vault,
    only those of `resource_types` when given (AWS Backup's names: EBS, DynamoDB, FSx...). A missing vault, an
    ARN or a type that is not supported is refused before anything is written; a failure on one resource is
    reported in the result and does not stop the others."""
    vault = ctx.stores.vaults.get(vault_name)
    types = None if resource_types is None else {ctx.adapters.for_type(kind).resource_type for kind in resource_types}
    if resource_arns is not None:
        arns = list(dict.fromkeys(resource_arns))
        for arn in arns:
            ctx.adapters.for_arn(arn)
    else:
        arns = _protected_resources(ctx)
    if types is not None:
        arns = [arn for arn in arns if _type_of(ctx, arn) in types]
    listings = sources if sources is not None else default_sources(ctx.region)
    result = ImportResult(resources=len(arns))
    for arn in arns:
        try:
            _import_resource(ctx, vault.BackupVaultName, vault.BackupVaultArn, arn, listings, now, result)
        except Exception as error:  # noqa: BLE001 - one resource's failure is reported, the others go on
            logger.exception("importing native backups failed", extra={"resource_arn": arn})
            result.errors.append(f"{arn}: {error}")
    if result.imported:
        metrics.add_metric(name="NativeBackupsImported", unit=MetricUnit.Count, value=len(result.imported))
    logger.info(
        "native backups imported",
        extra={"vault": vault_name, "imported": len(result.imported), "already": result.already_cataloged},
    )
    return result


def _type_of(ctx: ServiceContext, resource_arn: str) -> str:
    """The resource's type; for a cluster that is gone, the type its ARN form says (Aurora)."""
    try:
        return ctx.adapters.resource_type_of(resource_arn)
    except BackupError:
        return ctx.adapters.for_arn(resource_arn).resource_type


def _protected_resources(ctx: ServiceContext) -> list[str]:
    """Resources a live backup plan selects, then resources that already have a recovery point."""
    found: dict[str, None] = {}
    selections = [
        selection.Selection
        for plan in ctx.stores.plans.live()
        for selection in ctx.stores.plans.selections(plan.BackupPlanId)
    ]
    if selections:
        for resource in ctx.resolver.resolve(selections, ctx.stores.settings.region().opted_out()):
            found.setdefault(resource.arn)
    token: str | None = None
    while True:
        page, token = ctx.stores.protected.page(200, token)
        for protected in page:
            found.setdefault(protected.ResourceArn)
        if token is None:
            break
    supported = []
    for arn in found:
        try:
            ctx.adapters.for_arn(arn)
        except BackupError:
            continue  # a type this deployment no longer backs up
        supported.append(arn)
    return supported


def _import_resource(
    ctx: ServiceContext,
    vault_name: str,
    vault_arn: str,
    resource_arn: str,
    listings: Mapping[str, NativeBackupSource],
    now: datetime,
    result: ImportResult,
) -> None:
    # Aurora, DocumentDB and Neptune share one ARN form: the adapter of the cluster's own type catalogs it.
    adapter: ResourceAdapter = ctx.adapters.for_type(ctx.adapters.for_arn(resource_arn).resource_type_for(resource_arn))
    source = adapter if isinstance(adapter, NativeBackupSource) else listings.get(adapter.resource_type)
    if source is None:
        result.not_listable[resource_arn] = (
            f"Strongroom cannot list the native backups of {adapter.resource_type} resources"
        )
        return
    info: ResourceInfo | None
    try:
        info = adapter.describe(resource_arn)
    except BackupError:
        info = None  # the resource is gone; its backups are still worth cataloging
    for native, created in source.list_native_backups(resource_arn):
        if ctx.stores.recovery_points.find(native.recovery_point_arn) is not None:
            result.already_cataloged += 1
            continue
        progress = adapter.backup_status(native.native_id)
        if progress.phase != Phase.COMPLETED:
            continue  # a backup still being made is cataloged by a later run
        created_utc = created.astimezone(UTC)
        point = RecoveryPoint(
            RecoveryPointArn=native.recovery_point_arn,
            BackupVaultName=vault_name,
            BackupVaultArn=vault_arn,
            ResourceArn=resource_arn,
            ResourceType=adapter.resource_type,
            ResourceName=info.name if info else parse_arn(resource_arn).resource_id,
            Status=RecoveryPointStatus.COMPLETED,
            StatusMessage=(
                f"Cataloged on {now.isoformat()} from a {adapter.resource_type} backup Strongroom did not make; "
                "it stays usable from its service"
            ),
            CreationDate=created_utc,
            CompletionDate=created_utc,
            BackupSizeInBytes=progress.size_bytes,
            EncryptionKeyArn=info.encryption_key_arn if info else None,
            IsEncrypted=info.is_encrypted if info else False,
            NativeBackupId=native.native_id,
            RestoreMetadata=adapter.restore_metadata(native.native_id, info),
        )
        if ctx.stores.recovery_points.create(point):
            ctx.stores.protected.record(point)
            native_locks.protect_new(ctx, point, now)
            result.imported.append(point.RecoveryPointArn)
        else:
            result.already_cataloged += 1  # a concurrent run or a job got there first
