"""Storage Gateway volumes (cached and stored volume gateways, the seed's on-premises path).

A recovery point is the EBS snapshot that `storagegateway.create_snapshot` makes of the volume, tagged with
the job id (the tags given to CreateSnapshot land on the snapshot), so status, lookup by job and deletion are
EC2 snapshot calls. A restore makes either a new gateway volume from the snapshot (cached or stored, on the
gateway the metadata names) or a plain EBS volume; the restore metadata's `restoreTarget` chooses.
A copy to another vault, Region or account is an EBS snapshot copy (shared with the other account first),
which restores to an EBS volume there, or to its gateway in the volume's own Region and account.

The resource ARN is the volume's: arn:aws:storagegateway:region:account:gateway/sgw-id/volume/vol-id.
The storagegateway client comes from a factory: boto3's in the cloud, the local runtime's fake
(`local/fakes/storagegateway/`) on the emulator, which has no Storage Gateway."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from lambdas.domain.errors import ResourceNotFoundException
from lambdas.resources.base import (
    JOB_TAG,
    CopySource,
    NativeBackup,
    OneTypeAdapter,
    Progress,
    ResourceInfo,
    RunMemo,
)
from lambdas.resources.ebs_snapshots import (
    SNAPSHOT_GONE,
    OneSnapshotPoint,
    copy_snapshot,
    ebs_tags,
    snapshot_progress,
)
from lambdas.resources.paging import listed
from lambdas.resources.snapshot_engine import unless_gone
from lambdas.resources.spec import AdapterContext
from lambdas.resources.storage_gateway.restore import (
    _NOT_FOUND,
    GatewayRestores,
    _gateway_code,
    gateway_of,
)
from lambdas.resources.storage_gateway.spec import STORAGE_GATEWAY


class StorageGatewayAdapter(OneSnapshotPoint, GatewayRestores, OneTypeAdapter):
    def __init__(self, storagegateway: Callable[[], Any], ec2: Callable[[], Any], region: str, account: str) -> None:
        self._sgw = storagegateway
        self._ec2 = ec2
        super().__init__(STORAGE_GATEWAY, region, account)

    def _volume_arn(self, volume_id: str) -> str:
        return self._arn_here("ec2", f"volume/{volume_id}")

    # the gateway side

    def _volume_infos(self, gateway_arn: str) -> Iterator[dict[str, Any]]:
        return listed(self._sgw().list_volumes, "VolumeInfos", "Marker", GatewayARN=gateway_arn)

    def _volume_info(self, volume_arn: str) -> dict[str, Any]:
        """The volume's ListVolumes entry (which says cached or stored); ResourceNotFoundException if gone."""
        gateway_arn = gateway_of(volume_arn)
        try:
            for info in self._volume_infos(gateway_arn):
                if info["VolumeARN"] == volume_arn:
                    return info
        except ClientError as error:
            if _gateway_code(error) in _NOT_FOUND:
                raise ResourceNotFoundException(
                    f"Storage Gateway volume {volume_arn} does not exist: its gateway was not found"
                ) from None
            raise
        raise ResourceNotFoundException(f"Storage Gateway volume {volume_arn} does not exist")

    def _describe_volume(self, volume_arn: str, volume_type: str) -> dict[str, Any]:
        if volume_type.upper().startswith("STORED"):
            return dict(self._sgw().describe_stored_iscsi_volumes(VolumeARNs=[volume_arn])["StorediSCSIVolumes"][0])
        return dict(self._sgw().describe_cached_iscsi_volumes(VolumeARNs=[volume_arn])["CachediSCSIVolumes"][0])

    def _resource_tags(self, arn: str) -> dict[str, str]:
        return ebs_tags(list(listed(self._sgw().list_tags_for_resource, "Tags", "Marker", ResourceARN=arn)))

    def _info(self, volume_arn: str, volume_type: str) -> ResourceInfo:
        volume = self._describe_volume(volume_arn, volume_type)
        tags = self._resource_tags(volume_arn)
        return ResourceInfo(
            arn=volume_arn,
            resource_type=self.resource_type,
            name=tags.get("Name", volume["VolumeId"]),
            size_bytes=int(volume["VolumeSizeInBytes"]),
            tags=tags,
            encryption_key_arn=volume.get("KMSKey"),
            is_encrypted=True,  # Storage Gateway encrypts volume data at rest, with S3-managed keys by default
        )

    def describe(self, resource_arn: str) -> ResourceInfo:
        info = self._volume_info(resource_arn)
        return self._info(resource_arn, info.get("VolumeType", "CACHED"))

    def list_resources(self) -> Iterator[ResourceInfo]:
        for gateway in listed(self._sgw().list_gateways, "Gateways", "Marker"):
            for info in self._volume_infos(gateway["GatewayARN"]):
                yield self._info(info["VolumeARN"], info.get("VolumeType", "CACHED"))

    # backups: EBS snapshots made by the gateway

    def start_backup(
        self, resource_arn: str, job_id: str, tags: dict[str, str], *, memo: RunMemo | None = None
    ) -> NativeBackup:
        gateway_of(resource_arn)
        try:
            snapshot = self._sgw().create_snapshot(
                VolumeARN=resource_arn,
                # The description names the volume: the snapshot alone then says where to restore it.
                SnapshotDescription=f"Strongroom backup job {job_id} of {resource_arn}"[:255],
                Tags=[{"Key": k, "Value": v} for k, v in {**tags, JOB_TAG: job_id}.items()],
            )
        except ClientError as error:
            if _gateway_code(error) in _NOT_FOUND:
                raise ResourceNotFoundException(f"Storage Gateway volume {resource_arn} does not exist") from None
            raise  # VolumeNotReady, SnapshotInProgress, GatewayNotConnected: the job retries within its window
        return NativeBackup(snapshot["SnapshotId"], self._snapshot_arn(snapshot["SnapshotId"]))

    def _snapshot(self, snapshot_id: str) -> dict[str, Any] | None:
        return unless_gone(
            lambda: dict(self._ec2().describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]), SNAPSHOT_GONE
        )

    def backup_status(self, native_id: str) -> Progress:
        return snapshot_progress(self._snapshot(native_id), native_id)

    # deletion, the archive tier, locks and sharing: OneSnapshotPoint's (the point is one EBS snapshot, as an EBS
    # volume's); copies too are an EBS volume's point's

    def copy_in(self, source: CopySource, copy_job_id: str, kms_key_arn: str, tags: dict[str, str]) -> NativeBackup:
        """An EBS snapshot copy (CopySnapshot) in this Region and account under `kms_key_arn`. Its description
        names the source volume as a backup's does, so restore_metadata still knows the volume: in the volume's
        own Region and account the copy restores to its gateway, elsewhere to an EBS volume."""
        description = f"Strongroom copy job {copy_job_id} of {source.resource_arn}"
        snapshot_id = copy_snapshot(self._ec2(), source, description, kms_key_arn, {**tags, JOB_TAG: copy_job_id})
        return NativeBackup(snapshot_id, self._snapshot_arn(snapshot_id))


def build(ctx: AdapterContext) -> StorageGatewayAdapter:
    """The adapter of this type for one account and Region (its spec's `build`)."""
    return StorageGatewayAdapter(ctx.client("storagegateway"), ctx.client("ec2"), ctx.region, ctx.account)
