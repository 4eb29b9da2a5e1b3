"""The hourly lifecycle run: WARM points move to cold storage when their MoveToColdStorageAt passes (or, for a
type with no cold tier, never claim to), expiry pages through everything due so failing points starve nothing,
a backup something else still uses is never deleted, and a deleted plan's points end by their own lifecycle."""

from __future__ import annotations

from datetime import timedelta

from lambdas.domain.lifecycle import CalculatedLifecycle
from lambdas.domain.recovery_points import RecoveryPoint, RecoveryPointStatus
from lambdas.resources.vault_storage import WorkBudget
from lambdas.services import backup_service, plan_service, recovery_point_service, scheduled_backups, vault_service
from lambdas.services.lifecycle_service import IN_USE_RETRY_AFTER, RETRY_AFTER, run_lifecycle
from lambdas.services.tracking_service import track_jobs
from tests.fakes import REGION, ROLE, T0, World

COLD_THEN_DELETE = {"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 100}


def backed_up(world: World, lifecycle: dict[str, int], n: int = 1) -> RecoveryPoint:
    """Given one completed on-demand backup of volume `n` with `lifecycle`: its recovery point."""
    arn = world.ebs.add_volume(n)
    if world.ctx.stores.vaults.find("main") is None:
        vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    request = {"BackupVaultName": "main", "ResourceArn": arn, "IamRoleArn": ROLE, "Lifecycle": lifecycle}
    job = backup_service.start_backup_job(world.ctx, request, T0)
    track_jobs(world.ctx, T0 + timedelta(minutes=5))
    assert job.RecoveryPointArn
    return world.ctx.stores.recovery_points.get(job.RecoveryPointArn)


def point(world: World) -> RecoveryPoint:
    (only,) = world.ctx.stores.recovery_points.in_vault("main")[0]
    return only


# WARM -> COLD


def test_given_a_point_due_for_cold_storage_when_lifecycle_runs_then_it_is_archived_cold_and_later_deleted(
    world: World,
) -> None:
    # Given a volume point that moves to cold storage after 10 days and is deleted after 100
    created = backed_up(world, COLD_THEN_DELETE)
    assert created.CalculatedLifecycle.MoveToColdStorageAt == T0 + timedelta(days=10)

    # When the lifecycle runs a minute before its move, nothing happens
    early = run_lifecycle(world.ctx, T0 + timedelta(days=10) - timedelta(minutes=1))
    assert early.moved_to_cold == [] and point(world).StorageClass == "WARM"

    # When it runs after the move date, the snapshot goes to the archive tier and the point is COLD
    moved = run_lifecycle(world.ctx, T0 + timedelta(days=10, hours=1))
    assert moved.moved_to_cold == [created.RecoveryPointArn]
    assert world.ebs.archived == {created.NativeBackupId}
    cold = point(world)
    assert cold.StorageClass == "COLD" and cold.CalculatedLifecycle == created.CalculatedLifecycle

    # And the next runs leave it alone until its deletion date, then delete it
    assert run_lifecycle(world.ctx, T0 + timedelta(days=99)) == type(moved)()
    gone = run_lifecycle(world.ctx, T0 + timedelta(days=100, hours=1))
    assert gone.deleted == [created.RecoveryPointArn]
    assert world.ebs.snapshots == {}


def test_given_a_type_without_a_cold_tier_then_its_points_claim_no_move_at_creation_or_on_update(world: World) -> None:
    # Given a resource type with no cold tier (as RDS, DynamoDB, EC2, FSx or S3 in Strongroom)
    world.ebs.supports_cold_storage = False

    # When a backup asks for cold storage after 10 days
    created = backed_up(world, COLD_THEN_DELETE)

    # Then the point keeps the lifecycle asked for, but its dates claim only the deletion
    assert created.Lifecycle is not None and created.Lifecycle.MoveToColdStorageAfterDays == 10
    assert created.CalculatedLifecycle == CalculatedLifecycle(DeleteAt=T0 + timedelta(days=100))

    # And an UpdateRecoveryPointLifecycle with a move computes no move either
    request = {
        "BackupVaultName": "main",
        "RecoveryPointArn": created.RecoveryPointArn,
        "Lifecycle": {"MoveToColdStorageAfterDays": 20, "DeleteAfterDays": 200},
    }
    updated = recovery_point_service.update_lifecycle(world.ctx, request, T0 + timedelta(days=1))
    assert updated.CalculatedLifecycle == CalculatedLifecycle(DeleteAt=T0 + timedelta(days=200))

    # And the lifecycle never moves it
    result = run_lifecycle(world.ctx, T0 + timedelta(days=50))
    assert (result.moved_to_cold, result.cold_ignored) == ([], [])
    assert point(world).StorageClass == "WARM" and world.ebs.archived == set()


def test_given_a_point_that_claims_a_move_its_type_cannot_make_when_due_then_the_claim_is_dropped(
    world: World,
) -> None:
    # Given a point recorded with a MoveToColdStorageAt although its type has no cold tier (a point written
    # before types said so, or by a path that did not ask)
    created = backed_up(world, COLD_THEN_DELETE)
    world.ebs.supports_cold_storage = False

    # When its move date passes
    result = run_lifecycle(world.ctx, T0 + timedelta(days=11))

    # Then it stays WARM, the setting is ignored, and the point is next due at its deletion
    assert result.cold_ignored == [created.RecoveryPointArn] and result.moved_to_cold == []
    ignored = point(world)
    assert ignored.StorageClass == "WARM"
    assert ignored.CalculatedLifecycle == CalculatedLifecycle(DeleteAt=T0 + timedelta(days=100))
    assert world.ctx.stores.recovery_points.due(T0 + timedelta(days=99)) == ([], None)


def test_given_a_move_that_fails_when_lifecycle_runs_then_the_point_stays_warm_and_is_retried_an_hour_later(
    world: World,
) -> None:
    created = backed_up(world, COLD_THEN_DELETE)
    world.ebs.fail_cold = True
    first_run = T0 + timedelta(days=10, minutes=30)

    failed = run_lifecycle(world.ctx, first_run)

    assert failed.cold_failed == [created.RecoveryPointArn]
    assert point(world).StorageClass == "WARM"
    assert point(world).LifecycleRetryAt == first_run + RETRY_AFTER
    # Not before the hour is up; then the move goes through and the retry time is cleared
    world.ebs.fail_cold = False
    assert run_lifecycle(world.ctx, first_run + timedelta(minutes=59)).moved_to_cold == []
    assert run_lifecycle(world.ctx, first_run + RETRY_AFTER).moved_to_cold == [created.RecoveryPointArn]
    assert (point(world).StorageClass, point(world).LifecycleRetryAt) == ("COLD", None)


def test_given_a_point_whose_move_and_deletion_are_both_past_when_lifecycle_runs_then_it_is_deleted_not_moved(
    world: World,
) -> None:
    created = backed_up(world, COLD_THEN_DELETE)

    result = run_lifecycle(world.ctx, T0 + timedelta(days=101))

    assert (result.deleted, result.moved_to_cold) == ([created.RecoveryPointArn], [])
    assert world.ebs.archived == set()


# Expiry that does not stall


def due_points(world: World, count: int, now_minus_days: int = 1) -> list[RecoveryPoint]:
    """Given `count` points already past their DeleteAt, the oldest first, each with its snapshot."""
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    vault = world.ctx.stores.vaults.get("main")
    points = []
    for n in range(count):
        snapshot_id = f"snap-{n:05d}"
        world.ebs.snapshots[snapshot_id] = {"job": f"job-{n}", "volume": "vol", "state": "completed"}
        made = RecoveryPoint(
            RecoveryPointArn=f"arn:aws:ec2:{REGION}::snapshot/{snapshot_id}",
            BackupVaultName="main",
            BackupVaultArn=vault.BackupVaultArn,
            ResourceArn=f"arn:aws:ec2:{REGION}:123456789012:volume/vol-{n:05d}",
            ResourceType="EBS",
            CreationDate=T0,
            CalculatedLifecycle=CalculatedLifecycle(DeleteAt=T0 + timedelta(minutes=n)),
            NativeBackupId=snapshot_id,
        )
        assert world.ctx.stores.recovery_points.create(made)
        points.append(made)
    return points


def test_given_600_due_points_whose_first_550_fail_when_lifecycle_runs_then_the_last_50_are_deleted(
    world: World,
) -> None:
    # Given 600 points past their deletion date, the 550 that come first failing to delete
    points = due_points(world, 600)
    world.ebs.fail_delete_for = {p.NativeBackupId for p in points[:550]}

    # When one lifecycle run goes
    result = run_lifecycle(world.ctx, T0 + timedelta(days=1))

    # Then it pages past the failures: the last 50 are deleted, the 550 are EXPIRED and will be retried
    assert result.deleted == [p.RecoveryPointArn for p in points[550:]]
    assert len(result.failed) == 550 and result.finished
    assert set(world.ebs.snapshots) == world.ebs.fail_delete_for
    retried = world.ctx.stores.recovery_points.get(points[0].RecoveryPointArn)
    assert (retried.Status, retried.DeletionAttempts) == (RecoveryPointStatus.EXPIRED, 1)


def test_given_a_run_bounded_to_100_points_when_the_first_100_keep_failing_then_later_runs_reach_the_others(
    world: World,
) -> None:
    # Given 300 due points whose first 100 keep failing, and runs bounded to 100 points each
    points = due_points(world, 300)
    world.ebs.fail_delete_for = {p.NativeBackupId for p in points[:100]}
    now = T0 + timedelta(days=1)

    def hourly(at: object) -> list[str]:
        result = run_lifecycle(world.ctx, at, budget=WorkBudget(60, operations=100), page_size=40)  # type: ignore[arg-type]
        return result.deleted

    # When the lifecycle runs three hours in a row
    first, second, third = hourly(now), hourly(now + RETRY_AFTER), hourly(now + 2 * RETRY_AFTER)

    # Then the failing points wait behind the others: the second and third runs delete the other 200
    assert first == []
    assert second == [p.RecoveryPointArn for p in points[100:200]]
    assert third == [p.RecoveryPointArn for p in points[200:]]


# A backup something else uses


def test_given_a_snapshot_an_ami_uses_when_its_point_expires_then_it_stays_expired_until_the_ami_lets_go(
    world: World,
) -> None:
    # Given a point whose snapshot a registered AMI was made from
    created = backed_up(world, {"DeleteAfterDays": 7})
    world.ebs.in_use_by[created.NativeBackupId] = "ami-0123"
    due_at = T0 + timedelta(days=7, minutes=30)

    # When its retention ends
    result = run_lifecycle(world.ctx, due_at)

    # Then the snapshot is not deleted (the AMI keeps working) and the point is EXPIRED, not deleted,
    # to be tried again a day later
    assert result.failed == [created.RecoveryPointArn] and result.deleted == []
    assert created.NativeBackupId in world.ebs.snapshots
    kept = point(world)
    assert (kept.Status, kept.StorageClass) == (RecoveryPointStatus.EXPIRED, "WARM")
    assert "ami-0123" in (kept.StatusMessage or "")
    assert kept.LifecycleRetryAt == due_at + IN_USE_RETRY_AFTER
    assert run_lifecycle(world.ctx, due_at + timedelta(hours=2)) == type(result)()

    # When the AMI is deregistered, the next try deletes the snapshot and the point
    del world.ebs.in_use_by[created.NativeBackupId]
    later = run_lifecycle(world.ctx, due_at + IN_USE_RETRY_AFTER)
    assert later.deleted == [created.RecoveryPointArn]
    assert world.ebs.snapshots == {}


# Points whose plan is gone


def test_given_a_deleted_plan_when_its_points_retention_runs_then_they_stay_until_their_delete_at(
    world: World,
) -> None:
    # Given a plan that made a recovery point kept 35 days
    world.ebs.add_volume(1, backup="daily")
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    rule = {"RuleName": "daily", "TargetBackupVaultName": "main", "Lifecycle": {"DeleteAfterDays": 35}}
    plan = plan_service.create_plan(world.ctx, {"BackupPlan": {"BackupPlanName": "daily", "Rules": [rule]}}, T0)
    tags = [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "daily"}]
    selection = plan_service.create_selection(
        world.ctx,
        plan.BackupPlanId,
        {"BackupSelection": {"SelectionName": "s", "IamRoleArn": ROLE, "ListOfTags": tags}},
        T0,
    )
    scheduled_backups.start_backups(world.ctx, plan.BackupPlanId, plan.Rules[0].RuleId, T0, T0)
    track_jobs(world.ctx, T0 + timedelta(minutes=5))
    made = point(world)

    # When the plan is deleted (its selection first, as AWS Backup requires)
    plan_service.delete_selection(world.ctx, plan.BackupPlanId, selection.SelectionId, T0)
    plan_service.delete_plan(world.ctx, plan.BackupPlanId, T0 + timedelta(days=1))

    # Then the point stays, with its snapshot, until its own deletion date
    assert run_lifecycle(world.ctx, T0 + timedelta(days=34)).deleted == []
    assert point(world) == made and made.NativeBackupId in world.ebs.snapshots
    # And then expires like any other
    assert run_lifecycle(world.ctx, T0 + timedelta(days=35, hours=1)).deleted == [made.RecoveryPointArn]
    assert world.ebs.snapshots == {}
