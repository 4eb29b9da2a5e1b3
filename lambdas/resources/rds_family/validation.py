"""Restore testing's check of the RDS family, written once for the four types: an RDS DB instance, and Aurora,
DocumentDB and Neptune clusters. Recorded when the backup completes: the engine, its version, the size (instance
class, allocated storage, storage type) and the parameter settings (the parameter group the source uses).
Compared after the restore: the restored instance or cluster available with each of those. Deleted after the
window: an instance with SkipFinalSnapshot; a cluster's instances first (DeleteDBCluster refuses a cluster that
has some), then the cluster, also without a final snapshot. Only what carries the restore job's tag is deleted.

The data inside the database is not read: Strongroom holds no credentials to it (docs/restore-testing.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from lambdas.domain.arns import parse_arn
from lambdas.domain.restore_testing.checks import Verdict
from lambdas.domain.restore_testing.comparing import (
    must_be_restored,
    restored_identifier,
    settings_verdict,
    unavailable,
)
from lambdas.resources.base import RESTORE_TAG
from lambdas.resources.rds_family.common import tags_of

_INSTANCE_GONE = ("DBInstanceNotFound", "DBInstanceNotFoundFault")
_CLUSTER_GONE = ("DBClusterNotFoundFault", "DBClusterNotFound")
_BUSY = ("InvalidDBInstanceState", "InvalidDBInstanceStateFault", "InvalidDBClusterStateFault")


def _code(error: ClientError) -> str:
    return str(error.response["Error"]["Code"])


def instance_settings(instance: dict[str, Any]) -> dict[str, str]:
    groups = [g["DBParameterGroupName"] for g in instance.get("DBParameterGroups") or []]
    return {
        "Engine": str(instance.get("Engine") or ""),
        "EngineVersion": str(instance.get("EngineVersion") or ""),
        "DBInstanceClass": str(instance.get("DBInstanceClass") or ""),
        "AllocatedStorage": str(instance.get("AllocatedStorage") or ""),
        "StorageType": str(instance.get("StorageType") or ""),
        "DBParameterGroupName": groups[0] if groups else "",
        "StorageEncrypted": str(bool(instance.get("StorageEncrypted"))).lower(),
    }


def cluster_settings(cluster: dict[str, Any]) -> dict[str, str]:
    return {
        "Engine": str(cluster.get("Engine") or ""),
        "EngineVersion": str(cluster.get("EngineVersion") or ""),
        "DBClusterParameterGroup": str(cluster.get("DBClusterParameterGroup") or ""),
        "StorageEncrypted": str(bool(cluster.get("StorageEncrypted"))).lower(),
    }


@dataclass(frozen=True)
class _Kind:
    """What tells an instance from a cluster in the rds: API."""

    what: str
    id_key: str  # the restore metadata key and the describe filter's identifier
    describe: str
    listed: str
    status: str
    gone: tuple[str, ...]
    settings: Callable[[dict[str, Any]], dict[str, str]]


INSTANCE = _Kind(
    "DB instance",
    "DBInstanceIdentifier",
    "describe_db_instances",
    "DBInstances",
    "DBInstanceStatus",
    _INSTANCE_GONE,
    instance_settings,
)
CLUSTER = _Kind(
    "DB cluster",
    "DBClusterIdentifier",
    "describe_db_clusters",
    "DBClusters",
    "Status",
    _CLUSTER_GONE,
    cluster_settings,
)


class RdsFamilyValidation:
    def __init__(self, resource_type: str, kind: _Kind, rds: Callable[[], Any]) -> None:
        self.resource_type = resource_type
        self._kind = kind
        self._rds = rds

    def _find(self, identifier: str) -> dict[str, Any] | None:
        kind = self._kind
        try:
            found = getattr(self._rds(), kind.describe)(**{kind.id_key: identifier})[kind.listed]
        except ClientError as error:
            if _code(error) in kind.gone:
                return None
            raise
        return found[0] if found else None

    def record(self, resource_arn: str) -> dict[str, str]:
        found = self._find(parse_arn(resource_arn).resource_id)
        return self._kind.settings(found) if found else {}

    def test_metadata(self, metadata: dict[str, str], run_id: str) -> dict[str, str]:
        """A new identifier (the source's is taken while the source exists), and no deletion protection: the copy
        is deleted after its window."""
        source = metadata.get(self._kind.id_key) or "restored"
        return {**metadata, self._kind.id_key: restored_identifier(source, run_id), "DeletionProtection": "false"}

    def check(self, recorded: dict[str, str], restored_arn: str) -> Verdict:
        identifier = parse_arn(restored_arn).resource_id
        found = self._find(identifier)
        status = found.get(self._kind.status) if found else None
        if found is None or status != "available":
            return unavailable(self._kind.what, identifier, status)
        return settings_verdict(f"{self._kind.what} {identifier}", recorded, self._kind.settings(found))

    def delete(self, restored_arn: str) -> bool:
        identifier = parse_arn(restored_arn).resource_id
        found = self._find(identifier)
        if found is None:
            return True
        must_be_restored(tags_of(found), RESTORE_TAG, f"{self._kind.what} {identifier}")
        if found.get(self._kind.status) == "deleting":
            return False
        if self._kind is CLUSTER:
            members = [m["DBInstanceIdentifier"] for m in found.get("DBClusterMembers") or []]
            if members:  # DeleteDBCluster refuses a cluster with instances: they go first
                for member in members:
                    self._delete_instance(member)
                return False
        try:
            if self._kind is CLUSTER:
                self._rds().delete_db_cluster(DBClusterIdentifier=identifier, SkipFinalSnapshot=True)
            else:
                self._delete_instance(identifier)
        except ClientError as error:
            if _code(error) in self._kind.gone:
                return True
            if _code(error) not in _BUSY:  # busy: being deleted or still changing; the next sweep tries again
                raise
        return self._find(identifier) is None

    def _delete_instance(self, identifier: str) -> None:
        try:
            self._rds().delete_db_instance(
                DBInstanceIdentifier=identifier, SkipFinalSnapshot=True, DeleteAutomatedBackups=True
            )
        except ClientError as error:
            if _code(error) not in (*_INSTANCE_GONE, *_BUSY):
                raise


def instance_check(rds: Callable[[], Any]) -> RdsFamilyValidation:
    return RdsFamilyValidation("RDS", INSTANCE, rds)


def cluster_check(resource_type: str, rds: Callable[[], Any]) -> RdsFamilyValidation:
    return RdsFamilyValidation(resource_type, CLUSTER, rds)
