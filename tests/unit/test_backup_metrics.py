"""Each job and recovery point state change is counted under AWS Backup's own metric name, with AWS Backup's
dimension sets (BackupVaultName; BackupVaultName and ResourceType) and the deployment's total (service) the alarms
read: read here from the EMF records Powertools prints, as CloudWatch would read them."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from lambdas.common.observability import METRICS_NAMESPACE, SERVICE_NAME
from lambdas.domain.jobs import RestoreJobStatus
from lambdas.services import backup_service, copy_service, restore_service, vault_service
from lambdas.services.lifecycle_service import run_lifecycle
from lambdas.services.tracking_service import track_jobs
from tests.fakes import ACCOUNT, REGION, ROLE, T0, World

AWS_DIMENSION_SETS = [["service"], ["BackupVaultName"], ["BackupVaultName", "ResourceType"]]


def emf_counts(printed: str) -> Counter[tuple[str, str, str]]:
    """(metric, vault, resource type) -> count, from the EMF records in what was printed; each record is checked
    to be Strongroom's namespace with AWS Backup's dimension sets."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for line in printed.splitlines():
        record: dict[str, Any] = json.loads(line) if line.startswith('{"_aws"') else {}
        if not record or "BackupVaultName" not in record:
            continue
        (directive,) = record["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == METRICS_NAMESPACE
        assert directive["Dimensions"] == AWS_DIMENSION_SETS
        assert record["service"] == SERVICE_NAME
        for metric in directive["Metrics"]:
            assert metric["Unit"] == "Count"
            values = record[metric["Name"]]  # Powertools writes a list of the values recorded
            counts[(metric["Name"], record["BackupVaultName"], record["ResourceType"])] += int(sum(values))
    return counts


def on_demand_backup(world: World, vault: str = "main", **request: Any) -> str:
    arn = world.ebs.add_volume(1)
    vault_service.create_vault(world.ctx, {"BackupVaultName": vault}, T0)
    job = backup_service.start_backup_job(
        world.ctx, {"BackupVaultName": vault, "ResourceArn": arn, "IamRoleArn": ROLE, **request}, T0
    )
    return job.BackupJobId


def test_given_a_backup_that_completes_then_created_running_completed_and_its_point_are_counted(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an on-demand backup of a volume into "main"
    on_demand_backup(world)
    # When tracking sees its snapshot complete
    track_jobs(world.ctx, T0 + timedelta(minutes=5))
    # Then each move was counted once, for the vault and the resource type, under AWS Backup's names
    assert emf_counts(capsys.readouterr().out) == {
        ("NumberOfBackupJobsCreated", "main", "EBS"): 1,
        ("NumberOfBackupJobsRunning", "main", "EBS"): 1,
        ("NumberOfBackupJobsCompleted", "main", "EBS"): 1,
        ("NumberOfRecoveryPointsCompleted", "main", "EBS"): 1,
    }


def test_given_a_backup_that_cannot_start_in_its_window_then_expired_is_counted_and_no_point(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a backup whose start keeps being throttled
    world.ebs.fail_start_for.add(world.ebs.add_volume(2))
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    arn = next(iter(world.ebs.fail_start_for))
    backup_service.start_backup_job(
        world.ctx,
        {"BackupVaultName": "main", "ResourceArn": arn, "IamRoleArn": ROLE, "StartWindowMinutes": 60},
        T0,
    )
    # When its start window ends
    track_jobs(world.ctx, T0 + timedelta(minutes=61))
    # Then it is counted EXPIRED (the RPO miss the alarm watches), and no recovery point is
    counts = emf_counts(capsys.readouterr().out)
    assert counts[("NumberOfBackupJobsExpired", "main", "EBS")] == 1
    assert not any(name.startswith("NumberOfRecoveryPoints") for name, _, _ in counts)


def test_given_a_volume_gone_then_failed_is_counted_and_a_stopped_job_is_counted_aborted(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a backup of a volume that vanished, and one stopped before it could start
    gone = world.ebs.add_volume(3)
    world.ebs.vanished.add(gone)
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    backup_service.start_backup_job(world.ctx, {"BackupVaultName": "main", "ResourceArn": gone, "IamRoleArn": ROLE}, T0)
    throttled = world.ebs.add_volume(4)
    world.ebs.fail_start_for.add(throttled)
    stopped = backup_service.start_backup_job(
        world.ctx, {"BackupVaultName": "main", "ResourceArn": throttled, "IamRoleArn": ROLE}, T0
    )
    backup_service.stop_backup_job(world.ctx, stopped.BackupJobId, T0)
    # Then one FAILED and one ABORTED are counted
    counts = emf_counts(capsys.readouterr().out)
    assert counts[("NumberOfBackupJobsFailed", "main", "EBS")] == 1
    assert counts[("NumberOfBackupJobsAborted", "main", "EBS")] == 1
    assert counts[("NumberOfBackupJobsCreated", "main", "EBS")] == 2


def test_given_a_copy_then_it_is_counted_at_its_destination_vault(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a completed backup in "main" and a second vault
    on_demand_backup(world)
    track_jobs(world.ctx, T0 + timedelta(minutes=5))
    vault_service.create_vault(world.ctx, {"BackupVaultName": "offsite"}, T0)
    (point,) = world.ctx.stores.recovery_points.in_vault("main")[0]
    capsys.readouterr()
    # When it is copied to "offsite" and the copy completes
    copy_service.start_copy_job(
        world.ctx,
        {
            "RecoveryPointArn": point.RecoveryPointArn,
            "SourceBackupVaultName": "main",
            "DestinationBackupVaultArn": f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:offsite",
            "IamRoleArn": ROLE,
        },
        T0 + timedelta(hours=1),
    )
    track_jobs(world.ctx, T0 + timedelta(hours=1, minutes=5))
    # Then the copy job and its point are counted for the destination vault, as AWS Backup counts them
    assert emf_counts(capsys.readouterr().out) == {
        ("NumberOfCopyJobsCreated", "offsite", "EBS"): 1,
        ("NumberOfCopyJobsRunning", "offsite", "EBS"): 1,
        ("NumberOfCopyJobsCompleted", "offsite", "EBS"): 1,
        ("NumberOfRecoveryPointsCompleted", "offsite", "EBS"): 1,
    }


def test_given_a_restore_then_pending_running_and_completed_are_counted_and_no_point(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    on_demand_backup(world)
    track_jobs(world.ctx, T0 + timedelta(minutes=5))
    (point,) = world.ctx.stores.recovery_points.in_vault("main")[0]
    capsys.readouterr()
    # When the point is restored through the workflow's steps
    job = restore_service.start_restore_job(world.ctx, {"RecoveryPointArn": point.RecoveryPointArn, "Metadata": {}}, T0)
    restore_service.begin_restore(world.ctx, job.RestoreJobId, T0)
    restore_service.finalize_restore(world.ctx, job.RestoreJobId, RestoreJobStatus.COMPLETED, None, T0)
    # Then the restore job's three states are counted for the point's vault, and no recovery point is
    assert emf_counts(capsys.readouterr().out) == {
        ("NumberOfRestoreJobsPending", "main", "EBS"): 1,
        ("NumberOfRestoreJobsRunning", "main", "EBS"): 1,
        ("NumberOfRestoreJobsCompleted", "main", "EBS"): 1,
    }


def test_given_a_deletion_that_fails_then_the_point_left_expired_is_counted(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    on_demand_backup(world, Lifecycle={"DeleteAfterDays": 35})
    track_jobs(world.ctx, T0 + timedelta(minutes=5))
    capsys.readouterr()
    world.ebs.fail_delete = True
    # When lifecycle's deletion of the due point fails
    run_lifecycle(world.ctx, T0 + timedelta(days=36))
    # Then NumberOfRecoveryPointsExpired counts the point left EXPIRED (billed until a later run deletes it)
    assert emf_counts(capsys.readouterr().out) == {("NumberOfRecoveryPointsExpired", "main", "EBS"): 1}


def test_on_the_local_runtime_the_records_are_summed_into_the_invocation_log_not_printed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from lambdas.services import backup_metrics
    from local.emulator_gaps import InvocationLog, in_process

    log = InvocationLog()
    # Given the local runtime's in-process patches
    applied = in_process(log).apply()
    try:
        # When a count is written twice
        backup_metrics.count("NumberOfBackupJobsCompleted", "main", "EBS")
        backup_metrics.count("NumberOfBackupJobsCompleted", "main", "RDS")
    finally:
        applied.undo()
    # Then the demo's summary has it, and the terminal is not flooded with EMF lines
    assert log.metrics == {"NumberOfBackupJobsCompleted": 2.0}
    assert capsys.readouterr().out == ""
