"""Vault locks that hold outside Strongroom's API, on the local runtime: the EBS snapshot of a recovery point in a
compliance-locked vault cannot be deleted with ec2:DeleteSnapshot (AWS refuses with SnapshotLocked; moto alone
would delete it: local/snapshot_locks.py makes the emulator as strict), and the lifecycle still deletes it once
its retention, and so its lock, has ended."""

from __future__ import annotations

from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from lambdas.common import clock
from lambdas.services import vault_service
from local.runtime import LocalRuntime
from tests.e2e.test_engine_on_local_runtime import make_volume, protect_tagged

pytestmark = pytest.mark.e2e


def test_given_a_point_in_a_compliance_locked_vault_when_its_snapshot_is_deleted_natively_then_ec2_refuses(
    runtime: LocalRuntime,
) -> None:
    # Given a vault locked in compliance mode (3 days of grace, then immutable), backed up daily, kept 7 days
    protect_tagged(runtime, delete_after_days=7)
    ctx = runtime.services()
    vault_service.put_lock(ctx, "main", {"MinRetentionDays": 7, "ChangeableForDays": 3}, clock.now())
    make_volume(runtime)
    runtime.advance(timedelta(days=4))  # four daily points; the vault lock's grace is over
    points = sorted(runtime.services().stores.recovery_points.in_vault("main")[0], key=lambda p: p.CreationDate)
    first = points[0]
    ec2 = runtime.client("ec2")

    # When anyone deletes the first point's snapshot through EC2 itself
    with pytest.raises(ClientError) as refused:
        ec2.delete_snapshot(SnapshotId=first.NativeBackupId)

    # Then EC2 refuses: the snapshot is locked in compliance mode (its cooling-off ended with the vault's grace)
    assert refused.value.response["Error"]["Code"] == "SnapshotLocked"
    (locked,) = ec2.describe_locked_snapshots(SnapshotIds=[first.NativeBackupId])["Snapshots"]
    assert locked["LockState"] == "compliance"
    assert locked["LockExpiresOn"] == first.CalculatedLifecycle.DeleteAt
    with pytest.raises(ClientError, match="SnapshotLocked"):
        ec2.unlock_snapshot(SnapshotId=first.NativeBackupId)

    # And when its retention has ended, the lifecycle deletes it (the lock ended with it), nothing left waiting
    runtime.advance(timedelta(days=4))
    gone = runtime.services().stores.recovery_points.find(first.RecoveryPointArn)
    assert gone is not None and gone.StorageClass == "DELETED"
    wanted = [{"Name": "snapshot-id", "Values": [first.NativeBackupId]}]
    left = ec2.describe_snapshots(OwnerIds=["self"], Filters=wanted)
    assert left["Snapshots"] == []
