"""Every resource adapter but DynamoDB copies its recovery points into another Region, and, where the service
allows, into another account, on moto (with local/copy_gaps.py and local/fakes/fsx/ where moto falls short).

A copy is run by the DESTINATION's adapter, with the destination's credentials in the destination's Region
(`copy_in`); across accounts the source's adapter shares the backup first (`share_backup`). The stories below
check, for each type: the copy completes (`backup_status`), is found again by its copy job id (`find_backup`),
is encrypted with the destination vault's key where the service records a key, gives restore metadata, and
goes with `delete_backup`. S3 and EFS copies are objects copied into the destination's vault storage bucket;
a restore from them gives back the backed-up content."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.fakes import allows_copies_from
from tests.integration.builders import ACCOUNT, REGION, ROLE, T0

OTHER_ACCOUNT = "210987654321"
OTHER_REGION = "eu-west-1"
JOB_TAG = "strongroom:backup-job-id"
GIB = 1024**3
# Where the copy goes: another Region of this account, or another Region of another account.
CROSSINGS = ["other-region", "other-account"]


@pytest.fixture(autouse=True)
def copy_gaps_filled() -> Iterator[None]:
    from local import copy_gaps

    undo = copy_gaps.PATCHES.apply()
    yield
    undo()


def credentials_of(account: str) -> dict[str, str] | None:
    """None for this account (the function's own credentials); an assumed role's for another (moto maps its
    credentials to the role's account)."""
    from lambdas.services.copy_destinations import copy_destination_role_arn

    if account == ACCOUNT:
        return None
    answer = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=copy_destination_role_arn(account, REGION), RoleSessionName="copy-test"
    )["Credentials"]
    return {
        "aws_access_key_id": answer["AccessKeyId"],
        "aws_secret_access_key": answer["SecretAccessKey"],
        "aws_session_token": answer["SessionToken"],
    }


class Place:
    """An account and Region, and clients there with that account's credentials."""

    def __init__(self, account: str, region: str) -> None:
        self.account = account
        self.region = region
        self.credentials = credentials_of(account)

    def client(self, service: str) -> Any:
        from lambdas.common import aws

        return aws.client_as(service, self.region, self.credentials)

    def factory(self, service: str) -> Any:
        return lambda: self.client(service)

    def key(self) -> str:
        """A customer managed KMS key here: the destination vault's key."""
        return str(self.client("kms").create_key(Description="vault key")["KeyMetadata"]["Arn"])


HOME = (ACCOUNT, REGION)


def destination(crossing: str) -> Place:
    return Place(OTHER_ACCOUNT if crossing == "other-account" else ACCOUNT, OTHER_REGION)


def source_of(native_id: str, resource_arn: str) -> Any:
    from lambdas.resources.base import CopySource

    return CopySource(native_id, REGION, ACCOUNT, resource_arn)


def finish(check: Any, polls: int = 200) -> Any:
    from lambdas.resources.base import Phase

    for _ in range(polls):
        progress = check()
        if progress.phase != Phase.RUNNING:
            return progress
    raise AssertionError(f"still running after {polls} polls")


def copied(source_adapter: Any, adapter: Any, native_id: str, resource_arn: str, there: Place) -> tuple[Any, str]:
    """Shares the backup when the copy crosses accounts (as the copy service does), then starts the copy there
    under a fresh vault key. Returns the copy and the key."""
    if there.account != ACCOUNT:
        source_adapter.share_backup(native_id, there.account)
    key = there.key()
    return adapter.copy_in(source_of(native_id, resource_arn), "COPY-1", key, {"team": "shop"}), key


def tags_of(resource: dict[str, Any], member: str = "Tags") -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in resource.get(member) or []}


# RDS DB instances


def rds_adapter(place: Place) -> Any:
    from lambdas.resources.rds.adapter import RdsAdapter

    return RdsAdapter(place.factory("rds"), place.region, place.account)


def backed_up_instance() -> tuple[Any, str, str]:
    rds = boto3.client("rds", region_name=REGION)
    key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    arn = rds.create_db_instance(
        DBInstanceIdentifier="orders",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="admin",
        MasterUserPassword="password123",
        StorageEncrypted=True,
        KmsKeyId=key,
    )["DBInstance"]["DBInstanceArn"]
    source = rds_adapter(Place(*HOME))
    return source, arn, source.start_backup(arn, "JOB-1", {"team": "shop"}).native_id


@pytest.mark.parametrize("crossing", CROSSINGS)
def test_given_a_db_snapshot_when_copied_to_another_region_or_account_then_the_copy_is_a_snapshot_there_under_its_key(
    crossing: str,
) -> None:
    from lambdas.resources.base import Phase

    # Given a manual DB snapshot of an encrypted instance
    source, arn, native_id = backed_up_instance()
    there = destination(crossing)
    adapter = rds_adapter(there)

    # When it is copied there (shared first when the copy crosses accounts)
    copy, key = copied(source, adapter, native_id, arn, there)

    # Then the copy is a DB snapshot of that account in that Region, named from the copy job, under the key
    assert finish(lambda: adapter.backup_status(copy.native_id)).phase == Phase.COMPLETED
    assert adapter.find_backup(arn, "COPY-1") == copy
    assert copy.recovery_point_arn.startswith(f"arn:aws:rds:{OTHER_REGION}:{there.account}:snapshot:")
    [snapshot] = there.client("rds").describe_db_snapshots(DBSnapshotIdentifier=copy.native_id)["DBSnapshots"]
    assert (snapshot["Encrypted"], snapshot["KmsKeyId"]) == (True, key)
    assert tags_of(snapshot, "TagList") == {"team": "shop", JOB_TAG: "COPY-1"}
    # and its restore metadata describes the snapshot (the instance is not in that Region)
    metadata = adapter.restore_metadata(copy.native_id, None)
    assert (metadata["DBInstanceIdentifier"], metadata["Engine"], metadata["KmsKeyId"]) == ("orders", "postgres", key)
    # and deleting it leaves nothing to find
    adapter.delete_backup(copy.native_id)
    assert adapter.find_backup(arn, "COPY-1") is None
    if crossing == "other-account":
        attributes = boto3.client("rds", region_name=REGION).describe_db_snapshot_attributes(
            DBSnapshotIdentifier=native_id
        )["DBSnapshotAttributesResult"]["DBSnapshotAttributes"]
        assert {"AttributeName": "restore", "AttributeValues": [OTHER_ACCOUNT]} in attributes


def test_given_a_db_snapshot_not_shared_when_another_account_copies_it_then_refused_naming_the_snapshot() -> None:
    from lambdas.domain.errors import InvalidRequestException

    _, arn, native_id = backed_up_instance()
    there = destination("other-account")

    with pytest.raises(InvalidRequestException, match="not shared with this account"):
        rds_adapter(there).copy_in(source_of(native_id, arn), "COPY-1", there.key(), {})
    assert there.client("rds").describe_db_snapshots()["DBSnapshots"] == []


def test_given_a_copy_made_before_a_crash_when_the_copy_starts_again_then_the_same_snapshot_is_adopted() -> None:
    _, arn, native_id = backed_up_instance()
    there = destination("other-region")
    adapter = rds_adapter(there)
    key = there.key()
    first = adapter.copy_in(source_of(native_id, arn), "COPY-1", key, {})

    again = adapter.copy_in(source_of(native_id, arn), "COPY-1", key, {})

    assert again == first
    assert len(there.client("rds").describe_db_snapshots()["DBSnapshots"]) == 1


# Aurora, DocumentDB, Neptune clusters


@pytest.fixture
def cluster_engines() -> Iterator[None]:
    from local import rds_gaps

    with rds_gaps.PATCHES.applied():
        yield


def cluster_adapter(resource_type: str, place: Place) -> Any:
    from lambdas.resources.rds_family.clusters import RdsClusterAdapter

    return RdsClusterAdapter(resource_type, place.factory("rds"), place.region, place.account)


@pytest.mark.parametrize("crossing", CROSSINGS)
@pytest.mark.parametrize("resource_type", ["Aurora", "DocumentDB", "Neptune"])
def test_given_a_cluster_snapshot_when_copied_to_another_region_or_account_then_the_copy_is_there_under_its_key(
    cluster_engines: None, resource_type: str, crossing: str
) -> None:
    from lambdas.resources.base import Phase
    from tests.integration.test_rds_adapters import make_cluster

    # Given an encrypted cluster of the type, backed up
    key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    arn = make_cluster(resource_type, "ledger", StorageEncrypted=True, KmsKeyId=key)
    source = cluster_adapter(resource_type, Place(*HOME))
    native_id = source.start_backup(arn, "JOB-1", {}).native_id
    there = destination(crossing)
    adapter = cluster_adapter(resource_type, there)

    # When its snapshot is copied there
    copy, key = copied(source, adapter, native_id, arn, there)

    # Then the copy is a cluster snapshot there, found by the copy job, under the destination key
    assert finish(lambda: adapter.backup_status(copy.native_id)).phase == Phase.COMPLETED
    assert adapter.find_backup(arn, "COPY-1") == copy
    [snapshot] = there.client("rds").describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=copy.native_id)[
        "DBClusterSnapshots"
    ]
    assert (snapshot["StorageEncrypted"], snapshot["KmsKeyId"]) == (True, key)
    assert snapshot["DBClusterSnapshotArn"].startswith(f"arn:aws:rds:{OTHER_REGION}:{there.account}:")
    metadata = adapter.restore_metadata(copy.native_id, None)
    assert (metadata["DBClusterIdentifier"], metadata["StorageEncrypted"], metadata["KmsKeyId"]) == (
        "ledger",
        "true",
        key,
    )
    adapter.delete_backup(copy.native_id)
    assert adapter.find_backup(arn, "COPY-1") is None


# EC2 instances (AMIs)


def ec2_adapter(place: Place) -> Any:
    from lambdas.resources.ec2.adapter import Ec2Adapter

    return Ec2Adapter(place.factory("ec2"), place.region, place.account)


@pytest.mark.parametrize("crossing", CROSSINGS)
def test_given_an_ami_when_copied_to_another_region_or_account_then_a_new_ami_there_has_snapshots_under_its_key(
    crossing: str,
) -> None:
    from lambdas.resources.base import Phase

    # Given an instance backed up as an AMI (its snapshots tagged once it is available)
    ec2 = boto3.client("ec2", region_name=REGION)
    instance_id = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, InstanceType="t3.micro")[
        "Instances"
    ][0]["InstanceId"]
    arn = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{instance_id}"
    source = ec2_adapter(Place(*HOME))
    native_id = source.start_backup(arn, "JOB-1", {}).native_id
    assert source.backup_status(native_id).phase == Phase.COMPLETED
    there = destination(crossing)
    adapter = ec2_adapter(there)

    # When it is copied there
    copy, key = copied(source, adapter, native_id, arn, there)

    # Then a new AMI of that account in that Region, named and tagged from the copy job, is available
    assert finish(lambda: adapter.backup_status(copy.native_id)).phase == Phase.COMPLETED
    assert adapter.find_backup(arn, "COPY-1") == copy
    remote = there.client("ec2")
    [image] = remote.describe_images(ImageIds=[copy.native_id])["Images"]
    assert (image["OwnerId"], image["Name"]) == (there.account, "strongroom-COPY-1")
    assert tags_of(image) == {"team": "shop", JOB_TAG: "COPY-1"}
    # and its snapshots are encrypted with the destination key and carry the copy job id too
    snapshot_ids = [m["Ebs"]["SnapshotId"] for m in image["BlockDeviceMappings"] if "Ebs" in m]
    snapshots = remote.describe_snapshots(SnapshotIds=snapshot_ids)["Snapshots"]
    assert snapshots and all((s["Encrypted"], s["KmsKeyId"]) == (True, key) for s in snapshots)
    assert all(tags_of(s)[JOB_TAG] == "COPY-1" for s in snapshots)
    assert adapter.restore_metadata(copy.native_id, None)["WindowsVSS"] == "disabled"
    if crossing == "other-account":
        # the source AMI was shared with that account, and so were its snapshots
        launch = ec2.describe_image_attribute(ImageId=native_id, Attribute="launchPermission")["LaunchPermissions"]
        assert launch == [{"UserId": OTHER_ACCOUNT}]
        for snapshot_id in [
            m["Ebs"]["SnapshotId"]
            for m in ec2.describe_images(ImageIds=[native_id])["Images"][0]["BlockDeviceMappings"]
        ]:
            permissions = ec2.describe_snapshot_attribute(SnapshotId=snapshot_id, Attribute="createVolumePermission")
            assert permissions["CreateVolumePermissions"] == [{"UserId": OTHER_ACCOUNT}]

    # And deleting the copy deregisters it and deletes its snapshots
    adapter.delete_backup(copy.native_id)
    assert adapter.find_backup(arn, "COPY-1") is None
    assert remote.describe_snapshots(OwnerIds=["self"])["Snapshots"] == []


def test_given_an_ami_not_shared_when_another_account_copies_it_then_refused_and_no_ami_is_made() -> None:
    from lambdas.domain.errors import InvalidRequestException

    ec2 = boto3.client("ec2", region_name=REGION)
    instance_id = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    arn = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{instance_id}"
    native_id = ec2_adapter(Place(*HOME)).start_backup(arn, "JOB-1", {}).native_id
    there = destination("other-account")

    with pytest.raises(InvalidRequestException, match="not shared with this account"):
        ec2_adapter(there).copy_in(source_of(native_id, arn), "COPY-1", there.key(), {})
    assert there.client("ec2").describe_images(Owners=["self"])["Images"] == []


# Storage Gateway volumes (EBS snapshots)


def gateway_adapter(place: Place) -> Any:
    from lambdas.resources.storage_gateway.adapter import StorageGatewayAdapter
    from local.fakes.storagegateway import FakeStorageGatewayBackend, FakeStorageGatewayClient

    gateway = FakeStorageGatewayClient(FakeStorageGatewayBackend(place.region, place.account), place.factory("ec2"))
    return StorageGatewayAdapter(lambda: gateway, place.factory("ec2"), place.region, place.account)


def backed_up_gateway_volume(adapter: Any) -> tuple[str, str]:
    from tests.integration.test_storage_gateway_adapter import activate, cached_volume

    gateway = adapter._sgw()
    volume_arn = cached_volume(gateway, activate(gateway))
    return volume_arn, adapter.start_backup(volume_arn, "JOB-1", {}).native_id


@pytest.mark.parametrize("crossing", CROSSINGS)
def test_given_a_gateway_volume_point_when_copied_elsewhere_then_an_ebs_snapshot_there_restores_to_an_ebs_volume(
    crossing: str,
) -> None:
    from lambdas.resources.base import Phase

    # Given a cached volume of a gateway, backed up (an EBS snapshot)
    source = gateway_adapter(Place(*HOME))
    volume_arn, native_id = backed_up_gateway_volume(source)
    there = destination(crossing)
    adapter = gateway_adapter(there)

    # When the point is copied there
    copy, key = copied(source, adapter, native_id, volume_arn, there)

    # Then the copy is an EBS snapshot there under the destination key, found by the copy job
    assert finish(lambda: adapter.backup_status(copy.native_id)).phase == Phase.COMPLETED
    assert adapter.find_backup(volume_arn, "COPY-1") == copy
    [snapshot] = there.client("ec2").describe_snapshots(SnapshotIds=[copy.native_id])["Snapshots"]
    assert (snapshot["OwnerId"], snapshot["Encrypted"], snapshot["KmsKeyId"]) == (there.account, True, key)
    # and it restores to an EBS volume in that Region (its gateway is in another), still naming its volume
    metadata = adapter.restore_metadata(copy.native_id, None)
    assert metadata["restoreTarget"] == "ebs-volume"
    assert metadata["sourceVolumeArn"] == volume_arn
    assert metadata["availabilityZone"] == f"{OTHER_REGION}a"
    adapter.check_restore(copy.native_id, metadata)
    adapter.delete_backup(copy.native_id)
    assert adapter.find_backup(volume_arn, "COPY-1") is None


def test_given_a_gateway_volume_point_copied_to_another_vault_here_then_the_copy_still_restores_to_the_gateway() -> (
    None
):
    source = gateway_adapter(Place(*HOME))
    volume_arn, native_id = backed_up_gateway_volume(source)
    key = Place(*HOME).key()

    copy = source.copy_in(source_of(native_id, volume_arn), "COPY-1", key, {})

    metadata = source.restore_metadata(copy.native_id, None)
    assert metadata["restoreTarget"] == "gateway-volume"
    assert metadata["gatewayArn"] == volume_arn.split("/volume/")[0]


# FSx file systems


def fsx_adapter(place: Place) -> Any:
    from lambdas.resources.fsx.adapter import FsxAdapter
    from local.fakes.fsx import MotoFsxGaps

    return FsxAdapter(lambda: MotoFsxGaps(place.client("fsx")), place.region, place.account)


def backed_up_file_system() -> tuple[Any, str, str]:
    from local.fakes.fsx import MotoFsxGaps

    fsx = MotoFsxGaps(boto3.client("fsx", region_name=REGION))
    file_system_id = fsx.create_file_system(
        FileSystemType="LUSTRE",
        StorageCapacity=1200,
        SubnetIds=["subnet-0123456789abcdef0"],
        LustreConfiguration={"DeploymentType": "PERSISTENT_2", "PerUnitStorageThroughput": 125},
    )["FileSystem"]["FileSystemId"]
    arn = f"arn:aws:fsx:{REGION}:{ACCOUNT}:file-system/{file_system_id}"
    source = fsx_adapter(Place(*HOME))
    return source, arn, source.start_backup(arn, "JOB-1", {}).native_id


def test_given_an_fsx_backup_copied_to_another_region_then_a_backup_there_under_its_key_restores_a_file_system() -> (
    None
):
    from lambdas.resources.base import Phase

    # Given an FSx for Lustre backup
    source, arn, native_id = backed_up_file_system()
    there = destination("other-region")
    adapter = fsx_adapter(there)

    # When it is copied to another Region of this account
    copy, key = copied(source, adapter, native_id, arn, there)

    # Then a backup there is AVAILABLE, found by the copy job, under the destination key, telling its source
    assert finish(lambda: adapter.backup_status(copy.native_id)).phase == Phase.COMPLETED
    assert adapter.find_backup(arn, "COPY-1") == copy
    assert copy.recovery_point_arn == f"arn:aws:fsx:{OTHER_REGION}:{ACCOUNT}:backup/{copy.native_id}"
    from local.fakes.fsx import MotoFsxGaps

    remote = MotoFsxGaps(there.client("fsx"))
    [backup] = remote.describe_backups(BackupIds=[copy.native_id])["Backups"]
    assert (backup["KmsKeyId"], backup["SourceBackupId"], backup["SourceBackupRegion"]) == (key, native_id, REGION)
    assert tags_of(backup) == {"team": "shop", JOB_TAG: "COPY-1"}
    # and its restore metadata takes the copy's key; with this Region's subnet it restores a file system here
    metadata = adapter.restore_metadata(copy.native_id, None)
    assert (metadata["fileSystemType"], metadata["kmsKeyId"]) == ("LUSTRE", key)
    restore = adapter.start_restore(copy.native_id, "RESTORE-1", {**metadata, "subnetIds": "subnet-0fedcba987654321"})
    assert restore.created_resource_arn.startswith(f"arn:aws:fsx:{OTHER_REGION}:{ACCOUNT}:file-system/fs-")
    assert adapter.restore_status(restore).phase == Phase.COMPLETED
    # and a retried copy (the same request token) is the same backup; deleting it leaves nothing to find
    assert adapter.copy_in(source_of(native_id, arn), "COPY-1", key, {}) == copy
    adapter.delete_backup(copy.native_id)
    assert adapter.find_backup(arn, "COPY-1") is None


def test_given_an_fsx_backup_when_copied_to_another_account_then_refused_because_fsx_copies_within_one_account() -> (
    None
):
    from lambdas.domain.errors import InvalidRequestException

    source, arn, native_id = backed_up_file_system()
    there = destination("other-account")

    with pytest.raises(InvalidRequestException, match="FSx copies a backup only within its own account"):
        source.share_backup(native_id, OTHER_ACCOUNT)
    with pytest.raises(InvalidRequestException, match="FSx copies a backup only within its own account"):
        fsx_adapter(there).copy_in(source_of(native_id, arn), "COPY-1", there.key(), {})


# S3 buckets: the copy holds the data, in the destination's vault storage bucket


def vault_bucket(place: Place) -> str:
    from lambdas.resources.vault_storage import default_vault_bucket

    name = default_vault_bucket(place.account, place.region)
    request: dict[str, Any] = {"Bucket": name}
    if place.region != "us-east-1":
        request["CreateBucketConfiguration"] = {"LocationConstraint": place.region}
    place.client("s3").create_bucket(**request)
    return name


def s3_adapter(place: Place) -> Any:
    from lambdas.resources.s3.adapter import S3Adapter
    from lambdas.resources.vault_storage import VaultStorage, default_vault_bucket

    storage = VaultStorage(place.factory("s3"), default_vault_bucket(place.account, place.region))
    return S3Adapter(place.factory("s3"), place.region, place.account, storage, slice_operations=2)


@pytest.fixture
def s3_clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    import moto.s3.models

    from tests.integration.test_s3_adapter import S3Clock

    clock = S3Clock()
    monkeypatch.setattr(moto.s3.models, "utcnow", clock)
    return clock


PHOTOS = {"a.jpg": "alpha", "b/c.jpg": "gamma", "d.txt": "delta"}


def backed_up_bucket(clock: Any) -> tuple[Any, str, dict[str, str]]:
    """A versioned bucket with three objects, backed up; returns the adapter, its ARN and the version ids."""
    s3 = boto3.client("s3", region_name=REGION)
    vault_bucket(Place(*HOME))
    s3.create_bucket(Bucket="photos-prod")
    s3.put_bucket_versioning(Bucket="photos-prod", VersioningConfiguration={"Status": "Enabled"})
    versions = {k: s3.put_object(Bucket="photos-prod", Key=k, Body=v.encode())["VersionId"] for k, v in PHOTOS.items()}
    source = s3_adapter(Place(*HOME))
    source.start_backup("arn:aws:s3:::photos-prod", "JOB-1", {})
    clock.tick()
    assert finish(lambda: source.backup_status("JOB-1")).phase.value == "COMPLETED"
    return source, "arn:aws:s3:::photos-prod", versions


def contents(s3: Any, bucket: str) -> dict[str, str]:
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read().decode() for o in listed}


@pytest.mark.parametrize("crossing", CROSSINGS)
def test_given_an_s3_point_when_copied_elsewhere_then_its_objects_are_in_that_vault_bucket_and_restore_after_loss(
    s3_clock: Any, crossing: str
) -> None:
    from lambdas.resources.base import Phase

    # Given a backed-up versioned bucket, and a Strongroom deployment there (its vault storage bucket)
    source, arn, versions = backed_up_bucket(s3_clock)
    there = destination(crossing)
    bucket = vault_bucket(there)
    adapter = s3_adapter(there)

    # When the point is copied there (two objects a slice)
    copy, key = copied(source, adapter, "JOB-1", arn, there)
    assert adapter.backup_status(copy.native_id).phase == Phase.RUNNING
    assert finish(lambda: adapter.backup_status(copy.native_id)).phase == Phase.COMPLETED

    # Then every object's data is in that vault bucket under the copy's prefix, encrypted with the vault key
    assert adapter.find_backup(arn, "COPY-1") == copy
    remote = there.client("s3")
    prefix = "recovery-points/s3/COPY-1/data/"
    data = [o["Key"] for o in remote.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]]
    assert len(data) == 3
    for item in data:
        head = remote.head_object(Bucket=bucket, Key=item)
        assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", key)
    assert sorted(remote.get_object(Bucket=bucket, Key=k)["Body"].read().decode() for k in data) == sorted(
        PHOTOS.values()
    )

    # And when the customer's versions are gone for good, a restore from the copy still gives the content back
    s3 = boto3.client("s3", region_name=REGION)
    for object_key, version in versions.items():
        s3.delete_object(Bucket="photos-prod", Key=object_key, VersionId=version)
    metadata = {**adapter.restore_metadata(copy.native_id, None), "DestinationBucketName": "photos-dr"}
    assert metadata["NewBucket"] == "false"
    restore = adapter.start_restore(copy.native_id, "RESTORE-1", {**metadata, "NewBucket": "true"})
    assert finish(lambda: adapter.restore_status(restore)).phase == Phase.COMPLETED
    assert contents(remote, "photos-dr") == PHOTOS

    # And deleting the copy deletes its data
    adapter.delete_backup(copy.native_id)
    assert remote.list_objects_v2(Bucket=bucket, Prefix="recovery-points/s3/COPY-1/").get("KeyCount") == 0
    assert adapter.find_backup(arn, "COPY-1") is None


def test_given_a_version_deleted_before_the_copy_when_copied_then_the_copy_fails_naming_it_and_keeps_no_data(
    s3_clock: Any,
) -> None:
    from lambdas.resources.base import Phase

    source, arn, versions = backed_up_bucket(s3_clock)
    boto3.client("s3", region_name=REGION).delete_object(Bucket="photos-prod", Key="d.txt", VersionId=versions["d.txt"])
    there = destination("other-region")
    bucket = vault_bucket(there)
    adapter = s3_adapter(there)

    copy, _ = copied(source, adapter, "JOB-1", arn, there)
    progress = finish(lambda: adapter.backup_status(copy.native_id))

    assert progress.phase == Phase.FAILED
    assert "1 of 3 objects could not be copied" in (progress.message or "") and "d.txt" in (progress.message or "")
    keys = [o["Key"] for o in there.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == ["recovery-points/s3/COPY-1/backup.json"]


def test_given_a_copy_of_a_copy_when_restored_then_the_content_comes_from_the_first_copys_data(s3_clock: Any) -> None:
    from lambdas.resources.base import CopySource, Phase

    # Given a copy in another Region, and a copy of that copy back in this Region
    source, arn, _ = backed_up_bucket(s3_clock)
    there = destination("other-region")
    vault_bucket(there)
    first = s3_adapter(there)
    copy, _ = copied(source, first, "JOB-1", arn, there)
    finish(lambda: first.backup_status(copy.native_id))
    second = source.copy_in(CopySource(copy.native_id, OTHER_REGION, ACCOUNT, arn), "COPY-2", Place(*HOME).key(), {})
    assert finish(lambda: source.backup_status(second.native_id)).phase == Phase.COMPLETED

    # When the original bucket is gone, the second copy still restores the content
    s3 = boto3.client("s3", region_name=REGION)
    for version in s3.list_object_versions(Bucket="photos-prod")["Versions"]:
        s3.delete_object(Bucket="photos-prod", Key=version["Key"], VersionId=version["VersionId"])
    metadata = {"DestinationBucketName": "photos-back", "NewBucket": "true"}
    restore = source.start_restore(second.native_id, "RESTORE-2", metadata)
    assert finish(lambda: source.restore_status(restore)).phase == Phase.COMPLETED
    assert contents(s3, "photos-back") == PHOTOS


# EFS file systems: the point's objects copied between vault storage buckets


def efs_adapter(place: Place, mounts: Path) -> Any:
    from lambdas.resources.efs.adapter import EfsAdapter
    from lambdas.resources.vault_storage import VaultStorage, default_vault_bucket
    from local.efs_in_process import InProcessMover, LocalMounts

    storage = VaultStorage(place.factory("s3"), default_vault_bucket(place.account, place.region))
    mover = InProcessMover(LocalMounts(mounts), place.factory("s3"))
    return EfsAdapter(place.factory("efs"), place.region, place.account, storage, mover, copy_operations=3)


@pytest.mark.parametrize("crossing", CROSSINGS)
def test_given_an_efs_point_when_copied_elsewhere_then_its_objects_are_in_that_vault_bucket_and_restore_the_files(
    tmp_path: Path, crossing: str
) -> None:
    from lambdas.resources.base import Phase
    from tests.integration.test_efs_adapter import populate, restored_directory, snapshot

    # Given a file system with files, backed up into this deployment's vault bucket
    vault_bucket(Place(*HOME))
    file_system = boto3.client("efs", region_name=REGION).create_file_system(CreationToken="home")
    arn = file_system["FileSystemArn"]
    populate(tmp_path / "here" / file_system["FileSystemId"])
    source = efs_adapter(Place(*HOME), tmp_path / "here")
    source.start_backup(arn, "JOB-1", {})
    assert finish(lambda: source.backup_status("JOB-1")).phase == Phase.COMPLETED
    there = destination(crossing)
    bucket = vault_bucket(there)
    adapter = efs_adapter(there, tmp_path / "there")

    # When the point is copied there (three objects a slice)
    copy, key = copied(source, adapter, "JOB-1", arn, there)
    assert adapter.backup_status(copy.native_id).phase == Phase.RUNNING
    assert finish(lambda: adapter.backup_status(copy.native_id)).phase == Phase.COMPLETED

    # Then the index and every file's contents are in that vault bucket, under the copy's prefix and the vault key
    assert adapter.find_backup(arn, "COPY-1") == copy
    remote = there.client("s3")
    listed = remote.list_objects_v2(Bucket=bucket, Prefix="recovery-points/efs/COPY-1/")["Contents"]
    names = sorted(o["Key"].removeprefix("recovery-points/efs/COPY-1/") for o in listed)
    home_listed = boto3.client("s3", region_name=REGION).list_objects_v2(
        Bucket=f"strongroom-vault-{ACCOUNT}-{REGION}", Prefix="recovery-points/efs/JOB-1/"
    )["Contents"]
    assert names == sorted(o["Key"].removeprefix("recovery-points/efs/JOB-1/") for o in home_listed)
    for item in listed:
        if not item["Key"].endswith("backup.json"):
            head = remote.head_object(Bucket=bucket, Key=item["Key"])
            assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", key)

    # And a restore from the copy into a file system there gives the same files back
    target = there.client("efs").create_file_system(CreationToken="dr")["FileSystemId"]
    metadata = {**adapter.restore_metadata(copy.native_id, None), "file-system-id": target}
    restore = adapter.start_restore(copy.native_id, "RESTORE-1", metadata)
    assert finish(lambda: adapter.restore_status(restore)).phase == Phase.COMPLETED
    restored = snapshot(restored_directory(tmp_path / "there" / target))
    assert restored == snapshot(tmp_path / "here" / file_system["FileSystemId"])

    # And deleting the copy empties its prefix
    adapter.delete_backup(copy.native_id)
    assert remote.list_objects_v2(Bucket=bucket, Prefix="recovery-points/efs/COPY-1/").get("KeyCount") == 0
    assert adapter.find_backup(arn, "COPY-1") is None


def test_given_no_source_point_in_vault_storage_when_an_efs_copy_starts_then_refused_naming_the_bucket(
    tmp_path: Path,
) -> None:
    from lambdas.domain.errors import InvalidRequestException

    vault_bucket(Place(*HOME))
    there = destination("other-region")
    vault_bucket(there)
    arn = f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:file-system/fs-12345678"

    with pytest.raises(InvalidRequestException, match=f"missing from vault storage bucket strongroom-vault-{ACCOUNT}"):
        efs_adapter(there, tmp_path).copy_in(source_of("JOB-9", arn), "COPY-1", there.key(), {})


# Through the copy service: a point of another type copied across accounts, and DynamoDB refused


def deployments() -> tuple[Any, Any]:
    """This account's deployment, able to reach another account's in another Region (as in
    test_copy_across_accounts)."""
    from dataclasses import replace

    from lambdas.common import aws
    from lambdas.resources.catalog import build_adapters
    from lambdas.resources.registry import AdapterRegistry
    from lambdas.services.copy_destinations import AwsCopyDestinations, Destination
    from tests.integration.test_copy_across_accounts import deployment

    home = deployment(ACCOUNT, REGION, None)
    other = deployment(OTHER_ACCOUNT, OTHER_REGION, credentials_of(OTHER_ACCOUNT))
    destinations = AwsCopyDestinations(
        Destination(ACCOUNT, REGION, home.stores, home.adapters),
        aws.client_as,
        lambda factory, region, account: AdapterRegistry(build_adapters(factory, region, account)),
    )
    return replace(home, destinations=destinations), other


def backed_up_point(home: Any, resource_arn: str) -> Any:
    from lambdas.services import backup_service, vault_service
    from lambdas.services.tracking_service import track_jobs

    vault_service.create_vault(home, {"BackupVaultName": "main"}, T0)
    job = backup_service.start_backup_job(
        home, {"BackupVaultName": "main", "ResourceArn": resource_arn, "IamRoleArn": ROLE}, T0
    )
    track_jobs(home, T0 + timedelta(minutes=5))
    done = home.stores.jobs.get_backup_job(job.BackupJobId)
    assert done.RecoveryPointArn, done.StatusMessage
    return home.stores.recovery_points.get(done.RecoveryPointArn)


def test_given_an_rds_point_when_a_copy_job_targets_another_accounts_vault_then_it_completes_there() -> None:
    from lambdas.domain.copies import CopyJobState
    from lambdas.services import copy_service, vault_service
    from lambdas.services.tracking_service import track_jobs

    home, other = deployments()
    _, arn, _ = backed_up_instance()
    point = backed_up_point(home, arn)
    dr = vault_service.create_vault(other, {"BackupVaultName": "dr"}, T0)
    vault_service.put_access_policy(other, "dr", allows_copies_from(home.account))

    job = copy_service.start_copy_job(
        home,
        {
            "RecoveryPointArn": point.RecoveryPointArn,
            "SourceBackupVaultName": "main",
            "DestinationBackupVaultArn": dr.BackupVaultArn,
            "IamRoleArn": ROLE,
        },
        T0 + timedelta(hours=1),
    )
    track_jobs(home, T0 + timedelta(hours=1, minutes=5))

    done = home.stores.jobs.get_copy_job(job.CopyJobId)
    assert done.State == CopyJobState.COMPLETED, done.StatusMessage
    copy = other.stores.recovery_points.get(done.DestinationRecoveryPointArn, "dr")
    assert copy.ResourceType == "RDS" and copy.RestoreMetadata["KmsKeyId"] == dr.EncryptionKeyArn
    [snapshot] = (
        Place(OTHER_ACCOUNT, OTHER_REGION)
        .client("rds")
        .describe_db_snapshots(DBSnapshotIdentifier=copy.NativeBackupId)["DBSnapshots"]
    )
    assert snapshot["KmsKeyId"] == dr.EncryptionKeyArn


def test_given_a_dynamodb_point_when_copied_then_the_job_fails_saying_strongroom_lacks_advanced_backups() -> None:
    from lambdas.domain.copies import CopyJobState
    from lambdas.resources.base import CopyCapable
    from lambdas.services import copy_service, vault_service

    home, _ = deployments()
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(
        TableName="orders",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    point = backed_up_point(home, f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders")
    offsite = vault_service.create_vault(home, {"BackupVaultName": "offsite"}, T0)

    job = copy_service.start_copy_job(
        home,
        {
            "RecoveryPointArn": point.RecoveryPointArn,
            "SourceBackupVaultName": "main",
            "DestinationBackupVaultArn": offsite.BackupVaultArn,
            "IamRoleArn": ROLE,
        },
        T0 + timedelta(hours=1),
    )

    assert not isinstance(home.adapters.for_type("DynamoDB"), CopyCapable)
    assert job.State == CopyJobState.FAILED
    message = job.StatusMessage or ""
    assert "Strongroom cannot copy DynamoDB recovery points" in message
    assert "advanced DynamoDB backup features, which Strongroom does not implement" in message
    assert "global tables" in message and "ExportTableToPointInTime" in message


def test_given_the_catalog_when_built_then_every_type_but_dynamodb_and_redshift_can_copy() -> None:
    # DynamoDB needs AWS Backup's advanced DynamoDB backups; Redshift has no call that copies a manual snapshot
    from lambdas.resources.base import CopyCapable
    from lambdas.resources.catalog import build_adapters

    adapters = build_adapters(lambda service: lambda: None, REGION, ACCOUNT)

    copyable = {adapter.resource_type for adapter in adapters if isinstance(adapter, CopyCapable)}
    assert {adapter.resource_type for adapter in adapters} - copyable == {"DynamoDB", "Redshift"}
