"""The IAM the Redshift adapter's calls need, job by job: a recovery point is a manual cluster snapshot
(CreateClusterSnapshot); a restore is a new cluster (RestoreFromClusterSnapshot). No copies: see spec.py."""

from __future__ import annotations

from lambdas.resources.grants import RESTORED_MARK, describe, key_grants
from lambdas.resources.spec import Grant


def _arn(resource: str) -> str:
    return f"arn:{{partition}}:redshift:{{region}}:{{account}}:{resource}"


CLUSTERS = _arn("cluster:*")
SNAPSHOTS = _arn("snapshot:*/*")  # snapshot:<cluster>/<snapshot>
READ = describe("Redshift", "redshift", "DescribeClusters", "DescribeClusterSnapshots")
READ_CLUSTERS = describe("Redshift", "redshift", "DescribeClusters")
READ_SNAPSHOTS = describe("Redshift", "redshift", "DescribeClusterSnapshots")

IAM: dict[str, tuple[Grant, ...]] = {
    "start_backup": (
        READ,
        Grant(
            "CreateRedshiftSnapshots",
            ("redshift:CreateClusterSnapshot", "redshift:CreateTags"),
            (CLUSTERS, SNAPSHOTS),
        ),
    ),
    "track_backup": (READ,),
    "delete_backup": (
        READ_SNAPSHOTS,
        Grant("DeleteRedshiftSnapshots", ("redshift:DeleteClusterSnapshot",), (SNAPSHOTS,)),
    ),
    "check_restore": (READ_CLUSTERS,),
    "start_restore": (
        READ_CLUSTERS,
        Grant(
            "RestoreRedshiftClusters",
            ("redshift:RestoreFromClusterSnapshot",),
            # The new cluster, the snapshot, and the groups the restore metadata names.
            (CLUSTERS, SNAPSHOTS, _arn("subnetgroup:*"), _arn("parametergroup:*")),
        ),
        Grant("TagRestoredRedshiftClusters", ("redshift:CreateTags",), (CLUSTERS,)),
        *key_grants("Redshift", "redshift"),
    ),
    "poll_restore": (READ_CLUSTERS,),
    "catalog": (READ,),
    # Restore testing (validation.py): node type, nodes, parameter group; a restored copy deleted without a final
    # snapshot.
    "record_restore_test": (READ_CLUSTERS,),
    "test_restore": (
        READ_CLUSTERS,
        Grant("DeleteRestoredClusters", ("redshift:DeleteCluster",), (_arn(f"cluster:{RESTORED_MARK}"),)),
    ),
}
