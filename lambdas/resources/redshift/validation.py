"""Restore testing's check of Redshift clusters. Recorded when the backup completes: the node type, the number of
nodes, encryption and the parameter settings (the cluster's parameter group). Compared after the restore: the
restored cluster available, its restore from the snapshot complete, with each of those. Deleted after the window
with SkipFinalClusterSnapshot (a test copy needs no final snapshot), only if it carries the restore job's tag.
The data in the warehouse is not read: Strongroom holds no credentials to it."""

from __future__ import annotations

from collections.abc import Callable
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
from lambdas.resources.snapshot_engine import tags_of

_GONE = ("ClusterNotFound", "ClusterNotFoundFault")
_BUSY = ("InvalidClusterState", "InvalidClusterStateFault")


def _code(error: ClientError) -> str:
    return str(error.response["Error"]["Code"])


def settings(cluster: dict[str, Any]) -> dict[str, str]:
    groups = [g["ParameterGroupName"] for g in cluster.get("ClusterParameterGroups") or []]
    return {
        "NodeType": str(cluster.get("NodeType") or ""),
        "NumberOfNodes": str(cluster.get("NumberOfNodes") or ""),
        "Encrypted": str(bool(cluster.get("Encrypted"))).lower(),
        "ClusterParameterGroupName": groups[0] if groups else "",
    }


class RedshiftValidation:
    resource_type = "Redshift"

    def __init__(self, redshift: Callable[[], Any]) -> None:
        self._redshift = redshift

    def _find(self, identifier: str) -> dict[str, Any] | None:
        try:
            clusters = self._redshift().describe_clusters(ClusterIdentifier=identifier)["Clusters"]
        except ClientError as error:
            if _code(error) in _GONE:
                return None
            raise
        return clusters[0] if clusters else None

    def record(self, resource_arn: str) -> dict[str, str]:
        found = self._find(parse_arn(resource_arn).resource_id)
        return settings(found) if found else {}

    def test_metadata(self, metadata: dict[str, str], run_id: str) -> dict[str, str]:
        source = metadata.get("ClusterIdentifier") or "restored"
        return {**metadata, "ClusterIdentifier": restored_identifier(source, run_id)}

    def check(self, recorded: dict[str, str], restored_arn: str) -> Verdict:
        identifier = parse_arn(restored_arn).resource_id
        found = self._find(identifier)
        status = found.get("ClusterStatus") if found else None
        restoring = ((found or {}).get("RestoreStatus") or {}).get("Status")
        if found is None or status != "available" or restoring not in (None, "completed"):
            return unavailable(
                "Redshift cluster", identifier, f"{status} (restore {restoring})" if restoring else status
            )
        return settings_verdict(f"Redshift cluster {identifier}", recorded, settings(found))

    def delete(self, restored_arn: str) -> bool:
        identifier = parse_arn(restored_arn).resource_id
        found = self._find(identifier)
        if found is None:
            return True
        must_be_restored(tags_of(found, "Tags"), RESTORE_TAG, f"Redshift cluster {identifier}")
        if found.get("ClusterStatus") == "deleting":
            return False
        try:
            self._redshift().delete_cluster(ClusterIdentifier=identifier, SkipFinalClusterSnapshot=True)
        except ClientError as error:
            if _code(error) in _GONE:
                return True
            if _code(error) not in _BUSY:  # still restoring or resizing: the next sweep tries again
                raise
        return self._find(identifier) is None


def build(client: Callable[[str], Callable[[], Any]]) -> RedshiftValidation:
    return RedshiftValidation(client("redshift"))
