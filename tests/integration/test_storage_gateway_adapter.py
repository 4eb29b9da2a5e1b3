"""The Storage Gateway adapter over the in-process fake (moto has no Storage Gateway), whose snapshots are real
EBS snapshots in moto's EC2: volumes are described and listed, snapshotted with the job id, found again,
deleted idempotently, and restored as new cached or stored gateway volumes or as EBS volumes. The fake itself
is held to botocore's model: the parameters boto3 would refuse, the response shapes boto3 would parse."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, ParamValidationError

from tests.integration.builders import ACCOUNT, REGION

GIB = 1024**3


@pytest.fixture
def ec2() -> Any:
    return boto3.client("ec2", region_name=REGION)


@pytest.fixture
def backend() -> Any:
    from local.fakes.storagegateway import FakeStorageGatewayBackend

    return FakeStorageGatewayBackend(REGION, ACCOUNT)


@pytest.fixture
def sgw(backend) -> Any:
    from lambdas.common import aws
    from local.fakes.storagegateway import FakeStorageGatewayClient

    return FakeStorageGatewayClient(backend, lambda: aws.client("ec2"))


@pytest.fixture
def adapter(sgw) -> Any:
    from lambdas.common import aws
    from lambdas.resources.storage_gateway.adapter import StorageGatewayAdapter

    return StorageGatewayAdapter(lambda: sgw, lambda: aws.client("ec2"), REGION, ACCOUNT)


def activate(sgw: Any, kind: str = "CACHED", name: str = "branch-office") -> str:
    return str(
        sgw.activate_gateway(
            ActivationKey="AAAAA-BBBBB-CCCCC-DDDDD-EEEEE",
            GatewayName=name,
            GatewayTimezone="GMT",
            GatewayRegion=REGION,
            GatewayType=kind,
        )["GatewayARN"]
    )


def interface(sgw: Any, gateway_arn: str) -> str:
    return str(sgw.describe_gateway_information(GatewayARN=gateway_arn)["GatewayNetworkInterfaces"][0]["Ipv4Address"])


def cached_volume(
    sgw: Any, gateway_arn: str, *, gib: int = 10, target: str = "data", tags: dict[str, str] | None = None, **extra: Any
) -> str:
    return str(
        sgw.create_cached_iscsi_volume(
            GatewayARN=gateway_arn,
            VolumeSizeInBytes=gib * GIB,
            TargetName=target,
            NetworkInterfaceId=interface(sgw, gateway_arn),
            ClientToken=f"token-{target}",
            Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
            **extra,
        )["VolumeARN"]
    )


def stored_volume(sgw: Any, gateway_arn: str, *, target: str = "data", disk: int = 0) -> str:
    disk_id = sgw.list_local_disks(GatewayARN=gateway_arn)["Disks"][disk]["DiskId"]
    return str(
        sgw.create_stored_iscsi_volume(
            GatewayARN=gateway_arn,
            DiskId=disk_id,
            PreserveExistingData=False,
            TargetName=target,
            NetworkInterfaceId=interface(sgw, gateway_arn),
        )["VolumeARN"]
    )


def tags_of(resource: dict[str, Any]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in resource.get("Tags", [])}


def gateway_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["error"]["errorCode"])


# the fake speaks Storage Gateway's model


def test_given_the_fake_when_every_call_answers_then_each_response_fits_botocores_output_shape(sgw) -> None:
    import botocore.session
    from botocore.validate import ParamValidator

    model = botocore.session.get_session().get_service_model("storagegateway")
    cached_gateway, stored_gateway = activate(sgw), activate(sgw, "STORED", "plant")
    volume = cached_volume(sgw, cached_gateway, tags={"Name": "data"})
    stored = stored_volume(sgw, stored_gateway)
    answers = {
        "DescribeGatewayInformation": sgw.describe_gateway_information(GatewayARN=cached_gateway),
        "ListGateways": sgw.list_gateways(),
        "ListLocalDisks": sgw.list_local_disks(GatewayARN=stored_gateway),
        "ListVolumes": sgw.list_volumes(GatewayARN=cached_gateway),
        "DescribeCachediSCSIVolumes": sgw.describe_cached_iscsi_volumes(VolumeARNs=[volume]),
        "DescribeStorediSCSIVolumes": sgw.describe_stored_iscsi_volumes(VolumeARNs=[stored]),
        "ListTagsForResource": sgw.list_tags_for_resource(ResourceARN=volume),
        "CreateSnapshot": sgw.create_snapshot(VolumeARN=volume, SnapshotDescription="nightly"),
        "DeleteVolume": sgw.delete_volume(VolumeARN=stored),
    }

    for operation, answer in answers.items():
        shape = model.operation_model(operation).output_shape
        report = ParamValidator().validate(answer, shape)
        assert not report.has_errors(), f"{operation}: {report.generate_report()}"
        assert set(answer) <= set(shape.members), operation


@pytest.mark.parametrize(
    ("call", "params"),
    [
        ("create_snapshot", {"VolumeARN": "vol-1"}),  # too short, and no SnapshotDescription
        ("list_volumes", {"GatewayArn": "x"}),  # misspelt parameter
        ("create_cached_iscsi_volume", {"GatewayARN": "a" * 50, "VolumeSizeInBytes": 1, "TargetName": "UPPER"}),
    ],
)
def test_given_parameters_boto3_would_refuse_when_sent_to_the_fake_then_it_refuses_them_too(sgw, call, params) -> None:
    with pytest.raises(ParamValidationError):
        getattr(sgw, call)(**params)


def test_given_a_cached_volume_when_the_fake_snapshots_it_then_ec2_holds_a_real_tagged_snapshot(sgw, ec2) -> None:
    volume = cached_volume(sgw, activate(sgw), gib=10)

    snapshot_id = sgw.create_snapshot(
        VolumeARN=volume, SnapshotDescription="before upgrade", Tags=[{"Key": "why", "Value": "upgrade"}]
    )["SnapshotId"]

    snapshot = ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]
    assert (snapshot["Description"], snapshot["VolumeSize"], snapshot["State"]) == ("before upgrade", 10, "completed")
    assert tags_of(snapshot) == {"why": "upgrade"}


def test_given_no_such_volume_when_the_fake_is_asked_then_invalid_gateway_request_with_volume_not_found(
    sgw,
) -> None:
    gateway = activate(sgw)

    with pytest.raises(ClientError, match="InvalidGatewayRequestException") as error:
        sgw.create_snapshot(VolumeARN=f"{gateway}/volume/vol-0000AAAA", SnapshotDescription="x")
    assert gateway_code(error) == "VolumeNotFound"


def test_given_a_client_token_used_twice_when_a_cached_volume_is_created_then_one_volume_exists(sgw) -> None:
    gateway = activate(sgw)

    first = cached_volume(sgw, gateway, target="data")
    second = cached_volume(sgw, gateway, target="data")

    assert first == second
    assert len(sgw.list_volumes(GatewayARN=gateway)["VolumeInfos"]) == 1


# describe


def test_given_a_tagged_cached_volume_when_described_then_name_size_tags_and_key_are_reported(sgw, adapter) -> None:
    key_arn = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    gateway = activate(sgw)
    arn = cached_volume(
        sgw, gateway, gib=20, tags={"Name": "ledger", "team": "finance"}, KMSEncrypted=True, KMSKey=key_arn
    )

    info = adapter.describe(arn)

    assert info.arn == arn
    assert info.resource_type == "Storage Gateway"
    assert info.name == "ledger"
    assert info.size_bytes == 20 * GIB
    assert info.tags == {"Name": "ledger", "team": "finance"}
    assert info.encryption_key_arn == key_arn


def test_given_an_untagged_stored_volume_when_described_then_named_by_its_volume_id(sgw, adapter) -> None:
    arn = stored_volume(sgw, activate(sgw, "STORED"))

    info = adapter.describe(arn)

    assert info.name == arn.rsplit("/", 1)[1]
    assert info.size_bytes == 100 * GIB


def test_given_a_gone_volume_or_gateway_when_described_then_resource_not_found(sgw, adapter) -> None:
    from lambdas.domain.errors import ResourceNotFoundException

    gateway = activate(sgw)
    with pytest.raises(ResourceNotFoundException, match="vol-0000AAAA"):
        adapter.describe(f"{gateway}/volume/vol-0000AAAA")
    with pytest.raises(ResourceNotFoundException, match="gateway was not found"):
        adapter.describe(f"arn:aws:storagegateway:{REGION}:{ACCOUNT}:gateway/sgw-0000AAAA/volume/vol-0000AAAA")


def test_given_a_bare_gateway_arn_when_typed_or_described_then_invalid_parameter(sgw, adapter) -> None:
    from lambdas.domain.arns import resource_type_of
    from lambdas.domain.errors import InvalidParameterValueException

    gateway = activate(sgw)
    volume = cached_volume(sgw, gateway)

    assert resource_type_of(volume) == "Storage Gateway"
    with pytest.raises(InvalidParameterValueException, match="backs up volumes"):
        resource_type_of(gateway)
    with pytest.raises(InvalidParameterValueException, match="volume ARN"):
        adapter.describe(gateway)


def test_given_volumes_on_two_gateways_when_listed_then_every_volume_and_no_gateway_is_a_resource(sgw, adapter) -> None:
    cached_gateway, stored_gateway = activate(sgw), activate(sgw, "STORED", "plant")
    volumes = {cached_volume(sgw, cached_gateway, target="a"), cached_volume(sgw, cached_gateway, target="b")}
    volumes.add(stored_volume(sgw, stored_gateway))

    assert {info.arn for info in adapter.list_resources()} == volumes


# backup


def test_given_a_volume_when_a_backup_starts_then_an_ebs_snapshot_carries_the_job_id_and_tags(
    sgw, ec2, adapter
) -> None:
    from lambdas.resources.base import JOB_TAG

    arn = cached_volume(sgw, activate(sgw), gib=10)

    backup = adapter.start_backup(arn, "JOB-1", {"owner": "ops"})

    assert backup.recovery_point_arn == f"arn:aws:ec2:{REGION}::snapshot/{backup.native_id}"
    snapshot = ec2.describe_snapshots(SnapshotIds=[backup.native_id])["Snapshots"][0]
    assert tags_of(snapshot) == {"owner": "ops", JOB_TAG: "JOB-1"}
    assert snapshot["Description"].endswith(f"of {arn}")


def test_given_backups_of_two_jobs_when_found_by_job_id_then_each_job_gets_its_own(sgw, adapter) -> None:
    arn = cached_volume(sgw, activate(sgw))
    first = adapter.start_backup(arn, "JOB-1", {})
    second = adapter.start_backup(arn, "JOB-2", {})

    assert adapter.find_backup(arn, "JOB-1") == first
    assert adapter.find_backup(arn, "JOB-2") == second
    assert adapter.find_backup(arn, "JOB-3") is None


def test_given_a_gone_volume_when_a_backup_starts_then_resource_not_found_and_no_snapshot(sgw, ec2, adapter) -> None:
    from lambdas.domain.errors import ResourceNotFoundException

    gateway = activate(sgw)

    with pytest.raises(ResourceNotFoundException):
        adapter.start_backup(f"{gateway}/volume/vol-0000AAAA", "JOB-1", {})
    assert ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"] == []


def test_given_a_volume_still_restoring_when_a_backup_starts_then_the_gateways_error_surfaces_for_a_retry(
    sgw, backend, ec2, adapter
) -> None:
    arn = cached_volume(sgw, activate(sgw))
    backend.set_volume_status(arn, "RESTORING", 30.0)

    with pytest.raises(ClientError) as error:
        adapter.start_backup(arn, "JOB-1", {})
    assert gateway_code(error) == "VolumeNotReady"
    assert ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"] == []


def test_given_a_snapshot_when_its_status_is_read_then_completed_with_the_volume_size(sgw, adapter) -> None:
    from lambdas.resources.base import Phase

    backup = adapter.start_backup(cached_volume(sgw, activate(sgw), gib=12), "JOB-1", {})

    progress = adapter.backup_status(backup.native_id)

    assert (progress.phase, progress.percent_done, progress.size_bytes) == (Phase.COMPLETED, "100.0", 12 * GIB)


def test_given_a_snapshot_when_deleted_twice_then_it_is_gone_and_the_second_delete_is_fine(sgw, ec2, adapter) -> None:
    from lambdas.resources.base import Phase

    arn = cached_volume(sgw, activate(sgw))
    backup = adapter.start_backup(arn, "JOB-1", {})

    adapter.delete_backup(backup.native_id)
    adapter.delete_backup(backup.native_id)

    with pytest.raises(ClientError, match=r"InvalidSnapshot\.NotFound"):
        ec2.describe_snapshots(SnapshotIds=[backup.native_id])
    assert adapter.find_backup(arn, "JOB-1") is None
    assert adapter.backup_status(backup.native_id).phase == Phase.FAILED


# restore metadata


def test_given_a_cached_volume_snapshot_when_restore_metadata_is_read_then_it_targets_a_new_volume_on_its_gateway(
    sgw, adapter
) -> None:
    gateway = activate(sgw)
    arn = cached_volume(sgw, gateway, gib=10)
    backup = adapter.start_backup(arn, "JOB-1", {})

    metadata = adapter.restore_metadata(backup.native_id, adapter.describe(arn))

    assert metadata["restoreTarget"] == "gateway-volume"
    assert metadata["gatewayArn"] == gateway
    assert metadata["volumeType"] == "CACHED"
    assert metadata["volumeSizeInBytes"] == str(10 * GIB)
    assert metadata["networkInterfaceId"] == interface(sgw, gateway)
    assert metadata["sourceVolumeArn"] == arn
    adapter.check_restore(backup.native_id, metadata)


def test_given_no_source_info_when_restore_metadata_is_read_then_the_snapshot_description_names_the_volume(
    sgw, adapter
) -> None:
    gateway = activate(sgw)
    arn = cached_volume(sgw, gateway)
    backup = adapter.start_backup(arn, "JOB-1", {})

    metadata = adapter.restore_metadata(backup.native_id, None)

    assert (metadata["gatewayArn"], metadata["sourceVolumeArn"]) == (gateway, arn)


def test_given_a_stored_volume_snapshot_when_checked_as_read_then_a_free_disk_must_be_chosen(sgw, adapter) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    arn = stored_volume(sgw, activate(sgw, "STORED"))
    backup = adapter.start_backup(arn, "JOB-1", {})

    metadata = adapter.restore_metadata(backup.native_id, None)

    assert metadata["volumeType"] == "STORED"
    with pytest.raises(InvalidParameterValueException, match="missing: diskId"):
        adapter.check_restore(backup.native_id, metadata)


def test_given_the_source_volume_is_gone_when_restore_metadata_is_read_then_it_falls_back_to_an_ebs_volume(
    sgw, adapter
) -> None:
    arn = cached_volume(sgw, activate(sgw), gib=8)
    backup = adapter.start_backup(arn, "JOB-1", {})
    sgw.delete_volume(VolumeARN=arn)

    metadata = adapter.restore_metadata(backup.native_id, None)

    assert metadata["restoreTarget"] == "ebs-volume"
    assert metadata["availabilityZone"] == f"{REGION}a"
    assert metadata["volumeSizeInBytes"] == str(8 * GIB)
    adapter.check_restore(backup.native_id, metadata)


# restore


def test_given_a_snapshot_when_restored_to_the_gateway_then_a_new_cached_volume_is_made_from_it_and_found(
    sgw, ec2, adapter
) -> None:
    from lambdas.resources.base import RESTORE_TAG, Phase

    gateway = activate(sgw)
    source = cached_volume(sgw, gateway, gib=10)
    backup = adapter.start_backup(source, "JOB-1", {})
    metadata = adapter.restore_metadata(backup.native_id, None)

    restore = adapter.start_restore(backup.native_id, "RESTORE-1", metadata)

    assert restore.native_id == restore.created_resource_arn != source
    assert restore.created_resource_arn.startswith(f"{gateway}/volume/vol-")
    described = sgw.describe_cached_iscsi_volumes(VolumeARNs=[restore.native_id])["CachediSCSIVolumes"][0]
    assert described["SourceSnapshotId"] == backup.native_id
    assert described["TargetName"] == "strongroom-restore-restore-1"
    assert tags_of(sgw.list_tags_for_resource(ResourceARN=restore.native_id)) == {RESTORE_TAG: "RESTORE-1"}
    backing = ec2.describe_volumes(Filters=[{"Name": "snapshot-id", "Values": [backup.native_id]}])["Volumes"]
    assert len(backing) == 1  # the restored volume's blocks come from the snapshot
    assert adapter.find_restore(backup.native_id, "RESTORE-1", metadata) == restore
    assert adapter.find_restore(backup.native_id, "RESTORE-2", metadata) is None
    progress = adapter.restore_status(restore)
    assert (progress.phase, progress.size_bytes) == (Phase.COMPLETED, 10 * GIB)


def test_given_a_restore_started_twice_by_one_job_when_retried_then_one_cached_volume_exists(sgw, adapter) -> None:
    gateway = activate(sgw)
    backup = adapter.start_backup(cached_volume(sgw, gateway), "JOB-1", {})
    metadata = adapter.restore_metadata(backup.native_id, None)

    first = adapter.start_restore(backup.native_id, "RESTORE-1", metadata)
    second = adapter.start_restore(backup.native_id, "RESTORE-1", metadata)

    assert first == second
    assert len(sgw.list_volumes(GatewayARN=gateway)["VolumeInfos"]) == 2


def test_given_a_stored_volume_snapshot_when_restored_onto_a_free_disk_then_a_stored_volume_is_made(
    sgw, adapter
) -> None:
    from lambdas.resources.base import Phase

    gateway = activate(sgw, "STORED")
    backup = adapter.start_backup(stored_volume(sgw, gateway, disk=0), "JOB-1", {})
    free_disk = sgw.list_local_disks(GatewayARN=gateway)["Disks"][1]["DiskId"]
    metadata = {**adapter.restore_metadata(backup.native_id, None), "diskId": free_disk}

    restore = adapter.start_restore(backup.native_id, "RESTORE-1", metadata)

    described = sgw.describe_stored_iscsi_volumes(VolumeARNs=[restore.native_id])["StorediSCSIVolumes"][0]
    assert (described["VolumeDiskId"], described["SourceSnapshotId"]) == (free_disk, backup.native_id)
    assert adapter.restore_status(restore).phase == Phase.COMPLETED


def test_given_a_disk_already_in_use_when_restoring_a_stored_volume_then_invalid_parameter_and_no_volume(
    sgw, adapter
) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    gateway = activate(sgw, "STORED")
    source = stored_volume(sgw, gateway, disk=0)
    backup = adapter.start_backup(source, "JOB-1", {})
    used_disk = sgw.list_local_disks(GatewayARN=gateway)["Disks"][0]["DiskId"]
    metadata = {**adapter.restore_metadata(backup.native_id, None), "diskId": used_disk}

    with pytest.raises(InvalidParameterValueException, match="STORED VOLUME"):
        adapter.start_restore(backup.native_id, "RESTORE-1", metadata)
    assert [v["VolumeARN"] for v in sgw.list_volumes(GatewayARN=gateway)["VolumeInfos"]] == [source]


def test_given_a_snapshot_when_restored_to_ebs_then_a_new_tagged_ebs_volume_is_made_from_it_and_found(
    sgw, ec2, adapter
) -> None:
    from lambdas.resources.base import RESTORE_TAG, Phase

    backup = adapter.start_backup(cached_volume(sgw, activate(sgw), gib=10), "JOB-1", {})
    metadata = {**adapter.restore_metadata(backup.native_id, None), "restoreTarget": "ebs-volume"}

    restore = adapter.start_restore(backup.native_id, "RESTORE-1", metadata)

    assert restore.created_resource_arn == f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{restore.native_id}"
    volume = ec2.describe_volumes(VolumeIds=[restore.native_id])["Volumes"][0]
    assert (volume["SnapshotId"], volume["Size"], volume["AvailabilityZone"]) == (backup.native_id, 10, f"{REGION}a")
    assert tags_of(volume) == {RESTORE_TAG: "RESTORE-1"}
    assert adapter.find_restore(backup.native_id, "RESTORE-1", metadata) == restore
    assert adapter.restore_status(restore).phase == Phase.COMPLETED


@pytest.mark.parametrize(
    ("status", "progress", "phase", "percent"),
    [
        ("RESTORING", 42.5, "RUNNING", "42.5"),
        ("BOOTSTRAPPING", None, "RUNNING", "0.0"),
        ("IRRECOVERABLE", None, "FAILED", None),
    ],
)
def test_given_a_restored_gateway_volume_in_each_status_when_polled_then_the_phase_follows(
    sgw, backend, adapter, status, progress, phase, percent
) -> None:
    backup = adapter.start_backup(cached_volume(sgw, activate(sgw)), "JOB-1", {})
    restore = adapter.start_restore(backup.native_id, "RESTORE-1", adapter.restore_metadata(backup.native_id, None))
    backend.set_volume_status(restore.native_id, status, progress)

    polled = adapter.restore_status(restore)

    assert (polled.phase, polled.percent_done) == (phase, percent)


def test_given_the_restored_volume_is_deleted_when_polled_then_the_restore_failed(sgw, adapter) -> None:
    from lambdas.resources.base import Phase

    backup = adapter.start_backup(cached_volume(sgw, activate(sgw)), "JOB-1", {})
    restore = adapter.start_restore(backup.native_id, "RESTORE-1", adapter.restore_metadata(backup.native_id, None))
    sgw.delete_volume(VolumeARN=restore.native_id)

    polled = adapter.restore_status(restore)

    assert polled.phase == Phase.FAILED
    assert "disappeared" in (polled.message or "")


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"restoreTarget": "tape"}, "restoreTarget must be"),
        ({"restoreTarget": "ebs-volume", "availabilityZone": ""}, "missing: availabilityZone"),
        ({"gatewayArn": ""}, "missing: gatewayArn"),
        ({"networkInterfaceId": ""}, "missing: networkInterfaceId"),
        ({"volumeType": "VTL"}, "volumeType must be CACHED or STORED"),
        ({"volumeType": "STORED"}, "missing: diskId"),
        ({"gatewayArn": "arn:aws:storagegateway:us-east-1:123456789012:tape/T1"}, "not a gateway ARN"),
        ({"gatewayArn": f"arn:aws:storagegateway:{REGION}:{ACCOUNT}:gateway/sgw-0000AAAA"}, "does not exist"),
        ({"targetName": "Has Capitals"}, "targetName"),
        ({"volumeSizeInBytes": "1024"}, "at least 1 GiB"),
        ({"volumeType": "STORED", "diskId": "disk-0"}, "is a CACHED volume gateway"),
    ],
)
def test_given_bad_restore_metadata_when_checked_then_invalid_parameter_and_nothing_is_made(
    sgw, ec2, adapter, change, complaint
) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    gateway = activate(sgw)
    backup = adapter.start_backup(cached_volume(sgw, gateway), "JOB-1", {})
    metadata = {**adapter.restore_metadata(backup.native_id, None), **change}
    volumes_before = len(ec2.describe_volumes()["Volumes"])

    with pytest.raises(InvalidParameterValueException, match=complaint):
        adapter.check_restore(backup.native_id, metadata)
    with pytest.raises(InvalidParameterValueException, match=complaint):
        adapter.start_restore(backup.native_id, "RESTORE-1", metadata)
    assert len(sgw.list_volumes(GatewayARN=gateway)["VolumeInfos"]) == 1
    assert len(ec2.describe_volumes()["Volumes"]) == volumes_before


def test_given_a_cached_size_smaller_than_the_snapshot_when_restored_then_the_gateway_refusal_is_invalid_parameter(
    sgw, adapter
) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    gateway = activate(sgw)
    backup = adapter.start_backup(cached_volume(sgw, gateway, gib=10), "JOB-1", {})
    metadata = {**adapter.restore_metadata(backup.native_id, None), "volumeSizeInBytes": str(5 * GIB)}

    with pytest.raises(InvalidParameterValueException, match="smaller than snapshot"):
        adapter.start_restore(backup.native_id, "RESTORE-1", metadata)


# the local runtime's factory


def test_given_two_clients_from_the_fake_factory_when_one_makes_a_gateway_then_the_other_sees_it() -> None:
    from lambdas.common import aws
    from local.fakes.storagegateway import fake_storagegateway, reset_backends

    reset_backends()
    factory = fake_storagegateway(lambda: aws.client("ec2"), REGION, ACCOUNT)
    gateway = activate(factory())

    assert [g["GatewayARN"] for g in factory().list_gateways()["Gateways"]] == [gateway]
    assert isinstance(factory().describe_gateway_information(GatewayARN=gateway)["GatewayId"], str)
    reset_backends()
    assert factory().list_gateways()["Gateways"] == []
