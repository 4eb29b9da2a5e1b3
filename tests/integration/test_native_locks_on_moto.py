"""Vault locks and legal holds on the real EBS adapter over moto with EBS snapshot lock patched in
(local/snapshot_locks.py): what EC2 itself then refuses, and that expiry neither fails on a lock nor deletes early.

Without the patch moto has no LockSnapshot and deletes any snapshot: every test here fails."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.integration.builders import ACCOUNT, KEY, REGION, T0


@pytest.fixture(autouse=True)
def snapshot_lock() -> Iterator[None]:
    from lambdas.common import clock
    from local import snapshot_locks

    class Fixed:
        moment = T0

        def now(self) -> Any:
            return self.moment

    fixed = Fixed()
    clock.use_clock(fixed)
    undo = snapshot_locks.PATCHES.apply()
    yield
    undo()
    clock.use_clock(clock.SystemClock())


def at(moment: Any) -> None:
    from lambdas.common import clock

    clock.current_clock().moment = moment  # type: ignore[attr-defined]


@pytest.fixture
def ctx() -> Any:
    from lambdas.common import aws
    from lambdas.resources.ebs.adapter import EbsAdapter
    from lambdas.resources.registry import AdapterRegistry
    from lambdas.services.context import ServiceContext
    from lambdas.services.vault_service import create_vault
    from lambdas.store.memory_table import MemoryTable
    from lambdas.store.stores import Stores
    from tests.fakes import FakeEbs, FakeResolver, RecordingEvents

    made = ServiceContext(
        account=ACCOUNT,
        region=REGION,
        default_key_arn=KEY,
        stores=Stores.over(MemoryTable()),
        adapters=AdapterRegistry([EbsAdapter(lambda: aws.client("ec2"), REGION, ACCOUNT)]),
        events=RecordingEvents(),
        resolver=FakeResolver(FakeEbs()),
    )
    create_vault(made, {"BackupVaultName": "main"}, T0)
    return made


def ebs_point(ctx: Any, delete_days: int) -> Any:
    """An EBS recovery point made at T0 on a real (emulated) snapshot, kept `delete_days`."""
    from lambdas.domain.lifecycle import CalculatedLifecycle
    from lambdas.domain.recovery_points import RecoveryPoint

    ec2 = boto3.client("ec2", region_name=REGION)
    volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=1)["VolumeId"]
    snapshot = ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
    vault = ctx.stores.vaults.get("main")
    point = RecoveryPoint(
        RecoveryPointArn=f"arn:aws:ec2:{REGION}::snapshot/{snapshot}",
        BackupVaultName="main",
        BackupVaultArn=vault.BackupVaultArn,
        ResourceArn=f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{volume}",
        ResourceType="EBS",
        CreationDate=T0,
        CalculatedLifecycle=CalculatedLifecycle(DeleteAt=T0 + timedelta(days=delete_days)),
        NativeBackupId=snapshot,
    )
    assert ctx.stores.recovery_points.create(point)
    return point


def native_delete(point: Any) -> str | None:
    """Deletes the point's snapshot through EC2, as anyone allowed ec2:DeleteSnapshot could: the error code, or None."""
    try:
        boto3.client("ec2", region_name=REGION).delete_snapshot(SnapshotId=point.NativeBackupId)
    except ClientError as error:
        return str(error.response["Error"]["Code"])
    return None


def lock_state(point: Any) -> str | None:
    found = boto3.client("ec2", region_name=REGION).describe_locked_snapshots(SnapshotIds=[point.NativeBackupId])
    return found["Snapshots"][0]["LockState"] if found["Snapshots"] else None


def test_given_the_fake_when_a_lock_is_out_of_bounds_then_refused_as_ec2_refuses() -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=1)["VolumeId"]
    snapshot = ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
    # A duration beyond 36,500 days, a cooling-off period in governance mode, and neither duration nor date
    for request, code in [
        ({"LockMode": "governance", "LockDuration": 36501}, "InvalidParameterValue"),
        ({"LockMode": "governance", "LockDuration": 1, "CoolOffPeriod": 2}, "InvalidParameterCombination"),
        ({"LockMode": "compliance"}, "InvalidParameterCombination"),
    ]:
        with pytest.raises(ClientError) as refused:
            ec2.lock_snapshot(SnapshotId=snapshot, **request)
        assert refused.value.response["Error"]["Code"] == code
    # A compliance lock in its cooling-off period can still be undone; after it, only extended
    ec2.lock_snapshot(SnapshotId=snapshot, LockMode="compliance", LockDuration=10, CoolOffPeriod=1)
    assert ec2.describe_locked_snapshots(SnapshotIds=[snapshot])["Snapshots"][0]["LockState"] == "compliance-cooloff"
    at(T0 + timedelta(hours=2))
    with pytest.raises(ClientError, match="SnapshotLocked"):
        ec2.lock_snapshot(SnapshotId=snapshot, LockMode="compliance", LockDuration=1)
    with pytest.raises(ClientError, match="SnapshotLocked"):
        ec2.delete_snapshot(SnapshotId=snapshot)
    at(T0 + timedelta(days=10, hours=1))  # the lock expired: the snapshot goes
    ec2.delete_snapshot(SnapshotId=snapshot)


def test_given_a_legal_hold_when_it_is_canceled_then_the_snapshot_is_locked_then_released(ctx: Any) -> None:
    from lambdas.services import legal_hold_service
    from lambdas.services.lifecycle_service import run_lifecycle

    # Given a point in an unlocked vault, kept 5 days, put under a legal hold
    point = ebs_point(ctx, delete_days=5)
    at(T0 + timedelta(hours=1))
    hold = legal_hold_service.create(ctx, {"Title": "case", "Description": "d"}, T0 + timedelta(hours=1))

    # Then EC2 itself refuses to delete its snapshot: locked in governance mode
    assert lock_state(point) == "governance"
    assert native_delete(point) == "SnapshotLocked"

    # When the hold is canceled, the lock goes; and the lifecycle deletes the point when it is due
    legal_hold_service.cancel(ctx, {"LegalHoldId": hold.LegalHoldId, "CancelDescription": "done"}, T0)
    assert lock_state(point) is None
    at(T0 + timedelta(days=5, hours=1))
    assert run_lifecycle(ctx, T0 + timedelta(days=5, hours=1)).deleted == [point.RecoveryPointArn]


def test_given_a_compliance_lock_longer_than_the_lifecycle_when_due_then_the_point_waits_without_failing(
    ctx: Any,
) -> None:
    from lambdas.services import vault_service
    from lambdas.services.lifecycle_service import run_lifecycle

    # Given a point kept 5 days in a governance-locked vault, whose snapshot got a compliance lock for 9 days
    # (set outside Strongroom, say, or rounded up)
    point = ebs_point(ctx, delete_days=5)
    vault_service.put_lock(ctx, "main", {"MinRetentionDays": 1}, T0)
    ec2 = boto3.client("ec2", region_name=REGION)
    ec2.lock_snapshot(SnapshotId=point.NativeBackupId, LockMode="compliance", LockDuration=9)

    # When its lifecycle comes due
    day_5 = T0 + timedelta(days=5, hours=1)
    at(day_5)
    result = run_lifecycle(ctx, day_5)

    # Then no deletion is attempted in vain: the point waits, not failed, until the lock ends
    assert result.deleted == [] and result.failed == []
    waiting = ctx.stores.recovery_points.find(point.RecoveryPointArn)
    assert waiting.Status.value == "COMPLETED" and waiting.LifecycleRetryAt == T0 + timedelta(days=9)
    day_9 = T0 + timedelta(days=9, minutes=1)
    at(day_9)
    assert run_lifecycle(ctx, day_9).deleted == [point.RecoveryPointArn]


def test_given_a_governance_vault_lock_when_put_then_existing_points_are_locked_and_released_when_removed(
    ctx: Any,
) -> None:
    from lambdas.services import vault_service

    point = ebs_point(ctx, delete_days=30)
    vault_service.put_lock(ctx, "main", {"MinRetentionDays": 7}, T0)
    assert lock_state(point) == "governance"
    assert native_delete(point) == "SnapshotLocked"
    vault_service.delete_lock(ctx, "main", T0)
    assert lock_state(point) is None
