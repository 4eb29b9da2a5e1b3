"""Job state machines and lifecycle math."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lambdas.domain.errors import InvalidRequestException
from lambdas.domain.jobs import BackupJob, BackupJobState, windows
from lambdas.domain.lifecycle import calculate, longest
from lambdas.domain.plans import Lifecycle
from tests.fakes import ACCOUNT, ROLE, T0, volume_arn


def job(state: BackupJobState = BackupJobState.CREATED) -> BackupJob:
    start_by, complete_by = windows(T0, 60, 180)
    return BackupJob(
        BackupJobId="J",
        AccountId=ACCOUNT,
        BackupVaultName="main",
        BackupVaultArn="arn:aws:backup:us-east-1:123456789012:backup-vault:main",
        ResourceArn=volume_arn(1),
        ResourceType="EBS",
        IamRoleArn=ROLE,
        State=state,
        CreationDate=T0,
        StartBy=start_by,
        CompleteBy=complete_by,
        CorrelationId="c",
    )


def test_given_a_completed_job_when_moved_again_then_refused() -> None:
    with pytest.raises(InvalidRequestException, match="cannot go from COMPLETED to RUNNING"):
        job(BackupJobState.COMPLETED).transition(BackupJobState.RUNNING)


def test_given_windows_when_time_passes_then_created_expires_at_start_by_and_running_at_complete_by() -> None:
    created, running = job(), job(BackupJobState.RUNNING)
    assert created.window_verdict(T0 + timedelta(minutes=59)) is None
    assert created.window_verdict(T0 + timedelta(minutes=60)) == BackupJobState.EXPIRED
    # the completion window counts from the scheduled time, not from the start
    assert running.window_verdict(T0 + timedelta(minutes=179)) is None
    assert running.window_verdict(T0 + timedelta(minutes=180)) == BackupJobState.EXPIRED


def test_given_a_lifecycle_when_calculated_then_days_count_from_creation() -> None:
    calculated = calculate(T0, Lifecycle(MoveToColdStorageAfterDays=30, DeleteAfterDays=120))
    assert calculated.MoveToColdStorageAt == T0 + timedelta(days=30)
    assert calculated.DeleteAt == T0 + timedelta(days=120)
    assert calculate(T0, None).DeleteAt is None


def test_given_overlapping_rules_when_merged_then_the_longest_retention_wins_and_forever_beats_all() -> None:
    assert longest([Lifecycle(DeleteAfterDays=35), Lifecycle(DeleteAfterDays=365)]) == Lifecycle(DeleteAfterDays=365)
    assert longest([Lifecycle(DeleteAfterDays=35), None]) is None
