"""RDS DB instances: a recovery point is a manual DB snapshot named from the job id; a restore is a new DB
instance from it (RestoreDBInstanceFromDBSnapshot), under the DBInstanceIdentifier the restore names.

Instances that belong to a cluster (Aurora, DocumentDB, Neptune members) are backed up through their
cluster (lambdas/resources/rds_family/clusters.py), as AWS Backup does: they are not listed here and not snapshotted.

What the instance and cluster adapters do alike (describe, status, deletion, shares, copies, restore status) is
lambdas/resources/rds_family/adapter.py; the helpers they share with EC2 (names, tags, restore-metadata parsing,
quotas) are lambdas/resources/rds_family/common.py.

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
from typing import Any

from lambdas.domain.arns import parse_arn
from lambdas.domain.errors import InvalidParameterValueException
from lambdas.resources.base import (
    RESTORE_TAG,
    NativeBackup,
    NativeRestore,
    ResourceInfo,
    RunMemo,
    StartCapacity,
    memo_in,
)
from lambdas.resources.rds_family.adapter import SEEN_RESOURCES, RdsFamilyAdapter, family_calls
from lambdas.resources.rds_family.common import (
    busy_resources,
    check_identifier,
    port,
    snapshot_room,
)
from lambdas.resources.restore_metadata import flag, json_list, metadata_value
from lambdas.resources.snapshot_engine import tag_list
from lambdas.resources.spec import AdapterContext

_SEEN_FOR_START = "instances for starts"  # start_capacity's, in the run's memo, for start_backup
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


INSTANCES = family_calls(
    "DBInstance",
    what="DB instance",
    resource_what="RDS DB instance",
    snapshot_what="DB snapshot",
    status_field="DBInstanceStatus",
    failed_states=_FAILED_STATES,
)


class RdsAdapter(RdsFamilyAdapter):
    resource_type = "RDS"
    tagging_filter = "rds:db"

    def __init__(self, rds: Callable[[], Any], region: str, account: str) -> None:
        super().__init__(INSTANCES, rds, region, account)

    def resource_type_for(self, resource_arn: str) -> str:
        return self.resource_type

    def describe_many(self, resource_arns: list[str], *, memo: RunMemo | None = None) -> dict[str, ResourceInfo]:
        seen = memo_in(memo, self, SEEN_RESOURCES).remember(lambda: self._resources(resource_arns))
        return {
            arn: self._info(seen[identifier], self.resource_type)
            for arn in resource_arns
            if (identifier := parse_arn(arn).resource_id) in seen
        }

    def start_capacity(self, resource_arns: list[str], *, memo: RunMemo | None = None) -> StartCapacity:
        """The RDS manual snapshot quota (one DescribeAccountAttributes) and the instances being backed up
        already (one DescribeDBInstances per 100, kept in `memo`: start_backup uses them instead of describing
        again)."""
        seen = memo_in(memo, self, _SEEN_FOR_START)
        seen.forget()  # never an older batch's, if a call below fails
        room, reason = snapshot_room(self._rds(), "ManualSnapshots", "manual snapshot")
        instances = seen.remember(lambda: self._resources(resource_arns))
        by_arn = {arn: instances.get(parse_arn(arn).resource_id, {}) for arn in resource_arns}
        return StartCapacity(busy_resources(by_arn, "DBInstanceStatus", "DB instance"), room, reason)

    def describe(self, resource_arn: str) -> ResourceInfo:
        return self._info(self._existing(resource_arn), self.resource_type)

    def list_resources(self) -> Iterator[ResourceInfo]:
        for instance in self._all_resources():
            if not instance.get("DBClusterIdentifier"):
                yield self._info(instance, self.resource_type)

    # backup

    def start_backup(
        self, resource_arn: str, job_id: str, tags: dict[str, str], *, memo: RunMemo | None = None
    ) -> NativeBackup:
        identifier = parse_arn(resource_arn).resource_id
        instance = memo_in(memo, self, _SEEN_FOR_START).take(identifier) or self._existing(resource_arn)
        if instance.get("DBClusterIdentifier"):
            raise InvalidParameterValueException(
                f"RDS DB instance {identifier} belongs to the cluster {instance['DBClusterIdentifier']}: "
                "back up the cluster instead"
            )
        return self._snapshots.start_backup(identifier, resource_arn, job_id, tags)

    # restore

    def restore_metadata(
        self, native_id: str, source: ResourceInfo | None, *, memo: RunMemo | None = None
    ) -> dict[str, str]:
        """RestoreDBInstanceFromDBSnapshot's parameters as the source had them. DBInstanceIdentifier is the
        source's: a restore must name a new one while the source exists."""
        snapshot = self._seen_snapshot(native_id, memo)
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
        instance = self._seen_resource(identifier, memo)
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
        if self._resource(identifier) is not None:
            raise self._in_use(identifier)

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
        return self._restored("restore_db_instance_from_db_snapshot", request, "DBInstance")


def build(ctx: AdapterContext) -> RdsAdapter:
    """The adapter of this type for one account and Region (its spec's `build`)."""
    return RdsAdapter(ctx.client("rds"), ctx.region, ctx.account)
