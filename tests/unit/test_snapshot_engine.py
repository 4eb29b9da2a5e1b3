"""The snapshot engine's logic on a fake snapshot service: what every snapshot-style adapter (Redshift, and the
RDS family as it moves onto it) gets without writing it again: adopting the snapshot a lost answer made,
waiting on a quota, counting a gone snapshot as deleted, leaving automated snapshots to their service, and
listing only what was made elsewhere for the import."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lambdas.domain.errors import ResourceNotFoundException
from lambdas.resources.base import NativeBackupInUse, Phase, Progress
from lambdas.resources.snapshot_engine import SnapshotCalls, SnapshotEngine, snapshot_identifier
from lambdas.resources.waits import BackupMustWait

CREATED = datetime(2026, 5, 1, tzinfo=UTC)


def _error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "Call")


def _progress(snapshot: dict[str, Any] | None, what: str) -> Progress:
    if snapshot is None:
        return Progress(Phase.FAILED, message=f"{what} is gone")
    return Progress(Phase.COMPLETED if snapshot["Status"] == "available" else Phase.RUNNING)


def _quota(error: ClientError) -> BackupMustWait | None:
    return BackupMustWait("quota") if error.response["Error"]["Code"] == "QuotaExceeded" else None


CALLS = SnapshotCalls(
    service="Fake",
    what="Fake snapshot",
    resource_what="Fake cluster",
    describe="describe_snaps",
    describe_id="SnapId",
    describe_resource="ClusterId",
    listed="Snaps",
    id_field="SnapId",
    resource_field="ClusterId",
    tags_field="Tags",
    create="create_snap",
    create_resource="ClusterId",
    create_id="SnapId",
    created="Snap",
    delete="delete_snap",
    delete_id="SnapId",
    snapshot_gone=frozenset({"SnapNotFound"}),
    resource_gone=frozenset({"ClusterNotFound"}),
    already_exists=frozenset({"SnapExists"}),
    invalid_state=frozenset({"InvalidSnapState"}),
    automated_prefix="auto:",
    arn_of=lambda snap, region, account: f"arn:aws:fake:{region}:{account}:snap:{snap['SnapId']}",
    progress=_progress,
    quota_reached=_quota,
    copy="copy_snap",
    copy_source="SourceSnapId",
    copy_target="TargetSnapId",
    share="share_snap",
)


class FakeService:
    """Snapshots by id; `fail_create` makes the next create raise that code (after making it, for a lost answer)."""

    def __init__(self) -> None:
        self.snaps: dict[str, dict[str, Any]] = {}
        self.clusters = {"sales"}
        self.fail_create: str | None = None
        self.fail_delete: str | None = None
        self.calls: list[str] = []

    def add(self, snap_id: str, cluster: str = "sales", **fields: Any) -> None:
        self.snaps[snap_id] = {
            "SnapId": snap_id,
            "ClusterId": cluster,
            "Status": "available",
            "SnapshotType": "manual",
            "SnapshotCreateTime": CREATED,
            "Tags": [],
            **fields,
        }

    def describe_snaps(self, SnapId: str) -> dict[str, Any]:
        self.calls.append("describe")
        if SnapId not in self.snaps:
            raise _error("SnapNotFound")
        return {"Snaps": [self.snaps[SnapId]]}

    def create_snap(self, ClusterId: str, SnapId: str, Tags: list[dict[str, str]]) -> dict[str, Any]:
        self.calls.append("create")
        if ClusterId not in self.clusters:
            raise _error("ClusterNotFound")
        if self.fail_create == "QuotaExceeded":
            raise _error("QuotaExceeded")
        if SnapId in self.snaps:
            raise _error("SnapExists")
        self.add(SnapId, ClusterId, Status="creating", Tags=Tags)
        if self.fail_create:
            raise _error(self.fail_create)
        return {"Snap": self.snaps[SnapId]}

    def delete_snap(self, SnapId: str) -> None:
        self.calls.append("delete")
        if self.fail_delete:
            raise _error(self.fail_delete)
        if self.snaps.pop(SnapId, None) is None:
            raise _error("SnapNotFound")

    def copy_snap(self, SourceSnapId: str, TargetSnapId: str, **request: Any) -> dict[str, Any]:
        self.calls.append("copy")
        if SourceSnapId.endswith("gone"):
            raise _error("SnapNotFound")
        if TargetSnapId in self.snaps:
            raise _error("SnapExists")
        self.add(TargetSnapId, Status="copying", Tags=request.get("Tags", []))
        return {"Snap": self.snaps[TargetSnapId]}

    def share_snap(self, SnapId: str, AttributeName: str, ValuesToAdd: list[str]) -> None:
        self.snaps[SnapId].setdefault("Shared", set()).update(ValuesToAdd)

    def get_paginator(self, operation: str) -> Any:
        service = self

        class Pages:
            def paginate(self, ClusterId: str) -> list[dict[str, Any]]:
                # A service that filters loosely: every snapshot comes back, whatever cluster was asked for
                return [{"Snaps": list(service.snaps.values())}]

        return Pages()


@pytest.fixture
def service() -> FakeService:
    return FakeService()


@pytest.fixture
def engine(service: FakeService) -> SnapshotEngine:
    return SnapshotEngine(CALLS, lambda: service, "eu-west-1", "123456789012")


def test_given_a_job_when_its_backup_starts_then_the_snapshot_is_named_and_tagged_from_the_job(
    service: FakeService, engine: SnapshotEngine
) -> None:
    native = engine.start_backup("sales", "arn:sales", "Job-1", {"aws:backup:plan": "daily"})
    assert native.native_id == snapshot_identifier("Job-1") == "strongroom-job-1"
    assert native.recovery_point_arn == "arn:aws:fake:eu-west-1:123456789012:snap:strongroom-job-1"
    tags = {tag["Key"]: tag["Value"] for tag in service.snaps[native.native_id]["Tags"]}
    assert tags == {"strongroom:backup-job-id": "Job-1", "strongroom:backup:plan": "daily"}
    assert engine.find_backup("Job-1") == native and engine.find_backup("Job-2") is None


def test_given_a_create_whose_answer_was_lost_when_retried_then_the_snapshot_is_adopted_not_made_twice(
    service: FakeService, engine: SnapshotEngine
) -> None:
    # Given a create that made the snapshot and then failed to answer
    service.fail_create = "Throttling"
    with pytest.raises(ClientError):
        engine.start_backup("sales", "arn:sales", "job-1", {})
    service.fail_create = None
    # When the job starts again, then it adopts the one snapshot
    native = engine.start_backup("sales", "arn:sales", "job-1", {})
    assert list(service.snaps) == [native.native_id]
    assert engine.backup_status(native.native_id).phase == Phase.RUNNING


def test_given_a_quota_reached_or_a_gone_resource_when_started_then_the_job_waits_or_says_what_is_missing(
    service: FakeService, engine: SnapshotEngine
) -> None:
    service.fail_create = "QuotaExceeded"
    with pytest.raises(BackupMustWait):
        engine.start_backup("sales", "arn:sales", "job-1", {})
    with pytest.raises(ResourceNotFoundException, match="Fake cluster arn:gone does not exist"):
        engine.start_backup("gone", "arn:gone", "job-1", {})
    assert service.snaps == {}


def test_given_a_snapshot_when_deleted_twice_or_while_its_deletion_runs_then_each_counts_as_deleted(
    service: FakeService, engine: SnapshotEngine
) -> None:
    service.add("strongroom-a")
    engine.delete_backup("strongroom-a")
    engine.delete_backup("strongroom-a")  # gone already
    service.add("strongroom-b", Status="deleting")
    service.fail_delete = "InvalidSnapState"
    engine.delete_backup("strongroom-b")  # an earlier attempt's deletion is under way
    service.snaps["strongroom-b"]["Status"] = "available"
    with pytest.raises(ClientError):  # refused for another state: not deleted, expiry retries
        engine.delete_backup("strongroom-b")
    assert engine.backup_status("strongroom-a").phase == Phase.FAILED


def test_given_an_automated_snapshot_when_deleted_then_the_service_keeps_it_until_it_is_gone(
    service: FakeService, engine: SnapshotEngine
) -> None:
    service.add("auto:sales-1", SnapshotType="automated")
    with pytest.raises(NativeBackupInUse, match="Fake deletes it itself"):
        engine.delete_backup("auto:sales-1")
    assert "delete" not in service.calls
    del service.snaps["auto:sales-1"]
    engine.delete_backup("auto:sales-1")  # gone: its point may go too


def test_given_snapshots_of_all_kinds_when_listed_for_import_then_only_this_resources_available_ones_made_elsewhere(
    service: FakeService, engine: SnapshotEngine
) -> None:
    service.add("by-hand")
    service.add("auto:sales-1", SnapshotType="automated")
    service.add("strongroom-job-1")  # a Strongroom job's
    service.add("tagged", Tags=[{"Key": "strongroom:backup-job-id", "Value": "job-2"}])
    service.add("awsbackup:job-3")  # AWS Backup's own
    service.add("still-creating", Status="creating")
    service.add("shared", SnapshotType="shared")
    service.add("other", cluster="finance")
    listed = [native.native_id for native, created in engine.list_native_backups("sales")]
    assert listed == ["by-hand", "auto:sales-1"]


def test_given_a_copy_made_once_when_the_copy_job_starts_again_then_it_adopts_it_and_a_refusal_says_why(
    service: FakeService, engine: SnapshotEngine
) -> None:
    def refused(error: ClientError) -> Exception | None:
        return ValueError("gone or not shared") if error.response["Error"]["Code"] == "SnapNotFound" else None

    first = engine.copy_in("arn:source", "copy-1", {"Tags": []}, refused)
    again = engine.copy_in("arn:source", "copy-1", {"Tags": []}, refused)
    assert first == again and first.native_id == "strongroom-copy-1"
    assert service.calls.count("copy") == 2 and len(service.snaps) == 1
    with pytest.raises(ValueError, match="gone or not shared"):
        engine.copy_in("arn:gone", "copy-2", {}, refused)


def test_given_a_snapshot_when_shared_twice_then_the_account_may_copy_it_once(
    service: FakeService, engine: SnapshotEngine
) -> None:
    service.add("strongroom-a")
    engine.share("strongroom-a", "210987654321")
    engine.share("strongroom-a", "210987654321")
    assert service.snaps["strongroom-a"]["Shared"] == {"210987654321"}
