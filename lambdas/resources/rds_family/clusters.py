"""Aurora, DocumentDB and Neptune clusters: a recovery point is a manual cluster snapshot named from the job
id; a restore is a new cluster from it (RestoreDBClusterFromSnapshot). The three services share the RDS
control plane, so one class serves them all through the RDS API, registered once per AWS Backup type.

How the type is told: all three have ARNs arn:aws:rds:<region>:<account>:cluster:<name>, which
lambdas.domain.arns maps to "Aurora", so the registry hands every cluster ARN to the Aurora adapter. That
adapter (the one built with owns_cluster_arns=True) lists every supported cluster, and describe() reads the
cluster's Engine (aurora-*, docdb, neptune) to report the true ResourceType, which StartBackupJob records
on the job; the job is then run by the adapter registered under that type. Like the others, it can back up
any cluster: the code is the same. A cluster of another engine (a Multi-AZ DB cluster of mysql or postgres)
is refused as unsupported.

Copies are CopyDBClusterSnapshot calls made as RDS instance snapshots' are (lambdas.resources.rds): across
Regions and from accounts that shared the snapshot, for all three engines, encrypted with the destination
vault's key; an unencrypted cluster snapshot cannot be copied that way (RDS refuses to encrypt it in a copy).
Automated cluster snapshots are imported, deleted and shared as automated DB snapshots are (lambdas.resources.rds).

Known gap outside this module: a scheduled job (backup_service.start_backups) takes its type from
resource_type_of(arn), so a scheduled DocumentDB or Neptune backup works but is labelled Aurora until that
call asks the adapter instead (resource_type_for below)."""

from __future__ import annotations

import json
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

CLUSTER_TYPES = ("Aurora", "DocumentDB", "Neptune")
_CLUSTER_NOT_FOUND = ("DBClusterNotFoundFault", "DBClusterNotFound")
_SNAPSHOT_NOT_FOUND = ("DBClusterSnapshotNotFoundFault", "DBClusterSnapshotNotFound")
_FAILED_STATES = frozenset(
    {"failed", "inaccessible-encryption-credentials", "incompatible-parameters", "incompatible-restore", "deleting"}
)


CLUSTER_SNAPSHOTS = SnapshotCalls(
    service="RDS",
    what="Cluster snapshot",
    resource_what="DB cluster",
    describe="describe_db_cluster_snapshots",
    describe_id="DBClusterSnapshotIdentifier",
    describe_resource="DBClusterIdentifier",
    listed="DBClusterSnapshots",
    id_field="DBClusterSnapshotIdentifier",
    resource_field="DBClusterIdentifier",
    tags_field="TagList",
    create="create_db_cluster_snapshot",
    create_resource="DBClusterIdentifier",
    create_id="DBClusterSnapshotIdentifier",
    created="DBClusterSnapshot",
    delete="delete_db_cluster_snapshot",
    delete_id="DBClusterSnapshotIdentifier",
    snapshot_gone=frozenset(_SNAPSHOT_NOT_FOUND),
    resource_gone=frozenset(_CLUSTER_NOT_FOUND),
    already_exists=frozenset({"DBClusterSnapshotAlreadyExistsFault", "DBClusterSnapshotAlreadyExists"}),
    invalid_state=frozenset({"InvalidDBClusterSnapshotStateFault", "InvalidDBClusterSnapshotState"}),
    automated_prefix=AUTOMATED_PREFIX,
    arn_of=lambda snapshot, region, account: str(snapshot["DBClusterSnapshotArn"]),
    progress=snapshot_progress,
    quota_reached=must_wait,
    copy="copy_db_cluster_snapshot",
    copy_source="SourceDBClusterSnapshotIdentifier",
    copy_target="TargetDBClusterSnapshotIdentifier",
    share="modify_db_cluster_snapshot_attribute",
)


def cluster_type(engine: str) -> str | None:
    """AWS Backup's ResourceType for a cluster engine; None for engines Strongroom does not back up."""
    if engine.startswith("aurora"):
        return "Aurora"
    if engine == "docdb":
        return "DocumentDB"
    if engine == "neptune":
        return "Neptune"
    return None


class RdsClusterAdapter:
    tagging_filter = "rds:cluster"
    supports_cold_storage = False

    def __init__(
        self,
        resource_type: str,
        rds: Callable[[], Any],
        region: str,
        account: str,
        *,
        owns_cluster_arns: bool = False,
    ) -> None:
        if resource_type not in CLUSTER_TYPES:
            raise ValueError(f"not a cluster resource type: {resource_type}")
        self.resource_type = resource_type
        self._rds = rds
        self._region = region
        self._account = account
        self._owns_cluster_arns = owns_cluster_arns
        self._snapshots = SnapshotEngine(CLUSTER_SNAPSHOTS, rds, region, account)
        # What the last batch call described, kept for the restore metadata that follows it (used once).
        self._seen_clusters: dict[str, dict[str, Any]] = {}
        self._seen_snapshots: dict[str, dict[str, Any]] = {}

    def _clusters(self, resource_arns: list[str]) -> dict[str, dict[str, Any]]:
        """The clusters named, by identifier; one call per 100."""
        ids = [parse_arn(arn).resource_id for arn in resource_arns]
        found = described(self._rds(), "describe_db_clusters", "DBClusters", "db-cluster-id", ids)
        return {cluster["DBClusterIdentifier"]: cluster for cluster in found}

    def describe_many(self, resource_arns: list[str]) -> dict[str, ResourceInfo]:
        """Like describe, many at once; a cluster of an engine Strongroom does not back up is absent."""
        self._seen_clusters = {}  # never an older batch's, if the call below fails
        self._seen_clusters = self._clusters(resource_arns)
        infos: dict[str, ResourceInfo] = {}
        for arn in resource_arns:
            cluster = self._seen_clusters.get(parse_arn(arn).resource_id)
            kind = cluster_type(cluster.get("Engine", "")) if cluster else None
            if cluster is not None and kind is not None:
                infos[arn] = self._info(cluster, kind)
        return infos

    def start_capacity(self, resource_arns: list[str]) -> StartCapacity:
        """The RDS manual cluster snapshot quota (one DescribeAccountAttributes) and the clusters being backed
        up already (one DescribeDBClusters per 100)."""
        room, reason = snapshot_room(self._rds(), "ManualClusterSnapshots", "manual cluster snapshot")
        clusters = self._clusters(resource_arns)
        by_arn = {arn: clusters.get(parse_arn(arn).resource_id, {}) for arn in resource_arns}
        return StartCapacity(busy_resources(by_arn, "Status", "DB cluster"), room, reason)

    def _cluster(self, identifier: str) -> dict[str, Any] | None:
        try:
            clusters = self._rds().describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"]
        except ClientError as error:
            if error_code(error) in _CLUSTER_NOT_FOUND:
                return None
            raise
        return clusters[0] if clusters else None

    def _described(self, resource_arn: str) -> tuple[dict[str, Any], str]:
        cluster = self._cluster(parse_arn(resource_arn).resource_id)
        if cluster is None:
            raise ResourceNotFoundException(f"DB cluster {resource_arn} does not exist")
        kind = cluster_type(cluster.get("Engine", ""))
        if kind is None:
            raise InvalidParameterValueException(
                f"DB cluster {resource_arn} runs the engine {cluster.get('Engine')}: Strongroom backs up Aurora, "
                "DocumentDB and Neptune clusters"
            )
        return cluster, kind

    def resource_type_for(self, resource_arn: str) -> str:
        return self._described(resource_arn)[1]

    def _info(self, cluster: dict[str, Any], kind: str) -> ResourceInfo:
        encrypted = bool(cluster.get("StorageEncrypted"))
        return ResourceInfo(
            arn=cluster["DBClusterArn"],
            resource_type=kind,
            name=cluster["DBClusterIdentifier"],
            size_bytes=int(cluster.get("AllocatedStorage") or 0) * GIB,
            tags=tags_of(cluster),
            encryption_key_arn=cluster.get("KmsKeyId") if encrypted else None,
            is_encrypted=encrypted,
        )

    def describe(self, resource_arn: str) -> ResourceInfo:
        return self._info(*self._described(resource_arn))

    def list_resources(self) -> Iterator[ResourceInfo]:
        """This type's clusters; every supported cluster for the adapter that owns cluster ARNs, because a
        wildcard selection of cluster ARNs reaches that adapter alone."""
        for page in self._rds().get_paginator("describe_db_clusters").paginate():
            for cluster in page["DBClusters"]:
                kind = cluster_type(cluster.get("Engine", ""))
                if kind is not None and (kind == self.resource_type or self._owns_cluster_arns):
                    yield self._info(cluster, kind)

    # backup

    def _snapshot(self, identifier: str) -> dict[str, Any] | None:
        return self._snapshots.snapshot(identifier)

    def find_backup(self, resource_arn: str, job_id: str) -> NativeBackup | None:
        return self._snapshots.find_backup(job_id)

    def list_native_backups(self, resource_arn: str) -> Iterator[tuple[NativeBackup, datetime]]:
        """The cluster's available snapshots made elsewhere, manual and automated, for the import of existing
        backups: the NativeBackup start_backup gives, the cluster snapshot's identifier and ARN."""
        return self._snapshots.list_native_backups(parse_arn(resource_arn).resource_id)

    def start_backup(self, resource_arn: str, job_id: str, tags: dict[str, str]) -> NativeBackup:
        return self._snapshots.start_backup(parse_arn(resource_arn).resource_id, resource_arn, job_id, tags)

    def backup_status(self, native_id: str) -> Progress:
        return self._snapshots.backup_status(native_id)

    def backup_statuses(self, native_ids: list[str]) -> dict[str, Progress]:
        self._seen_snapshots = {}  # never an older batch's, if the call below fails
        found = described(
            self._rds(), "describe_db_cluster_snapshots", "DBClusterSnapshots", "db-cluster-snapshot-id", native_ids
        )
        self._seen_snapshots = {snapshot["DBClusterSnapshotIdentifier"]: snapshot for snapshot in found}
        return {i: snapshot_progress(self._seen_snapshots.get(i), f"Cluster snapshot {i}") for i in native_ids}

    def delete_backup(self, native_id: str) -> None:
        self._snapshots.delete_backup(native_id)

    def move_to_cold(self, native_id: str) -> bool:
        """Aurora, DocumentDB and Neptune cluster snapshots have no cold tier: the setting is ignored,
        as AWS Backup ignores it."""
        return False

    # copies

    def share_backup(self, native_id: str, account: str) -> None:
        """Lets `account` copy the cluster snapshot (its "restore" attribute); adding an account twice changes
        nothing. An encrypted snapshot's KMS key must let that account use it too (the key's policy)."""
        if self._snapshots.is_automated(native_id):
            raise not_shared_by_rds(f"Cluster snapshot {native_id}")
        self._snapshots.share(native_id, account)

    def copy_in(self, source: CopySource, copy_job_id: str, kms_key_arn: str, tags: dict[str, str]) -> NativeBackup:
        """CopyDBClusterSnapshot into this Region and account, encrypted with `kms_key_arn`, from another Region or
        a shared snapshot of another account in one call. RDS cannot encrypt an unencrypted cluster snapshot while
        copying it, and refuses such a copy: the job fails saying so (the copy would not be under the vault's
        key, which the copy's recovery point records)."""
        source_arn = source_snapshot_arn(source, "cluster-snapshot")
        request = copy_request(source, self._region, copy_job_id, kms_key_arn, tags)
        return self._snapshots.copy_in(
            source_arn, copy_job_id, request, lambda error: refused_copy(error, source_arn, self._region, self._account)
        )

    # restore

    def restore_metadata(self, native_id: str, source: ResourceInfo | None) -> dict[str, str]:
        """RestoreDBClusterFromSnapshot's parameters as the source had them. DBClusterIdentifier is the
        source's: a restore must name a new one while the source exists."""
        snapshot = self._seen_snapshots.pop(native_id, None) or self._snapshot(native_id) or {}
        identifier = snapshot.get("DBClusterIdentifier") or (parse_arn(source.arn).resource_id if source else "")
        metadata: dict[str, str] = {"DBClusterIdentifier": identifier}
        for key in ("Engine", "EngineVersion"):
            if snapshot.get(key):
                metadata[key] = str(snapshot[key])
        if snapshot.get("EngineMode") and cluster_type(snapshot.get("Engine", "")) == "Aurora":
            metadata["EngineMode"] = str(snapshot["EngineMode"])  # provisioned or serverless: Aurora only
        if snapshot.get("Port"):
            metadata["Port"] = str(snapshot["Port"])
        metadata["StorageEncrypted"] = str(bool(snapshot.get("StorageEncrypted"))).lower()
        if snapshot.get("StorageEncrypted") and snapshot.get("KmsKeyId"):
            metadata["KmsKeyId"] = str(snapshot["KmsKeyId"])
        cluster = (self._seen_clusters.pop(identifier, None) or self._cluster(identifier)) if identifier else None
        if cluster is None:
            return metadata
        if cluster.get("Port"):
            metadata["Port"] = str(cluster["Port"])
        if cluster.get("DBSubnetGroup"):
            metadata["DBSubnetGroupName"] = str(cluster["DBSubnetGroup"])
        groups = [group["VpcSecurityGroupId"] for group in cluster.get("VpcSecurityGroups") or []]
        metadata["VpcSecurityGroupIds"] = json.dumps(groups)
        parameter_group = str(cluster.get("DBClusterParameterGroup") or "")
        if parameter_group and not parameter_group.startswith("default."):  # a default one comes with the restore
            metadata["DBClusterParameterGroupName"] = parameter_group
        if cluster.get("DeletionProtection") is not None:
            metadata["DeletionProtection"] = str(bool(cluster["DeletionProtection"])).lower()
        if cluster.get("CopyTagsToSnapshot") is not None:
            metadata["CopyTagsToSnapshot"] = str(bool(cluster["CopyTagsToSnapshot"])).lower()
        return metadata

    def check_restore(self, native_id: str, metadata: dict[str, str]) -> None:
        identifier = check_identifier(metadata, "DBClusterIdentifier", self.resource_type)
        engine = metadata_value(metadata, "Engine")
        if not engine:
            raise InvalidParameterValueException(f"Restore metadata for {self.resource_type} is missing: Engine")
        snapshot = self._snapshot(native_id)
        snapshot_engine = (snapshot or {}).get("Engine", engine)
        if cluster_type(engine) is None or cluster_type(engine) != cluster_type(snapshot_engine):
            raise InvalidParameterValueException(
                f"Restore metadata Engine {engine!r} cannot restore a {snapshot_engine} cluster snapshot"
            )
        for key in ("DeletionProtection", "CopyTagsToSnapshot"):
            flag(metadata, key)
        port(metadata)
        json_list(metadata, "VpcSecurityGroupIds")
        json_list(metadata, "AvailabilityZones")
        if self._cluster(identifier) is not None:
            raise InvalidParameterValueException(
                f"DB cluster {identifier} already exists: choose another DBClusterIdentifier in the restore metadata"
            )

    def find_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore | None:
        identifier = metadata_value(metadata, "DBClusterIdentifier")
        cluster = self._cluster(identifier) if identifier else None
        if cluster is None or tags_of(cluster).get(RESTORE_TAG) != restore_job_id:
            return None
        return NativeRestore(cluster["DBClusterIdentifier"], cluster["DBClusterArn"])

    def start_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore:
        identifier = check_identifier(metadata, "DBClusterIdentifier", self.resource_type)
        engine = metadata_value(metadata, "Engine")
        if not engine:
            raise InvalidParameterValueException(f"Restore metadata for {self.resource_type} is missing: Engine")
        # Refused here too, not only by the service: the emulator (moto) silently replaces an existing cluster.
        if self._cluster(identifier) is not None:
            raise InvalidParameterValueException(
                f"DB cluster {identifier} already exists: choose another DBClusterIdentifier in the restore metadata"
            )
        request: dict[str, Any] = {
            "DBClusterIdentifier": identifier,
            "SnapshotIdentifier": native_id,
            "Engine": engine,
            "Tags": tag_list({RESTORE_TAG: restore_job_id}),
        }
        for key in ("EngineVersion", "EngineMode", "DBSubnetGroupName", "DBClusterParameterGroupName", "KmsKeyId"):
            value = metadata_value(metadata, key)
            if value:
                request[key] = value
        for key in ("DeletionProtection", "CopyTagsToSnapshot"):
            value_flag = flag(metadata, key)
            if value_flag is not None:
                request[key] = value_flag
        restore_port = port(metadata)
        if restore_port is not None:
            request["Port"] = restore_port
        for key in ("VpcSecurityGroupIds", "AvailabilityZones"):
            values = json_list(metadata, key)
            if values:
                request[key] = values
        try:
            cluster = self._rds().restore_db_cluster_from_snapshot(**request)["DBCluster"]
        except ClientError as error:
            if error_code(error) == "DBClusterAlreadyExistsFault":
                raise InvalidParameterValueException(
                    f"DB cluster {identifier} already exists: "
                    "choose another DBClusterIdentifier in the restore metadata"
                ) from None
            raise
        return NativeRestore(cluster["DBClusterIdentifier"], cluster["DBClusterArn"])

    def restore_status(self, restore: NativeRestore) -> Progress:
        cluster = self._cluster(restore.native_id)
        if cluster is None:
            return Progress(Phase.FAILED, message=f"DB cluster {restore.native_id} disappeared during the restore")
        status = cluster.get("Status")
        if status == "available":
            return Progress(Phase.COMPLETED, "100.0", int(cluster.get("AllocatedStorage") or 0) * GIB)
        if status in _FAILED_STATES:
            return Progress(Phase.FAILED, message=f"DB cluster {restore.native_id} is {status}")
        return Progress(Phase.RUNNING, "50.0")
