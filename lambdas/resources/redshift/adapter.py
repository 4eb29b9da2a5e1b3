"""Amazon Redshift provisioned clusters: a recovery point is a manual cluster snapshot named from the job id; a
restore is a new cluster from it (RestoreFromClusterSnapshot), under the ClusterIdentifier the restore names.

The snapshot engine (lambdas/resources/snapshot_engine.py) does the backup, status, deletion and import; this
module says how Redshift spells them and reads clusters. Automated snapshots (rs:<cluster>-<time>) are imported
like the manual ones made elsewhere; Redshift alone deletes them. Copies are refused (spec.py says why), so the
adapter is not CopyCapable. RestoreFromClusterSnapshot takes no tags: the new cluster is tagged with the restore
job's id right after, which is how find_restore adopts it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from lambdas.domain.arns import parse_arn
from lambdas.domain.errors import InvalidParameterValueException, ResourceNotFoundException
from lambdas.resources.base import (
    RESTORE_TAG,
    NativeBackup,
    NativeRestore,
    OneTypeAdapter,
    Phase,
    Progress,
    ResourceInfo,
    RunMemo,
)
from lambdas.resources.redshift.spec import REDSHIFT, RESTORE_METADATA_KEYS
from lambdas.resources.restore_metadata import flag, json_list, metadata_value, refuse_unknown_keys
from lambdas.resources.snapshot_engine import (
    SnapshotCalls,
    SnapshotEngine,
    error_code,
    refused_as,
    tag_list,
    tags_of,
    unless_gone,
)
from lambdas.resources.spec import AdapterContext
from lambdas.resources.waits import BackupMustWait

MIB = 1024**2
# Redshift's cluster identifier rules: 1-63 lowercase letters, digits or hyphens, a letter first, no two hyphens in
# a row, no hyphen last.
CLUSTER_IDENTIFIER = re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$")
_NODE_TYPE = re.compile(r"^(dc2|ra3|ds2)\.[a-z0-9]+$")
_CLUSTER_GONE = frozenset({"ClusterNotFound", "ClusterNotFoundFault"})
_FAILED_CLUSTER = frozenset({"incompatible-restore", "incompatible-network", "incompatible-hsm", "deleting", "failed"})
_FLAGS = ("PubliclyAccessible", "EnhancedVpcRouting", "AllowVersionUpgrade", "Encrypted")
_NAMES = ("NodeType", "AvailabilityZone", "ClusterSubnetGroupName", "ClusterParameterGroupName", "KmsKeyId")


def snapshot_arn(snapshot: dict[str, Any], region: str, account: str) -> str:
    """Redshift snapshot ARNs are snapshot:<cluster>/<snapshot>."""
    name = f"{snapshot['ClusterIdentifier']}/{snapshot['SnapshotIdentifier']}"
    return str(snapshot.get("SnapshotArn") or f"arn:aws:redshift:{region}:{account}:snapshot:{name}")


def snapshot_progress(snapshot: dict[str, Any] | None, what: str) -> Progress:
    """creating (with the megabytes backed up so far), available, or failed/deleted."""
    if snapshot is None:
        return Progress(Phase.FAILED, message=f"{what} disappeared before it completed")
    total = float(snapshot.get("TotalBackupSizeInMegaBytes") or 0)
    size = int(total * MIB) if total else None
    status = snapshot.get("Status")
    if status == "available":
        return Progress(Phase.COMPLETED, "100.0", size)
    if status == "creating":
        done = float(snapshot.get("BackupProgressInMegaBytes") or 0)
        return Progress(Phase.RUNNING, f"{min(100.0 * done / total, 99.9) if total else 0.0:.1f}", size)
    return Progress(Phase.FAILED, message=f"{what} is {status}")


def quota_reached(error: ClientError) -> BackupMustWait | None:
    """ClusterSnapshotQuotaExceeded frees itself as snapshots expire: the job waits in CREATED."""
    if error_code(error) == "ClusterSnapshotQuotaExceeded":
        return BackupMustWait(
            "Redshift refused the snapshot (ClusterSnapshotQuotaExceeded); the backup waits for an expiry to free room"
        )
    return None


CALLS = SnapshotCalls(
    service="Redshift",
    what="Redshift snapshot",
    resource_what="Redshift cluster",
    describe="describe_cluster_snapshots",
    describe_id="SnapshotIdentifier",
    describe_resource="ClusterIdentifier",
    listed="Snapshots",
    id_field="SnapshotIdentifier",
    resource_field="ClusterIdentifier",
    tags_field="Tags",
    create="create_cluster_snapshot",
    create_resource="ClusterIdentifier",
    create_id="SnapshotIdentifier",
    created="Snapshot",
    delete="delete_cluster_snapshot",
    delete_id="SnapshotIdentifier",
    snapshot_gone=frozenset({"ClusterSnapshotNotFound", "ClusterSnapshotNotFoundFault"}),
    resource_gone=_CLUSTER_GONE,
    already_exists=frozenset({"ClusterSnapshotAlreadyExists", "ClusterSnapshotAlreadyExistsFault"}),
    invalid_state=frozenset({"InvalidClusterSnapshotState", "InvalidClusterSnapshotStateFault"}),
    automated_prefix="rs:",
    arn_of=snapshot_arn,
    progress=snapshot_progress,
    quota_reached=quota_reached,
)


def check_cluster_identifier(metadata: dict[str, str]) -> str:
    identifier = metadata_value(metadata, "ClusterIdentifier")
    if not identifier:
        raise InvalidParameterValueException("Restore metadata for Redshift is missing: ClusterIdentifier")
    if not CLUSTER_IDENTIFIER.match(identifier):
        raise InvalidParameterValueException(
            "Restore metadata ClusterIdentifier must be 1-63 lowercase letters, digits or hyphens, start with a "
            f"letter, and have no two hyphens in a row nor a hyphen at the end, got {identifier!r}"
        )
    return identifier


def whole_number(metadata: dict[str, str], key: str, low: int, high: int) -> int | None:
    raw = metadata_value(metadata, key)
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidParameterValueException(
            f"Restore metadata {key} must be a number from {low} to {high}, got {raw!r}"
        )
    return int(raw)


def restore_request(native_id: str, metadata: dict[str, str]) -> dict[str, Any]:
    """RestoreFromClusterSnapshot's parameters from the restore metadata; InvalidParameterValueException for a key it
    would not carry out or a value it would fail on."""
    refuse_unknown_keys(metadata, RESTORE_METADATA_KEYS, "Redshift")
    request: dict[str, Any] = {"ClusterIdentifier": check_cluster_identifier(metadata), "SnapshotIdentifier": native_id}
    node_type = metadata_value(metadata, "NodeType")
    if node_type and not _NODE_TYPE.match(node_type):
        raise InvalidParameterValueException(
            f"Restore metadata NodeType must be a Redshift node type such as ra3.xlplus, got {node_type!r}"
        )
    for key in _NAMES:
        if metadata_value(metadata, key):
            request[key] = metadata_value(metadata, key)
    for key in _FLAGS:
        value = flag(metadata, key)
        if value is not None:
            request[key] = value
    for key, low, high in (("NumberOfNodes", 1, 128), ("Port", 1150, 65535)):
        number = whole_number(metadata, key, low, high)
        if number is not None:
            request[key] = number
    groups = json_list(metadata, "VpcSecurityGroupIds")
    if groups:
        request["VpcSecurityGroupIds"] = groups
    return request


class RedshiftAdapter(OneTypeAdapter):
    def __init__(self, redshift: Callable[[], Any], region: str, account: str) -> None:
        self._redshift = redshift
        super().__init__(REDSHIFT, region, account)
        self._snapshots = SnapshotEngine(CALLS, redshift, region, account)

    def _cluster_arn(self, identifier: str) -> str:
        return self._arn_here("redshift", f"cluster:{identifier}")

    def _cluster(self, identifier: str) -> dict[str, Any] | None:
        clusters = unless_gone(
            lambda: self._redshift().describe_clusters(ClusterIdentifier=identifier)["Clusters"], _CLUSTER_GONE
        )
        return clusters[0] if clusters else None

    def _info(self, cluster: dict[str, Any]) -> ResourceInfo:
        encrypted = bool(cluster.get("Encrypted"))
        capacity = cluster.get("TotalStorageCapacityInMegaBytes")
        return ResourceInfo(
            arn=self._cluster_arn(cluster["ClusterIdentifier"]),
            resource_type=self.resource_type,
            name=cluster["ClusterIdentifier"],
            size_bytes=int(capacity) * MIB if capacity else None,
            tags=tags_of(cluster, "Tags"),
            encryption_key_arn=cluster.get("KmsKeyId") if encrypted else None,
            is_encrypted=encrypted,
        )

    def describe(self, resource_arn: str) -> ResourceInfo:
        cluster = self._cluster(parse_arn(resource_arn).resource_id)
        if cluster is None:
            raise ResourceNotFoundException(f"Redshift cluster {resource_arn} does not exist")
        return self._info(cluster)

    def list_resources(self) -> Iterator[ResourceInfo]:
        for page in self._redshift().get_paginator("describe_clusters").paginate():
            for cluster in page["Clusters"]:
                yield self._info(cluster)

    # backup

    def find_backup(self, resource_arn: str, job_id: str) -> NativeBackup | None:
        return self._snapshots.find_backup(job_id)

    def list_native_backups(self, resource_arn: str) -> Iterator[tuple[NativeBackup, datetime]]:
        return self._snapshots.list_native_backups(parse_arn(resource_arn).resource_id)

    def start_backup(
        self, resource_arn: str, job_id: str, tags: dict[str, str], *, memo: RunMemo | None = None
    ) -> NativeBackup:
        return self._snapshots.start_backup(parse_arn(resource_arn).resource_id, resource_arn, job_id, tags)

    def backup_status(self, native_id: str) -> Progress:
        return self._snapshots.backup_status(native_id)

    def delete_backup(self, native_id: str) -> None:
        self._snapshots.delete_backup(native_id)

    def move_to_cold(self, native_id: str) -> bool:
        """Redshift snapshots have no cold tier: the setting is ignored, as AWS Backup ignores it."""
        return False

    # restore

    def restore_metadata(
        self, native_id: str, source: ResourceInfo | None, *, memo: RunMemo | None = None
    ) -> dict[str, str]:
        """RestoreFromClusterSnapshot's parameters as the snapshot records them. ClusterIdentifier is the source's:
        a restore must name a new one while the source exists."""
        snapshot = self._snapshots.snapshot(native_id) or {}
        identifier = snapshot.get("ClusterIdentifier") or (source.name if source else "") or ""
        metadata = {"ClusterIdentifier": str(identifier)}
        for key in ("NodeType", "AvailabilityZone", "KmsKeyId"):
            if snapshot.get(key):
                metadata[key] = str(snapshot[key])
        for key in ("NumberOfNodes", "Port"):
            if snapshot.get(key):
                metadata[key] = str(snapshot[key])
        for key in ("Encrypted", "EnhancedVpcRouting"):
            if snapshot.get(key) is not None:
                metadata[key] = str(bool(snapshot[key])).lower()
        return metadata

    def check_restore(self, native_id: str, metadata: dict[str, str]) -> None:
        identifier = restore_request(native_id, metadata)["ClusterIdentifier"]
        if self._cluster(identifier) is not None:
            raise InvalidParameterValueException(
                f"Redshift cluster {identifier} already exists: "
                "choose another ClusterIdentifier in the restore metadata"
            )

    def find_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore | None:
        identifier = metadata_value(metadata, "ClusterIdentifier")
        cluster = self._cluster(identifier) if identifier else None
        if cluster is None or tags_of(cluster, "Tags").get(RESTORE_TAG) != restore_job_id:
            return None
        return NativeRestore(cluster["ClusterIdentifier"], self._cluster_arn(cluster["ClusterIdentifier"]))

    def start_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore:
        request = restore_request(native_id, metadata)
        identifier = request["ClusterIdentifier"]
        in_use = InvalidParameterValueException(
            f"Redshift cluster {identifier} already exists: choose another ClusterIdentifier in the restore metadata"
        )
        with refused_as(("ClusterAlreadyExists", "ClusterAlreadyExistsFault"), lambda error: in_use):
            self._redshift().restore_from_cluster_snapshot(**request)
        arn = self._cluster_arn(identifier)
        self._redshift().create_tags(ResourceName=arn, Tags=tag_list({RESTORE_TAG: restore_job_id}))
        return NativeRestore(identifier, arn)

    def restore_status(self, restore: NativeRestore) -> Progress:
        cluster = self._cluster(restore.native_id)
        if cluster is None:
            return Progress(
                Phase.FAILED, message=f"Redshift cluster {restore.native_id} disappeared during the restore"
            )
        status = cluster.get("ClusterStatus")
        restoring = (cluster.get("RestoreStatus") or {}).get("Status")
        if status in _FAILED_CLUSTER or restoring == "failed":
            return Progress(Phase.FAILED, message=f"Redshift cluster {restore.native_id} is {restoring or status}")
        if status == "available" and restoring in (None, "completed"):
            return Progress(Phase.COMPLETED, "100.0")
        restored = cluster.get("RestoreStatus") or {}
        total = float(restored.get("SnapshotSizeInMegaBytes") or 0)
        done = float(restored.get("ProgressInMegaBytes") or 0)
        return Progress(Phase.RUNNING, f"{min(100.0 * done / total, 99.9) if total else 50.0:.1f}")


def build(ctx: AdapterContext) -> RedshiftAdapter:
    """The adapter of this type for one account and Region (its spec's `build`)."""
    return RedshiftAdapter(ctx.client("redshift"), ctx.region, ctx.account)
