"""Recovery time on fakes: a restore records the time from its request to the poll that found its resource ready
(not to when the job was written down); DescribeProtectedResource and the next restore's
ExpectedCompletionTimeMinutes answer it; each completion refreshes its type's p50, p95 and max over 30 days and
publishes them as metrics with a ResourceType dimension; Audit Manager's restore time control reads them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from infrastructure import constants
from lambdas.api.operations import load_all
from lambdas.domain.audit.controls import restore_time_meets_target
from lambdas.domain.audit.frameworks import FrameworkControl
from lambdas.domain.jobs import RestoreJob, RestoreJobStatus
from lambdas.domain.restore_times import RecoveryTimeSummary, expected_minutes, percentile, summarize
from lambdas.services import backup_service, restore_service, vault_service
from lambdas.services.audit_estate import gather
from lambdas.services.tracking_service import track_jobs
from tests.fakes import ROLE, T0, World

OPS = load_all()


def protected_volume(world: World) -> tuple[str, str]:
    """Given a volume with one completed backup: its ARN and its recovery point's."""
    arn = world.ebs.add_volume(1)
    if world.ctx.stores.vaults.find("main") is None:
        vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    job = backup_service.start_backup_job(
        world.ctx, {"BackupVaultName": "main", "ResourceArn": arn, "IamRoleArn": ROLE}, T0
    )
    track_jobs(world.ctx, T0 + timedelta(minutes=5))
    assert job.RecoveryPointArn
    return arn, job.RecoveryPointArn


def restore(world: World, point: str, asked: datetime, ready: datetime, recorded: datetime) -> RestoreJob:
    """A restore asked for at `asked`, whose poll found the resource ready at `ready`, recorded at `recorded`."""
    job = restore_service.start_restore_job(world.ctx, {"RecoveryPointArn": point, "Metadata": {}}, asked)
    restore_service.begin_restore(world.ctx, job.RestoreJobId, asked)
    for native in world.ebs.restores.values():
        native["state"] = "available"
    restore_service.poll_restore(world.ctx, job.RestoreJobId)
    return restore_service.finalize_restore(
        world.ctx, job.RestoreJobId, RestoreJobStatus.COMPLETED, None, recorded, ready_at=ready
    )


def emitted(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """The EMF documents printed since the last call."""
    lines = capsys.readouterr().out.splitlines()
    return [doc for doc in map(json.loads, (line for line in lines if '"_aws"' in line))]


def test_given_a_restore_ready_7_minutes_after_its_request_then_it_records_7_minutes_not_when_it_was_written(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    volume, point = protected_volume(world)
    capsys.readouterr()
    # When its poll finds the volume ready 7 minutes after the request, and the last step runs a minute later
    done = restore(world, point, T0, T0 + timedelta(minutes=7), T0 + timedelta(minutes=8))
    # Then the job records 420 seconds, and DescribeProtectedResource answers 7 minutes for the volume
    assert done.RecoveryTimeSeconds == 420
    assert done.CompletionDate == T0 + timedelta(minutes=8)
    described = OPS["DescribeProtectedResource"](world.ctx, {"ResourceArn": volume}, T0 + timedelta(hours=1))
    assert described["LatestRestoreExecutionTimeMinutes"] == 7
    assert described["LatestRestoreJobCreationDate"] == T0
    assert described["LatestRestoreRecoveryPointCreationDate"] == done.RecoveryPointCreationDate
    # And its time and its type's summary are published as metrics in Strongroom's namespace, by ResourceType
    # (beside the restore job counts with AWS Backup's names, NumberOfRestoreJobs...: lambdas/services/backup_metrics)
    (doc,) = [doc for doc in emitted(capsys) if "RecoveryTime" in doc]
    (directive,) = doc["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Strongroom" and "ResourceType" in directive["Dimensions"][0]
    assert doc["ResourceType"] == "EBS"
    published = {name: doc[name] for name in ("RecoveryTime", "RecoveryTimeP50", "RecoveryTimeP95", "RecoveryTimeMax")}
    assert published == {name: [420.0] for name in published}


def test_given_a_resource_never_restored_then_describe_protected_resource_leaves_the_latest_members_out(
    world: World,
) -> None:
    volume, _ = protected_volume(world)
    described = OPS["DescribeProtectedResource"](world.ctx, {"ResourceArn": volume}, T0)
    latest = {k: v for k, v in described.items() if k.startswith("LatestRestore")}
    assert latest == dict.fromkeys(latest, None) and len(latest) == 3


def test_given_a_restore_still_running_then_the_latest_job_is_it_but_the_time_is_the_last_completed_ones(
    world: World,
) -> None:
    volume, point = protected_volume(world)
    restore(world, point, T0, T0 + timedelta(minutes=3), T0 + timedelta(minutes=3))
    later = T0 + timedelta(days=1)
    restore_service.start_restore_job(world.ctx, {"RecoveryPointArn": point, "Metadata": {}}, later)
    described = OPS["DescribeProtectedResource"](world.ctx, {"ResourceArn": volume}, later)
    assert (described["LatestRestoreJobCreationDate"], described["LatestRestoreExecutionTimeMinutes"]) == (later, 3)


def test_given_history_then_a_new_restore_expects_its_sources_median_else_its_types(world: World) -> None:
    _, point = protected_volume(world)
    # Given a first restore with no history: nothing to expect
    first = restore(world, point, T0, T0 + timedelta(minutes=2), T0 + timedelta(minutes=2))
    assert first.ExpectedCompletionTimeMinutes is None
    # And two more of the same volume (2, 10 and 4 minutes)
    for day, minutes in ((1, 10), (2, 4)):
        asked = T0 + timedelta(days=day)
        restore(world, point, asked, asked + timedelta(minutes=minutes), asked + timedelta(minutes=minutes))
    # When the volume is restored again, then it expects its own median: 4 minutes (DescribeRestoreJob answers it)
    asked = T0 + timedelta(days=3)
    again = restore_service.start_restore_job(world.ctx, {"RecoveryPointArn": point, "Metadata": {}}, asked)
    assert again.ExpectedCompletionTimeMinutes == 4
    assert (
        OPS["DescribeRestoreJob"](world.ctx, {"RestoreJobId": again.RestoreJobId}, asked)[
            "ExpectedCompletionTimeMinutes"
        ]
        == 4
    )
    # And another volume, never restored, expects its type's median over the window
    _, other_point = protected_volume(world)
    other = restore_service.start_restore_job(world.ctx, {"RecoveryPointArn": other_point, "Metadata": {}}, asked)
    assert other.ExpectedCompletionTimeMinutes == world.ctx.stores.restore_times.find("EBS").P50Seconds / 60 == 4
    # And ListRestoreJobs answers it too, and never the recorded seconds (not a member of the model)
    listed = OPS["ListRestoreJobs"](world.ctx, {}, asked)["RestoreJobs"]
    assert {j["RestoreJobId"]: j.get("ExpectedCompletionTimeMinutes") for j in listed}[other.RestoreJobId] == 4
    assert all("RecoveryTimeSeconds" not in j for j in listed)


def test_given_restores_over_two_months_then_the_summary_covers_only_the_last_30_days(world: World) -> None:
    _, point = protected_volume(world)
    # Given restores of 60 days ago (99 minutes), then of 1..20 minutes in the last 20 days
    old = T0 - timedelta(days=60)
    restore(world, point, old, old + timedelta(minutes=99), old + timedelta(minutes=99))
    for day in range(1, 21):
        asked = T0 + timedelta(days=day)
        restore(world, point, asked, asked + timedelta(minutes=day), asked + timedelta(minutes=day))
    # Then the saved summary holds the 20 recent ones: nearest-rank p50 10 min, p95 19 min, max 20 min
    summary = world.ctx.stores.restore_times.find("EBS")
    assert summary is not None
    assert (summary.Count, summary.P50Seconds, summary.P95Seconds, summary.MaxSeconds) == (20, 600, 1140, 1200)
    assert [s.ResourceType for s in world.ctx.stores.restore_times.all()] == ["EBS"]


def test_given_a_failed_restore_then_it_records_no_recovery_time_and_changes_no_summary(world: World) -> None:
    _, point = protected_volume(world)
    job = restore_service.start_restore_job(world.ctx, {"RecoveryPointArn": point, "Metadata": {}}, T0)
    failed = restore_service.finalize_restore(
        world.ctx, job.RestoreJobId, RestoreJobStatus.FAILED, {"Error": "X", "Cause": "y"}, T0
    )
    assert failed.RecoveryTimeSeconds is None
    assert world.ctx.stores.restore_times.find("EBS") is None


def test_given_recorded_times_then_the_audit_restore_time_control_judges_them(world: World) -> None:
    volume, point = protected_volume(world)
    restore(world, point, T0, T0 + timedelta(minutes=30), T0 + timedelta(hours=5))
    estate = gather(world.ctx, T0 + timedelta(hours=6))
    control = FrameworkControl.model_validate(
        {
            "ControlName": "RESTORE_TIME_FOR_RESOURCES_MEET_TARGET",
            "ControlInputParameters": [{"ParameterName": "maxRestoreTime", "ParameterValue": "45"}],
        }
    )
    (verdict,) = [v for v in restore_time_meets_target(control, estate) if v.resource_id == volume]
    # the 30 minutes to a usable volume meet a 45 minute target, though the job was written down 5 hours later
    assert verdict.status == "COMPLIANT", verdict


def test_percentiles_are_nearest_rank_and_always_a_measured_value() -> None:
    assert percentile([3.0], 0.95) == 3.0
    assert percentile([5.0, 1.0, 3.0], 0.5) == 3.0
    assert percentile([1.0, 2.0, 3.0, 100.0], 0.95) == 100.0
    with pytest.raises(ValueError):
        percentile([], 0.5)
    assert summarize("EBS", [], T0) is None


def test_expected_minutes_round_up_and_prefer_the_sources_own_history() -> None:
    typed = RecoveryTimeSummary(
        ResourceType="EBS", Count=3, P50Seconds=3000, P95Seconds=4000, MaxSeconds=5000, WindowDays=30, ComputedAt=T0
    )
    assert expected_minutes([61.0], typed) == 2
    assert expected_minutes([], typed) == 50
    assert expected_minutes([], None) is None


@dataclass
class LambdaContext:
    function_name: str = "strongroom-RestorePoll"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:strongroom-RestorePoll"
    aws_request_id: str = "request-1"


def _path(state: dict[str, Any], path: str) -> Any:
    """A JSONPath of the simple `$.a.b` form the restore workflow uses."""
    value: Any = state
    for part in path.removeprefix("$.").split("."):
        value = value[part]
    return value


def test_given_the_workflow_file_then_the_polls_ready_time_reaches_the_last_step_as_the_recovery_times_end(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lambdas.handlers import restore_finalize, restore_poll

    # Given a restore asked for at T0 whose volume the poll handler finds ready at T0 + 6 minutes
    _, point = protected_volume(world)
    job = restore_service.start_restore_job(world.ctx, {"RecoveryPointArn": point, "Metadata": {}}, T0)
    restore_service.begin_restore(world.ctx, job.RestoreJobId, T0)
    for native in world.ebs.restores.values():
        native["state"] = "available"
    for handler in (restore_poll, restore_finalize):
        monkeypatch.setattr(handler, "service_context", lambda: world.ctx)
    monkeypatch.setattr(restore_poll.clock, "now", lambda: T0 + timedelta(minutes=6))
    state: dict[str, Any] = {"restore_job_id": job.RestoreJobId}
    asl = json.loads(constants.RESTORE_ASL_PATH.read_text(encoding="utf-8"))["States"]
    poll_step, record_step = asl["PollRestore"], asl["RecordSuccess"]
    state[poll_step["ResultPath"].removeprefix("$.")] = restore_poll.handler(
        {"restore_job_id": job.RestoreJobId}, LambdaContext()
    )
    # When the workflow builds the last step's input from its Parameters, and that step runs 20 minutes later
    event = {
        name.removesuffix(".$"): _path(state, value) if name.endswith(".$") else value
        for name, value in record_step["Parameters"].items()
    }
    monkeypatch.setattr(restore_finalize.clock, "now", lambda: T0 + timedelta(minutes=26))
    restore_finalize.handler(event, LambdaContext(function_name="strongroom-RestoreFinalize"))
    # Then the job's recovery time ends when the poll found the volume ready
    done = world.ctx.stores.jobs.get_restore_job(job.RestoreJobId)
    assert (done.Status, done.RecoveryTimeSeconds) == (RestoreJobStatus.COMPLETED, 360)
