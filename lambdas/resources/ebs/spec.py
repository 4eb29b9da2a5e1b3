"""EBS as data: lambdas/resources/types.py registers it."""

from __future__ import annotations

from lambdas.resources.ebs.iam import IAM
from lambdas.resources.grants import EBS_REASONS
from lambdas.resources.spec import native_type

EBS = native_type(
    "EBS",
    "ec2:volume",
    "EBS volumes: a recovery point is a snapshot (cold tier: the EBS snapshot archive); a restore is a new volume.",
    package="lambdas.resources.ebs",
    supports_cold_storage=True,
    concurrent_copies=20,
    start_quota="5 pending snapshots per volume (SnapshotCreationPerVolumeRateExceeded)",
    imports_native_backups=True,
    iam=IAM,
    wildcard_reasons=EBS_REASONS,
    # Copies of shared snapshots, DescribeSnapshots and tags at scale, snapshot locks (each module says why).
    local_emulation=("local.copy_gaps", "local.ec2_gaps", "local.snapshot_locks"),
)
