"""The lifecycle run batches its saves and reads its legal holds once (lambdas/services/lifecycle_service.py):
what batching must never change is which points are deleted. A point another worker changed meanwhile is left
as that worker left it, the others are still saved; a legal hold placed while the run goes on protects its
points from the next page on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from lambdas.domain.recovery_points import RecoveryPoint, RecoveryPointStatus
from lambdas.services import backup_service, legal_hold_service, vault_service
from lambdas.services.lifecycle_service import run_lifecycle
from lambdas.services.tracking_service import track_jobs
from tests.fakes import ROLE, T0, World

KEEP_10_DAYS = {"DeleteAfterDays": 10}
DAY_11 = T0 + timedelta(days=11)


def backed_up(world: World, n: int) -> RecoveryPoint:
    """Given one completed on-demand backup of volume `n`, kept 10 days: its recovery point."""
    arn = world.ebs.add_volume(n)
    if world.ctx.stores.vaults.find("main") is None:
        vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    request = {"BackupVaultName": "main", "ResourceArn": arn, "IamRoleArn": ROLE, "Lifecycle": KEEP_10_DAYS}
    job = backup_service.start_backup_job(world.ctx, request, T0 + timedelta(minutes=n))
    track_jobs(world.ctx, T0 + timedelta(minutes=n + 5))
    assert job.RecoveryPointArn
    return world.ctx.stores.recovery_points.get(job.RecoveryPointArn)


def while_deleting(world: World, native_id: str, meanwhile: Callable[[], None]) -> None:
    """`meanwhile` happens as the run deletes the native backup `native_id` (another worker, another caller)."""
    delete = world.ebs.delete_backup

    def deleting(deleted_id: str) -> None:
        if deleted_id == native_id:
            meanwhile()
        delete(deleted_id)

    world.ebs.delete_backup = deleting  # type: ignore[method-assign]


def stored(world: World, point: RecoveryPoint) -> RecoveryPoint:
    found = world.ctx.stores.recovery_points.find(point.RecoveryPointArn)
    assert found is not None
    return found


def test_given_a_point_changed_by_another_worker_during_the_run_then_only_it_is_left_and_the_others_are_saved(
    world: World,
) -> None:
    # Given three points past their retention
    first, second, third = (backed_up(world, n) for n in (1, 2, 3))
    # And another worker moves the first point on (its status) while the run deletes the second one's snapshot
    changed = first.model_copy(
        update={"Status": RecoveryPointStatus.EXPIRED, "StatusMessage": "changed by another worker"}
    )
    while_deleting(
        world,
        second.NativeBackupId,
        lambda: world.ctx.stores.recovery_points.save(changed, first.Status.value),
    )

    # When the lifecycle runs (the page's saves go in one transaction, which the changed point makes fail)
    result = run_lifecycle(world.ctx, DAY_11)

    # Then the two unchanged points are saved deleted and announced, one by one after the transaction failed
    assert sorted(result.deleted) == sorted([second.RecoveryPointArn, third.RecoveryPointArn])
    assert {p.RecoveryPointArn for p in world.events.recovery_points} == set(result.deleted)
    assert stored(world, second).StorageClass == stored(world, third).StorageClass == "DELETED"
    # And the changed point keeps what the other worker wrote; it stays due, for the next run
    assert stored(world, first).StatusMessage == "changed by another worker"
    assert stored(world, first).StorageClass != "DELETED"
    assert first.RecoveryPointArn in run_lifecycle(world.ctx, DAY_11 + timedelta(hours=1)).deleted


def test_given_a_legal_hold_placed_during_the_run_then_the_points_of_later_pages_are_kept(world: World) -> None:
    # Given two points past their retention, read a page (one point) at a time
    first, second = backed_up(world, 1), backed_up(world, 2)
    # And a legal hold on the second point's volume is placed while the run deletes the first point
    while_deleting(
        world,
        first.NativeBackupId,
        lambda: legal_hold_service.create(
            world.ctx,
            {
                "Title": "litigation",
                "Description": "placed during the run",
                "RecoveryPointSelection": {"ResourceIdentifiers": [second.ResourceArn]},
            },
            DAY_11,
        ),
    )

    # When the lifecycle runs
    result = run_lifecycle(world.ctx, DAY_11, page_size=1)

    # Then the first point is deleted, and the held one is kept, though the run read the holds before the hold
    assert result.deleted == [first.RecoveryPointArn]
    assert stored(world, second).StorageClass != "DELETED"
    assert second.NativeBackupId in world.ebs.snapshots
