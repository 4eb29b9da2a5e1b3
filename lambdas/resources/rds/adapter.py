"""RDS DB instances: a recovery point is a manual DB snapshot named from the job id; a restore is a new DB
instance from it (RestoreDBInstanceFromDBSnapshot), under the DBInstanceIdentifier the restore names.

Instances that belong to a cluster (Aurora, DocumentDB, Neptune members) are backed up through their
cluster (lambdas.resources.rds_cluster), as AWS Backup does: they are not listed here and not snapshotted.

The shared helpers (names, tags, restore-metadata parsing, copies, quotas) are in lambdas.resources.rds_family.common,
with the cluster and EC2 adapters.

Copies: CopyDBSnapshot in the destination Region and account, named from the copy job id and encrypted with
the destination vault's key, of the source snapshot named by its ARN (another Region, or another account
that shared it through the snapshot's "restore" attribute: share_backup). RDS copies across Regions and
accounts in one call. Across accounts an encrypted snapshot's key must be a customer managed key whose policy
lets the destination account use it (snapshots under the AWS managed aws/rds key cannot be shared; the copy
job says so before sharing anything). The cluster adapter copies cluster snapshots with the same helpers.

Automated snapshots (rds:<identifier>-<time>) are listed for the import of existing backups next to manual ones,
and restore and copy within the account like them. RDS alone deletes them, at the end of the backup retention
period, and shares none with another account: deleting their recovery point waits for RDS (the point is marked
deleted once the snapshot is gone), and a copy to another account fails saying so."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from lambdas.domain.arns import parse_arn
from lambdas.domain.errors import InvalidParameterValueException, ResourceNotFoundException
from lambdas.resources.base import (
    RESTORE_TAG,
    CopySource,
    NativeBackup,
    NativeRestore,
    Phase,
    Progress,
    ResourceInfo,
    StartCapacity,
)
from lambdas.resources.rds_family.common import (
    AUTOMATED_PREFIX,
    GIB,
    busy_resources,
    check_identifier,
    copy_request,
    described,
    must_wait,
    not_shared_by_rds,
    port,
    refused_copy,
    snapshot_progress,
    snapshot_room,
    source_snapshot_arn,
    tags_of,
)
from lambdas.resources.restore_metadata import flag, json_list, metadata_value
from lambdas.resources.snapshot_engine import (
    SnapshotCalls,
    SnapshotEngine,
    error_code,
    tag_list,
)
from lambdas.resources.spec import AdapterContext

_INSTANCE_CLASS = re.compile(r"^db\.[a-z0-9-]+(\.[a-z0-9-]+)?$")
_FAILED_STATES = frozenset(
    {
        "failed",
        "restore-error",
        "storage-full",
        "incompatible-restore",
        "incompatible-parameters",
        "incompatible-network",
        "incompatible-option-group",
        "inaccessible-encryption-credentials",
        "deleting",
        "deleted",
    }
)
_INSTANCE_FLAGS = (
    "MultiAZ",
    "PubliclyAccessible",
    "DeletionProtection",
    "AutoMinorVersionUpgrade",
    "CopyTagsToSnapshot",
    "EnableIAMDatabaseAuthentication",
)


INSTANCE_SNAPSHOTS = SnapshotCalls(
    service="RDS",
    what="DB snapshot",
    resource_what="RDS DB instance",
    describe="describe_db_snapshots",
    describe_id="DBSnapshotIdentifier",
    describe_resource="DBInstanceIdentifier",
    listed="DBSnapshots",
    id_field="DBSnapshotIdentifier",
    resource_field="DBInstanceIdentifier",
    tags_field="TagList",
    create="create_db_snapshot",
    create_resource="DBInstanceIdentifier",
    create_id="DBSnapshotIdentifier",
    created="DBSnapshot",
    delete="delete_db_snapshot",
    delete_id="DBSnapshotIdentifier",
    snapshot_gone=frozenset({"DBSnapshotNotFound", "DBSnapshotNotFoundFault"}),
    resource_gone=frozenset({"DBInstanceNotFound", "DBInstanceNotFoundFault"}),
    already_exists=frozenset({"DBSnapshotAlreadyExists", "DBSnapshotAlreadyExistsFault"}),
    invalid_state=frozenset({"InvalidDBSnapshotState", "InvalidDBSnapshotStateFault"}),
    automated_prefix=AUTOMATED_PREFIX,
    arn_of=lambda snapshot, region, account: str(snapshot["DBSnapshotArn"]),
    progress=snapshot_progress,
    quota_reached=must_wait,
    copy="copy_db_snapshot",
    copy_source="SourceDBSnapshotIdentifier",
    copy_target="TargetDBSnapshotIdentifier",
    share="modify_db_snapshot_attribute",
)


class RdsAdapter:
    resource_type = "RDS"
    tagging_filter = "rds:db"
    supports_cold_storage = False

    def __init__(self, rds: Callable[[], Any], region: str, account: str) -> None:
        self._rds = rds
        self._region = region
        self._account = account
        self._snapshots = SnapshotEngine(INSTANCE_SNAPSHOTS, rds, region, account)
        # What the last batch call described, kept for the call that follows it (each entry used once): the
        # instances start_capacity saw, for start_backup; those describe_many saw and the snapshots
        # backup_statuses saw, for restore_metadata.
        self._for_start: dict[str, dict[str, Any]] = {}
        self._seen_instances: dict[str, dict[str, Any]] = {}
        self._seen_snapshots: dict[str, dict[str, Any]] = {}

    def resource_type_for(self, resource_arn: str) -> str:
        return self.resource_type

    def _instances(self, resource_arns: list[str]) -> dict[str, dict[str, Any]]:
        """The DB instances named, by identifier; one call per 100."""
        ids = [parse_arn(arn).resource_id for arn in resource_arns]
        found = described(self._rds(), "describe_db_instances", "DBInstances", "db-instance-id", ids)
        return {instance["DBInstanceIdentifier"]: instance for instance in found}

    def describe_many(self, resource_arns: list[str]) -> dict[str, ResourceInfo]:
        self._seen_instances = {}  # never an older batch's, if the call below fails
        self._seen_instances = self._instances(resource_arns)
        return {
            arn: self._info(self._seen_instances[identifier])
            for arn in resource_arns
            if (identifier := parse_arn(arn).resource_id) in self._seen_instances
        }

    def start_capacity(self, resource_arns: list[str]) -> StartCapacity:
        """The RDS manual snapshot quota (one DescribeAccountAttributes) and the instances being backed up
        already (one DescribeDBInstances per 100, whose answers start_backup uses instead of describing again)."""
        self._for_start = {}  # never an older batch's, if a call below fails
        room, reason = snapshot_room(self._rds(), "ManualSnapshots", "manual snapshot")
        self._for_start = self._instances(resource_arns)
        by_arn = {arn: self._for_start.get(parse_arn(arn).resource_id, {}) for arn in resource_arns}
        return StartCapacity(busy_resources(by_arn, "DBInstanceStatus", "DB instance"), room, reason)

    def _instance(self, identifier: str) -> dict[str, Any] | None:
        try:
            instances = self._rds().describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"]
        except ClientError as error:
            if error_code(error) in ("DBInstanceNotFound", "DBInstanceNotFoundFault"):
                return None
            raise
        return instances[0] if instances else None

    def _info(self, instance: dict[str, Any]) -> ResourceInfo:
        encrypted = bool(instance.get("StorageEncrypted"))
        return ResourceInfo(
            arn=instance["DBInstanceArn"],
            resource_type=self.resource_type,
            name=instance["DBInstanceIdentifier"],
            size_bytes=int(instance.get("AllocatedStorage") or 0) * GIB,
            tags=tags_of(instance),
            encryption_key_arn=instance.get("KmsKeyId") if encrypted else None,
            is_encrypted=encrypted,
        )

    def describe(self, resource_arn: str) -> ResourceInfo:
        instance = self._instance(parse_arn(resource_arn).resource_id)
        if instance is None:
            raise ResourceNotFoundException(f"RDS DB instance {resource_arn} does not exist")
        return self._info(instance)

    def list_resources(self) -> Iterator[ResourceInfo]:
        for page in self._rds().get_paginator("describe_db_instances").paginate():
            for instance in page["DBInstances"]:
                if not instance.get("DBClusterIdentifier"):
                    yield self._info(instance)

    # backup

    def _snapshot(self, identifier: str) -> dict[str, Any] | None:
        return self._snapshots.snapshot(identifier)

    def find_backup(self, resource_arn: str, job_id: str) -> NativeBackup | None:
        return self._snapshots.find_backup(job_id)

    def list_native_backups(self, resource_arn: str) -> Iterator[tuple[NativeBackup, datetime]]:
        """The instance's available snapshots made elsewhere, manual and automated, for the import of existing
        backups: the NativeBackup start_backup gives, the snapshot's identifier and ARN."""
        return self._snapshots.list_native_backups(parse_arn(resource_arn).resource_id)

    def start_backup(self, resource_arn: str, job_id: str, tags: dict[str, str]) -> NativeBackup:
        identifier = parse_arn(resource_arn).resource_id
        instance = self._for_start.pop(identifier, None) or self._instance(identifier)
        if instance is None:
            raise ResourceNotFoundException(f"RDS DB instance {resource_arn} does not exist")
        if instance.get("DBClusterIdentifier"):
            raise InvalidParameterValueException(
                f"RDS DB instance {identifier} belongs to the cluster {instance['DBClusterIdentifier']}: "
                "back up the cluster instead"
            )
        return self._snapshots.start_backup(identifier, resource_arn, job_id, tags)

    def backup_status(self, native_id: str) -> Progress:
        return self._snapshots.backup_status(native_id)

    def backup_statuses(self, native_ids: list[str]) -> dict[str, Progress]:
        self._seen_snapshots = {}  # never an older batch's, if the call below fails
        found = described(self._rds(), "describe_db_snapshots", "DBSnapshots", "db-snapshot-id", native_ids)
        self._seen_snapshots = {snapshot["DBSnapshotIdentifier"]: snapshot for snapshot in found}
        return {i: snapshot_progress(self._seen_snapshots.get(i), f"DB snapshot {i}") for i in native_ids}

    def delete_backup(self, native_id: str) -> None:
        self._snapshots.delete_backup(native_id)

    def move_to_cold(self, native_id: str) -> bool:
        """RDS snapshots have no cold tier: the setting is ignored, as AWS Backup ignores it."""
        return False

    # copies

    def share_backup(self, native_id: str, account: str) -> None:
        """Lets `account` copy the snapshot (its "restore" attribute); adding an account twice changes nothing.
        An encrypted snapshot's KMS key must let that account use it too: that is the key's policy, not this call."""
        if self._snapshots.is_automated(native_id):
            raise not_shared_by_rds(f"DB snapshot {native_id}")
        self._snapshots.share(native_id, account)

    def copy_in(self, source: CopySource, copy_job_id: str, kms_key_arn: str, tags: dict[str, str]) -> NativeBackup:
        """CopyDBSnapshot into this Region and account, encrypted with `kms_key_arn` (RDS also encrypts the copy
        of an unencrypted snapshot so), from another Region or a shared snapshot of another account in one call."""
        source_arn = source_snapshot_arn(source, "snapshot")
        request = copy_request(source, self._region, copy_job_id, kms_key_arn, tags)
        return self._snapshots.copy_in(
            source_arn, copy_job_id, request, lambda error: refused_copy(error, source_arn, self._region, self._account)
        )

    # restore

    def restore_metadata(self, native_id: str, source: ResourceInfo | None) -> dict[str, str]:
        """RestoreDBInstanceFromDBSnapshot's parameters as the source had them. DBInstanceIdentifier is the
        source's: a restore must name a new one while the source exists."""
        snapshot = self._seen_snapshots.pop(native_id, None) or self._snapshot(native_id) or {}
        identifier = snapshot.get("DBInstanceIdentifier") or (parse_arn(source.arn).resource_id if source else "")
        metadata: dict[str, str] = {"DBInstanceIdentifier": identifier}
        for key in ("Engine", "EngineVersion", "StorageType", "LicenseModel"):
            if snapshot.get(key):
                metadata[key] = str(snapshot[key])
        metadata["Encrypted"] = str(bool(snapshot.get("Encrypted"))).lower()
        if snapshot.get("KmsKeyId"):
            metadata["KmsKeyId"] = str(snapshot["KmsKeyId"])
        if snapshot.get("Port"):
            metadata["Port"] = str(snapshot["Port"])
        instance = (self._seen_instances.pop(identifier, None) or self._instance(identifier)) if identifier else None
        if instance is None:
            return metadata
        metadata["DBInstanceClass"] = instance["DBInstanceClass"]
        metadata["MultiAZ"] = str(bool(instance.get("MultiAZ"))).lower()
        if instance.get("AvailabilityZone") and not instance.get("MultiAZ"):
            metadata["AvailabilityZone"] = instance["AvailabilityZone"]
        if (instance.get("Endpoint") or {}).get("Port"):
            metadata["Port"] = str(instance["Endpoint"]["Port"])
        subnet_group = (instance.get("DBSubnetGroup") or {}).get("DBSubnetGroupName")
        if subnet_group:
            metadata["DBSubnetGroupName"] = subnet_group
        groups = [group["VpcSecurityGroupId"] for group in instance.get("VpcSecurityGroups") or []]
        metadata["VpcSecurityGroupIds"] = json.dumps(groups)
        # A default group is left out: the restore gets the default of the snapshot's engine version anyway.
        parameter_groups = [g["DBParameterGroupName"] for g in instance.get("DBParameterGroups") or []]
        if parameter_groups and not parameter_groups[0].startswith("default."):
            metadata["DBParameterGroupName"] = parameter_groups[0]
        option_groups = [g["OptionGroupName"] for g in instance.get("OptionGroupMemberships") or []]
        if option_groups and not option_groups[0].startswith("default:"):
            metadata["OptionGroupName"] = option_groups[0]
        if instance.get("Iops"):
            metadata["Iops"] = str(instance["Iops"])
        for key in ("PubliclyAccessible", "DeletionProtection", "AutoMinorVersionUpgrade", "CopyTagsToSnapshot"):
            if instance.get(key) is not None:
                metadata[key] = str(bool(instance[key])).lower()
        if instance.get("IAMDatabaseAuthenticationEnabled") is not None:
            metadata["EnableIAMDatabaseAuthentication"] = str(
                bool(instance["IAMDatabaseAuthenticationEnabled"])
            ).lower()
        return metadata

    def check_restore(self, native_id: str, metadata: dict[str, str]) -> None:
        identifier = check_identifier(metadata, "DBInstanceIdentifier", "RDS")
        instance_class = metadata_value(metadata, "DBInstanceClass")
        if instance_class and not _INSTANCE_CLASS.match(instance_class):
            raise InvalidParameterValueException(
                "Restore metadata DBInstanceClass must be a DB instance class such as db.t3.micro, "
                f"got {instance_class!r}"
            )
        for key in _INSTANCE_FLAGS:
            flag(metadata, key)
        port(metadata)
        json_list(metadata, "VpcSecurityGroupIds")
        iops = metadata_value(metadata, "Iops")
        if iops and not iops.isdigit():
            raise InvalidParameterValueException(f"Restore metadata Iops must be a whole number, got {iops!r}")
        if self._instance(identifier) is not None:
            raise InvalidParameterValueException(
                f"DB instance {identifier} already exists: choose another DBInstanceIdentifier in the restore metadata"
            )

    def find_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore | None:
        identifier = metadata_value(metadata, "DBInstanceIdentifier")
        instance = self._instance(identifier) if identifier else None
        if instance is None or tags_of(instance).get(RESTORE_TAG) != restore_job_id:
            return None
        return NativeRestore(instance["DBInstanceIdentifier"], instance["DBInstanceArn"])

    def start_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore:
        identifier = check_identifier(metadata, "DBInstanceIdentifier", "RDS")
        request: dict[str, Any] = {
            "DBInstanceIdentifier": identifier,
            "DBSnapshotIdentifier": native_id,
            "Tags": tag_list({RESTORE_TAG: restore_job_id}),
        }
        for key in ("DBInstanceClass", "DBSubnetGroupName", "DBParameterGroupName", "OptionGroupName", "StorageType"):
            value = metadata_value(metadata, key)
            if value:
                request[key] = value
        multi_az = flag(metadata, "MultiAZ")
        zone = metadata_value(metadata, "AvailabilityZone")
        if zone and not multi_az:
            request["AvailabilityZone"] = zone  # a Multi-AZ instance may not name a zone
        for key in _INSTANCE_FLAGS:
            value_flag = flag(metadata, key)
            if value_flag is not None:
                request[key] = value_flag
        if port(metadata) is not None:
            request["Port"] = port(metadata)
        groups = json_list(metadata, "VpcSecurityGroupIds")
        if groups:
            request["VpcSecurityGroupIds"] = groups
        iops = metadata_value(metadata, "Iops")
        if iops:
            request["Iops"] = int(iops)
        try:
            instance = self._rds().restore_db_instance_from_db_snapshot(**request)["DBInstance"]
        except ClientError as error:
            if error_code(error) in ("DBInstanceAlreadyExists", "DBInstanceAlreadyExistsFault"):
                raise InvalidParameterValueException(
                    f"DB instance {identifier} already exists: "
                    "choose another DBInstanceIdentifier in the restore metadata"
                ) from None
            raise
        return NativeRestore(instance["DBInstanceIdentifier"], instance["DBInstanceArn"])

    def restore_status(self, restore: NativeRestore) -> Progress:
        instance = self._instance(restore.native_id)
        if instance is None:
            return Progress(Phase.FAILED, message=f"DB instance {restore.native_id} disappeared during the restore")
        status = instance.get("DBInstanceStatus")
        if status == "available":
            return Progress(Phase.COMPLETED, "100.0", int(instance.get("AllocatedStorage") or 0) * GIB)
        if status in _FAILED_STATES:
            return Progress(Phase.FAILED, message=f"DB instance {restore.native_id} is {status}")
        return Progress(Phase.RUNNING, "50.0")


def build(ctx: AdapterContext) -> RdsAdapter:
    """The adapter of this type for one account and Region (its spec's `build`)."""
    return RdsAdapter(ctx.client("rds"), ctx.region, ctx.account)
