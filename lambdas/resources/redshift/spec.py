"""Amazon Redshift (provisioned clusters) as data: lambdas/resources/types.py registers it.

Copies are refused: Redshift has no call that copies a manual snapshot to another Region or account
(CopyClusterSnapshot copies an automated snapshot to a manual one in its own Region; cross-Region copies are a
cluster setting, EnableSnapshotCopy, for every snapshot it takes; AuthorizeSnapshotAccess lets another account
restore a snapshot, not own a copy of it). In Redshift's own words:
- CopyClusterSnapshot (AWS CLI Command Reference, redshift copy-cluster-snapshot): "Copies the specified automated
  cluster snapshot to a new manual cluster snapshot. The source must be an automated snapshot and it must be in the
  available state."
- Amazon Redshift Management Guide, "Copying a snapshot to another AWS Region": "You can configure Amazon Redshift
  to automatically copy snapshots (automated or manual) for a cluster to another AWS Region." (a setting of the
  cluster, EnableSnapshotCopy, not a call on one snapshot).
Whether AWS Backup itself copies Redshift recovery points across Regions and accounts is its "Feature
availability by resource" table's to say; the documentation this was checked against (December 2026) did not give
that table's Redshift row, so the refusal says why Strongroom cannot, not that AWS Backup refuses too."""

from __future__ import annotations

from lambdas.resources.redshift.iam import IAM
from lambdas.resources.spec import native_type

# RestoreFromClusterSnapshot's parameters a restore may set (case-insensitive, as AWS Backup's metadata keys).
RESTORE_METADATA_KEYS = (
    "ClusterIdentifier",
    "NodeType",
    "NumberOfNodes",
    "Port",
    "AvailabilityZone",
    "ClusterSubnetGroupName",
    "ClusterParameterGroupName",
    "VpcSecurityGroupIds",
    "PubliclyAccessible",
    "EnhancedVpcRouting",
    "AllowVersionUpgrade",
    "KmsKeyId",
    "Encrypted",
)

REDSHIFT = native_type(
    "Redshift",
    "redshift:cluster",
    "Redshift provisioned clusters: a recovery point is a manual cluster snapshot; a restore is a new cluster.",
    package="lambdas.resources.redshift",
    copy_refusal=(
        "Redshift has no call that copies a manual cluster snapshot into another Region or account "
        "(CopyClusterSnapshot copies automated snapshots within their Region; cross-Region snapshot copy is the "
        "cluster's own setting, EnableSnapshotCopy). Turn that setting on for the cluster, or share the snapshot "
        "with the other account (AuthorizeSnapshotAccess) to restore it there"
    ),
    restore_metadata_keys=RESTORE_METADATA_KEYS,
    start_quota="the Redshift manual snapshot quota (ClusterSnapshotQuotaExceeded): the backup waits for an expiry",
    imports_native_backups=True,
    wildcard_reasons={
        (
            "redshift",
            "cluster",
        ): "The Redshift clusters plans select, and those restores create, are named at run time.",
        ("redshift", "snapshot"): "Redshift snapshots are recovery points named after their job (snapshot:<cluster>/"
        "<name>).",
        ("redshift", "subnetgroup"): "A Redshift restore uses the cluster subnet group its restore metadata names.",
        ("redshift", "parametergroup"): "A Redshift restore uses the parameter group its restore metadata names.",
    },
    iam=IAM,
    local_emulation=("local.redshift_gaps",),  # DescribeClusterSnapshots' filters
)
