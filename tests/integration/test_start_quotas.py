"""Start quotas on moto: before a batch of jobs starts, each adapter says which of its resources must wait (EBS: a
volume with 5 pending snapshots; RDS and Aurora: an instance or cluster being backed up already) and how many
backups may start at all (the RDS manual snapshot quotas), in one or two calls for the whole batch. A refusal the
service still makes at start is BackupMustWait, not a BackupError: the job stays CREATED and is tried again.

moto completes every snapshot at once and never reports a DB instance backing-up: the tests set those states in
moto's backends. DescribeAccountAttributes of RDS comes from local/adapter_gaps.py (moto lacks it)."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from tests.integration.builders import ACCOUNT, REGION

pytestmark = pytest.mark.usefixtures("adapter_gaps")


def ebs_adapter() -> Any:
    from lambdas.common import aws
    from lambdas.resources.ebs.adapter import EbsAdapter

    return EbsAdapter(lambda: aws.client("ec2"), REGION, ACCOUNT)


def rds_adapter() -> Any:
    from lambdas.common import aws
    from lambdas.resources.rds.adapter import RdsAdapter

    return RdsAdapter(lambda: aws.client("rds"), REGION, ACCOUNT)


def aurora_adapter() -> Any:
    from lambdas.common import aws
    from lambdas.resources.rds_family.clusters import RdsClusterAdapter

    return RdsClusterAdapter("Aurora", lambda: aws.client("rds"), REGION, ACCOUNT, owns_cluster_arns=True)


def volume(ec2: Any) -> tuple[str, str]:
    volume_id = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8)["VolumeId"]
    return volume_id, f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{volume_id}"


def pending_snapshots(ec2: Any, volume_id: str, count: int) -> None:
    """Snapshots still being taken (moto completes them at once, so they are set back to pending)."""
    from moto.ec2.models import ec2_backends

    for _ in range(count):
        snapshot_id = ec2.create_snapshot(VolumeId=volume_id)["SnapshotId"]
        ec2_backends[ACCOUNT][REGION].snapshots[snapshot_id].status = "pending"


def db_instance(rds: Any, name: str) -> str:
    return str(
        rds.create_db_instance(
            DBInstanceIdentifier=name,
            DBInstanceClass="db.t3.micro",
            Engine="postgres",
            AllocatedStorage=20,
            MasterUsername="admin",
            MasterUserPassword="password-123",
        )["DBInstance"]["DBInstanceArn"]
    )


def cluster(rds: Any, name: str) -> str:
    return str(
        rds.create_db_cluster(
            DBClusterIdentifier=name,
            Engine="aurora-postgresql",
            MasterUsername="admin",
            MasterUserPassword="password-123",
        )["DBCluster"]["DBClusterArn"]
    )


def refuse(client: Any, operation: str, code: str) -> None:
    """The next calls of `operation` on this client fail with `code`, as the service would answer."""

    def answer(**_: Any) -> tuple[Any, dict[str, Any]]:
        http = SimpleNamespace(status_code=400, headers={})
        return http, {"Error": {"Code": code, "Message": f"{code} (refused by the test)"}, "ResponseMetadata": {}}

    client.meta.events.register(f"before-call.{client.meta.service_model.service_name}.{operation}", answer)


# EBS: 5 pending snapshots per volume


def test_given_a_volume_with_five_pending_snapshots_when_a_batch_asks_then_it_alone_is_busy_after_one_call(
    aws_calls: Counter[str],
) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    # Given a volume at EC2's limit of 5 pending snapshots, one with 4, and one with none
    full_id, full = volume(ec2)
    pending_snapshots(ec2, full_id, 5)
    almost_id, almost = volume(ec2)
    pending_snapshots(ec2, almost_id, 4)
    _, idle = volume(ec2)
    aws_calls.clear()

    # When the batch's capacity is asked
    capacity = ebs_adapter().start_capacity([full, almost, idle])

    # Then the full volume waits, saying why, and the others may start; EBS has no account-wide room
    assert capacity.busy == {full: f"{full_id} already has 5 pending snapshots; the backup waits for one to complete"}
    assert capacity.room is None
    # and the whole batch cost one DescribeSnapshots
    assert aws_calls == Counter({"DescribeSnapshots": 1})


def test_given_ec2_refuses_a_sixth_pending_snapshot_when_the_backup_starts_then_it_must_wait_not_fail() -> None:
    from lambdas.common import aws
    from lambdas.domain.errors import BackupError
    from lambdas.resources.waits import BackupMustWait

    ec2 = boto3.client("ec2", region_name=REGION)
    volume_id, arn = volume(ec2)
    # Given EC2 answers SnapshotCreationPerVolumeRateExceeded (a 6th pending snapshot of the volume)
    refuse(aws.client("ec2"), "CreateSnapshot", "SnapshotCreationPerVolumeRateExceeded")

    # When the backup starts
    with pytest.raises(BackupMustWait) as refused:
        ebs_adapter().start_backup(arn, "JOB-1", {})

    # Then the refusal is one the start retries (not a BackupError, which fails the job), and says why
    assert not isinstance(refused.value, BackupError)
    assert volume_id in str(refused.value) and "pending snapshots" in str(refused.value)


# RDS and Aurora: the manual snapshot quotas, and a resource being backed up


def test_given_the_rds_manual_snapshot_quota_nearly_used_when_a_batch_asks_then_the_room_left_is_told(
    monkeypatch: pytest.MonkeyPatch, aws_calls: Counter[str]
) -> None:
    rds = boto3.client("rds", region_name=REGION)
    arns = [db_instance(rds, "db-a"), db_instance(rds, "db-b")]
    # Given 2 of the 3 manual DB snapshots the account may have (the automated ones do not count)
    rds.create_db_snapshot(DBInstanceIdentifier="db-a", DBSnapshotIdentifier="by-hand-1")
    rds.create_db_snapshot(DBInstanceIdentifier="db-b", DBSnapshotIdentifier="by-hand-2")
    monkeypatch.setenv("MOTO_RDS_SNAPSHOT_LIMIT", "3")  # the quota, as the gap reports it
    aws_calls.clear()

    # When the batch's capacity is asked
    capacity = rds_adapter().start_capacity(arns)

    # Then one more may start, and nothing is busy
    assert (capacity.room, capacity.busy) == (1, {})
    # and it cost one DescribeAccountAttributes and one DescribeDBInstances for the batch
    assert aws_calls == Counter({"DescribeAccountAttributes": 1, "DescribeDBInstances": 1})

    # Given a quota of 2, reached
    monkeypatch.setenv("MOTO_RDS_SNAPSHOT_LIMIT", "2")
    capacity = rds_adapter().start_capacity(arns)
    # Then no room, and the reason says so
    assert capacity.room == 0
    assert capacity.room_reason == (
        "the RDS manual snapshot quota is reached (2 of 2); the backup waits for an expiry to free room"
    )


def test_given_rds_refuses_a_snapshot_over_the_quota_when_the_backup_starts_then_it_must_wait_not_fail(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lambdas.domain.errors import BackupError
    from lambdas.resources.waits import BackupMustWait

    rds = boto3.client("rds", region_name=REGION)
    arn = db_instance(rds, "db-a")
    rds.create_db_snapshot(DBInstanceIdentifier="db-a", DBSnapshotIdentifier="by-hand-1")
    monkeypatch.setenv("MOTO_RDS_SNAPSHOT_LIMIT", "1")  # moto enforces it (counting automated snapshots too)

    # When a backup starts over the quota (RDS answers SnapshotQuotaExceeded)
    with pytest.raises(BackupMustWait) as refused:
        rds_adapter().start_backup(arn, "JOB-1", {})

    # Then the job would wait in CREATED (not a BackupError), and no snapshot was made
    assert not isinstance(refused.value, BackupError)
    assert "SnapshotQuotaExceeded" in str(refused.value)
    manual = rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
    assert [s["DBSnapshotIdentifier"] for s in manual] == ["by-hand-1"]


def test_given_a_db_instance_being_backed_up_when_a_batch_asks_then_it_is_busy_and_the_others_start_undescribed(
    aws_calls: Counter[str],
) -> None:
    from moto.rds.models import rds_backends

    from lambdas.resources.base import RunMemo

    rds = boto3.client("rds", region_name=REGION)
    busy, free = db_instance(rds, "db-busy"), db_instance(rds, "db-free")
    # Given RDS is snapshotting one instance already (its status is backing-up)
    rds_backends[ACCOUNT][REGION].databases["db-busy"].status = "backing-up"
    adapter = rds_adapter()

    # When the batch's capacity is asked, then the free instance's backup starts, both in one run
    run = RunMemo()
    capacity = adapter.start_capacity([busy, free], memo=run)
    aws_calls.clear()
    adapter.start_backup(free, "JOB-1", {}, memo=run)

    # Then the instance being backed up waits, saying why
    assert set(capacity.busy) == {busy}
    assert "already being backed up" in capacity.busy[busy]
    # and the start used the run's description of the instance instead of describing it again
    assert aws_calls == Counter({"CreateDBSnapshot": 1})
    # while a start outside that run describes the instance itself
    aws_calls.clear()
    adapter.start_backup(free, "JOB-2", {})
    assert aws_calls == Counter({"DescribeDBInstances": 1, "CreateDBSnapshot": 1})


def test_given_aurora_clusters_when_a_batch_asks_then_the_cluster_quota_and_a_cluster_backing_up_are_told(
    monkeypatch: pytest.MonkeyPatch, aws_calls: Counter[str]
) -> None:
    from moto.rds.models import rds_backends

    rds = boto3.client("rds", region_name=REGION)
    busy, free = cluster(rds, "busy"), cluster(rds, "free")
    # Given one manual cluster snapshot (of 5) and a cluster RDS is snapshotting already
    rds.create_db_cluster_snapshot(DBClusterIdentifier="free", DBClusterSnapshotIdentifier="by-hand-1")
    monkeypatch.setenv("MOTO_RDS_SNAPSHOT_LIMIT", "5")
    rds_backends[ACCOUNT][REGION].clusters["busy"].status = "backing-up"
    aws_calls.clear()

    # When the batch's capacity is asked
    capacity = aurora_adapter().start_capacity([busy, free])

    # Then the cluster quota's room is told (ManualClusterSnapshots, not the DB instances' ManualSnapshots)
    assert capacity.room == 4
    assert "manual cluster snapshot quota" in capacity.room_reason
    # and the cluster being backed up waits
    assert set(capacity.busy) == {busy}
    assert aws_calls == Counter({"DescribeAccountAttributes": 1, "DescribeDBClusters": 1})


def test_given_the_cluster_snapshot_quota_is_full_when_a_cluster_backup_starts_then_it_must_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lambdas.resources.waits import BackupMustWait

    rds = boto3.client("rds", region_name=REGION)
    arn = cluster(rds, "app")
    rds.create_db_cluster_snapshot(DBClusterIdentifier="app", DBClusterSnapshotIdentifier="by-hand-1")
    monkeypatch.setenv("MOTO_RDS_SNAPSHOT_LIMIT", "1")

    with pytest.raises(BackupMustWait, match="SnapshotQuotaExceeded"):
        aurora_adapter().start_backup(arn, "JOB-1", {})
