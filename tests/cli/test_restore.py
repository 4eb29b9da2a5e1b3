"""`strongroom restore`: the point's restore metadata with the caller's overrides, the job started, its progress
followed to the end, and the exit code saying how it ended."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from click.testing import Result

from tests.cli.conftest import NOW, ROLE, volume
from tests.cli.fake_backup import FakeBackup

POINT = "arn:aws:ec2:us-east-1::snapshot/snap-0123"
METADATA = {"volumeType": "gp2", "availabilityZone": "us-east-1a", "encrypted": "false"}


@pytest.fixture
def with_point(fake: FakeBackup) -> FakeBackup:
    fake.vaults["empty"] = []
    fake.vaults["main"] = [
        {
            "RecoveryPointArn": POINT,
            "ResourceArn": volume("vol-a"),
            "ResourceType": "EBS",
            "Status": "COMPLETED",
            "IamRoleArn": ROLE,
            "CreationDate": NOW - timedelta(hours=1),
        }
    ]
    fake.restore_metadata[POINT] = dict(METADATA)
    return fake


def test_a_restore_with_an_override_is_followed_to_completed(
    with_point: FakeBackup, run: Callable[..., Result]
) -> None:
    # Given a restore that is RUNNING at 50 %, then COMPLETED
    with_point.restore_progress = [
        {"RestoreJobId": "restore-1", "Status": "RUNNING", "PercentDone": "50.0"},
        {"RestoreJobId": "restore-1", "Status": "COMPLETED", "CreatedResourceArn": volume("vol-new")},
    ]
    # When the point is restored as gp3, without naming its vault
    result = run("restore", POINT, "--metadata", "volumeType=gp3", "--interval", "0")
    # Then the vault was found, the job started with the point's metadata and the override, under the point's role
    assert result.exit_code == 0, result.output
    (start,) = [request for name, request in with_point.calls if name == "StartRestoreJob"]
    assert start == {"RecoveryPointArn": POINT, "Metadata": {**METADATA, "volumeType": "gp3"}, "IamRoleArn": ROLE}
    assert (
        "GetRecoveryPointRestoreMetadata",
        {"BackupVaultName": "main", "RecoveryPointArn": POINT},
    ) in with_point.calls
    # And the job was followed until it ended, naming the new volume
    assert [name for name, _ in with_point.calls].count("DescribeRestoreJob") == 2
    assert f"COMPLETED: {volume('vol-new')}" in result.output
    assert "gp3 (yours)" in result.output


def test_a_failed_restore_exits_1_with_the_jobs_message(with_point: FakeBackup, run: Callable[..., Result]) -> None:
    with_point.restore_progress = [{"RestoreJobId": "restore-1", "Status": "FAILED", "StatusMessage": "quota exceeded"}]
    result = run("restore", POINT, "--vault", "main", "--iam-role-arn", ROLE)
    assert result.exit_code == 1
    assert "FAILED: quota exceeded" in result.output


def test_a_restore_still_running_at_the_timeout_exits_3_and_says_how_to_follow_it(
    with_point: FakeBackup, run: Callable[..., Result]
) -> None:
    with_point.restore_progress = [{"RestoreJobId": "restore-1", "Status": "RUNNING", "PercentDone": "10.0"}]
    result = run("restore", POINT, "--timeout", "0", "--interval", "0")
    assert result.exit_code == 3
    assert "still RUNNING" in result.output and "strongroom jobs --type restore --watch" in result.output


@pytest.mark.parametrize("bad", ["volumeType", "=gp3"])
def test_a_malformed_override_is_refused_before_anything_is_read(
    with_point: FakeBackup, run: Callable[..., Result], bad: str
) -> None:
    result = run("restore", POINT, "--metadata", bad)
    assert result.exit_code == 2
    assert "expected KEY=VALUE" in result.output
    assert with_point.calls == []


def test_a_point_no_vault_holds_is_said_and_no_job_starts(with_point: FakeBackup, run: Callable[..., Result]) -> None:
    result = run("restore", "arn:aws:ec2:us-east-1::snapshot/snap-gone")
    assert result.exit_code == 2
    assert "no vault holds the recovery point" in result.output
    assert "StartRestoreJob" not in [name for name, _ in with_point.calls]
