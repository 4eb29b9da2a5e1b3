"""The copy-into-vault engine under the S3 and EFS adapters, on an in-memory S3 (tests/unit/fake_s3.py): a copy that
crashes mid-way resumes from its saved cursor, a point under S3 Object Lock is not reported deleted, and points and
restores written by the code before the typed state (its JSON "header" dicts) still read and restore."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lambdas.resources.base import CopySource, NativeRestore, Phase
from lambdas.resources.efs.adapter import EfsAdapter
from lambdas.resources.efs.mover import data_key
from lambdas.resources.efs.state import EfsPointState, EfsRestoreState
from lambdas.resources.s3.adapter import S3Adapter
from lambdas.resources.s3.state import S3PointState, S3RestoreState
from lambdas.resources.vault_copy.points import PointLocked
from lambdas.resources.vault_storage import VaultStorage, default_vault_bucket
from local.efs_in_process import InProcessMover, LocalMounts
from tests.unit.fake_s3 import FakeS3

REGION, ACCOUNT = "us-east-1", "123456789012"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/copy"
VAULT = default_vault_bucket(ACCOUNT, REGION)


def put_json(s3: FakeS3, key: str, value: dict[str, Any]) -> None:
    s3.put(VAULT, key, json.dumps(value).encode())


def put_lines(s3: FakeS3, key: str, entries: list[dict[str, Any]]) -> None:
    s3.put(VAULT, key, "".join(json.dumps(entry) + "\n" for entry in entries).encode())


def lines(s3: FakeS3, bucket: str, key: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in s3.current(bucket)[key].decode().splitlines()]


def old_s3_point(s3: FakeS3, job_id: str, versions: dict[str, str]) -> None:
    """A completed S3 point exactly as the untyped code wrote it: its header dict and one manifest part."""
    entries = [{"k": k, "v": v, "e": '"etag"', "s": len(s3.current("customer")[k])} for k, v in versions.items()]
    put_json(
        s3,
        f"recovery-points/s3/{job_id}/backup.json",
        {
            "resource_type": "S3",
            "source_arn": "arn:aws:s3:::customer",
            "bucket": "customer",
            "job_id": job_id,
            "tags": {"team": "a"},
            "status": "COMPLETED",
            "cutoff": "2026-01-05T12:00:30+00:00",
            "key_marker": None,
            "version_marker": None,
            "current_key": "b.txt",
            "current_resolved": True,
            "parts": 1,
            "objects": len(entries),
            "bytes": sum(e["s"] for e in entries),
        },
    )
    put_lines(s3, f"recovery-points/s3/{job_id}/manifest/000000.jsonl", entries)


@pytest.fixture
def s3() -> FakeS3:
    fake = FakeS3()
    fake.buckets.update({VAULT: [], "customer": []})
    return fake


def s3_adapter(s3: FakeS3, operations: int | None = None) -> S3Adapter:
    return S3Adapter(lambda: s3, REGION, ACCOUNT, VaultStorage(lambda: s3, VAULT), slice_operations=operations)


def test_given_a_copy_that_crashes_mid_slice_when_tracked_again_then_it_resumes_from_the_saved_cursor(
    s3: FakeS3,
) -> None:
    # Given a completed S3 point of five objects, and a copy of it that copies two objects per tracking run
    versions = {f"k{i}": s3.put("customer", f"k{i}", f"body {i}".encode()) for i in range(5)}
    old_s3_point(s3, "JOB-1", versions)
    adapter = s3_adapter(s3, operations=2)
    adapter.copy_in(CopySource("JOB-1", REGION, ACCOUNT, "arn:aws:s3:::customer"), "COPY-1", KEY, {})
    assert adapter.backup_status("COPY-1").phase == Phase.RUNNING

    # When the next run dies after one more copy, before it saves its cursor
    s3.fail_copies_after = s3.copies + 1
    with pytest.raises(ClientError):
        adapter.backup_status("COPY-1")
    s3.fail_copies_after = None

    # Then the later runs resume from the saved cursor and finish the copy, every object once in the manifest
    progress = adapter.backup_status("COPY-1")
    while progress.phase == Phase.RUNNING:
        progress = adapter.backup_status("COPY-1")
    assert progress.phase == Phase.COMPLETED and progress.size_bytes == sum(len(f"body {i}") for i in range(5))
    manifest = lines(s3, VAULT, "recovery-points/s3/COPY-1/manifest/000000.jsonl")
    assert [entry["k"] for entry in manifest] == list(versions)
    data = s3.current(VAULT)
    assert [data[entry["d"]] for entry in manifest] == [f"body {i}".encode() for i in range(5)]
    state = S3PointState.from_json(json.loads(data["recovery-points/s3/COPY-1/backup.json"]))
    assert state.objects == 5 and state.copy_progress is not None and state.copy_progress.part == 1


def test_given_a_point_under_object_lock_when_deleted_then_refused_and_its_locked_objects_stay(s3: FakeS3) -> None:
    # Given a point whose state object S3 Object Lock keeps (a vault lock's retention)
    s3.put("customer", "a.txt", b"a")
    old_s3_point(s3, "JOB-1", {"a.txt": "v1"})
    s3.locked.add((VAULT, "recovery-points/s3/JOB-1/backup.json"))
    adapter = s3_adapter(s3)

    # When expiry deletes it, then it is refused naming the lock, and the locked object stays
    with pytest.raises(PointLocked, match="S3 Object Lock keeps 1 of its objects"):
        adapter.delete_backup("JOB-1")
    assert "recovery-points/s3/JOB-1/backup.json" in s3.current(VAULT)

    # And once the lock is over, the point goes, and deleting it again is a no-op
    s3.locked.clear()
    adapter.delete_backup("JOB-1")
    adapter.delete_backup("JOB-1")
    assert not [key for key in s3.current(VAULT) if key.startswith("recovery-points/s3/JOB-1/")]


def test_given_an_s3_point_in_the_old_header_format_when_restored_then_its_recorded_versions_come_back(
    s3: FakeS3,
) -> None:
    # Given a point written by the untyped code, recording versions that have been overwritten since
    recorded = {"a.txt": s3.put("customer", "a.txt", b"old a"), "b.txt": s3.put("customer", "b.txt", b"old b")}
    old_s3_point(s3, "OLD-1", recorded)
    s3.put("customer", "a.txt", b"new a")
    s3.buckets["restored"] = []
    adapter = s3_adapter(s3)

    # When it is restored into another bucket
    metadata = {"DestinationBucketName": "restored", "NewBucket": "false"}
    assert adapter.restore_metadata("OLD-1", None)["DestinationBucketName"] == "customer"
    adapter.check_restore("OLD-1", metadata)
    restore = adapter.start_restore("OLD-1", "R-1", metadata)
    progress = adapter.restore_status(restore)

    # Then the recorded versions are there, not the current ones
    assert progress.phase == Phase.COMPLETED
    assert s3.current("restored") == {"a.txt": b"old a", "b.txt": b"old b"}


def test_given_the_old_header_dicts_when_read_and_written_by_the_typed_state_then_the_json_is_unchanged() -> None:
    # Given the dicts the untyped code wrote: an S3 backup under way, an EFS backup and two restores
    s3_backup = {
        "resource_type": "S3", "source_arn": "arn:aws:s3:::b", "bucket": "b", "job_id": "J", "tags": {"t": "1"},
        "status": "RUNNING", "cutoff": None, "key_marker": "k", "version_marker": "v", "current_key": "k",
        "current_resolved": False, "parts": 2, "objects": 7, "bytes": 70,
    }  # fmt: skip
    efs_backup = {
        "resource_type": "EFS", "source_arn": "arn:aws:elasticfilesystem:us-east-1:1:file-system/fs-1",
        "file_system_id": "fs-1", "file_system": {"encrypted": True, "kms_key_id": None,
        "performance_mode": "generalPurpose"}, "job_id": "J", "tags": {}, "status": "PAUSED", "indexed": True,
        "parts": 1, "files": 3, "bytes": 30, "part": 0, "index": 2, "files_done": 1, "bytes_done": 10, "gone": 0,
        "failures": 0, "entries": 4, "lease_expires": 1767614400.0,
    }  # fmt: skip
    s3_restore = {
        "native_id": "J", "source_bucket": "b", "destination": "d", "items": ["p/"], "encryption": {},
        "status": "FAILED", "parts": 1, "total": 3, "part": 1, "index": 0, "examined": 3, "restored": 2,
        "skipped": 0, "failed": 1, "bytes": 20, "errors": ["k version v: NoSuchVersion"], "message": "gone",
    }  # fmt: skip
    efs_restore = {
        "native_id": "J", "prefix": "recovery-points/efs/J/", "file_system_id": "fs-1", "new_file_system": False,
        "directory": "aws-backup-restore_x", "items": [], "status": "PENDING", "parts": 1, "total": 4, "part": 0,
        "index": 0, "examined": 0, "restored": 0, "failed": 0, "bytes": 0, "errors": [], "failures": 0,
    }  # fmt: skip

    # When each is read into its model and written back, then the JSON is the same, key for key
    pairs = [(S3PointState, s3_backup), (EfsPointState, efs_backup), (S3RestoreState, s3_restore)]
    for model, old in [*pairs, (EfsRestoreState, efs_restore)]:
        assert model.from_json(old).to_json() == old, model.__name__


class OneFileSystem:
    """The EFS client calls a restore into an existing file system makes."""

    def describe_file_systems(self, FileSystemId: str) -> dict[str, Any]:
        return {"FileSystems": [{"FileSystemId": FileSystemId, "LifeCycleState": "available"}]}


def test_given_an_efs_point_in_the_old_header_format_when_restored_then_its_files_come_back(
    s3: FakeS3, tmp_path: Path
) -> None:
    # Given an EFS point written by the untyped code: its header dict, its index and one file's data
    prefix = "recovery-points/efs/OLD-1/"
    put_json(
        s3,
        prefix + "backup.json",
        {
            "resource_type": "EFS",
            "source_arn": f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:file-system/fs-1",
            "file_system_id": "fs-1",
            "file_system": {"encrypted": True, "kms_key_id": None, "performance_mode": "generalPurpose"},
            "job_id": "OLD-1",
            "tags": {},
            "status": "COMPLETED",
            "indexed": True,
            "parts": 1,
            "files": 1,
            "bytes": 5,
            "part": 1,
            "index": 0,
            "files_done": 1,
            "bytes_done": 5,
            "gone": 0,
            "failures": 0,
            "entries": 2,
        },
    )
    put_lines(
        s3,
        prefix + "manifest/000000.jsonl",
        [
            {"p": "docs", "t": "dir", "s": 0, "m": 0o755, "mt": 1.0},
            {"p": "docs/a.txt", "t": "file", "s": 5, "m": 0o640, "mt": 2.0},
        ],
    )
    s3.put(VAULT, data_key(prefix, "docs/a.txt"), b"hello")
    mover = InProcessMover(LocalMounts(tmp_path), lambda: s3)
    adapter = EfsAdapter(lambda: OneFileSystem(), REGION, ACCOUNT, VaultStorage(lambda: s3, VAULT), mover)

    # When it is restored into its file system
    metadata = adapter.restore_metadata("OLD-1", None)
    assert metadata["file-system-id"] == "fs-1" and metadata["Encrypted"] == "true"
    restore = adapter.start_restore("OLD-1", "RESTORE-1", metadata)
    progress = adapter.restore_status(NativeRestore(restore.native_id, restore.created_resource_arn))

    # Then its files are back in a new directory of the file system, with their modes
    assert progress.phase == Phase.COMPLETED and progress.size_bytes == 5
    (restored,) = (tmp_path / "fs-1").iterdir()
    assert (restored / "docs" / "a.txt").read_bytes() == b"hello"
    assert (restored / "docs" / "a.txt").stat().st_mode & 0o777 == 0o640
