"""Most hourly runs find nothing to do: the lifecycle run with no point due, no lock and no legal hold. On AWS each
read is a billed DynamoDB request and locally a trip through the emulator, thousands of times over `make demo`'s
40 days, so such a run reads only what tells it there is nothing to do (docs/performance.md): one marker item
(lambdas/store/lifecycle_work.py) once two runs have found nothing. tests/unit/test_lifecycle_marker.py shows that
every write that gives Lifecycle work still gets it done."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from lambdas.services import legal_hold_service, vault_service
from lambdas.services.lifecycle_service import run_lifecycle
from tests.fakes import T0, World
from tests.unit.test_missing_backups import point_on_a_snapshot


def counting_reads(world: World) -> dict[str, int]:
    """Counts the table's reads (requests, and items they returned) from now on."""
    counts = {"requests": 0, "items": 0}
    table = world.table

    def counted(read: Callable[..., Any], items: Callable[[Any], int]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            answer = read(*args, **kwargs)
            counts["requests"] += 1
            counts["items"] += items(answer)
            return answer

        return call

    table.query = counted(table.query, lambda page: len(page.items))  # type: ignore[method-assign]
    table.get = counted(table.get, lambda item: int(item is not None))  # type: ignore[method-assign]
    table.get_many = counted(table.get_many, len)  # type: ignore[method-assign]
    return counts


def test_given_points_none_due_no_lock_and_no_hold_when_hourly_runs_come_then_after_two_each_is_one_read(
    world: World,
) -> None:
    # Given a vault holding ten points, none due for a month, no vault lock and no legal hold
    vault_service.create_vault(world.ctx, {"BackupVaultName": "daily"}, T0)
    for n in range(10):
        point_on_a_snapshot(world, "daily", n)
    reads = counting_reads(world)
    # When the first hourly lifecycle run comes
    result = run_lifecycle(world.ctx, T0 + timedelta(hours=1))
    # Then it deletes nothing and reads the marker, the leftovers, the vaults (once), the due index, the open holds
    # and the earliest point of the index: no other recovery point, and only the vault item
    assert result.deleted == [] and result.missing == []
    assert reads == {"requests": 6, "items": 3}
    # And when a second run finds nothing again (two runs: the lifecycle index is eventually consistent)
    run_lifecycle(world.ctx, T0 + timedelta(hours=2))
    # Then each later run reads the marker only, until the first point falls due
    reads = counting_reads(world)
    assert run_lifecycle(world.ctx, T0 + timedelta(hours=3)).deleted == []
    assert reads == {"requests": 1, "items": 1}


def test_given_a_point_due_and_one_under_a_hold_when_the_hourly_run_comes_then_the_holds_are_read_and_kept(
    world: World,
) -> None:
    # Given two points in a vault, both due, one of them under a legal hold
    vault_service.create_vault(world.ctx, {"BackupVaultName": "daily"}, T0)
    free, held = point_on_a_snapshot(world, "daily", 1), point_on_a_snapshot(world, "daily", 2)
    legal_hold_service.create(
        world.ctx,
        {"Title": "case", "Description": "d", "RecoveryPointSelection": {"ResourceIdentifiers": [held.ResourceArn]}},
        T0 + timedelta(minutes=1),
    )
    # When the run comes after their DeleteAt (the holds are read only now that points are due)
    result = run_lifecycle(world.ctx, T0 + timedelta(days=31))
    # Then the free point is deleted and the held one kept
    assert result.deleted == [free.RecoveryPointArn]
    assert world.ctx.stores.recovery_points.get(held.RecoveryPointArn).StorageClass != "DELETED"


def test_given_every_job_finished_when_tracking_goes_on_then_after_two_empty_runs_each_is_one_read_until_a_rule_fires(
    world: World,
) -> None:
    from lambdas.domain.jobs import BackupJobState
    from lambdas.services.tracking_service import track_jobs
    from tests.unit.test_backup_engine import fire, jobs, protect

    # Given a rule fired and its three jobs tracked to COMPLETED
    plan = protect(world)
    fire(world, plan)
    assert track_jobs(world.ctx, T0 + timedelta(minutes=5)).completed == 3
    # When two more runs find no open job (two, minutes apart: the open-job index is eventually consistent)
    for minutes in (10, 15):
        assert track_jobs(world.ctx, T0 + timedelta(minutes=minutes)).examined == 0
    # Then each later run reads one item and queries nothing
    reads = counting_reads(world)
    track_jobs(world.ctx, T0 + timedelta(minutes=20))
    assert reads == {"requests": 1, "items": 1}
    # And when the rule fires again the next day, its new jobs are tracked to COMPLETED as before
    fire(world, plan, at=T0 + timedelta(days=1))
    assert track_jobs(world.ctx, T0 + timedelta(days=1, minutes=5)).completed == 3
    assert [job.State for job in jobs(world)] == [BackupJobState.COMPLETED] * 6


def test_given_one_empty_run_only_when_a_job_is_opened_then_the_next_run_still_tracks_it(world: World) -> None:
    from lambdas.services.tracking_service import track_jobs
    from tests.unit.test_backup_engine import fire, protect

    # Given a plan and one run that found nothing open
    plan = protect(world, volumes=1)
    track_jobs(world.ctx, T0)
    # When its rule fires
    fire(world, plan, at=T0 + timedelta(minutes=1))
    # Then the next run finds and completes the job
    assert track_jobs(world.ctx, T0 + timedelta(minutes=5)).completed == 1
