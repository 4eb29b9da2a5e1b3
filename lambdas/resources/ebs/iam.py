"""The IAM the EBS adapter's calls need, job by job (lambdas/resources/spec.py's JOBS): a recovery point is a
snapshot (CreateSnapshot, tagged as it is made); a restore is a new volume (CreateVolume)."""

from __future__ import annotations

from lambdas.resources.grants import (
    EBS_SNAPSHOTS,
    EBS_VOLUMES,
    archive_snapshots,
    copy_snapshots,
    create_volumes,
    delete_restored_volumes,
    describe,
    key_grants,
    restore_archived_snapshots,
    use_keys,
)
from lambdas.resources.spec import Grant

READ = describe("Ec2", "ec2", "DescribeSnapshots", "DescribeVolumes")
# An encrypted volume's snapshot, and a volume made of one, use the volume's key through EC2.
KEYS = (use_keys("Ec2", "ec2", "Decrypt", "GenerateDataKey*", "DescribeKey"), *key_grants("Ec2", "ec2"))

IAM: dict[str, tuple[Grant, ...]] = {
    "start_backup": (
        READ,
        Grant("CreateEbsSnapshots", ("ec2:CreateSnapshot",), (EBS_VOLUMES, EBS_SNAPSHOTS)),
        Grant("TagEbsSnapshots", ("ec2:CreateTags",), (EBS_SNAPSHOTS,)),
        *KEYS,
    ),
    "track_backup": (READ,),
    "delete_backup": (
        describe("Ec2", "ec2", "DescribeSnapshots"),
        Grant("DeleteEbsSnapshots", ("ec2:DeleteSnapshot",), (EBS_SNAPSHOTS,)),
    ),
    "move_to_cold": archive_snapshots(),
    "copy_backup": copy_snapshots(),
    "start_restore": (READ, *restore_archived_snapshots(), *create_volumes(), *KEYS),
    "poll_restore": (describe("Ec2", "ec2", "DescribeVolumes"),),
    "catalog": (describe("Ec2", "ec2", "DescribeVolumes", "DescribeSnapshots"),),
    # Restore testing (validation.py): the volume's size, type and encryption; a restored volume deleted.
    "record_restore_test": (describe("Ec2", "ec2", "DescribeVolumes"),),
    "test_restore": (describe("Ec2", "ec2", "DescribeVolumes"), delete_restored_volumes()),
}
