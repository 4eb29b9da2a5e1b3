"""Restore testing's RDS check on moto, made as strict as RDS: DeleteDBInstance and DeleteDBCluster refuse a request
that neither skips nor names the final snapshot (local/rds_gaps.py; moto alone deletes without one), and the
cleanup of a restored instance and of a restored cluster with an instance goes through all the same."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from lambdas.common import aws
from lambdas.resources.base import RESTORE_TAG
from lambdas.resources.rds_family.validation import cluster_check, instance_check
from local import rds_gaps
from tests.integration.builders import REGION

ACCOUNT = "123456789012"
RESTORED = [{"Key": RESTORE_TAG, "Value": "job-1"}]


@pytest.fixture(autouse=True)
def as_strict_as_rds() -> Iterator[None]:
    with rds_gaps.PATCHES.applied():
        yield


def _rds() -> Any:
    return aws.client("rds", REGION)


def _instance(name: str, cluster: str | None = None, tags: list[dict[str, str]] | None = None) -> None:
    request: dict[str, Any] = {"DBInstanceIdentifier": name, "DBInstanceClass": "db.t3.micro", "Tags": tags or []}
    if cluster:
        request.update(Engine="aurora-postgresql", DBClusterIdentifier=cluster)
    else:
        request.update(Engine="postgres", AllocatedStorage=20, MasterUsername="admin", MasterUserPassword="pw123456")
    boto3.client("rds", region_name=REGION).create_db_instance(**request)


def test_rds_refuses_a_deletion_that_does_not_decide_the_final_snapshot() -> None:
    _instance("orders")
    rds = boto3.client("rds", region_name=REGION)
    with pytest.raises(ClientError, match="FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot"):
        rds.delete_db_instance(DBInstanceIdentifier="orders")
    with pytest.raises(ClientError, match="cannot be specified when SkipFinalSnapshot"):
        rds.delete_db_instance(DBInstanceIdentifier="orders", SkipFinalSnapshot=True, FinalDBSnapshotIdentifier="x")
    assert rds.describe_db_instances(DBInstanceIdentifier="orders")["DBInstances"]


def test_a_restored_instance_is_checked_then_deleted_without_a_final_snapshot() -> None:
    # Given a source instance's record and its restored copy, tagged by its restore
    _instance("orders")
    _instance("orders-rt-1", tags=RESTORED)
    check = instance_check(_rds)
    recorded = check.record(f"arn:aws:rds:{REGION}:{ACCOUNT}:db:orders")
    copy = f"arn:aws:rds:{REGION}:{ACCOUNT}:db:orders-rt-1"
    # Then the copy passes, and its cleanup deletes it (with SkipFinalSnapshot, or RDS would refuse)
    assert check.check(recorded, copy).passed
    assert check.delete(copy) is True
    assert [i["DBInstanceIdentifier"] for i in _rds().describe_db_instances()["DBInstances"]] == ["orders"]
    snapshots = _rds().describe_db_snapshots()["DBSnapshots"]
    assert [s for s in snapshots if s["DBInstanceIdentifier"] == "orders-rt-1" and s["SnapshotType"] == "manual"] == []


def test_a_restored_cluster_loses_its_instances_first_then_itself() -> None:
    rds = boto3.client("rds", region_name=REGION)
    rds.create_db_cluster(
        DBClusterIdentifier="books-rt-1", Engine="aurora-postgresql", MasterUsername="admin",
        MasterUserPassword="pw123456", Tags=RESTORED,
    )  # fmt: skip
    _instance("reader-1", cluster="books-rt-1")
    check = cluster_check("Aurora", _rds)
    copy = f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:books-rt-1"
    assert check.delete(copy) is False  # its instance went first
    assert rds.describe_db_instances()["DBInstances"] == []
    assert check.delete(copy) is True
    assert rds.describe_db_clusters()["DBClusters"] == []
