"""The FSx adapter against moto's FSx, through `MotoFsxGaps` where moto falls short (no
CreateFileSystemFromBackup, backups stuck in CREATING, no Type/FileSystem on a backup): file systems are
described and listed, backed up with the job id, found again, deleted idempotently, and restored as new file
systems with the backed-up configuration. Lifecycles moto never reaches are read from a scripted client."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.integration.builders import ACCOUNT, REGION

GIB = 1024**3
SUBNET = "subnet-0123456789abcdef0"
OTHER_SUBNET = "subnet-0fedcba9876543210"
SECURITY_GROUP = "sg-0123456789abcdef0"
CONFIGURATIONS: dict[str, dict[str, Any]] = {
    "LUSTRE": {"LustreConfiguration": {"DeploymentType": "PERSISTENT_2", "PerUnitStorageThroughput": 125}},
    "WINDOWS": {"WindowsConfiguration": {"ThroughputCapacity": 32, "DeploymentType": "SINGLE_AZ_2"}},
    "OPENZFS": {"OpenZFSConfiguration": {"DeploymentType": "SINGLE_AZ_1", "ThroughputCapacity": 64}},
    "ONTAP": {"OntapConfiguration": {"DeploymentType": "SINGLE_AZ_1", "ThroughputCapacity": 128}},
}


@pytest.fixture
def fsx() -> Any:
    """The FSx a user sees on the emulator: moto with its gaps filled."""
    from local.fakes.fsx import MotoFsxGaps

    return MotoFsxGaps(boto3.client("fsx", region_name=REGION))


@pytest.fixture
def adapter() -> Any:
    from lambdas.common import aws
    from lambdas.resources.fsx.adapter import FsxAdapter
    from local.fakes.fsx import MotoFsxGaps

    return FsxAdapter(lambda: MotoFsxGaps(aws.client("fsx")), REGION, ACCOUNT)


def make_file_system(
    fsx: Any, kind: str = "LUSTRE", *, capacity: int = 1200, tags: dict[str, str] | None = None, **extra: Any
) -> tuple[str, str]:
    request: dict[str, Any] = {
        "FileSystemType": kind,
        "StorageCapacity": capacity,
        "SubnetIds": [SUBNET],
        "SecurityGroupIds": [SECURITY_GROUP],
        **CONFIGURATIONS[kind],
        **extra,
    }
    if tags:
        request["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    file_system_id = fsx.create_file_system(**request)["FileSystem"]["FileSystemId"]
    return file_system_id, f"arn:aws:fsx:{REGION}:{ACCOUNT}:file-system/{file_system_id}"


def tags_of(resource: dict[str, Any]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in resource.get("Tags", [])}


class ScriptedFsx:
    """An FSx that answers with a fixed backup or file system, for lifecycles the emulator never reaches."""

    def __init__(self, backup: dict[str, Any] | None = None, file_system: dict[str, Any] | None = None) -> None:
        self.backup = backup
        self.file_system = file_system
        self.delete_error: str | None = None

    def describe_backups(self, **_: Any) -> dict[str, Any]:
        return {"Backups": [self.backup] if self.backup else []}

    def describe_file_systems(self, **_: Any) -> dict[str, Any]:
        return {"FileSystems": [self.file_system] if self.file_system else []}

    def delete_backup(self, **params: Any) -> dict[str, Any]:
        if self.delete_error:
            raise ClientError({"Error": {"Code": self.delete_error, "Message": "busy"}}, "DeleteBackup")
        return {"BackupId": params["BackupId"], "Lifecycle": "DELETED"}


def scripted(fake: ScriptedFsx) -> Any:
    from lambdas.resources.fsx.adapter import FsxAdapter

    return FsxAdapter(lambda: fake, REGION, ACCOUNT)


# the emulator's gaps are real (when moto closes one, MotoFsxGaps should lose that part)


def test_given_plain_moto_when_restoring_from_a_backup_then_moto_still_lacks_the_call() -> None:
    raw = boto3.client("fsx", region_name=REGION)
    file_system_id = raw.create_file_system(FileSystemType="LUSTRE", StorageCapacity=1200, SubnetIds=[SUBNET])[
        "FileSystem"
    ]["FileSystemId"]
    backup = raw.create_backup(FileSystemId=file_system_id)["Backup"]

    assert backup["Lifecycle"] == "CREATING"
    assert "FileSystem" not in backup
    with pytest.raises(NotImplementedError):
        raw.create_file_system_from_backup(BackupId=backup["BackupId"], SubnetIds=[SUBNET])


def test_given_the_gap_filler_when_an_unknown_backup_is_described_then_backup_not_found_as_fsx_answers(fsx) -> None:
    with pytest.raises(ClientError, match="BackupNotFound"):
        fsx.describe_backups(BackupIds=["backup-0123456789abcdef0"])
    with pytest.raises(ClientError, match="FileSystemNotFound"):
        fsx.describe_file_systems(FileSystemIds=["fs-0123456789abcdef0"])


# describe


def test_given_a_tagged_lustre_file_system_when_described_then_name_tags_size_and_key_are_reported(
    fsx, adapter
) -> None:
    key_arn = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    _, arn = make_file_system(fsx, capacity=2400, tags={"Name": "scratch", "team": "hpc"}, KmsKeyId=key_arn)

    info = adapter.describe(arn)

    assert info.arn == arn
    assert info.resource_type == "FSx"
    assert info.name == "scratch"
    assert info.tags == {"Name": "scratch", "team": "hpc"}
    assert info.size_bytes == 2400 * GIB
    assert info.encryption_key_arn == key_arn
    assert info.is_encrypted is True


def test_given_an_untagged_file_system_when_described_then_it_is_named_by_its_id(fsx, adapter) -> None:
    file_system_id, arn = make_file_system(fsx, "WINDOWS", capacity=32)

    info = adapter.describe(arn)

    assert info.name == file_system_id
    assert info.tags == {}
    assert info.size_bytes == 32 * GIB


def test_given_no_such_file_system_when_described_then_resource_not_found(adapter) -> None:
    from lambdas.domain.errors import ResourceNotFoundException

    with pytest.raises(ResourceNotFoundException, match="fs-0123456789abcdef0"):
        adapter.describe(f"arn:aws:fsx:{REGION}:{ACCOUNT}:file-system/fs-0123456789abcdef0")


@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:fsx:{REGION}:{ACCOUNT}:backup/backup-0123456789abcdef0",
        f"arn:aws:fsx:{REGION}:{ACCOUNT}:file-system/not-a-file-system",
        f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-0123456789abcdef0",
    ],
)
def test_given_an_arn_that_names_no_file_system_when_described_then_invalid_parameter(adapter, arn) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    with pytest.raises(InvalidParameterValueException, match="Invalid FSx file system ARN"):
        adapter.describe(arn)


def test_given_file_systems_of_each_kind_when_listed_then_every_one_is_a_resource(fsx, adapter) -> None:
    arns = {make_file_system(fsx, kind)[1] for kind in ("LUSTRE", "WINDOWS", "OPENZFS")}

    assert {info.arn for info in adapter.list_resources()} == arns


def test_given_the_arn_mapping_when_an_fsx_arn_is_typed_then_it_is_fsx() -> None:
    from lambdas.domain.arns import resource_type_of

    assert resource_type_of(f"arn:aws:fsx:{REGION}:{ACCOUNT}:file-system/fs-0123456789abcdef0") == "FSx"


# backup


def test_given_a_file_system_when_a_backup_starts_then_an_fsx_backup_carries_the_job_id_and_tags(fsx, adapter) -> None:
    from lambdas.resources.base import JOB_TAG

    file_system_id, arn = make_file_system(fsx)

    backup = adapter.start_backup(arn, "JOB-1", {"owner": "team-a"})

    assert backup.native_id.startswith("backup-")
    assert backup.recovery_point_arn == f"arn:aws:fsx:{REGION}:{ACCOUNT}:backup/{backup.native_id}"
    described = fsx.describe_backups(BackupIds=[backup.native_id])["Backups"][0]
    assert tags_of(described) == {"owner": "team-a", JOB_TAG: "JOB-1"}
    assert described["FileSystem"]["FileSystemId"] == file_system_id


def test_given_backups_of_two_jobs_when_found_by_job_id_then_each_job_gets_its_own(fsx, adapter) -> None:
    _, arn = make_file_system(fsx)
    _, other_arn = make_file_system(fsx)
    first = adapter.start_backup(arn, "JOB-1", {})
    second = adapter.start_backup(arn, "JOB-2", {})

    assert adapter.find_backup(arn, "JOB-1") == first
    assert adapter.find_backup(arn, "JOB-2") == second
    assert adapter.find_backup(arn, "JOB-3") is None
    assert adapter.find_backup(other_arn, "JOB-1") is None  # the job's backup is of the other file system


def test_given_no_such_file_system_when_a_backup_starts_then_resource_not_found(adapter) -> None:
    from lambdas.domain.errors import ResourceNotFoundException

    with pytest.raises(ResourceNotFoundException):
        adapter.start_backup(f"arn:aws:fsx:{REGION}:{ACCOUNT}:file-system/fs-0123456789abcdef0", "JOB-1", {})


def test_given_an_ontap_file_system_when_a_backup_starts_then_refused_and_no_backup_is_made(fsx, adapter) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    _, arn = make_file_system(fsx, "ONTAP", capacity=1024)

    with pytest.raises(InvalidParameterValueException, match="per volume"):
        adapter.start_backup(arn, "JOB-1", {})
    assert fsx.describe_backups()["Backups"] == []


def test_given_a_backup_when_its_status_is_read_then_completed_with_the_file_system_size(fsx, adapter) -> None:
    from lambdas.resources.base import Phase

    _, arn = make_file_system(fsx, capacity=2400)
    backup = adapter.start_backup(arn, "JOB-1", {})

    progress = adapter.backup_status(backup.native_id)

    assert progress.phase == Phase.COMPLETED
    assert progress.percent_done == "100.0"
    assert progress.size_bytes == 2400 * GIB


@pytest.mark.parametrize(
    ("lifecycle", "extra", "phase", "percent", "message"),
    [
        ("CREATING", {"ProgressPercent": 40}, "RUNNING", "40.0", None),
        ("TRANSFERRING", {}, "RUNNING", "0.0", None),
        ("FAILED", {"FailureDetails": {"Message": "file system busy"}}, "FAILED", None, "file system busy"),
        ("DELETED", {}, "FAILED", None, "is DELETED"),
    ],
)
def test_given_a_backup_in_each_lifecycle_when_its_status_is_read_then_the_phase_follows(
    lifecycle, extra, phase, percent, message
) -> None:
    backup = {"BackupId": "backup-0123456789abcdef0", "Lifecycle": lifecycle, "Type": "USER_INITIATED", **extra}

    progress = scripted(ScriptedFsx(backup=backup)).backup_status("backup-0123456789abcdef0")

    assert progress.phase == phase
    assert progress.percent_done == percent
    assert (progress.message or "").endswith(message or "")


def test_given_a_backup_when_deleted_twice_then_it_is_gone_and_the_second_delete_is_fine(fsx, adapter) -> None:
    from lambdas.resources.base import Phase

    _, arn = make_file_system(fsx)
    backup = adapter.start_backup(arn, "JOB-1", {})

    adapter.delete_backup(backup.native_id)
    adapter.delete_backup(backup.native_id)

    with pytest.raises(ClientError, match="BackupNotFound"):
        fsx.describe_backups(BackupIds=[backup.native_id])
    assert adapter.find_backup(arn, "JOB-1") is None
    assert adapter.backup_status(backup.native_id).phase == Phase.FAILED


def test_given_a_backup_being_restored_when_deleted_then_the_error_surfaces_so_deletion_is_retried() -> None:
    fake = ScriptedFsx()
    fake.delete_error = "BackupRestoring"

    with pytest.raises(ClientError, match="BackupRestoring"):
        scripted(fake).delete_backup("backup-0123456789abcdef0")


# restore


def test_given_a_lustre_backup_when_restore_metadata_is_read_then_it_describes_the_file_system(fsx, adapter) -> None:
    file_system_id, arn = make_file_system(fsx, capacity=2400)
    backup = adapter.start_backup(arn, "JOB-1", {})

    metadata = adapter.restore_metadata(backup.native_id, adapter.describe(arn))

    assert metadata["fileSystemId"] == file_system_id
    assert metadata["fileSystemType"] == "LUSTRE"
    assert metadata["storageCapacity"] == "2400"
    assert metadata["subnetIds"] == SUBNET
    assert json.loads(metadata["lustreConfiguration"]) == {
        "DeploymentType": "PERSISTENT_2",
        "PerUnitStorageThroughput": 125,
    }
    adapter.check_restore(backup.native_id, metadata)  # what was read back restores as it is


def test_given_the_source_is_deleted_when_restore_metadata_is_read_then_the_backup_alone_suffices(fsx, adapter) -> None:
    file_system_id, arn = make_file_system(fsx, "WINDOWS", capacity=300)
    backup = adapter.start_backup(arn, "JOB-1", {})
    fsx.delete_file_system(FileSystemId=file_system_id)

    metadata = adapter.restore_metadata(backup.native_id, None)

    assert metadata["fileSystemType"] == "WINDOWS"
    assert json.loads(metadata["windowsConfiguration"])["ThroughputCapacity"] == 32
    adapter.check_restore(backup.native_id, metadata)


def test_given_a_backup_when_restored_then_a_new_tagged_file_system_like_the_source_is_made_and_found(
    fsx, adapter
) -> None:
    from lambdas.resources.base import RESTORE_TAG, Phase

    source_id, arn = make_file_system(fsx, "OPENZFS", capacity=256)
    backup = adapter.start_backup(arn, "JOB-1", {})
    metadata = {**adapter.restore_metadata(backup.native_id, None), "subnetIds": OTHER_SUBNET}

    restore = adapter.start_restore(backup.native_id, "RESTORE-1", metadata)

    assert restore.native_id != source_id
    assert restore.created_resource_arn == f"arn:aws:fsx:{REGION}:{ACCOUNT}:file-system/{restore.native_id}"
    created = fsx.describe_file_systems(FileSystemIds=[restore.native_id])["FileSystems"][0]
    assert created["FileSystemType"] == "OPENZFS"
    assert created["StorageCapacity"] == 256
    assert created["SubnetIds"] == [OTHER_SUBNET]
    assert created["OpenZFSConfiguration"]["ThroughputCapacity"] == 64
    assert tags_of(created) == {RESTORE_TAG: "RESTORE-1"}
    assert adapter.find_restore(backup.native_id, "RESTORE-1", metadata) == restore
    assert adapter.find_restore(backup.native_id, "RESTORE-2", metadata) is None
    progress = adapter.restore_status(restore)
    assert (progress.phase, progress.size_bytes) == (Phase.COMPLETED, 256 * GIB)


def test_given_a_restore_started_twice_by_one_job_when_retried_then_one_file_system_exists(fsx, adapter) -> None:
    _, arn = make_file_system(fsx)
    backup = adapter.start_backup(arn, "JOB-1", {})
    metadata = adapter.restore_metadata(backup.native_id, None)

    first = adapter.start_restore(backup.native_id, "RESTORE-1", metadata)
    second = adapter.start_restore(backup.native_id, "RESTORE-1", metadata)

    assert first == second
    assert len(fsx.describe_file_systems()["FileSystems"]) == 2  # the source and one restored file system


def test_given_overrides_in_the_metadata_when_restored_then_capacity_and_configuration_follow_them(
    fsx, adapter
) -> None:
    _, arn = make_file_system(fsx, "WINDOWS", capacity=300)
    backup = adapter.start_backup(arn, "JOB-1", {})
    metadata = {
        **adapter.restore_metadata(backup.native_id, None),
        "storageCapacity": "600",
        "windowsConfiguration": json.dumps({"ThroughputCapacity": 64}),
        "securityGroupIds": SECURITY_GROUP,
    }

    restore = adapter.start_restore(backup.native_id, "RESTORE-1", metadata)

    created = fsx.describe_file_systems(FileSystemIds=[restore.native_id])["FileSystems"][0]
    assert created["StorageCapacity"] == 600
    assert created["WindowsConfiguration"]["ThroughputCapacity"] == 64


VALID = {"fileSystemType": "WINDOWS", "subnetIds": SUBNET, "windowsConfiguration": '{"ThroughputCapacity": 32}'}


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"fileSystemType": ""}, "missing: fileSystemType"),
        ({"fileSystemType": "ONTAP"}, "cannot restore a ONTAP"),
        ({"subnetIds": ""}, "missing: subnetIds"),
        ({"subnetIds": "subnet-1"}, "invalid subnet or security group"),
        ({"securityGroupIds": "default"}, "invalid subnet or security group"),
        ({"storageCapacity": "lots"}, "storageCapacity"),
        ({"windowsConfiguration": "{}"}, "missing: ThroughputCapacity"),
        ({"windowsConfiguration": "not json"}, "must be a JSON object"),
        ({"windowsConfiguration": "[1, 2]"}, "must be a JSON object"),
        ({"fileSystemType": "OPENZFS", "openZfsConfiguration": '{"ThroughputCapacity": 64}'}, "DeploymentType"),
    ],
)
def test_given_bad_restore_metadata_when_checked_then_invalid_parameter_and_no_file_system(
    fsx, adapter, change, complaint
) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    _, arn = make_file_system(fsx, "WINDOWS", capacity=300)
    backup = adapter.start_backup(arn, "JOB-1", {})
    metadata = {**VALID, **change}

    with pytest.raises(InvalidParameterValueException, match=complaint):
        adapter.check_restore(backup.native_id, metadata)
    with pytest.raises(InvalidParameterValueException, match=complaint):
        adapter.start_restore(backup.native_id, "RESTORE-1", metadata)
    assert len(fsx.describe_file_systems()["FileSystems"]) == 1


def test_given_a_deleted_backup_when_restored_then_resource_not_found_and_no_file_system(fsx, adapter) -> None:
    from lambdas.domain.errors import ResourceNotFoundException

    _, arn = make_file_system(fsx)
    backup = adapter.start_backup(arn, "JOB-1", {})
    metadata = adapter.restore_metadata(backup.native_id, None)
    adapter.delete_backup(backup.native_id)

    with pytest.raises(ResourceNotFoundException, match=backup.native_id):
        adapter.start_restore(backup.native_id, "RESTORE-1", metadata)
    assert len(fsx.describe_file_systems()["FileSystems"]) == 1


@pytest.mark.parametrize(
    ("file_system", "phase", "message"),
    [
        ({"FileSystemId": "fs-0123456789abcdef0", "Lifecycle": "CREATING"}, "RUNNING", None),
        (
            {"FileSystemId": "fs-0123456789abcdef0", "Lifecycle": "FAILED", "FailureDetails": {"Message": "no ENI"}},
            "FAILED",
            "no ENI",
        ),
        ({"FileSystemId": "fs-0123456789abcdef0", "Lifecycle": "MISCONFIGURED"}, "FAILED", "MISCONFIGURED"),
        (None, "FAILED", "disappeared"),
    ],
)
def test_given_a_restored_file_system_in_each_lifecycle_when_polled_then_the_phase_follows(
    file_system, phase, message
) -> None:
    from lambdas.resources.base import NativeRestore

    restore = NativeRestore("fs-0123456789abcdef0", f"arn:aws:fsx:{REGION}:{ACCOUNT}:file-system/fs-0123456789abcdef0")

    progress = scripted(ScriptedFsx(file_system=file_system)).restore_status(restore)

    assert progress.phase == phase
    assert message is None or message in (progress.message or "")


# native backups (for the import)


def test_given_backups_by_a_user_and_by_strongroom_when_native_backups_are_listed_then_only_the_users_appear(
    fsx, adapter
) -> None:
    file_system_id, arn = make_file_system(fsx)
    made_by_user = fsx.create_backup(FileSystemId=file_system_id)["Backup"]["BackupId"]
    adapter.start_backup(arn, "JOB-1", {})

    listed = list(adapter.list_native_backups(arn))

    assert [native.native_id for native, _ in listed] == [made_by_user]
    assert listed[0][0].recovery_point_arn == f"arn:aws:fsx:{REGION}:{ACCOUNT}:backup/{made_by_user}"
