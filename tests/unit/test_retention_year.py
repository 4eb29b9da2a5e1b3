"""A year of a daily + monthly plan, with copies to a vault of another account in another Region, on the
virtual clock: every recovery point, copies included, moves to cold storage and is deleted in the first
hourly lifecycle run at or after the moment its CalculatedLifecycle names; on the 1st the two rules take
one backup kept for the longer retention; after the plan is deleted its points go by their own lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.unit.retention_sim import DR_VAULT, Simulation

START = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)

DAILY = {
    "RuleName": "daily",
    "TargetBackupVaultName": "main",
    "ScheduleExpression": "cron(0 5 * * ? *)",
    "Lifecycle": {"DeleteAfterDays": 35},
    "CopyActions": [{"DestinationBackupVaultArn": DR_VAULT, "Lifecycle": {"DeleteAfterDays": 90}}],
}
MONTHLY = {
    "RuleName": "monthly",
    "TargetBackupVaultName": "main",
    "ScheduleExpression": "cron(0 5 1 * ? *)",
    "Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 365},
    "CopyActions": [
        {
            "DestinationBackupVaultArn": DR_VAULT,
            "Lifecycle": {"MoveToColdStorageAfterDays": 60, "DeleteAfterDays": 400},
        }
    ],
}


def test_a_year_of_daily_and_monthly_backups_with_copies_moves_and_expires_every_point_on_time() -> None:
    # Given a daily and a monthly rule protecting two volumes, both copying to another account's vault
    sim = Simulation.start(START, volumes=2)
    sim.protect([DAILY, MONTHLY])
    # When a year passes, an hour at a time, and then the plan is deleted and 420 more days pass
    sim.hours(365 * 24)
    sim.stop_protecting()
    sim.hours(420 * 24)

    points = sim.points()
    home = [p for p in points if p.BackupVaultName == "main"]
    copies = [p for p in points if p.BackupVaultName == "dr"]
    # Then every day made one backup per volume, and the 1st of each month's was the monthly rule's alone
    assert len(home) == 2 * 365
    monthly = [p for p in home if p.CreatedBy.BackupRuleName == "monthly"]
    assert len(monthly) == 2 * 12
    assert all(p.CreationDate.day == 1 and p.Lifecycle and p.Lifecycle.DeleteAfterDays == 365 for p in monthly)
    # and every backup was copied once, with the copy action of the rule that made it
    assert len(copies) == len(home)
    assert sorted(p.Lifecycle.DeleteAfterDays for p in copies if p.Lifecycle) == sorted(
        400 if p.CreatedBy.BackupRuleName == "monthly" else 90 for p in home
    )
    # and every point (copies included) moved to cold and was deleted within the hour its lifecycle names
    for point in points:
        calculated = point.CalculatedLifecycle
        assert calculated.DeleteAt is not None
        deleted = sim.deleted_at[point.RecoveryPointArn]
        assert calculated.DeleteAt <= deleted < calculated.DeleteAt + HOUR, point.RecoveryPointArn
        assert point.StorageClass == "DELETED"
        if calculated.MoveToColdStorageAt is not None:
            moved = sim.moved_at[point.RecoveryPointArn]
            assert calculated.MoveToColdStorageAt <= moved < calculated.MoveToColdStorageAt + HOUR
        else:
            assert point.RecoveryPointArn not in sim.moved_at
    # and the copies counted their lifecycle from the backup they copied
    for copy in copies:
        assert copy.CalculatedLifecycle.DeleteAt == copy.CreationDate + timedelta(
            days=copy.Lifecycle.DeleteAfterDays if copy.Lifecycle and copy.Lifecycle.DeleteAfterDays else 0
        )
    # and nothing native is left behind, in either account
    assert sim.home.ebs.snapshots == {} and sim.other.ebs.snapshots == {}
