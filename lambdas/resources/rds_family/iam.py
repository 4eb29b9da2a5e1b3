"""The IAM the RDS family's adapters' calls need, job by job: RDS DB instances and Aurora, DocumentDB and Neptune
clusters are one rds: API (rds/adapter.py, rds_family/clusters.py), so the four types carry the same grants: DB
and cluster snapshots, restores to new instances and clusters, and their copies."""

from __future__ import annotations

from lambdas.resources.grants import ANY_REGION, RESTORED_MARK, arn, describe, key_grants, keys_for_copies
from lambdas.resources.spec import Grant


def _rds(kind: str, region: str = "{region}") -> str:
    """Any RDS resource of one kind: db, snapshot, cluster, cluster-snapshot, og, pg, cluster-pg, subgrp."""
    return arn("rds", f"{kind}:*", region=region)


SNAPSHOTS = (_rds("snapshot"), _rds("cluster-snapshot"))
READ_ALL = describe(
    "Rds", "rds", "DescribeDBInstances", "DescribeDBSnapshots", "DescribeDBClusters", "DescribeDBClusterSnapshots"
)
READ_RESTORES = describe("Rds", "rds", "DescribeDBInstances", "DescribeDBClusters", "DescribeDBClusterSnapshots")
READ_SNAPSHOTS = describe("Rds", "rds", "DescribeDBSnapshots", "DescribeDBClusterSnapshots")

READ_INSTANCES_AND_CLUSTERS = describe("Rds", "rds", "DescribeDBInstances", "DescribeDBClusters")

IAM: dict[str, tuple[Grant, ...]] = {
    "start_backup": (
        describe(
            "Rds",
            "rds",
            "DescribeDBInstances",
            "DescribeDBSnapshots",
            "DescribeDBClusters",
            "DescribeDBClusterSnapshots",
            "DescribeAccountAttributes",  # the manual snapshot quotas, asked once per batch (start_capacity)
        ),
        Grant(
            "CreateDbSnapshots",
            ("rds:CreateDBSnapshot", "rds:CreateDBClusterSnapshot", "rds:AddTagsToResource"),
            (_rds("db"), _rds("snapshot"), _rds("cluster"), _rds("cluster-snapshot")),
        ),
    ),
    "track_backup": (READ_ALL,),
    "delete_backup": (
        READ_SNAPSHOTS,
        Grant("DeleteDbSnapshots", ("rds:DeleteDBSnapshot", "rds:DeleteDBClusterSnapshot"), SNAPSHOTS),
    ),
    "check_restore": (READ_RESTORES,),
    "start_restore": (
        READ_RESTORES,
        Grant(
            "RestoreDatabasesFromSnapshots",
            ("rds:RestoreDBInstanceFromDBSnapshot", "rds:RestoreDBClusterFromSnapshot"),
            # The new instance or cluster, the snapshot, and the groups the restore metadata names.
            tuple(
                _rds(kind)
                for kind in ("db", "cluster", "snapshot", "cluster-snapshot", "subgrp", "og", "pg", "cluster-pg")
            ),
        ),
        Grant("TagRestoredDatabases", ("rds:AddTagsToResource",), (_rds("db"), _rds("cluster"))),
        *key_grants("Rds", "rds"),
    ),
    "copy_backup": (
        READ_SNAPSHOTS,
        Grant(
            "ShareRdsSnapshots",
            ("rds:ModifyDBSnapshotAttribute", "rds:ModifyDBClusterSnapshotAttribute"),
            SNAPSHOTS,
        ),
        Grant(
            "CopyRdsSnapshots",
            ("rds:CopyDBSnapshot", "rds:CopyDBClusterSnapshot", "rds:AddTagsToResource"),
            (_rds("snapshot", ANY_REGION), _rds("cluster-snapshot", ANY_REGION)),
        ),
        *keys_for_copies("Rds", "rds"),
    ),
    "poll_restore": (describe("Rds", "rds", "DescribeDBInstances", "DescribeDBClusters"),),
    # A cluster's type (Aurora, DocumentDB, Neptune) is read from the cluster itself; the snapshots come with their
    # tags (TagList), which tell those a job made.
    "catalog": (READ_ALL,),
    # Restore testing (validation.py): the engine, size and parameter group; a restored copy (named with the
    # restore test's mark) deleted without a final snapshot, a cluster's instances first.
    "record_restore_test": (READ_INSTANCES_AND_CLUSTERS,),
    "test_restore": (
        READ_INSTANCES_AND_CLUSTERS,
        Grant(
            "DeleteRestoredDatabases",
            ("rds:DeleteDBInstance", "rds:DeleteDBCluster"),
            (arn("rds", f"db:{RESTORED_MARK}"), arn("rds", f"cluster:{RESTORED_MARK}")),
        ),
    ),
}
