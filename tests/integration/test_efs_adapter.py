"""The EFS adapter against moto's EFS (which keeps no files) and S3 (Strongroom's vault storage): each file
system's files live in a temporary directory that stands in for its mount, the mover copies them into the
vault bucket and back into an `aws-backup-restore_...` directory, in slices that resume where they stopped."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.integration.builders import ACCOUNT, REGION

VAULT_BUCKET = "strongroom-vault-test"


@pytest.fixture
def efs() -> Any:
    boto3.client("s3", region_name=REGION).create_bucket(Bucket=VAULT_BUCKET)
    return boto3.client("efs", region_name=REGION)


@pytest.fixture
def mounts(tmp_path: Path) -> Path:
    return tmp_path / "mnt"


def make_adapter(mounts: Path, mover: Any = None, **mover_options: Any) -> Any:
    from lambdas.common import aws
    from lambdas.resources.efs.adapter import EfsAdapter
    from lambdas.resources.vault_storage import VaultStorage
    from local.efs_in_process import InProcessMover, LocalMounts

    def s3() -> Any:
        return aws.client("s3", REGION)

    mover = mover or InProcessMover(LocalMounts(mounts), s3, **mover_options)
    return EfsAdapter(lambda: aws.client("efs", REGION), REGION, ACCOUNT, VaultStorage(s3, VAULT_BUCKET), mover)


@pytest.fixture
def adapter(efs: Any, mounts: Path) -> Any:
    return make_adapter(mounts)


def make_file_system(
    efs: Any, *, token: str = "home", tags: dict[str, str] | None = None, **extra: Any
) -> tuple[str, str]:
    request: dict[str, Any] = {"CreationToken": token, **extra}
    if tags:
        request["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    fs = efs.create_file_system(**request)
    return fs["FileSystemId"], fs["FileSystemArn"]


def write(root: Path, relative: str, body: str | bytes, mode: int = 0o644) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body.encode() if isinstance(body, str) else body)
    os.chmod(path, mode)


def populate(mount: Path) -> None:
    """Given a file system with nested directories, modes, a binary file, an empty directory and a symlink."""
    write(mount, "README.md", "# home\n")
    write(mount, "docs/report.txt", "quarterly numbers\n", 0o600)
    write(mount, "docs/deep/nested/notes.txt", "deep\n")
    write(mount, "bin/run.sh", "#!/bin/sh\necho hi\n", 0o755)
    write(mount, "data/blob.bin", bytes(range(256)) * 64)
    (mount / "empty").mkdir()
    (mount / "latest").symlink_to("docs/report.txt")
    os.utime(mount / "README.md", (1_600_000_000, 1_600_000_000))


def snapshot(root: Path) -> dict[str, Any]:
    """What a tree holds: file contents and modes, directories, symlink targets."""
    seen: dict[str, Any] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_symlink():
            seen[relative] = ("symlink", os.readlink(path))
        elif path.is_dir():
            seen[relative] = ("dir",)
        else:
            seen[relative] = ("file", path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
    return seen


def finish(check: Any, polls: int = 100) -> Any:
    from lambdas.resources.base import Phase

    for _ in range(polls):
        progress = check()
        if progress.phase != Phase.RUNNING:
            return progress
    raise AssertionError(f"still running after {polls} polls")


def vault_keys(prefix: str = "") -> list[str]:
    s3 = boto3.client("s3", region_name=REGION)
    return [o["Key"] for o in s3.list_objects_v2(Bucket=VAULT_BUCKET, Prefix=prefix).get("Contents", [])]


def backed_up(efs: Any, adapter: Any, mounts: Path, job_id: str = "JOB-1") -> tuple[str, str]:
    fs_id, arn = make_file_system(efs)
    populate(mounts / fs_id)
    adapter.start_backup(arn, job_id, {})
    finish(lambda: adapter.backup_status(job_id))
    return fs_id, arn


def restored_directory(mount: Path) -> Path:
    (directory,) = [p for p in mount.iterdir() if p.name.startswith("aws-backup-restore_")]
    return directory


# describe


def test_given_a_tagged_encrypted_file_system_when_described_then_name_tags_and_key_are_reported(
    efs: Any, adapter: Any
) -> None:
    key_arn = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    _, arn = make_file_system(efs, tags={"Name": "home", "backup": "yes"}, Encrypted=True, KmsKeyId=key_arn)

    info = adapter.describe(arn)

    assert (info.arn, info.resource_type, info.name) == (arn, "EFS", "home")
    assert info.tags == {"Name": "home", "backup": "yes"}
    assert info.is_encrypted is True
    assert info.encryption_key_arn == key_arn


def test_given_no_such_file_system_when_described_then_resource_not_found(efs: Any, adapter: Any) -> None:
    from lambdas.domain.errors import ResourceNotFoundException

    missing = f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:file-system/fs-0123456789abcdef0"
    with pytest.raises(ResourceNotFoundException, match="fs-0123456789abcdef0"):
        adapter.describe(missing)


def test_given_file_systems_when_listed_and_searched_by_tag_then_all_are_found(efs: Any, adapter: Any) -> None:
    first, first_arn = make_file_system(efs, token="a", tags={"backup": "yes"})
    second, _ = make_file_system(efs, token="b")

    listed = sorted(info.name for info in adapter.list_resources())
    tagged = boto3.client("resourcegroupstaggingapi", region_name=REGION).get_resources(
        TagFilters=[{"Key": "backup", "Values": ["yes"]}], ResourceTypeFilters=[adapter.tagging_filter]
    )["ResourceTagMappingList"]

    assert listed == sorted([first, second])
    assert [mapping["ResourceARN"] for mapping in tagged] == [first_arn]


# backup


def test_given_files_on_the_mount_when_backed_up_then_the_vault_holds_an_index_and_every_file(
    efs: Any, adapter: Any, mounts: Any
) -> None:
    from lambdas.resources.base import Phase

    fs_id, arn = make_file_system(efs)
    populate(mounts / fs_id)
    expected_bytes = sum(p.stat().st_size for p in (mounts / fs_id).rglob("*") if p.is_file() and not p.is_symlink())

    started = adapter.start_backup(arn, "JOB-1", {"owner": "team-a"})
    progress = finish(lambda: adapter.backup_status("JOB-1"))

    assert started.recovery_point_arn == f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:JOB-1"
    assert progress.phase == Phase.COMPLETED
    assert progress.size_bytes == expected_bytes
    assert len(vault_keys("recovery-points/efs/JOB-1/data/")) == 5
    assert vault_keys("recovery-points/efs/JOB-1/manifest/") == ["recovery-points/efs/JOB-1/manifest/000000.jsonl"]
    assert adapter.find_backup(arn, "JOB-1") == started
    assert adapter.find_backup(arn, "JOB-2") is None


def test_given_a_file_system_without_a_mover_when_a_backup_starts_then_refused_and_nothing_written(
    efs: Any, mounts: Any
) -> None:
    from lambdas.domain.errors import InvalidParameterValueException
    from lambdas.resources.efs.mover import LambdaMover

    adapter = make_adapter(mounts, LambdaMover(lambda: boto3.client("lambda", region_name=REGION)))
    fs_id, arn = make_file_system(efs)

    with pytest.raises(InvalidParameterValueException, match=f"strongroom-efs-mover-{fs_id}"):
        adapter.start_backup(arn, "JOB-1", {})
    assert vault_keys() == []


def test_given_no_such_file_system_when_a_backup_starts_then_resource_not_found(efs: Any, adapter: Any) -> None:
    from lambdas.domain.errors import ResourceNotFoundException

    with pytest.raises(ResourceNotFoundException):
        adapter.start_backup(f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:file-system/fs-00000000", "JOB-1", {})


def test_given_a_small_budget_when_polled_then_the_copy_resumes_slice_by_slice_and_a_deleted_file_is_gone(
    efs: Any, mounts: Any
) -> None:
    from lambdas.resources.base import Phase

    adapter = make_adapter(mounts, slice_operations=2)  # two files per slice
    fs_id, arn = make_file_system(efs)
    populate(mounts / fs_id)

    adapter.start_backup(arn, "JOB-1", {})
    first = adapter.backup_status("JOB-1")
    # A file deleted after the index was taken and before the mover reached it
    (mounts / fs_id / "docs/report.txt").unlink()
    progress = finish(lambda: adapter.backup_status("JOB-1"))

    assert first.phase == Phase.RUNNING and 0 < float(first.percent_done or 0) < 100
    assert progress.phase == Phase.COMPLETED
    restore = adapter.start_restore("JOB-1", "RESTORE-1", {"file-system-id": fs_id})
    assert finish(lambda: adapter.restore_status(restore)).phase == Phase.COMPLETED
    restored = restored_directory(mounts / fs_id)
    assert not (restored / "docs/report.txt").exists()
    assert (restored / "docs/deep/nested/notes.txt").read_text() == "deep\n"


def test_given_the_mount_is_missing_when_the_mover_runs_then_the_backup_fails_saying_so(
    efs: Any, tmp_path: Any
) -> None:
    from lambdas.common import aws
    from lambdas.resources.base import Phase
    from lambdas.resources.efs.file_tree import LocalDirectoryTree
    from local.efs_in_process import InProcessMover

    mover = InProcessMover(lambda fs_id: LocalDirectoryTree(tmp_path / "not-mounted"), lambda: aws.client("s3"))
    adapter = make_adapter(tmp_path, mover)
    _, arn = make_file_system(efs)

    adapter.start_backup(arn, "JOB-1", {})
    progress = adapter.backup_status("JOB-1")

    assert progress.phase == Phase.FAILED
    assert "is not a directory (is the file system mounted?)" in (progress.message or "")


class LostFirstLaunch:
    """A mover whose first asynchronous invoke is lost: Lambda accepted it, nothing ever ran."""

    reaches_new_file_systems = True

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.lease_seconds = 0.0  # the lease is over at once: the next poll may start it again
        self.launches = 0

    def reaches(self, file_system_id: str) -> bool:
        return True

    def launch(self, request: Any) -> None:
        self.launches += 1
        if self.launches > 1:
            self.inner.launch(request)


def test_given_a_mover_that_never_ran_when_its_lease_is_over_then_the_poll_starts_it_again(
    efs: Any, mounts: Any
) -> None:
    from lambdas.common import aws
    from lambdas.resources.base import Phase
    from local.efs_in_process import InProcessMover, LocalMounts

    mover = LostFirstLaunch(InProcessMover(LocalMounts(mounts), lambda: aws.client("s3")))
    adapter = make_adapter(mounts, mover)
    fs_id, arn = make_file_system(efs)
    populate(mounts / fs_id)

    adapter.start_backup(arn, "JOB-1", {})
    progress = adapter.backup_status("JOB-1")

    assert mover.launches == 2
    assert progress.phase == Phase.COMPLETED


def test_given_a_recovery_point_when_deleted_twice_then_the_vault_prefix_is_empty_and_the_files_stay(
    efs: Any, adapter: Any, mounts: Any
) -> None:
    from lambdas.resources.base import Phase

    fs_id, arn = backed_up(efs, adapter, mounts)
    before = snapshot(mounts / fs_id)

    adapter.delete_backup("JOB-1")
    adapter.delete_backup("JOB-1")

    assert vault_keys("recovery-points/efs/JOB-1/") == []
    assert snapshot(mounts / fs_id) == before
    assert adapter.find_backup(arn, "JOB-1") is None
    assert adapter.backup_status("JOB-1").phase == Phase.FAILED


# restore


def test_given_a_recovery_point_when_restore_metadata_is_read_then_it_describes_the_file_system(
    efs: Any, mounts: Any
) -> None:
    adapter = make_adapter(mounts)
    key_arn = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    fs_id, arn = make_file_system(efs, Encrypted=True, KmsKeyId=key_arn, PerformanceMode="maxIO")
    adapter.start_backup(arn, "JOB-1", {})
    finish(lambda: adapter.backup_status("JOB-1"))

    assert adapter.restore_metadata("JOB-1", None) == {
        "file-system-id": fs_id,
        "Encrypted": "true",
        "KmsKeyId": key_arn,
        "PerformanceMode": "maxIO",
        "newFileSystem": "false",
    }


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({}, "Restore metadata for EFS is missing: file-system-id"),
        ({"newFileSystem": "false"}, "missing: file-system-id"),
        ({"file-system-id": "fs-00000000"}, "EFS file system fs-00000000 does not exist"),
        ({"newFileSystem": "maybe"}, "newFileSystem must be true or false"),
        ({"newFileSystem": "true", "KmsKeyId": "arn:aws:kms:us-east-1:1:key/x"}, "KmsKeyId needs Encrypted"),
        ({"newFileSystem": "true", "PerformanceMode": "turbo"}, "PerformanceMode must be one of"),
        ({"newFileSystem": "true", "CreationToken": "x" * 65}, "CreationToken must be 1 to 64"),
        ({"newFileSystem": "true", "ItemsToRestore": '["/docs/../../etc"]'}, "without '..'"),
        ({"newFileSystem": "true", "ItemsToRestore": "/docs"}, "must be a JSON list of 1 to 5 paths"),
    ],
)
def test_given_bad_restore_metadata_when_checked_then_refused_and_nothing_is_made(
    efs: Any, adapter: Any, mounts: Any, metadata: Any, message: Any
) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    backed_up(efs, adapter, mounts)
    systems_before = len(efs.describe_file_systems()["FileSystems"])

    with pytest.raises(InvalidParameterValueException, match=message):
        adapter.check_restore("JOB-1", metadata)
    with pytest.raises(InvalidParameterValueException, match=message):
        adapter.start_restore("JOB-1", "RESTORE-1", metadata)

    assert len(efs.describe_file_systems()["FileSystems"]) == systems_before
    assert vault_keys("restores/") == []


def test_given_an_unfinished_or_unknown_recovery_point_when_a_restore_is_checked_then_refused(
    efs: Any, mounts: Any
) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    adapter = make_adapter(mounts, LostFirstLaunch(None))  # started, never moved
    fs_id, arn = make_file_system(efs)
    adapter.start_backup(arn, "JOB-1", {})

    with pytest.raises(InvalidParameterValueException, match="not complete"):
        adapter.check_restore("JOB-1", {"file-system-id": fs_id})
    with pytest.raises(InvalidParameterValueException, match="no data in vault storage"):
        adapter.check_restore("NO-SUCH-JOB", {"file-system-id": fs_id})


def test_given_changes_after_the_backup_when_restored_in_place_then_a_recovery_directory_holds_the_backup(
    efs: Any, adapter: Any, mounts: Any
) -> None:
    from lambdas.resources.base import Phase

    fs_id, arn = make_file_system(efs)
    mount = mounts / fs_id
    populate(mount)
    backed_up_tree = snapshot(mount)
    adapter.start_backup(arn, "JOB-1", {})
    finish(lambda: adapter.backup_status("JOB-1"))
    # When the file system changes after the backup
    write(mount, "docs/report.txt", "overwritten\n")
    (mount / "bin/run.sh").unlink()
    write(mount, "new.txt", "created later\n")
    current = snapshot(mount)
    metadata = adapter.restore_metadata("JOB-1", None)

    adapter.check_restore("JOB-1", metadata)
    restore = adapter.start_restore("JOB-1", "RESTORE-1", metadata)
    progress = finish(lambda: adapter.restore_status(restore))

    assert progress.phase == Phase.COMPLETED
    assert restore.created_resource_arn == arn
    directory = restored_directory(mount)
    assert directory.name.startswith("aws-backup-restore_") and directory.name.endswith("_restore-")
    assert snapshot(directory) == backed_up_tree
    assert (directory / "README.md").stat().st_mtime == 1_600_000_000
    # Not destructive: what is on the file system now is untouched.
    assert {k: v for k, v in snapshot(mount).items() if not k.startswith(directory.name)} == current


class HourlyClock:
    """Strongroom's clock, an hour later at every reading: a retried step never runs at the same time."""

    def __init__(self) -> None:
        self.current = datetime(2026, 5, 1, 5, 0, tzinfo=UTC)

    def now(self) -> datetime:
        self.current += timedelta(hours=1)
        return self.current


def test_given_a_new_file_system_restore_when_retried_then_one_file_system_holds_the_files(
    efs: Any, adapter: Any, mounts: Any, monkeypatch: Any
) -> None:
    from lambdas.common import clock
    from lambdas.resources.base import RESTORE_TAG, Phase

    monkeypatch.setattr(clock, "_current", HourlyClock())

    fs_id, _ = make_file_system(efs)
    populate(mounts / fs_id)
    backed_up_tree = snapshot(mounts / fs_id)
    adapter.start_backup(f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:file-system/{fs_id}", "JOB-1", {})
    finish(lambda: adapter.backup_status("JOB-1"))
    metadata = {"newFileSystem": "true", "PerformanceMode": "generalPurpose", "Encrypted": "true"}

    adapter.check_restore("JOB-1", metadata)
    restore = adapter.start_restore("JOB-1", "RESTORE-1", metadata)
    again = adapter.start_restore("JOB-1", "RESTORE-1", metadata)  # the workflow's start step ran twice
    progress = finish(lambda: adapter.restore_status(restore))

    new_id = restore.created_resource_arn.rsplit("/", 1)[1]
    assert new_id != fs_id and again.created_resource_arn == restore.created_resource_arn
    assert adapter.find_restore("JOB-1", "RESTORE-1", metadata) == restore
    assert adapter.find_restore("JOB-1", "RESTORE-2", metadata) is None
    assert progress.phase == Phase.COMPLETED
    assert snapshot(restored_directory(mounts / new_id)) == backed_up_tree
    created = efs.describe_file_systems(FileSystemId=new_id)["FileSystems"][0]
    assert created["Encrypted"] is True
    assert {"Key": RESTORE_TAG, "Value": "RESTORE-1"} in created["Tags"]
    assert len(efs.describe_file_systems()["FileSystems"]) == 2


def test_given_items_to_restore_when_restored_then_only_those_paths_come_back(
    efs: Any, adapter: Any, mounts: Any
) -> None:
    fs_id, _ = backed_up(efs, adapter, mounts)
    metadata = {"file-system-id": fs_id, "ItemsToRestore": json.dumps(["/docs/deep", "/README.md"])}

    restore = adapter.start_restore("JOB-1", "RESTORE-1", metadata)
    finish(lambda: adapter.restore_status(restore))

    restored = snapshot(restored_directory(mounts / fs_id))
    assert sorted(restored) == ["README.md", "docs", "docs/deep", "docs/deep/nested", "docs/deep/nested/notes.txt"]


def test_given_a_file_missing_from_the_vault_when_restored_then_the_job_fails_naming_it(
    efs: Any, adapter: Any, mounts: Any
) -> None:
    import hashlib

    from lambdas.resources.base import Phase

    fs_id, _ = backed_up(efs, adapter, mounts)
    digest = hashlib.sha256(b"docs/report.txt").hexdigest()
    boto3.client("s3", region_name=REGION).delete_object(
        Bucket=VAULT_BUCKET, Key=f"recovery-points/efs/JOB-1/data/{digest}"
    )

    restore = adapter.start_restore("JOB-1", "RESTORE-1", {"file-system-id": fs_id})
    progress = finish(lambda: adapter.restore_status(restore))

    assert progress.phase == Phase.FAILED
    assert progress.message == "1 files could not be restored: docs/report.txt: its data is missing from vault storage"


def test_given_lambda_movers_when_a_new_file_system_restore_is_asked_then_refused(efs: Any, mounts: Any) -> None:
    from lambdas.domain.errors import InvalidParameterValueException
    from lambdas.resources.efs.mover import LambdaMover

    backed_up(efs, make_adapter(mounts), mounts)
    adapter = make_adapter(mounts, LambdaMover(lambda: boto3.client("lambda", region_name=REGION)))

    with pytest.raises(InvalidParameterValueException, match="cannot restore EFS to a new file system"):
        adapter.check_restore("JOB-1", {"newFileSystem": "true"})


# the mover in the cloud


class RecordingLambda:
    def __init__(self, functions: set[str]) -> None:
        self.functions = functions
        self.invokes: list[dict[str, Any]] = []

    def get_function(self, FunctionName: str) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        if FunctionName not in self.functions:
            raise ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "no"}}, "GetFunction")
        return {"Configuration": {"FunctionName": FunctionName}}

    def invoke(self, **request: Any) -> dict[str, Any]:
        self.invokes.append(request)
        return {"StatusCode": 202}


def test_given_a_mover_function_for_the_file_system_when_a_backup_starts_then_it_is_invoked_asynchronously(
    efs: Any, mounts: Any
) -> None:
    from lambdas.resources.efs.mover import LambdaMover, MoveRequest

    fs_id, arn = make_file_system(efs)
    lam = RecordingLambda({f"strongroom-efs-mover-{fs_id}"})
    adapter = make_adapter(mounts, LambdaMover(lambda: lam))

    adapter.start_backup(arn, "JOB-1", {})
    adapter.backup_status("JOB-1")  # RUNNING under its lease: not invoked again

    (invoke,) = lam.invokes
    assert invoke["FunctionName"] == f"strongroom-efs-mover-{fs_id}"
    assert invoke["InvocationType"] == "Event"
    assert MoveRequest.from_event(json.loads(invoke["Payload"])) == MoveRequest(
        "backup", fs_id, VAULT_BUCKET, "recovery-points/efs/JOB-1/backup.json"
    )


def test_given_a_mover_event_when_the_lambda_handles_it_at_its_mount_then_the_backup_completes(
    efs: Any, mounts: Any, tmp_path: Any
) -> None:
    from lambdas.common import aws
    from lambdas.resources.base import Phase
    from lambdas.resources.efs.mover import LambdaMover, handle_mover_event

    fs_id, arn = make_file_system(efs)
    lam = RecordingLambda({f"strongroom-efs-mover-{fs_id}"})
    adapter = make_adapter(mounts, LambdaMover(lambda: lam))
    mount = tmp_path / "mnt-efs"  # what /mnt/efs is in the mover function
    populate(mount)
    adapter.start_backup(arn, "JOB-1", {})

    result = handle_mover_event(
        json.loads(lam.invokes[0]["Payload"]), 900_000, lambda: aws.client("s3"), mount_path=str(mount)
    )

    assert result == {"state_key": "recovery-points/efs/JOB-1/backup.json", "status": "COMPLETED"}
    assert adapter.backup_status("JOB-1").phase == Phase.COMPLETED


def test_given_a_path_outside_the_tree_when_written_then_refused(tmp_path: Any) -> None:
    import io

    from lambdas.resources.efs.file_tree import LocalDirectoryTree

    tree = LocalDirectoryTree(tmp_path / "root")
    for bad in ("../escape.txt", "/etc/passwd", ""):
        with pytest.raises(ValueError, match="is not a path inside the file tree"):
            tree.write_file(bad, io.BytesIO(b"x"), 0o644, 0.0)
    assert not (tmp_path / "escape.txt").exists()


# cold storage: the file contents to S3 Glacier Instant Retrieval, in slices


def storage_classes(prefix: str) -> dict[str, str]:
    s3 = boto3.client("s3", region_name=REGION)
    listed = s3.list_objects_v2(Bucket=VAULT_BUCKET, Prefix=prefix).get("Contents", [])
    return {o["Key"][len(prefix) :]: o.get("StorageClass", "STANDARD") for o in listed}


def test_given_a_recovery_point_when_moved_to_cold_in_slices_then_its_files_are_glacier_ir_and_it_still_restores(
    efs: Any, adapter: Any, mounts: Any
) -> None:
    from lambdas.common import aws
    from lambdas.resources.base import ColdMovePending, Phase
    from lambdas.resources.efs.adapter import EfsAdapter
    from lambdas.resources.vault_storage import VaultStorage

    # Given a backed-up file system with five files, and a mover allowed two rewrites per call
    fs_id, _ = backed_up(efs, adapter, mounts)
    backed_up_tree = snapshot(mounts / fs_id)
    storage = VaultStorage(lambda: aws.client("s3", REGION), VAULT_BUCKET)
    cold = EfsAdapter(lambda: aws.client("efs", REGION), REGION, ACCOUNT, storage, None, cold_operations=2)  # type: ignore[arg-type]
    prefix = "recovery-points/efs/JOB-1/"

    # When it is moved to cold storage: two calls are cut short, the third finishes
    for _ in range(2):
        with pytest.raises(ColdMovePending):
            cold.move_to_cold("JOB-1")
    assert cold.move_to_cold("JOB-1") is True

    # Then every file's contents are in Glacier Instant Retrieval, and the state and index are not
    classes = storage_classes(prefix)
    data = {key: value for key, value in classes.items() if key.startswith("data/")}
    assert len(data) == 5 and set(data.values()) == {"GLACIER_IR"}
    assert {value for key, value in classes.items() if not key.startswith("data/")} == {"STANDARD"}
    assert cold.move_to_cold("JOB-1") is True  # already there: nothing to do

    # And a restore reads them back as before
    metadata = adapter.restore_metadata("JOB-1", None)
    restore = adapter.start_restore("JOB-1", "RESTORE-1", metadata)
    assert finish(lambda: adapter.restore_status(restore)).phase == Phase.COMPLETED
    assert snapshot(restored_directory(mounts / fs_id)) == backed_up_tree


def test_given_a_copy_under_its_vaults_key_when_moved_to_cold_then_its_objects_keep_that_key(efs: Any) -> None:
    from lambdas.common import aws
    from lambdas.resources.vault_storage import VaultStorage, WorkBudget

    # Given a file's contents encrypted with a vault's own key (as a copy job writes them), not the bucket's
    s3 = boto3.client("s3", region_name=REGION)
    key_arn = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    key = "recovery-points/efs/COPY-1/data/0123"
    s3.put_object(Bucket=VAULT_BUCKET, Key=key, Body=b"contents", ServerSideEncryption="aws:kms", SSEKMSKeyId=key_arn)

    # When its storage class changes
    storage = VaultStorage(lambda: aws.client("s3", REGION), VAULT_BUCKET)
    assert storage.change_storage_class("recovery-points/efs/COPY-1/data/", "GLACIER_IR", WorkBudget(30)) is True

    # Then it is in Glacier Instant Retrieval, under the same key, with the same contents
    head = s3.head_object(Bucket=VAULT_BUCKET, Key=key)
    assert (head["StorageClass"], head["ServerSideEncryption"], head["SSEKMSKeyId"]) == (
        "GLACIER_IR",
        "aws:kms",
        key_arn,
    )
    assert s3.get_object(Bucket=VAULT_BUCKET, Key=key)["Body"].read() == b"contents"
