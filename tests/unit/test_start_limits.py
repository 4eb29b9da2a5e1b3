"""Jobs start within what the services allow: one backup of a resource at a time, and each type's quota
(StartQuota) asked once per batch. A job that may not start waits in CREATED, saying why, and starts on a
later tracking run within its start window; after it, it expires saying what it waited for."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from lambdas.domain.jobs import BackupJob, BackupJobState
from lambdas.domain.plans import BackupPlan
from lambdas.resources.base import RunMemo, StartCapacity
from lambdas.resources.registry import AdapterRegistry
from lambdas.resources.waits import BackupMustWait
from lambdas.services import plan_service, scheduled_backups, vault_service
from lambdas.services.tracking_service import track_jobs
from tests.fakes import T0, FakeEbs, FakeResolver, World, select_by_tag

HOUR = timedelta(hours=1)


@dataclass
class QuotaEbs(FakeEbs):
    """EBS with a quota: `room` backups may start per batch asked, and `busy` volumes none."""

    room: int | None = None
    busy: dict[str, str] = field(default_factory=dict)
    asked: list[list[str]] = field(default_factory=list)

    def start_capacity(self, resource_arns: list[str], *, memo: RunMemo | None = None) -> StartCapacity:
        self.asked.append(resource_arns)
        return StartCapacity(busy=dict(self.busy), room=self.room, room_reason="quota reached (test)")


def protect(world: World, volumes: int, schedule: str = "cron(0 5 * * ? *)") -> BackupPlan:
    for n in range(volumes):
        world.ebs.add_volume(n, backup="daily")
    if not world.ctx.stores.vaults.find("main"):
        vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    rule = {"RuleName": "r", "TargetBackupVaultName": "main", "ScheduleExpression": schedule, "StartWindowMinutes": 60}
    plan = plan_service.create_plan(
        world.ctx,
        {"BackupPlan": {"BackupPlanName": "at-" + schedule.split()[0].removeprefix("cron("), "Rules": [rule]}},
        T0,
    )
    select_by_tag(world, plan)
    return plan


def fire(world: World, plan: BackupPlan, at=T0) -> None:  # type: ignore[no-untyped-def]
    scheduled_backups.start_backups(world.ctx, plan.BackupPlanId, plan.Rules[0].RuleId, at, at)


def jobs_of(world: World, plan: BackupPlan) -> list[BackupJob]:
    return [j for j in world.ctx.stores.jobs.backup_jobs()[0] if j.CreatedBy.BackupPlanId == plan.BackupPlanId]


def with_quota(world: World, **quota: object) -> tuple[World, QuotaEbs]:
    ebs = QuotaEbs(complete_at_once=False, **quota)  # type: ignore[arg-type]
    ctx = replace(world.ctx, adapters=AdapterRegistry([ebs]), resolver=FakeResolver(ebs))
    return replace(world, ebs=ebs, ctx=ctx), ebs


def test_given_a_backup_of_the_volume_still_running_when_another_plan_fires_then_its_job_waits_and_starts_after(
    world: World,
) -> None:
    world.ebs.complete_at_once = False
    # Given one plan's backup of a volume running
    first_plan = protect(world, 1, "cron(0 5 * * ? *)")
    fire(world, first_plan)
    (first,) = jobs_of(world, first_plan)
    assert first.State == BackupJobState.RUNNING
    # When a second plan selecting the same volume fires while it runs
    second_plan = protect(world, 0, "cron(30 5 * * ? *)")
    fire(world, second_plan, T0 + timedelta(minutes=30))
    # Then its job waits in CREATED, saying which job it waits for, and no second snapshot was made
    (second,) = jobs_of(world, second_plan)
    assert second.State == BackupJobState.CREATED
    assert second.StatusMessage and first.BackupJobId in second.StatusMessage
    assert len(world.ebs.snapshots) == 1
    # When the first backup completes, the next tracking run records it and starts the waiting job
    for snapshot in world.ebs.snapshots.values():
        snapshot["state"] = "completed"
    track_jobs(world.ctx, T0 + timedelta(minutes=40))
    (first,) = jobs_of(world, first_plan)
    assert first.State == BackupJobState.COMPLETED
    (second,) = jobs_of(world, second_plan)
    assert second.State == BackupJobState.RUNNING
    assert len(world.ebs.snapshots) == 2


def test_given_the_earlier_backup_outlasting_the_start_window_then_the_waiting_job_expires_saying_why(
    world: World,
) -> None:
    world.ebs.complete_at_once = False
    first_plan = protect(world, 1, "cron(0 5 * * ? *)")
    fire(world, first_plan)
    second_plan = protect(world, 0, "cron(30 5 * * ? *)")
    fire(world, second_plan, T0 + timedelta(minutes=30))
    # When tracking runs after the second job's start window (60 minutes) while the first still runs
    track_jobs(world.ctx, T0 + timedelta(minutes=95))
    (second,) = jobs_of(world, second_plan)
    assert second.State == BackupJobState.EXPIRED
    assert second.StatusMessage and second.StatusMessage.startswith(
        "The start window ended before the job could start: Waiting for backup job"
    )
    assert len(world.ebs.snapshots) == 1


def test_given_room_for_two_backups_when_five_are_due_then_two_start_and_the_rest_start_as_room_frees(
    world: World,
) -> None:
    world, ebs = with_quota(world, room=2)
    plan = protect(world, 5)
    fire(world, plan)
    # Then the quota was asked once for the batch, two jobs started and three wait, saying why
    assert len(ebs.asked) == 1 and len(ebs.asked[0]) == 5
    states = sorted(j.State.value for j in jobs_of(world, plan))
    assert states == ["CREATED"] * 3 + ["RUNNING"] * 2
    assert {j.StatusMessage for j in jobs_of(world, plan) if j.State == BackupJobState.CREATED} == {
        "quota reached (test)"
    }
    # When room frees for three more, the next tracking run starts them
    ebs.room = 3
    track_jobs(world.ctx, T0 + timedelta(minutes=5))
    assert {j.State for j in jobs_of(world, plan)} == {BackupJobState.RUNNING}
    assert len(ebs.snapshots) == 5


def test_given_a_busy_volume_then_only_its_job_waits(world: World) -> None:
    world, ebs = with_quota(world)
    plan = protect(world, 3)
    busy = sorted(ebs.volumes)[0]
    ebs.busy = {busy: f"{busy} already has 5 pending snapshots"}
    fire(world, plan)
    waiting = [j for j in jobs_of(world, plan) if j.State == BackupJobState.CREATED]
    assert [(j.ResourceArn, j.StatusMessage) for j in waiting] == [(busy, f"{busy} already has 5 pending snapshots")]
    assert len(ebs.snapshots) == 2


def test_given_a_claim_its_ended_job_never_released_then_the_next_job_takes_it_over(world: World) -> None:
    world.ebs.complete_at_once = False
    first_plan = protect(world, 1, "cron(0 5 * * ? *)")
    fire(world, first_plan)
    (first,) = jobs_of(world, first_plan)
    # Given the first job ended without releasing its claim (a crash between its save and the release)
    ended = first.transition(BackupJobState.FAILED, StatusMessage="crashed", CompletionDate=T0)
    world.ctx.stores.jobs.save_backup_job(ended, BackupJobState.RUNNING.value)
    assert world.ctx.stores.running.held([first.ResourceArn], T0)[first.ResourceArn].job_id == first.BackupJobId
    # When another plan's job of the same resource starts
    second_plan = protect(world, 0, "cron(30 5 * * ? *)")
    fire(world, second_plan, T0 + timedelta(minutes=30))
    # Then it does not wait for a job that has ended: it takes the claim over and runs
    (second,) = jobs_of(world, second_plan)
    assert second.State == BackupJobState.RUNNING
    held = world.ctx.stores.running.held([first.ResourceArn], T0 + timedelta(minutes=30))
    assert held[first.ResourceArn].job_id == second.BackupJobId


def test_given_a_stale_created_view_of_a_job_already_running_then_it_is_not_started_again(world: World) -> None:
    from lambdas.services import job_starts

    world.ebs.complete_at_once = False
    plan = protect(world, 1)
    # Given a job a worker has just started (RUNNING, holding its claim)
    fire(world, plan)
    (job,) = jobs_of(world, plan)
    assert job.State == BackupJobState.RUNNING
    # When a tracker with an older view of it (CREATED, from an index not yet up to date) starts it
    stale = job.model_copy(update={"State": BackupJobState.CREATED, "NativeBackupId": None})
    left = job_starts.start_jobs(world.ctx, [(stale, False)], T0 + timedelta(minutes=5))
    # Then nothing is started a second time
    assert left[job.BackupJobId] == stale
    assert len(world.ebs.snapshots) == 1


@dataclass
class RefusingEbs(FakeEbs):
    """EBS whose CreateSnapshot says the volume has too many pending snapshots."""

    def start_backup(self, resource_arn: str, job_id: str, tags: dict[str, str], *, memo: RunMemo | None = None) -> Any:
        raise BackupMustWait(f"{resource_arn} already has 5 pending snapshots; the backup waits for one to complete")


def test_given_the_service_refuses_a_backup_for_now_then_the_job_waits_saying_why_and_is_not_failed(
    world: World,
) -> None:
    ebs = RefusingEbs()
    world = replace(world, ebs=ebs, ctx=replace(world.ctx, adapters=AdapterRegistry([ebs]), resolver=FakeResolver(ebs)))
    plan = protect(world, 1)
    fire(world, plan)
    (job,) = jobs_of(world, plan)
    assert job.State == BackupJobState.CREATED
    assert (
        job.StatusMessage == f"{job.ResourceArn} already has 5 pending snapshots; the backup waits for one to complete"
    )
    assert job.StartAttempts == 0


def test_given_a_leftover_that_is_a_recovery_point_then_lifecycle_keeps_it(world: World) -> None:
    from lambdas.services.leftovers import leave_over
    from lambdas.services.lifecycle_service import run_lifecycle

    # Given a completed backup with its recovery point, wrongly recorded as a leftover (a fault elsewhere)
    plan = protect(world, 1)
    fire(world, plan)
    track_jobs(world.ctx, T0 + timedelta(minutes=5))
    (job,) = jobs_of(world, plan)
    assert job.State == BackupJobState.COMPLETED and job.NativeBackupId and job.RecoveryPointArn
    leave_over(world.ctx.stores, "EBS", job.NativeBackupId, job.RecoveryPointArn, "a fault", T0)
    # When Lifecycle runs, then the recovery point's backup is kept and the record dropped
    result = run_lifecycle(world.ctx, T0 + timedelta(hours=1))
    assert result.leftovers.kept == [job.NativeBackupId]
    assert job.NativeBackupId in world.ebs.snapshots
    assert world.ctx.stores.leftovers.oldest(10) == []
