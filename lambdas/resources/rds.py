"""RDS DB instances: a recovery point is a manual DB snapshot named from the job id; a restore is a new DB
instance from it (RestoreDBInstanceFromDBSnapshot), under the DBInstanceIdentifier the restore names.

Instances that belong to a cluster (Aurora, DocumentDB, Neptune members) are backed up through their
cluster (lambdas.resources.rds_cluster), as AWS Backup does: they are not listed here and not snapshotted.

The restore-metadata helpers below (case-insensitive keys, flags, JSON lists) are shared with the cluster
and EC2 adapters.

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
from lambdas.domain.errors import InvalidParameterValueException, InvalidRequestException, ResourceNotFoundException
from lambdas.resources.base import (
    JOB_TAG,
    RESTORE_TAG,
    CopySource,
    NativeBackup,
    NativeBackupInUse,
    NativeRestore,
    Phase,
    Progress,
    ResourceInfo,
    StartCapacity,
)
from lambdas.resources.waits import BackupMustWait, being_backed_up, snapshot_quota_reached

GIB = 1024**3
# 1-63 letters, digits and hyphens, a letter first, no two hyphens in a row, no hyphen last (RDS, DocumentDB
# and Neptune share these rules for instance and cluster identifiers).
IDENTIFIER = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}(?<!-)$")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# The snapshots the import of existing backups lists (not shared, public or AWS Backup's awsbackup ones); RDS names
# the automated ones rds:<identifier>-<time>, a colon no manual snapshot identifier may hold.
NATIVE_SNAPSHOT_TYPES = ("manual", "automated")
AUTOMATED_PREFIX = "rds:"
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


def snapshot_identifier(job_id: str) -> str:
    """The snapshot's identifier carries the job id: a retried start finds the snapshot it already made.
    (AWS Backup's own awsbackup:job-... names use a colon, which only AWS Backup may use.)"""
    return f"strongroom-{_NOT_ALNUM.sub('-', job_id.lower()).strip('-')}"[:255].rstrip("-")


def made_elsewhere(identifier: str, tags: dict[str, str]) -> bool:
    """A manual snapshot neither a Strongroom job (its tag or name) nor AWS Backup (awsbackup:job-...) made."""
    return not (
        JOB_TAG in tags
        or identifier.startswith(("strongroom-", "awsbackup:"))
        or any(key.startswith("aws:backup:") for key in tags)
    )


def is_automated(identifier: str) -> bool:
    """A DB or cluster snapshot RDS took itself (rds:<identifier>-<time>): only RDS deletes it, and it cannot be
    shared with another account."""
    return identifier.startswith(AUTOMATED_PREFIX)


def kept_by_rds(what: str) -> NativeBackupInUse:
    """Deleting an automated snapshot's recovery point: not now, RDS deletes the snapshot; expiry tries again."""
    return NativeBackupInUse(
        f"{what} is an automated snapshot: RDS deletes it itself at the end of the backup retention period, and "
        "its recovery point is deleted once it is gone; disassociate the recovery point to let go of it sooner"
    )


def not_shared_by_rds(what: str) -> InvalidRequestException:
    return InvalidRequestException(
        f"{what} is an automated snapshot, which RDS does not share with other accounts: copy it to a manual "
        "snapshot in this account, import that one, and copy its recovery point"
    )


def native_tags(tags: dict[str, str]) -> dict[str, str]:
    """aws: is a reserved tag prefix on AWS: such keys are kept under strongroom: instead."""
    return {(f"strongroom:{key[4:]}" if key.startswith("aws:") else key): value for key, value in tags.items()}


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def tags_of(resource: dict[str, Any]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in resource.get("TagList") or []}


def error_code(error: ClientError) -> str:
    return str(error.response["Error"]["Code"])


def metadata_value(metadata: dict[str, str], key: str) -> str | None:
    """Restore metadata keys are not case sensitive (as in AWS Backup); the caller's overrides come after
    the recorded keys, so the last matching key wins."""
    found = None
    wanted = key.lower()
    for name, value in metadata.items():
        if name.lower() == wanted:
            found = value
    return found


def flag(metadata: dict[str, str], key: str) -> bool | None:
    raw = metadata_value(metadata, key)
    if raw is None or raw == "":
        return None
    if raw.lower() not in ("true", "false"):
        raise InvalidParameterValueException(f"Restore metadata {key} must be true or false, got {raw!r}")
    return raw.lower() == "true"


def json_list(metadata: dict[str, str], key: str) -> list[str] | None:
    raw = metadata_value(metadata, key)
    if raw is None or raw == "":
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidParameterValueException(
            f'Restore metadata {key} must be a JSON list of strings, such as ["sg-0123456789abcdef0"], got {raw!r}'
        )
    return value


def port(metadata: dict[str, str]) -> int | None:
    raw = metadata_value(metadata, "Port")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or not 1150 <= int(raw) <= 65535:
        raise InvalidParameterValueException(f"Restore metadata Port must be a number from 1150 to 65535, got {raw!r}")
    return int(raw)


def check_identifier(metadata: dict[str, str], key: str, kind: str) -> str:
    identifier = metadata_value(metadata, key)
    if not identifier:
        raise InvalidParameterValueException(f"Restore metadata for {kind} is missing: {key}")
    if not IDENTIFIER.match(identifier):
        raise InvalidParameterValueException(
            f"Restore metadata {key} must be 1-63 letters, digits or hyphens, start with a letter, and have no "
            f"two hyphens in a row nor a hyphen at the end, got {identifier!r}"
        )
    return identifier


def source_snapshot_arn(source: CopySource, kind: str) -> str:
    """The ARN of a copy's source snapshot (kind "snapshot" or "cluster-snapshot"): RDS finds a snapshot of another
    Region, or one another account shared, by its ARN only."""
    if source.native_id.startswith("arn:"):
        return source.native_id
    return f"arn:aws:rds:{source.region}:{source.account}:{kind}:{source.native_id}"


def copy_request(
    source: CopySource, region: str, copy_job_id: str, kms_key_arn: str, tags: dict[str, str]
) -> dict[str, Any]:
    """CopyDBSnapshot's and CopyDBClusterSnapshot's shared parameters (the identifiers' names differ). The copy
    is named from the copy job id, as a backup is from its job id, so find_backup adopts it after a crash; its
    tags are Strongroom's own (CopyTags off). SourceRegion only across Regions: boto3 turns it into the
    PreSignedUrl RDS needs for a cross-Region copy."""
    request: dict[str, Any] = {
        "KmsKeyId": kms_key_arn,
        "CopyTags": False,
        "Tags": tag_list({**native_tags(tags), JOB_TAG: copy_job_id}),
    }
    if source.region != region:
        request["SourceRegion"] = source.region
    return request


def refused_copy(error: ClientError, source_arn: str, region: str, account: str) -> InvalidRequestException | None:
    """The errors a copy retried later would meet again, as the reason the copy job fails; None for the others."""
    code, message = error_code(error), str(error.response["Error"].get("Message", ""))
    if code in ("DBSnapshotNotFound", "DBSnapshotNotFoundFault", "DBClusterSnapshotNotFoundFault"):
        return InvalidRequestException(
            f"Snapshot {source_arn} cannot be read from account {account} in {region}: it is gone, or it is not "
            "shared with this account"
        )
    if code in ("KMSKeyNotAccessibleFault", "InvalidParameterValue", "InvalidParameterCombination"):
        hint = ""
        if "unencrypted" in message.lower() or "not encrypted" in message.lower():
            hint = (
                ". RDS cannot encrypt an unencrypted cluster snapshot while copying it: restore the cluster "
                "encrypted with a customer managed key, back that up, and copy its recovery point"
            )
        return InvalidRequestException(f"RDS refused to copy {source_arn} into {region}: {message or code}{hint}")
    return None


_FILTER_VALUES = 100  # identifiers per filtered Describe call when many resources or snapshots are asked for


def described(rds: Any, operation: str, key: str, filter_name: str, identifiers: list[str]) -> list[dict[str, Any]]:
    """The DB instances, clusters or snapshots named (a filter on their identifiers, 100 a call: one gone is
    simply not listed, where an identifier parameter would fail the call)."""
    ids = sorted(set(identifiers))
    found: list[dict[str, Any]] = []
    paginator = rds.get_paginator(operation)
    for start in range(0, len(ids), _FILTER_VALUES):
        chunk = [{"Name": filter_name, "Values": ids[start : start + _FILTER_VALUES]}]
        for page in paginator.paginate(Filters=chunk):
            found.extend(page[key])
    return found


def snapshot_room(rds: Any, quota_name: str, kind: str) -> tuple[int | None, str]:
    """What is left of an RDS manual snapshot quota (ManualSnapshots or ManualClusterSnapshots), from one
    DescribeAccountAttributes, and why nothing is; (None, "") when RDS reports no such quota."""
    quotas = rds.describe_account_attributes().get("AccountQuotas") or []
    quota = next((q for q in quotas if q.get("AccountQuotaName") == quota_name), None)
    if quota is None or quota.get("Max") is None:
        return None, ""
    used, limit = int(quota.get("Used") or 0), int(quota["Max"])
    return max(limit - used, 0), snapshot_quota_reached(kind, used, limit)


def must_wait(error: ClientError) -> BackupMustWait | None:
    """SnapshotQuotaExceeded frees itself as snapshots expire: the job waits in CREATED instead of failing."""
    if error_code(error) in ("SnapshotQuotaExceeded", "SnapshotQuotaExceededFault"):
        message = error.response["Error"].get("Message") or "the manual snapshot quota is reached"
        return BackupMustWait(
            f"RDS refused the snapshot (SnapshotQuotaExceeded: {message}); the backup waits for an expiry to free room"
        )
    return None


def busy_resources(resources: dict[str, dict[str, Any]], status_key: str, kind: str) -> dict[str, str]:
    """ARN -> reason, for the resources RDS is snapshotting already (status backing-up): RDS takes one at a time."""
    return {
        arn: being_backed_up(f"{kind} {arn}")
        for arn, found in resources.items()
        if found.get(status_key) == "backing-up"
    }


def snapshot_progress(snapshot: dict[str, Any] | None, what: str) -> Progress:
    """A DB or cluster snapshot's progress: RDS reports both the same way."""
    if snapshot is None:
        return Progress(Phase.FAILED, message=f"{what} disappeared before it completed")
    size = int(snapshot.get("AllocatedStorage") or 0) * GIB
    status = snapshot.get("Status")
    if status == "available":
        return Progress(Phase.COMPLETED, "100.0", size)
    if status in ("creating", "pending", "copying"):
        return Progress(Phase.RUNNING, f"{float(snapshot.get('PercentProgress') or 0):.1f}", size)
    return Progress(Phase.FAILED, message=f"{what} is {status}")


class RdsAdapter:
    resource_type = "RDS"
    tagging_filter = "rds:db"
    supports_cold_storage = False

    def __init__(self, rds: Callable[[], Any], region: str, account: str) -> None:
        self._rds = rds
        self._region = region
        self._account = account
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
        try:
            snapshots = self._rds().describe_db_snapshots(DBSnapshotIdentifier=identifier)["DBSnapshots"]
        except ClientError as error:
            if error_code(error) in ("DBSnapshotNotFound", "DBSnapshotNotFoundFault"):
                return None
            raise
        return snapshots[0] if snapshots else None

    def find_backup(self, resource_arn: str, job_id: str) -> NativeBackup | None:
        snapshot = self._snapshot(snapshot_identifier(job_id))
        if snapshot is None or tags_of(snapshot).get(JOB_TAG, job_id) != job_id:
            return None
        return NativeBackup(snapshot["DBSnapshotIdentifier"], snapshot["DBSnapshotArn"])

    def list_native_backups(self, resource_arn: str) -> Iterator[tuple[NativeBackup, datetime]]:
        """The instance's available snapshots made elsewhere, manual and automated, for the import of existing
        backups: the NativeBackup start_backup gives, the snapshot's identifier and ARN."""
        paginator = self._rds().get_paginator("describe_db_snapshots")
        # No SnapshotType: RDS returns the manual and the automated snapshots.
        for page in paginator.paginate(DBInstanceIdentifier=parse_arn(resource_arn).resource_id):
            for snapshot in page["DBSnapshots"]:
                identifier = snapshot["DBSnapshotIdentifier"]
                if snapshot.get("SnapshotType") not in NATIVE_SNAPSHOT_TYPES or snapshot.get("Status") != "available":
                    continue
                if made_elsewhere(identifier, tags_of(snapshot)):
                    yield NativeBackup(identifier, snapshot["DBSnapshotArn"]), snapshot["SnapshotCreateTime"]

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
        name = snapshot_identifier(job_id)
        try:
            snapshot = self._rds().create_db_snapshot(
                DBInstanceIdentifier=identifier,
                DBSnapshotIdentifier=name,
                Tags=tag_list({**native_tags(tags), JOB_TAG: job_id}),
            )["DBSnapshot"]
        except ClientError as error:
            if error_code(error) in ("DBInstanceNotFound", "DBInstanceNotFoundFault"):
                raise ResourceNotFoundException(f"RDS DB instance {resource_arn} does not exist") from None
            wait = must_wait(error)
            if wait is not None:
                raise wait from None
            found = self._snapshot(name) if error_code(error) in ("DBSnapshotAlreadyExists",) else None
            if found is None:
                raise
            snapshot = found  # made by an earlier attempt of this job that crashed before recording it
        return NativeBackup(snapshot["DBSnapshotIdentifier"], snapshot["DBSnapshotArn"])

    def backup_status(self, native_id: str) -> Progress:
        return snapshot_progress(self._snapshot(native_id), f"DB snapshot {native_id}")

    def backup_statuses(self, native_ids: list[str]) -> dict[str, Progress]:
        self._seen_snapshots = {}  # never an older batch's, if the call below fails
        found = described(self._rds(), "describe_db_snapshots", "DBSnapshots", "db-snapshot-id", native_ids)
        self._seen_snapshots = {snapshot["DBSnapshotIdentifier"]: snapshot for snapshot in found}
        return {i: snapshot_progress(self._seen_snapshots.get(i), f"DB snapshot {i}") for i in native_ids}

    def delete_backup(self, native_id: str) -> None:
        if is_automated(native_id):
            if self._snapshot(native_id) is None:
                return
            raise kept_by_rds(f"DB snapshot {native_id}")
        try:
            self._rds().delete_db_snapshot(DBSnapshotIdentifier=native_id)
        except ClientError as error:
            if error_code(error) in ("DBSnapshotNotFound", "DBSnapshotNotFoundFault"):
                return
            if error_code(error) == "InvalidDBSnapshotState":
                snapshot = self._snapshot(native_id)
                if snapshot is None or snapshot.get("Status") == "deleting":
                    return  # an earlier attempt's deletion is under way
            raise

    def move_to_cold(self, native_id: str) -> bool:
        """RDS snapshots have no cold tier: the setting is ignored, as AWS Backup ignores it."""
        return False

    # copies

    def share_backup(self, native_id: str, account: str) -> None:
        """Lets `account` copy the snapshot (its "restore" attribute); adding an account twice changes nothing.
        An encrypted snapshot's KMS key must let that account use it too: that is the key's policy, not this call."""
        if is_automated(native_id):
            raise not_shared_by_rds(f"DB snapshot {native_id}")
        self._rds().modify_db_snapshot_attribute(
            DBSnapshotIdentifier=native_id, AttributeName="restore", ValuesToAdd=[account]
        )

    def copy_in(self, source: CopySource, copy_job_id: str, kms_key_arn: str, tags: dict[str, str]) -> NativeBackup:
        """CopyDBSnapshot into this Region and account, encrypted with `kms_key_arn` (RDS also encrypts the copy
        of an unencrypted snapshot so), from another Region or a shared snapshot of another account in one call."""
        name = snapshot_identifier(copy_job_id)
        source_arn = source_snapshot_arn(source, "snapshot")
        request = copy_request(source, self._region, copy_job_id, kms_key_arn, tags)
        try:
            snapshot = self._rds().copy_db_snapshot(
                SourceDBSnapshotIdentifier=source_arn, TargetDBSnapshotIdentifier=name, **request
            )["DBSnapshot"]
        except ClientError as error:
            found = self._snapshot(name) if error_code(error) == "DBSnapshotAlreadyExists" else None
            if found is None:
                raise refused_copy(error, source_arn, self._region, self._account) or error from None
            snapshot = found  # made by an earlier attempt of this copy job that crashed before recording it
        return NativeBackup(snapshot["DBSnapshotIdentifier"], snapshot["DBSnapshotArn"])

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
