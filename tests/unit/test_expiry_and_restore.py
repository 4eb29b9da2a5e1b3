"""Expiry deletes on time and retries failures; restores go start -> poll -> finalize and are safe to repeat."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lambdas.domain.errors import InvalidParameterValueException
from lambdas.domain.jobs import RestoreJobStatus
from lambdas.domain.recovery_points import RecoveryPointStatus
from lambdas.services import backup_service, restore_service, vault_service
from lambdas.services.lifecycle_service import run_lifecycle
from lambdas.services.restore_service import RestorePending
from lambdas.services.tracking_service import track_jobs
from tests.fakes import ROLE, T0, World


def backed_up(world: World, delete_after_days: int = 35) -> str:
    """Given one completed on-demand backup of a volume, kept `delete_after_days`: its recovery point ARN."""
    arn = world.ebs.add_volume(1)
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    request = {
        "BackupVaultName": "main",
        "ResourceArn": arn,
        "IamRoleArn": ROLE,
        "Lifecycle": {"DeleteAfterDays": delete_after_days},
    }
    job = backup_service.start_backup_job(world.ctx, request, T0)
    track_jobs(world.ctx, T0 + timedelta(minutes=5))
    assert job.RecoveryPointArn
    return job.RecoveryPointArn


def test_given_a_point_a_day_before_its_deletion_when_lifecycle_runs_then_it_stays(world: World) -> None:
    arn = backed_up(world)
    result = run_lifecycle(world.ctx, T0 + timedelta(days=35) - timedelta(minutes=1))
    assert result.deleted == []
    assert world.ctx.stores.recovery_points.get(arn).StorageClass == "WARM"
    assert len(world.ebs.snapshots) == 1


def test_given_a_point_past_its_deletion_when_lifecycle_runs_then_snapshot_and_point_go(world: World) -> None:
    arn = backed_up(world)
    result = run_lifecycle(world.ctx, T0 + timedelta(days=35, minutes=1))
    assert result.deleted == [arn]
    assert world.ebs.snapshots == {}
    assert world.ctx.stores.recovery_points.find(arn).StorageClass == "DELETED"  # type: ignore[union-attr]
    assert world.ctx.stores.recovery_points.in_vault("main")[0] == []


def test_given_a_deletion_that_fails_when_lifecycle_runs_then_the_point_is_expired_and_retried(world: World) -> None:
    arn = backed_up(world)
    world.ebs.fail_delete = True
    first = run_lifecycle(world.ctx, T0 + timedelta(days=36))
    point = world.ctx.stores.recovery_points.get(arn)
    assert first.failed == [arn]
    assert point.Status == RecoveryPointStatus.EXPIRED
    assert point.DeletionAttempts == 1
    assert "RequestLimitExceeded" in (point.StatusMessage or "")
    # When the next hourly run finds the API healthy again, it finishes the job
    world.ebs.fail_delete = False
    second = run_lifecycle(world.ctx, T0 + timedelta(days=36, hours=1))
    assert second.deleted == [arn]
    assert world.ebs.snapshots == {}


def test_given_a_point_when_restored_then_the_steps_start_poll_and_complete(world: World) -> None:
    arn = backed_up(world)
    job = restore_service.start_restore_job(world.ctx, {"RecoveryPointArn": arn, "Metadata": {}}, T0)
    assert world.workflow.started == [job.RestoreJobId]
    started = restore_service.begin_restore(world.ctx, job.RestoreJobId, T0)
    # a retried start step adopts the restore already under way
    again = restore_service.begin_restore(world.ctx, job.RestoreJobId, T0)
    assert again.CreatedResourceArn == started.CreatedResourceArn
    assert len(world.ebs.restores) == 1
    with pytest.raises(RestorePending):
        restore_service.poll_restore(world.ctx, job.RestoreJobId)
    for restore in world.ebs.restores.values():
        restore["state"] = "available"
    restore_service.poll_restore(world.ctx, job.RestoreJobId)
    done = restore_service.finalize_restore(world.ctx, job.RestoreJobId, RestoreJobStatus.COMPLETED, None, T0)
    assert done.Status == RestoreJobStatus.COMPLETED
    assert world.ctx.stores.recovery_points.get(arn).LastRestoreTime == T0
    assert [e.Status for e in world.events.restore] == [RestoreJobStatus.RUNNING, RestoreJobStatus.COMPLETED]


def test_given_a_failed_step_when_finalized_then_the_job_fails_with_the_lambda_error_message(world: World) -> None:
    arn = backed_up(world)
    job = restore_service.start_restore_job(world.ctx, {"RecoveryPointArn": arn, "Metadata": {}}, T0)
    caught = {"Error": "InvalidParameterValueException", "Cause": '{"errorMessage": "Table x already exists"}'}
    done = restore_service.finalize_restore(world.ctx, job.RestoreJobId, RestoreJobStatus.FAILED, caught, T0)
    assert done.Status == RestoreJobStatus.FAILED
    assert done.StatusMessage == "InvalidParameterValueException: Table x already exists"


def test_given_restore_metadata_without_a_zone_when_restoring_then_refused_before_any_job(world: World) -> None:
    arn = backed_up(world)
    point = world.ctx.stores.recovery_points.get(arn)
    world.ctx.stores.recovery_points.save(point.model_copy(update={"RestoreMetadata": {}}), point.Status.value)
    with pytest.raises(InvalidParameterValueException, match="missing: availabilityZone"):
        restore_service.start_restore_job(world.ctx, {"RecoveryPointArn": arn, "Metadata": {}}, T0)
    assert world.workflow.started == []
    assert world.ctx.stores.jobs.restore_jobs()[0] == []


def test_given_a_locked_vault_when_a_point_is_due_then_it_waits_for_the_locks_minimum(world: World) -> None:
    arn = backed_up(world, delete_after_days=7)
    vault = world.ctx.stores.vaults.get("main")
    from lambdas.domain.vaults import LockConfiguration

    world.ctx.stores.vaults.save(vault.model_copy(update={"Lock": LockConfiguration(MinRetentionDays=30)}))
    result = run_lifecycle(world.ctx, T0 + timedelta(days=8))
    assert (result.deleted, result.failed) == ([], [])
    assert len(world.ebs.snapshots) == 1
    later = run_lifecycle(world.ctx, T0 + timedelta(days=30, minutes=5))
    assert later.deleted == [arn]
    assert world.ebs.snapshots == {}


def test_given_a_snapshot_that_outlives_its_completion_window_then_the_job_expires_and_the_snapshot_goes(
    world: World,
) -> None:
    arn = world.ebs.add_volume(3)
    world.ebs.complete_at_once = False
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    request = {
        "BackupVaultName": "main",
        "ResourceArn": arn,
        "IamRoleArn": ROLE,
        "StartWindowMinutes": 60,
        "CompleteWindowMinutes": 120,
    }
    job = backup_service.start_backup_job(world.ctx, request, T0)
    assert len(world.ebs.snapshots) == 1
    track_jobs(world.ctx, T0 + timedelta(minutes=121))
    assert world.ctx.stores.jobs.get_backup_job(job.BackupJobId).State.value == "EXPIRED"
    # and Lifecycle's next run deletes the unfinished snapshot no job owns any more
    run_lifecycle(world.ctx, T0 + timedelta(minutes=180))
    assert world.ebs.snapshots == {}


def test_given_a_restore_whose_workflow_never_started_when_asked_again_then_the_workflow_starts(
    world: World,
) -> None:
    arn = backed_up(world)
    request = {"RecoveryPointArn": arn, "Metadata": {}, "IdempotencyToken": "once"}

    class DiesBeforeStarting:
        def start(self, restore_job_id: str, correlation_id: str) -> str:
            raise RuntimeError("the function died here")

    working = world.ctx.restore_workflow
    object.__setattr__(world.ctx, "restore_workflow", DiesBeforeStarting())
    with pytest.raises(RuntimeError):
        restore_service.start_restore_job(world.ctx, request, T0)
    object.__setattr__(world.ctx, "restore_workflow", working)
    # When the caller retries with the same token, the job it got is the one that now runs
    job = restore_service.start_restore_job(world.ctx, request, T0)
    assert world.workflow.started == [job.RestoreJobId]
    assert job.ExecutionArn
    assert len(world.ctx.stores.jobs.restore_jobs()[0]) == 1


def test_given_a_locked_vault_when_a_point_is_deleted_by_hand_or_shortened_then_refused(world: World) -> None:
    from lambdas.domain.errors import InvalidRequestException
    from lambdas.domain.vaults import LockConfiguration
    from lambdas.services import recovery_point_service

    arn = backed_up(world, delete_after_days=100)
    vault = world.ctx.stores.vaults.get("main")
    lock = LockConfiguration(MinRetentionDays=30, MaxRetentionDays=365)
    world.ctx.stores.vaults.save(vault.model_copy(update={"Lock": lock}))
    request = {"BackupVaultName": "main", "RecoveryPointArn": arn}
    with pytest.raises(InvalidRequestException, match="protected by the lock"):
        recovery_point_service.delete(world.ctx, request, T0 + timedelta(days=1))
    with pytest.raises(InvalidParameterValueException, match="below the vault lock's MinRetentionDays 30"):
        recovery_point_service.update_lifecycle(world.ctx, {**request, "Lifecycle": {"DeleteAfterDays": 7}}, T0)
    with pytest.raises(InvalidParameterValueException, match="exceeds the vault lock's MaxRetentionDays 365"):
        recovery_point_service.update_lifecycle(world.ctx, {**request, "Lifecycle": {"DeleteAfterDays": 400}}, T0)
    assert len(world.ebs.snapshots) == 1
