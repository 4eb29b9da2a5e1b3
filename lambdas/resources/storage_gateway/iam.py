"""The IAM the Storage Gateway adapter's calls need, job by job: cached and stored volumes; a recovery point is
the EBS snapshot the gateway makes (CreateSnapshot); a restore is a new gateway volume from it, or an EBS volume."""

from __future__ import annotations

from lambdas.resources.grants import (
    EBS_SNAPSHOTS,
    archive_snapshots,
    arn,
    copy_snapshots,
    create_volumes,
    delete_restored_volumes,
    describe,
    key_grants,
    restore_archived_snapshots,
    restored_only,
)
from lambdas.resources.spec import Grant

GATEWAYS = arn("storagegateway", "gateway/*")
VOLUMES = arn("storagegateway", "gateway/*/volume/*")
_READ_VOLUMES = ("ListVolumes", "DescribeCachediSCSIVolumes", "DescribeStorediSCSIVolumes", "ListTagsForResource")
READ_SNAPSHOTS = describe("Ec2", "ec2", "DescribeSnapshots")
# restore_metadata records the gateway and volume the snapshot came from.
READ_GATEWAYS = describe("StorageGateway", "storagegateway", "DescribeGatewayInformation", *_READ_VOLUMES)

IAM: dict[str, tuple[Grant, ...]] = {
    "start_backup": (
        describe("StorageGateway", "storagegateway", "ListGateways", *_READ_VOLUMES),
        READ_SNAPSHOTS,
        Grant("SnapshotGatewayVolumes", ("storagegateway:CreateSnapshot",), (VOLUMES,)),
    ),
    "track_backup": (READ_GATEWAYS, READ_SNAPSHOTS),
    "delete_backup": (Grant("DeleteEbsSnapshots", ("ec2:DeleteSnapshot",), (EBS_SNAPSHOTS,)),),
    "move_to_cold": archive_snapshots(),
    "copy_backup": copy_snapshots(),
    "check_restore": (describe("StorageGateway", "storagegateway", "DescribeGatewayInformation"),),
    "start_restore": (
        READ_GATEWAYS,
        describe("Ec2", "ec2", "DescribeVolumes"),
        *restore_archived_snapshots(),
        Grant(
            "CreateGatewayVolumesFromSnapshots",
            (
                "storagegateway:CreateCachediSCSIVolume",
                "storagegateway:CreateStorediSCSIVolume",
                "storagegateway:AddTagsToResource",
            ),
            (GATEWAYS, VOLUMES),
        ),
        # The other restore target, a plain EBS volume, as an EBS restore makes it.
        *create_volumes(),
        *key_grants("StorageGateway", "storagegateway"),
    ),
    "poll_restore": (
        describe("StorageGateway", "storagegateway", *_READ_VOLUMES),
        describe("Ec2", "ec2", "DescribeVolumes"),
    ),
    "catalog": (describe("StorageGateway", "storagegateway", "ListGateways", *_READ_VOLUMES),),
    # Restore testing (validation.py): the volume's size and kind; a restored gateway volume (or EBS volume, for a
    # restore to EBS) deleted.
    "record_restore_test": (describe("StorageGateway", "storagegateway", *_READ_VOLUMES),),
    "test_restore": (
        describe("StorageGateway", "storagegateway", *_READ_VOLUMES),
        Grant("DeleteRestoredGatewayVolumes", ("storagegateway:DeleteVolume",), (VOLUMES,), conditions=restored_only()),
        describe("Ec2", "ec2", "DescribeVolumes"),
        delete_restored_volumes(),
    ),
}
