"""The Lifecycle run's "nothing to do" marker (lambdas/store/lifecycle_work.py) may spare a quiet run its queries,
never a job: every write that gives Lifecycle work makes the next run look again, and the quiet ends by itself when
the earliest point falls due."""

from __future__ import annotations

from datetime import timedelta

from lambdas.domain.lifecycle import CalculatedLifecycle
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.services import legal_hold_service, recovery_point_service, vault_service
from lambdas.services.leftovers import leave_over
from lambdas.services.lifecycle_service import LifecycleResult, run_lifecycle
from lambdas.services.tracking_service import track_jobs
from tests.fakes import T0, World
from tests.unit.test_backup_engine import fire, protect
from tests.unit.test_missing_backups import point_on_a_snapshot
from tests.unit.test_quiet_hourly_runs import counting_reads

HOUR = timedelta(hours=1)


def quiet(world: World, vault: str = "daily") -> RecoveryPoint:
    """A vault with one point due at T0 + 30 days, and two hourly runs that found nothing: the marker says so."""
    vault_service.create_vault(world.ctx, {"BackupVaultName": vault}, T0)
    point = point_on_a_snapshot(world, vault, 1)
    for hours in (1, 2):
        run_lifecycle(world.ctx, T0 + hours * HOUR)
    assert world.ctx.stores.lifecycle_work.read().nothing_to_do(T0 + 3 * HOUR)
    return point


def run_reading(world: World, hours: int) -> tuple[LifecycleResult, int]:
    reads = counting_reads(world)
    return run_lifecycle(world.ctx, T0 + hours * HOUR), reads["requests"]


def test_given_a_quiet_marker_when_the_earliest_point_falls_due_then_the_run_deletes_it(world: World) -> None:
    # Given the marker saying nothing is due before the point's DeleteAt
    point = quiet(world)
    assert run_reading(world, 3)[1] == 1
    # When the hourly run comes after its DeleteAt, then it reads the index and deletes the point
    result, reads = run_reading(world, 30 * 24 + 1)
    assert result.deleted == [point.RecoveryPointArn] and reads > 1


def test_given_two_empty_runs_minutes_apart_then_the_index_is_read_again_before_the_marker_is_trusted(
    world: World,
) -> None:
    # Given a vault with a point and two runs that found nothing, one minute apart (the index may lag behind)
    vault_service.create_vault(world.ctx, {"BackupVaultName": "daily"}, T0)
    point_on_a_snapshot(world, "daily", 1)
    run_lifecycle(world.ctx, T0 + HOUR)
    run_lifecycle(world.ctx, T0 + HOUR + timedelta(minutes=1))
    # When the next run comes, then it reads the index again
    assert run_reading(world, 2)[1] > 1


def test_given_a_quiet_marker_when_a_point_is_recorded_that_is_due_sooner_then_the_next_run_deletes_it(
    world: World,
) -> None:
    # Given the marker saying nothing is due for a month
    quiet(world)
    # When a point due tomorrow is recorded (the recovery point store's create, as copies and imports record them)
    volume = world.ebs.add_volume(2)
    backup = world.ebs.start_backup(volume, "job-2", {})
    sooner = RecoveryPoint(
        RecoveryPointArn=backup.recovery_point_arn,
        BackupVaultName="daily",
        BackupVaultArn=world.ctx.stores.vaults.get("daily").BackupVaultArn,
        ResourceArn=volume,
        ResourceType="EBS",
        CreationDate=T0 + 3 * HOUR,
        CalculatedLifecycle=CalculatedLifecycle(DeleteAt=T0 + 24 * HOUR),
        NativeBackupId=backup.native_id,
    )
    assert world.ctx.stores.recovery_points.create(sooner)
    # Then the run after it falls due deletes it
    assert run_lifecycle(world.ctx, T0 + 25 * HOUR).deleted == [sooner.RecoveryPointArn]


def test_given_a_quiet_marker_when_a_points_lifecycle_is_shortened_then_the_next_run_deletes_it(
    world: World,
) -> None:
    # Given the marker saying nothing is due for a month
    point = quiet(world)
    # When UpdateRecoveryPointLifecycle makes the point due after one day (a save of a live point)
    recovery_point_service.update_lifecycle(
        world.ctx,
        {"RecoveryPointArn": point.RecoveryPointArn, "BackupVaultName": "daily", "Lifecycle": {"DeleteAfterDays": 1}},
        T0 + 3 * HOUR,
    )
    assert not world.ctx.stores.lifecycle_work.read().nothing_to_do(T0 + 4 * HOUR)
    # Then the next run deletes it
    assert run_lifecycle(world.ctx, T0 + 25 * HOUR).deleted == [point.RecoveryPointArn]


def test_given_a_quiet_marker_when_tracking_records_new_backups_then_lifecycle_deletes_them_when_due(
    world: World,
) -> None:
    # Given a plan keeping its points one day, and the marker saying nothing is due
    plan = protect(world, 1, Lifecycle={"DeleteAfterDays": 1})
    for hours in (1, 2):
        run_lifecycle(world.ctx, T0 + hours * HOUR)
    assert world.ctx.stores.lifecycle_work.read().nothing_to_do(T0 + 3 * HOUR)
    # When its rule fires and tracking records the backup (the finished backups' transaction)
    fire(world, plan, at=T0 + 3 * HOUR)
    assert track_jobs(world.ctx, T0 + 3 * HOUR + timedelta(minutes=5)).completed == 1
    # Then the run after its DeleteAt deletes it
    assert len(run_lifecycle(world.ctx, T0 + 28 * HOUR).deleted) == 1


def test_given_a_quiet_marker_when_a_leftover_is_recorded_then_the_next_run_deletes_it(world: World) -> None:
    # Given the marker saying nothing is due, and a snapshot no recovery point owns
    quiet(world)
    volume = world.ebs.add_volume(9)
    stray = world.ebs.start_backup(volume, "job-9", {})
    # When it is recorded as a leftover
    leave_over(world.ctx.stores, "EBS", stray.native_id, stray.recovery_point_arn, "a fault", T0 + 3 * HOUR)
    # Then the next run deletes it
    result = run_lifecycle(world.ctx, T0 + 4 * HOUR)
    assert result.leftovers.deleted == [stray.native_id]
    assert stray.native_id not in world.ebs.snapshots


def test_given_a_quiet_marker_when_the_vault_is_locked_then_each_run_checks_its_points(world: World) -> None:
    # Given the marker saying nothing is due
    point = quiet(world)
    # When the vault is locked and the point's snapshot is then deleted outside Strongroom
    vault_service.put_lock(world.ctx, "daily", {"MinRetentionDays": 7}, T0 + 3 * HOUR)
    del world.ebs.snapshots[point.NativeBackupId]
    # Then the next run notices (a locked vault's points are checked every hour, never skipped)
    assert run_lifecycle(world.ctx, T0 + 4 * HOUR).missing == [point.RecoveryPointArn]


def test_given_a_quiet_marker_when_a_legal_hold_is_placed_then_each_run_checks_the_held_points(world: World) -> None:
    # Given the marker saying nothing is due
    point = quiet(world)
    # When a legal hold is placed on the point and its snapshot is then deleted outside Strongroom
    legal_hold_service.create(
        world.ctx,
        {"Title": "case", "Description": "d", "RecoveryPointSelection": {"ResourceIdentifiers": [point.ResourceArn]}},
        T0 + 3 * HOUR,
    )
    del world.ebs.snapshots[point.NativeBackupId]
    # Then the next run notices
    assert run_lifecycle(world.ctx, T0 + 4 * HOUR).missing == [point.RecoveryPointArn]
