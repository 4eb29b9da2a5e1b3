"""The EBS adapter against moto's EC2: volumes are described, snapshotted, found again by job id, deleted
idempotently, and restored as new volumes."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.integration.builders import ACCOUNT, REGION

GIB = 1024**3


@pytest.fixture
def ec2() -> Any:
    return boto3.client("ec2", region_name=REGION)


@pytest.fixture
def adapter() -> Any:
    from lambdas.common import aws
    from lambdas.resources.ebs.adapter import EbsAdapter

    return EbsAdapter(lambda: aws.client("ec2"), REGION, ACCOUNT)


def make_volume(
    ec2: Any, *, size: int = 20, zone: str = "us-east-1b", tags: dict[str, str] | None = None, **extra: Any
):
    request: dict[str, Any] = {"AvailabilityZone": zone, "Size": size, **extra}
    if tags:
        request["TagSpecifications"] = [
            {"ResourceType": "volume", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
        ]
    volume = ec2.create_volume(**request)
    return volume["VolumeId"], f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{volume['VolumeId']}"


def tags_of(resource: dict[str, Any]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in resource.get("Tags", [])}


# describe


def test_given_a_tagged_encrypted_volume_when_described_then_tags_size_and_key_are_reported(ec2, adapter) -> None:
    key_arn = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    _, arn = make_volume(ec2, size=20, tags={"Name": "data", "team": "payments"}, Encrypted=True, KmsKeyId=key_arn)

    info = adapter.describe(arn)

    assert info.arn == arn
    assert info.resource_type == "EBS"
    assert info.name == "data"
    assert info.tags == {"Name": "data", "team": "payments"}
    assert info.size_bytes == 20 * GIB
    assert info.is_encrypted is True
    assert info.encryption_key_arn == key_arn


def test_given_an_untagged_plain_volume_when_described_then_named_by_its_id_and_not_encrypted(ec2, adapter) -> None:
    volume_id, arn = make_volume(ec2, size=8)

    info = adapter.describe(arn)

    assert info.name == volume_id
    assert info.tags == {}
    assert info.size_bytes == 8 * GIB
    assert info.is_encrypted is False


def test_given_no_such_volume_when_described_then_resource_not_found(adapter) -> None:
    from lambdas.domain.errors import ResourceNotFoundException

    missing = f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-0123456789abcdef0"
    with pytest.raises(ResourceNotFoundException, match="vol-0123456789abcdef0"):
        adapter.describe(missing)


# backup


def test_given_a_volume_when_a_backup_starts_then_a_snapshot_carries_the_job_id_and_tags(ec2, adapter) -> None:
    from lambdas.resources.base import JOB_TAG

    volume_id, arn = make_volume(ec2)

    backup = adapter.start_backup(arn, "JOB-1", {"owner": "team-a", "env": "prod"})

    assert backup.native_id.startswith("snap-")
    assert backup.recovery_point_arn == f"arn:aws:ec2:{REGION}::snapshot/{backup.native_id}"
    snapshot = ec2.describe_snapshots(SnapshotIds=[backup.native_id])["Snapshots"][0]
    assert snapshot["VolumeId"] == volume_id
    assert tags_of(snapshot) == {"owner": "team-a", "env": "prod", JOB_TAG: "JOB-1"}


def test_given_a_started_backup_when_found_by_job_id_then_the_same_snapshot_comes_back(ec2, adapter) -> None:
    _, arn = make_volume(ec2)
    started = adapter.start_backup(arn, "JOB-1", {})
    adapter.start_backup(arn, "JOB-2", {})

    assert adapter.find_backup(arn, "JOB-1") == started
    assert adapter.find_backup(arn, "JOB-3") is None


def test_given_a_snapshot_when_its_status_is_read_then_completed_with_the_volume_size(ec2, adapter) -> None:
    from lambdas.resources.base import Phase

    _, arn = make_volume(ec2, size=20)
    backup = adapter.start_backup(arn, "JOB-1", {})

    progress = adapter.backup_status(backup.native_id)

    assert progress.phase == Phase.COMPLETED
    assert progress.percent_done == "100.0"
    assert progress.size_bytes == 20 * GIB


def test_given_a_snapshot_when_deleted_twice_then_it_is_gone_and_the_second_delete_is_fine(ec2, adapter) -> None:
    from lambdas.resources.base import Phase

    _, arn = make_volume(ec2)
    backup = adapter.start_backup(arn, "JOB-1", {})

    adapter.delete_backup(backup.native_id)
    adapter.delete_backup(backup.native_id)

    with pytest.raises(ec2.exceptions.ClientError, match=r"InvalidSnapshot\.NotFound"):
        ec2.describe_snapshots(SnapshotIds=[backup.native_id])
    assert adapter.find_backup(arn, "JOB-1") is None
    assert adapter.backup_status(backup.native_id).phase == Phase.FAILED


# restore


def test_given_a_snapshot_when_restore_metadata_is_read_then_it_describes_the_source_volume(ec2, adapter) -> None:
    _, arn = make_volume(ec2, size=20, zone="us-east-1b", VolumeType="gp3", Iops=4000)
    backup = adapter.start_backup(arn, "JOB-1", {})

    metadata = adapter.restore_metadata(backup.native_id, None)

    assert metadata["availabilityZone"] == "us-east-1b"
    assert metadata["volumeSize"] == "20"
    assert metadata["volumeType"] == "gp3"
    assert metadata["iops"] == "4000"
    assert metadata["encrypted"] == "false"


def test_given_the_source_volume_is_gone_when_restore_metadata_is_read_then_the_snapshot_suffices(ec2, adapter) -> None:
    volume_id, arn = make_volume(ec2, size=12, zone="us-east-1c")
    backup = adapter.start_backup(arn, "JOB-1", {})
    ec2.delete_volume(VolumeId=volume_id)

    metadata = adapter.restore_metadata(backup.native_id, None)

    assert metadata["volumeSize"] == "12"
    assert metadata["availabilityZone"] == f"{REGION}a"
    assert metadata["volumeType"]


def test_given_a_snapshot_when_restored_then_a_new_tagged_volume_is_made_from_it_and_found(ec2, adapter) -> None:
    from lambdas.resources.base import RESTORE_TAG

    source_id, arn = make_volume(ec2, size=20, zone="us-east-1b")
    backup = adapter.start_backup(arn, "JOB-1", {})
    metadata = adapter.restore_metadata(backup.native_id, None)

    restore = adapter.start_restore(backup.native_id, "RESTORE-1", metadata)

    assert restore.native_id != source_id
    assert restore.created_resource_arn == f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{restore.native_id}"
    volume = ec2.describe_volumes(VolumeIds=[restore.native_id])["Volumes"][0]
    assert volume["SnapshotId"] == backup.native_id
    assert volume["AvailabilityZone"] == "us-east-1b"
    assert volume["Size"] == 20
    assert tags_of(volume) == {RESTORE_TAG: "RESTORE-1"}
    assert adapter.find_restore(backup.native_id, "RESTORE-1", metadata) == restore
    assert adapter.find_restore(backup.native_id, "RESTORE-2", metadata) is None


def test_given_a_restored_volume_when_its_status_is_read_then_completed_with_its_size(ec2, adapter) -> None:
    from lambdas.resources.base import Phase

    _, arn = make_volume(ec2, size=20)
    backup = adapter.start_backup(arn, "JOB-1", {})
    restore = adapter.start_restore(backup.native_id, "RESTORE-1", adapter.restore_metadata(backup.native_id, None))

    progress = adapter.restore_status(restore)

    assert progress.phase == Phase.COMPLETED
    assert progress.size_bytes == 20 * GIB


def test_given_an_encrypted_source_when_restored_then_the_new_volume_is_encrypted(ec2, adapter) -> None:
    _, arn = make_volume(ec2, Encrypted=True)
    backup = adapter.start_backup(arn, "JOB-1", {})
    metadata = adapter.restore_metadata(backup.native_id, None)

    restore = adapter.start_restore(backup.native_id, "RESTORE-1", metadata)

    assert metadata["encrypted"] == "true"
    assert ec2.describe_volumes(VolumeIds=[restore.native_id])["Volumes"][0]["Encrypted"] is True


def test_given_metadata_without_a_zone_when_restoring_then_invalid_parameter_and_no_volume(ec2, adapter) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    _, arn = make_volume(ec2)
    backup = adapter.start_backup(arn, "JOB-1", {})
    metadata = adapter.restore_metadata(backup.native_id, None)
    del metadata["availabilityZone"]

    with pytest.raises(InvalidParameterValueException, match="availabilityZone"):
        adapter.start_restore(backup.native_id, "RESTORE-1", metadata)
    assert len(ec2.describe_volumes()["Volumes"]) == 1


# cold storage: the EBS snapshot archive tier


def calls_to(operation: str) -> list[dict[str, Any]]:
    """Records the parameters of every call the adapter's (cached) EC2 client makes to `operation`."""
    from lambdas.common import aws

    seen: list[dict[str, Any]] = []
    aws.client("ec2").meta.events.register(
        f"provide-client-params.ec2.{operation}", lambda params, **_: seen.append(dict(params))
    )
    return seen


def test_given_a_snapshot_when_moved_to_cold_twice_then_it_is_archived_once(ec2, adapter) -> None:
    _, arn = make_volume(ec2, size=8)
    backup = adapter.start_backup(arn, "JOB-1", {})
    modified = calls_to("ModifySnapshotTier")

    assert adapter.move_to_cold(backup.native_id) is True
    assert adapter.move_to_cold(backup.native_id) is True  # a retried run: already there, nothing asked again

    (snapshot,) = ec2.describe_snapshots(SnapshotIds=[backup.native_id])["Snapshots"]
    assert snapshot["StorageTier"] == "archive"
    assert modified == [{"SnapshotId": backup.native_id, "StorageTier": "archive"}]


def test_given_an_archived_snapshot_when_restored_then_it_is_restored_from_the_archive_first(ec2, adapter) -> None:
    _, arn = make_volume(ec2, size=8)
    backup = adapter.start_backup(arn, "JOB-1", {})
    adapter.move_to_cold(backup.native_id)
    tier_restores = calls_to("RestoreSnapshotTier")

    restore = adapter.start_restore(backup.native_id, "RESTORE-1", {"availabilityZone": "us-east-1b"})

    assert tier_restores == [{"SnapshotId": backup.native_id, "TemporaryRestoreDays": 7}]
    (made,) = ec2.describe_volumes(VolumeIds=[restore.native_id])["Volumes"]
    assert made["SnapshotId"] == backup.native_id


def test_given_a_snapshot_still_coming_back_from_the_archive_when_restored_then_refused_saying_to_wait() -> None:
    from lambdas.resources.ebs_snapshots import SnapshotInArchive, thaw_snapshot

    class Ec2StillRestoring:
        """EC2 as AWS answers while a tier restore runs (24 to 72 hours; moto finishes at once)."""

        def __init__(self, operation: str) -> None:
            self.operation = operation
            self.restores = 0

        def describe_snapshot_tier_status(self, **_: Any) -> dict[str, Any]:
            status = self.operation if self.restores == 0 else "temporary-restore-in-progress"
            return {"SnapshotTierStatuses": [{"StorageTier": "archive", "LastTieringOperationStatus": status}]}

        def restore_snapshot_tier(self, **_: Any) -> dict[str, Any]:
            self.restores += 1
            return {}

    under_way = Ec2StillRestoring("temporary-restore-in-progress")
    with pytest.raises(SnapshotInArchive, match="up to 72 hours"):
        thaw_snapshot(under_way, "snap-1")
    assert under_way.restores == 0  # one restore under way is not asked for again

    archived = Ec2StillRestoring("archival-completed")
    with pytest.raises(SnapshotInArchive, match="snap-1"):
        thaw_snapshot(archived, "snap-1")
    assert archived.restores == 1


def test_given_a_snapshot_a_registered_ami_uses_when_deleted_then_refused_as_in_use_and_the_snapshot_stays(
    ec2, adapter
) -> None:
    from lambdas.resources.base import NativeBackupInUse

    instance_id = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    image_id = ec2.create_image(InstanceId=instance_id, Name="app", NoReboot=True)["ImageId"]
    mappings = ec2.describe_images(ImageIds=[image_id])["Images"][0]["BlockDeviceMappings"]
    (snapshot_id,) = [m["Ebs"]["SnapshotId"] for m in mappings if "Ebs" in m]

    with pytest.raises(NativeBackupInUse, match=image_id):
        adapter.delete_backup(snapshot_id)

    assert ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"]
    ec2.deregister_image(ImageId=image_id)
    adapter.delete_backup(snapshot_id)  # once the AMI lets go, it goes
    assert not ec2.describe_snapshots(OwnerIds=["self"], Filters=[{"Name": "snapshot-id", "Values": [snapshot_id]}])[
        "Snapshots"
    ]


def test_given_many_snapshots_when_their_status_is_asked_at_once_then_one_call_answers_and_a_gone_one_failed(
    ec2: Any, adapter: Any
) -> None:
    from lambdas.common import aws
    from lambdas.resources.base import Phase, RunMemo

    # Given three snapshots, one of which has been deleted meanwhile
    snapshots = [ec2.create_snapshot(VolumeId=make_volume(ec2)[0])["SnapshotId"] for _ in range(3)]
    ec2.delete_snapshot(SnapshotId=snapshots[2])
    calls: list[str] = []
    stop = aws.listen_to_calls(lambda service, operation, *_: calls.append(operation))
    try:
        # When their statuses are asked together, in one run
        run = RunMemo()
        statuses = adapter.backup_statuses(snapshots, memo=run)
        # Then the two that exist are COMPLETED and the gone one FAILED, as backup_status would say
        assert [statuses[s].phase for s in snapshots] == [Phase.COMPLETED, Phase.COMPLETED, Phase.FAILED]
        # and a page of ids cost one call, plus one per id when a gone id spoiled the page
        assert calls.count("DescribeSnapshots") == 1 + len(snapshots)
        # and the restore metadata of a snapshot the run just described needs no describe of its own
        calls.clear()
        volume_id = ec2.describe_snapshots(SnapshotIds=[snapshots[0]])["Snapshots"][0]["VolumeId"]
        source = adapter.describe(f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{volume_id}")
        calls.clear()
        metadata = adapter.restore_metadata(snapshots[0], source, memo=run)
        assert calls == [] and metadata["availabilityZone"] == "us-east-1b"
        # but another run (no memo) describes it again: nothing seen outlives the run that saw it
        assert adapter.restore_metadata(snapshots[0], source) == metadata and calls == ["DescribeSnapshots"]
    finally:
        stop()
