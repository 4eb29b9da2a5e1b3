"""The engine: a rule fires, jobs are created once per resource per window, started, tracked to a
recovery point; crashes, duplicate deliveries, failures and windows behave as AWS Backup's do."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lambdas.domain.jobs import BackupJobState
from lambdas.domain.plans import BackupPlan
from lambdas.services import backup_service, job_starts, plan_service, scheduled_backups, vault_service
from lambdas.services.lifecycle_service import run_lifecycle
from lambdas.services.tracking_service import track_jobs
from tests.fakes import ROLE, T0, Crash, World, select_by_tag


def protect(world: World, volumes: int = 3, **rule: object) -> BackupPlan:
    for n in range(volumes):
        world.ebs.add_volume(n, backup="daily")
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    plan = plan_service.create_plan(
        world.ctx,
        {
            "BackupPlan": {
                "BackupPlanName": "daily",
                "Rules": [
                    {
                        "RuleName": "daily",
                        "TargetBackupVaultName": "main",
                        "Lifecycle": {"DeleteAfterDays": 35},
                        "RecoveryPointTags": {"team": "core"},
                        **rule,
                    }
                ],
            }
        },
        T0,
    )
    select_by_tag(world, plan)
    return plan


def fire(world: World, plan: BackupPlan, at=T0) -> scheduled_backups.StartBackupsResult:  # type: ignore[no-untyped-def]
    return scheduled_backups.start_backups(world.ctx, plan.BackupPlanId, plan.Rules[0].RuleId, at, at)


def jobs(world: World) -> list:  # type: ignore[type-arg]
    return world.ctx.stores.jobs.backup_jobs()[0]


def test_given_a_schedule_delivered_twice_when_the_rule_fires_then_one_job_per_resource(world: World) -> None:
    plan = protect(world)
    first = fire(world, plan)
    second = fire(world, plan)
    assert first.inline and second.inline  # no queue in this context: started in the same call
    assert (first.inline.created, first.inline.started) == (3, 3)
    assert (second.inline.created, second.inline.already_existed, second.inline.started) == (0, 3, 0)
    assert len(jobs(world)) == 3
    assert len(world.ebs.snapshots) == 3


def test_given_start_backups_killed_halfway_when_run_again_then_every_resource_has_exactly_one_job(
    world: World,
) -> None:
    plan = protect(world, volumes=4)
    # Given the function dies right after the second snapshot is made, before its job is recorded RUNNING
    world.ebs.crash_after_starts = 2
    with pytest.raises(Crash):
        fire(world, plan)
    # When the schedule's retry runs it again
    fire(world, plan)
    # Then every volume has exactly one job and exactly one snapshot: the orphan was adopted, not doubled
    per_resource = {}
    for job in jobs(world):
        per_resource.setdefault(job.ResourceArn, []).append(job)
    assert sorted(len(v) for v in per_resource.values()) == [1, 1, 1, 1]
    snapshots_per_volume = sorted(
        sum(1 for s in world.ebs.snapshots.values() if s["volume"] == arn) for arn in per_resource
    )
    assert snapshots_per_volume == [1, 1, 1, 1]
    assert all(job.State == BackupJobState.RUNNING for job in jobs(world))


def test_given_completed_snapshots_when_tracked_then_recovery_points_carry_lifecycle_tags_and_creator(
    world: World,
) -> None:
    plan = protect(world)
    fire(world, plan)
    result = track_jobs(world.ctx, T0 + timedelta(minutes=5))
    assert result.completed == 3
    points = world.ctx.stores.recovery_points.in_vault("main")[0]
    assert len(points) == 3
    point = points[0]
    assert point.CalculatedLifecycle.DeleteAt == point.CreationDate + timedelta(days=35)
    assert point.Tags == {"team": "core"}
    assert point.CreatedBy.BackupPlanId == plan.BackupPlanId
    assert point.CreatedBy.BackupRuleId == plan.Rules[0].RuleId
    assert point.RestoreMetadata["availabilityZone"] == "us-east-1a"
    assert [j.State for j in jobs(world)] == [BackupJobState.COMPLETED] * 3
    # and each state change was published: RUNNING then COMPLETED, per job
    assert sorted(e.State.value for e in world.events.backup) == ["COMPLETED"] * 3 + ["RUNNING"] * 3


def test_given_one_resource_throttled_when_the_rule_fires_then_the_others_run_and_it_retries_later(
    world: World,
) -> None:
    plan = protect(world)
    throttled = next(iter(world.ebs.volumes))
    world.ebs.fail_start_for.add(throttled)
    result = fire(world, plan)
    assert result.inline and result.inline.started == 2
    waiting = next(j for j in jobs(world) if j.ResourceArn == throttled)
    assert waiting.State == BackupJobState.CREATED
    assert waiting.StatusMessage and "ThrottlingException" in waiting.StatusMessage
    # When the throttling passes, the next tracking run starts it within its start window
    world.ebs.fail_start_for.clear()
    track_jobs(world.ctx, T0 + timedelta(minutes=10))
    track_jobs(world.ctx, T0 + timedelta(minutes=15))
    assert {j.State for j in jobs(world)} == {BackupJobState.COMPLETED}


def test_given_a_job_that_cannot_start_within_its_start_window_then_it_expires(world: World) -> None:
    plan = protect(world, volumes=1, StartWindowMinutes=60, CompletionWindowMinutes=120)
    world.ebs.fail_start_for.update(world.ebs.volumes)
    fire(world, plan)
    track_jobs(world.ctx, T0 + timedelta(minutes=61))
    (job,) = jobs(world)
    assert job.State == BackupJobState.EXPIRED
    # and its message says why it never started
    assert job.StatusMessage == (
        "The start window ended before the job could start: Start attempt failed: ThrottlingException: Rate exceeded"
    )
    assert world.events.backup[-1].State == BackupJobState.EXPIRED


def test_given_a_snapshot_slower_than_the_completion_window_then_the_job_expires(world: World) -> None:
    plan = protect(world, volumes=1, StartWindowMinutes=60, CompletionWindowMinutes=120)
    world.ebs.complete_at_once = False
    fire(world, plan)
    track_jobs(world.ctx, T0 + timedelta(minutes=60))
    assert jobs(world)[0].State == BackupJobState.RUNNING
    assert jobs(world)[0].PercentDone == "40.0"
    track_jobs(world.ctx, T0 + timedelta(minutes=120))
    assert jobs(world)[0].State == BackupJobState.EXPIRED
    assert world.ctx.stores.recovery_points.in_vault("main")[0] == []


def test_given_a_volume_deleted_before_its_backup_when_started_then_that_job_fails_alone(world: World) -> None:
    plan = protect(world)
    gone = next(iter(world.ebs.volumes))
    world.ebs.vanished.add(gone)
    fire(world, plan)
    states = {j.ResourceArn: j.State for j in jobs(world)}
    assert states.pop(gone) == BackupJobState.FAILED
    assert set(states.values()) == {BackupJobState.RUNNING}
    failed = next(j for j in jobs(world) if j.ResourceArn == gone)
    assert failed.StatusMessage == f"EBS volume {gone} does not exist"


def test_given_an_idempotency_token_when_an_on_demand_backup_is_asked_twice_then_one_job(world: World) -> None:
    arn = world.ebs.add_volume(7)
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    request = {"BackupVaultName": "main", "ResourceArn": arn, "IamRoleArn": ROLE, "IdempotencyToken": "abc"}
    first = backup_service.start_backup_job(world.ctx, request, T0)
    second = backup_service.start_backup_job(world.ctx, request, T0)
    assert first.BackupJobId == second.BackupJobId
    assert len(world.ebs.snapshots) == 1
    assert first.CorrelationId == f"on-demand/{first.BackupJobId}"


def test_given_a_job_stopped_while_its_snapshot_was_being_made_then_that_snapshot_is_deleted(world: World) -> None:
    plan = protect(world, volumes=1)
    fire_at = T0
    world.ebs.fail_start_for.update(world.ebs.volumes)
    fire(world, plan, fire_at)  # the job stays CREATED (throttled)
    (job,) = jobs(world)
    world.ebs.fail_start_for.clear()
    # Given track_jobs read the job as CREATED, and StopBackupJob aborted it before the snapshot was recorded
    backup_service.stop_backup_job(world.ctx, job.BackupJobId, T0)
    # When the stale attempt makes its snapshot
    outcome = job_starts.start_job(world.ctx, job, T0 + timedelta(minutes=10))
    # Then the job stays ABORTED, and the snapshot it made is left over for Lifecycle, whose next run deletes it
    assert outcome.State == BackupJobState.ABORTED
    assert len(world.ebs.snapshots) == 1
    run_lifecycle(world.ctx, T0 + timedelta(hours=1))
    assert world.ebs.snapshots == {}


def test_given_more_open_jobs_than_a_run_may_track_then_the_run_stops_and_the_next_goes_on(world: World) -> None:
    from lambdas.resources.vault_storage import WorkBudget

    # Given five running backups that have completed natively
    world.ebs.complete_at_once = False
    plan = protect(world, volumes=5)
    fire(world, plan)
    for snapshot in world.ebs.snapshots.values():
        snapshot["state"] = "completed"
    # When a tracking run may read two pages of two jobs only
    first = track_jobs(world.ctx, T0 + timedelta(minutes=5), budget=WorkBudget(60, operations=2), page_size=2)
    # Then it recorded four and says it did not finish; the next run records the fifth
    assert (first.completed, first.finished) == (4, False)
    second = track_jobs(world.ctx, T0 + timedelta(minutes=10), budget=WorkBudget(60, operations=2), page_size=2)
    assert (second.completed, second.finished) == (1, True)
    assert {j.State for j in jobs(world)} == {BackupJobState.COMPLETED}
