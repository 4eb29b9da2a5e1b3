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

CLUSTER_TYPES = ("Aurora", "DocumentDB", "Neptune")
_FAILED_STATES = frozenset(
    {"failed", "inaccessible-encryption-credentials", "incompatible-parameters", "incompatible-restore", "deleting"}
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


CLUSTERS = family_calls(
    "DBCluster",
    what="DB cluster",
    resource_what="DB cluster",
    snapshot_what="Cluster snapshot",
    status_field="Status",
    failed_states=_FAILED_STATES,
)


class RdsClusterAdapter(RdsFamilyAdapter):
    tagging_filter = "rds:cluster"

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
        super().__init__(CLUSTERS, rds, region, account)
        self.resource_type = resource_type
        self._owns_cluster_arns = owns_cluster_arns

    def describe_many(self, resource_arns: list[str], *, memo: RunMemo | None = None) -> dict[str, ResourceInfo]:
        """Like describe, many at once; a cluster of an engine Strongroom does not back up is absent. What it saw is
        kept in `memo` for restore_metadata."""
        seen = memo_in(memo, self, SEEN_RESOURCES).remember(lambda: self._resources(resource_arns))
        infos: dict[str, ResourceInfo] = {}
        for arn in resource_arns:
            cluster = seen.get(parse_arn(arn).resource_id)
            kind = cluster_type(cluster.get("Engine", "")) if cluster else None
            if cluster is not None and kind is not None:
                infos[arn] = self._info(cluster, kind)
        return infos

    def start_capacity(self, resource_arns: list[str], *, memo: RunMemo | None = None) -> StartCapacity:
        """The RDS manual cluster snapshot quota (one DescribeAccountAttributes) and the clusters being backed
        up already (one DescribeDBClusters per 100)."""
        room, reason = snapshot_room(self._rds(), "ManualClusterSnapshots", "manual cluster snapshot")
        clusters = self._resources(resource_arns)
        by_arn = {arn: clusters.get(parse_arn(arn).resource_id, {}) for arn in resource_arns}
        return StartCapacity(busy_resources(by_arn, "Status", "DB cluster"), room, reason)

    def _described(self, resource_arn: str) -> tuple[dict[str, Any], str]:
        cluster = self._existing(resource_arn)
        kind = cluster_type(cluster.get("Engine", ""))
        if kind is None:
            raise InvalidParameterValueException(
                f"DB cluster {resource_arn} runs the engine {cluster.get('Engine')}: Strongroom backs up Aurora, "
                "DocumentDB and Neptune clusters"
            )
        return cluster, kind

    def resource_type_for(self, resource_arn: str) -> str:
        return self._described(resource_arn)[1]

    def describe(self, resource_arn: str) -> ResourceInfo:
        return self._info(*self._described(resource_arn))

    def list_resources(self) -> Iterator[ResourceInfo]:
        """This type's clusters; every supported cluster for the adapter that owns cluster ARNs, because a
        wildcard selection of cluster ARNs reaches that adapter alone."""
        for cluster in self._all_resources():
            kind = cluster_type(cluster.get("Engine", ""))
            if kind is not None and (kind == self.resource_type or self._owns_cluster_arns):
                yield self._info(cluster, kind)

    # backup

    def start_backup(
        self, resource_arn: str, job_id: str, tags: dict[str, str], *, memo: RunMemo | None = None
    ) -> NativeBackup:
        return self._snapshots.start_backup(parse_arn(resource_arn).resource_id, resource_arn, job_id, tags)

    # restore

    def restore_metadata(
        self, native_id: str, source: ResourceInfo | None, *, memo: RunMemo | None = None
    ) -> dict[str, str]:
        """RestoreDBClusterFromSnapshot's parameters as the source had them. DBClusterIdentifier is the
        source's: a restore must name a new one while the source exists."""
        snapshot = self._seen_snapshot(native_id, memo)
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
        cluster = self._seen_resource(identifier, memo)
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
        if self._resource(identifier) is not None:
            raise self._in_use(identifier)

    def start_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore:
        identifier = check_identifier(metadata, "DBClusterIdentifier", self.resource_type)
        engine = metadata_value(metadata, "Engine")
        if not engine:
            raise InvalidParameterValueException(f"Restore metadata for {self.resource_type} is missing: Engine")
        # Refused here too, not only by the service: the emulator (moto) silently replaces an existing cluster.
        if self._resource(identifier) is not None:
            raise self._in_use(identifier)
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
        return self._restored("restore_db_cluster_from_snapshot", request, "DBCluster")
