"""The detective check of the hourly lifecycle run: a protected recovery point (in a locked vault, or under a
legal hold) whose native backup was deleted outside Strongroom is marked, announced and counted, once."""

from __future__ import annotations

from datetime import timedelta

from lambdas.domain.lifecycle import CalculatedLifecycle
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.services import legal_hold_service, vault_service
from lambdas.services.lifecycle_service import run_lifecycle
from tests.fakes import T0, World


def point_on_a_snapshot(world: World, vault: str, n: int) -> RecoveryPoint:
    volume = world.ebs.add_volume(n)
    backup = world.ebs.start_backup(volume, f"job-{n}", {})
    point = RecoveryPoint(
        RecoveryPointArn=backup.recovery_point_arn,
        BackupVaultName=vault,
        BackupVaultArn=world.ctx.stores.vaults.get(vault).BackupVaultArn,
        ResourceArn=volume,
        ResourceType="EBS",
        CreationDate=T0,
        CalculatedLifecycle=CalculatedLifecycle(DeleteAt=T0 + timedelta(days=30)),
        NativeBackupId=backup.native_id,
    )
    assert world.ctx.stores.recovery_points.create(point)
    return point


def test_given_protected_points_whose_backup_was_deleted_natively_when_the_run_comes_then_each_is_marked_once(
    world: World,
) -> None:
    ctx = world.ctx
    # Given a point in a locked vault, a held point in an unlocked vault, and an unprotected one
    for name in ("locked", "open"):
        vault_service.create_vault(ctx, {"BackupVaultName": name}, T0)
    vault_service.put_lock(ctx, "locked", {"MinRetentionDays": 7}, T0)
    in_locked = point_on_a_snapshot(world, "locked", 1)
    held = point_on_a_snapshot(world, "open", 2)
    unprotected = point_on_a_snapshot(world, "open", 3)
    legal_hold_service.create(
        ctx,
        {"Title": "case", "Description": "d", "RecoveryPointSelection": {"ResourceIdentifiers": [held.ResourceArn]}},
        T0 + timedelta(minutes=1),
    )

    # When all three snapshots are deleted through the native service, and the hourly run comes
    for point in (in_locked, held, unprotected):
        del world.ebs.snapshots[point.NativeBackupId]
    result = run_lifecycle(ctx, T0 + timedelta(hours=1))

    # Then the two protected points are marked EXPIRED, saying why, and a RECOVERY_POINT_MODIFIED event went out
    assert sorted(result.missing) == sorted([in_locked.RecoveryPointArn, held.RecoveryPointArn])
    for point in (in_locked, held):
        marked = ctx.stores.recovery_points.get(point.RecoveryPointArn)
        assert marked.Status.value == "EXPIRED"
        assert "deleted or damaged outside Strongroom" in (marked.StatusMessage or "")
    assert sorted(p.RecoveryPointArn for p in world.events.recovery_points) == sorted(result.missing)
    # The unprotected point is not watched (its deletion is the user's housekeeping, not a breach)
    assert ctx.stores.recovery_points.get(unprotected.RecoveryPointArn).Status.value == "COMPLETED"

    # And the next run does not report them again
    assert run_lifecycle(ctx, T0 + timedelta(hours=2)).missing == []


def test_given_protected_points_whose_backups_are_there_when_the_run_comes_then_nothing_is_marked(
    world: World,
) -> None:
    vault_service.create_vault(world.ctx, {"BackupVaultName": "locked"}, T0)
    vault_service.put_lock(world.ctx, "locked", {"MinRetentionDays": 7}, T0)
    point = point_on_a_snapshot(world, "locked", 1)
    assert run_lifecycle(world.ctx, T0 + timedelta(hours=1)).missing == []
    assert world.ctx.stores.recovery_points.get(point.RecoveryPointArn).Status.value == "COMPLETED"
