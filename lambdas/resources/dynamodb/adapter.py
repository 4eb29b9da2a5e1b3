"""DynamoDB tables: a recovery point is an on-demand table backup, a restore is a new table from it.

Not copyable (not CopyCapable): DynamoDB has no API to copy an on-demand backup, and AWS Backup copies DynamoDB
backups to other vaults, Regions and accounts only with its advanced DynamoDB backup features (backups kept in
AWS Backup's own storage), which Strongroom does not implement. A copy job of a DynamoDB point fails saying so
and naming the alternatives (a global table replica, or an export to S3 that Strongroom backs up).

Economy: a backup's DescribeBackup says what tracking and its recovery point need of the table as the backup saw
it (SourceTableDetails: name, size; SourceTableFeatureDetails: the SSE key). backup_statuses keeps the page's
descriptions in the run's memo, and describe_many and restore_metadata, given that memo, answer from them without a
call of their own. DynamoDB lists no more than one backup per call by id (ListBackups lists a table's or an
account's backups by time, which at scale pages through many other jobs' backups), so status stays one
DescribeBackup per job."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from lambdas.domain.arns import parse_arn
from lambdas.domain.errors import InvalidParameterValueException, ResourceNotFoundException
from lambdas.resources.base import (
    NativeBackup,
    NativeRestore,
    OneTypeAdapter,
    Phase,
    Progress,
    ResourceInfo,
    RunMemo,
    memo_in,
)
from lambdas.resources.dynamodb.spec import DYNAMODB
from lambdas.resources.snapshot_engine import refused_as, unless_gone
from lambdas.resources.spec import AdapterContext

_BACKUPS = "backups"  # backup_statuses' BackupDescriptions by ARN, in the run's memo
_TABLE_NAME = re.compile(r"^[a-zA-Z0-9_.\-]{3,255}$")


def backup_name(job_id: str) -> str:
    # The backup's name carries the job id: that is how a retried job finds the backup it already made.
    return f"strongroom-{job_id}"


def _created(description: dict[str, Any]) -> Any:
    return str(description["BackupDetails"].get("BackupCreationDateTime", ""))


def _progress(description: dict[str, Any] | None, native_id: str) -> Progress:
    if description is None:
        return Progress(Phase.FAILED, message=f"Backup {native_id} disappeared before it completed")
    details = description["BackupDetails"]
    size = int(details.get("BackupSizeBytes", 0))
    status = details["BackupStatus"]
    if status == "AVAILABLE":
        return Progress(Phase.COMPLETED, "100.0", size)
    if status == "DELETED":
        return Progress(Phase.FAILED, message=f"Backup {native_id} was deleted before it completed")
    return Progress(Phase.RUNNING, "50.0", size)


class DynamoDbAdapter(OneTypeAdapter):
    def __init__(self, dynamodb: Callable[[], Any], region: str, account: str) -> None:
        self._dynamodb = dynamodb
        super().__init__(DYNAMODB, region, account)

    def _table_arn(self, name: str) -> str:
        return self._arn_here("dynamodb", f"table/{name}")

    def _table(self, name: str) -> dict[str, Any] | None:
        table: dict[str, Any] | None = unless_gone(
            lambda: self._dynamodb().describe_table(TableName=name)["Table"], ("ResourceNotFoundException",)
        )
        return table

    def _info(self, table: dict[str, Any], tags: dict[str, str]) -> ResourceInfo:
        """From a TableDescription, or a backup's SourceTableDetails with its SSEDescription."""
        sse = table.get("SSEDescription") or {}
        return ResourceInfo(
            arn=table["TableArn"],
            resource_type=self.resource_type,
            name=table["TableName"],
            size_bytes=int(table.get("TableSizeBytes", 0)),
            tags=tags,
            encryption_key_arn=sse.get("KMSMasterKeyArn"),
            is_encrypted=True,  # DynamoDB encrypts every table at rest
        )

    def describe(self, resource_arn: str) -> ResourceInfo:
        table = self._table(parse_arn(resource_arn).resource_id)
        if table is None:
            raise ResourceNotFoundException(f"DynamoDB table {resource_arn} does not exist")
        tags = self._dynamodb().list_tags_of_resource(ResourceArn=table["TableArn"]).get("Tags", [])
        return self._info(table, {tag["Key"]: tag["Value"] for tag in tags})

    def describe_many(self, resource_arns: list[str], *, memo: RunMemo | None = None) -> dict[str, ResourceInfo]:
        """A table one of the backups the run just tracked (backup_statuses, in `memo`) is of is described as that
        backup saw it (no call, and its encryption is the backup's); another with DescribeTable. Tags are left out
        (ListTagsOfResource is a call per table): describe gives them."""
        by_table = {
            description["SourceTableDetails"]["TableArn"]: description
            for description in sorted(memo_in(memo, self, _BACKUPS).seen(), key=_created)
            if (description.get("SourceTableDetails") or {}).get("TableArn")
        }
        found: dict[str, ResourceInfo] = {}
        for arn in resource_arns:
            table_arn = self._table_arn(parse_arn(arn).resource_id)
            if table_arn in by_table:
                found[arn] = self._info_from_backup(by_table[table_arn])
                continue
            table = self._table(parse_arn(arn).resource_id)
            if table is not None:
                found[arn] = self._info(table, {})
        return found

    def _info_from_backup(self, description: dict[str, Any]) -> ResourceInfo:
        source = description["SourceTableDetails"]
        features = description.get("SourceTableFeatureDetails") or {}
        return self._info({**source, "SSEDescription": features.get("SSEDescription")}, {})

    def list_resources(self) -> Iterator[ResourceInfo]:
        for page in self._dynamodb().get_paginator("list_tables").paginate():
            for name in page["TableNames"]:
                yield self.describe(self._table_arn(name))

    def find_backup(self, resource_arn: str, job_id: str) -> NativeBackup | None:
        name = parse_arn(resource_arn).resource_id
        request: dict[str, Any] = {"TableName": name}
        while True:
            response = self._dynamodb().list_backups(**request)
            for summary in response.get("BackupSummaries", []):
                if summary["BackupName"] == backup_name(job_id) and summary["BackupStatus"] != "DELETED":
                    return NativeBackup(summary["BackupArn"], summary["BackupArn"])
            if "LastEvaluatedBackupArn" not in response:
                return None
            request["ExclusiveStartBackupArn"] = response["LastEvaluatedBackupArn"]

    def start_backup(
        self, resource_arn: str, job_id: str, tags: dict[str, str], *, memo: RunMemo | None = None
    ) -> NativeBackup:
        name = parse_arn(resource_arn).resource_id
        details = self._dynamodb().create_backup(TableName=name, BackupName=backup_name(job_id))["BackupDetails"]
        return NativeBackup(details["BackupArn"], details["BackupArn"])

    def _backup(self, native_id: str) -> dict[str, Any] | None:
        description: dict[str, Any] | None = unless_gone(
            lambda: self._dynamodb().describe_backup(BackupArn=native_id)["BackupDescription"],
            ("BackupNotFoundException",),
        )
        return description

    def backup_status(self, native_id: str) -> Progress:
        return _progress(self._backup(native_id), native_id)

    def backup_statuses(self, native_ids: list[str], *, memo: RunMemo | None = None) -> dict[str, Progress]:
        """One DescribeBackup each, kept in `memo` for describe_many and restore_metadata (module docstring)."""
        described: dict[str, dict[str, Any] | None] = {}

        def describe() -> dict[str, dict[str, Any]]:
            described.update((native_id, self._backup(native_id)) for native_id in native_ids)
            return {native_id: found for native_id, found in described.items() if found is not None}

        memo_in(memo, self, _BACKUPS).remember(describe)
        return {native_id: _progress(found, native_id) for native_id, found in described.items()}

    def delete_backup(self, native_id: str) -> None:
        try:
            self._dynamodb().delete_backup(BackupArn=native_id)
        except ClientError as error:
            if error.response["Error"]["Code"] != "BackupNotFoundException":
                raise

    def move_to_cold(self, native_id: str) -> bool:
        """DynamoDB's own on-demand backups have no cold tier (AWS Backup's cold storage for DynamoDB
        needs its advanced backups, which Strongroom does not make): the setting is ignored."""
        return False

    def restore_metadata(
        self, native_id: str, source: ResourceInfo | None, *, memo: RunMemo | None = None
    ) -> dict[str, str]:
        description = (
            memo_in(memo, self, _BACKUPS).take(native_id)
            or self._dynamodb().describe_backup(BackupArn=native_id)["BackupDescription"]
        )
        table_name = description["SourceTableDetails"]["TableName"]
        return {"targetTableName": table_name, "originalTableName": table_name}

    def check_restore(self, native_id: str, metadata: dict[str, str]) -> None:
        target = metadata.get("targetTableName")
        if not target:
            raise InvalidParameterValueException("Restore metadata for DynamoDB is missing: targetTableName")
        if not _TABLE_NAME.match(target):
            raise InvalidParameterValueException(
                f"DynamoDB restore metadata needs a valid targetTableName (3-255 of a-z A-Z 0-9 _ . -), got {target!r}"
            )
        try:
            self._dynamodb().describe_table(TableName=target)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ResourceNotFoundException":
                return
            raise
        raise InvalidParameterValueException(
            f"Table {target} already exists: choose another targetTableName in the restore metadata"
        )

    def find_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore | None:
        target = metadata.get("targetTableName", "")
        try:
            table = self._dynamodb().describe_table(TableName=target)["Table"]
        except ClientError:
            return None
        if (table.get("RestoreSummary") or {}).get("SourceBackupArn") != native_id:
            return None
        return NativeRestore(target, table["TableArn"])

    def start_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore:
        target = metadata.get("targetTableName")
        if not target or not _TABLE_NAME.match(target):
            raise InvalidParameterValueException(
                f"DynamoDB restore metadata needs a valid targetTableName (3-255 of a-z A-Z 0-9 _ . -), got {target!r}"
            )
        in_use = InvalidParameterValueException(
            f"Table {target} already exists: choose another targetTableName in the restore metadata"
        )
        with refused_as(("TableAlreadyExistsException", "ResourceInUseException"), lambda error: in_use):
            table = self._dynamodb().restore_table_from_backup(TargetTableName=target, BackupArn=native_id)
        return NativeRestore(target, table["TableDescription"]["TableArn"])

    def restore_status(self, restore: NativeRestore) -> Progress:
        table = self._dynamodb().describe_table(TableName=restore.native_id)["Table"]
        if table["TableStatus"] == "ACTIVE":
            return Progress(Phase.COMPLETED, "100.0", int(table.get("TableSizeBytes", 0)))
        return Progress(Phase.RUNNING, "50.0")


def build(ctx: AdapterContext) -> DynamoDbAdapter:
    """The adapter of this type for one account and Region (its spec's `build`)."""
    return DynamoDbAdapter(ctx.client("dynamodb"), ctx.region, ctx.account)
