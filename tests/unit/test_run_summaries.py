"""Each scheduled run ends with one log line and, when it did something (or is a firing a person scheduled), one
event saying what it did: "did last night's backups run" has one answer. Each function is shown on a run that did
work and on one that did nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from lambdas.services import backup_service, plan_service, run_summary, vault_service
from lambdas.services.audit_compliance import Evaluation
from lambdas.services.backup_batches import BatchResult
from lambdas.services.restore_testing_runs import RunResult
from lambdas.services.restore_testing_validation import SweepResult
from lambdas.services.run_summary import RUN_SUMMARY_DETAIL_TYPE, RunSummary
from tests.fakes import ROLE, T0, World, select_by_tag


@dataclass
class Context:
    function_name: str = "strongroom-Scheduled"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:strongroom-Scheduled"
    aws_request_id: str = "request-1"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


class Logged(list[tuple[str, dict[str, Any]]]):
    """The summaries' log lines, (message, run_summary detail), and the level of each in `levels`."""

    def __init__(self) -> None:
        super().__init__()
        self.levels: list[str] = []


@pytest.fixture
def logged(monkeypatch: pytest.MonkeyPatch) -> Logged:
    lines = Logged()

    def at(level: str) -> Callable[..., None]:
        def log(message: str, extra: dict[str, Any] | None = None) -> None:
            if extra and "run_summary" in extra:  # the logger is shared: the other lines are not summaries
                lines.append((message, extra["run_summary"]))
                lines.levels.append(level)

        return log

    monkeypatch.setattr(run_summary.logger, "info", at("INFO"))
    monkeypatch.setattr(run_summary.logger, "debug", at("DEBUG"))
    return lines


def handler_over(world: World, monkeypatch: pytest.MonkeyPatch, module_name: str) -> Callable[..., Any]:
    """The scheduled function's handler, run on the world's context at T0."""
    import importlib

    module = importlib.import_module(f"lambdas.handlers.{module_name}")
    monkeypatch.setattr(module, "service_context", lambda: world.ctx)
    if hasattr(module, "clock"):
        monkeypatch.setattr(module.clock, "now", lambda: T0)
    return lambda event: module.handler(event, Context())


def protected(world: World, volumes: int = 2) -> tuple[str, str]:
    for n in range(volumes):
        world.ebs.add_volume(n, backup="daily")
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    rule = {"RuleName": "daily", "TargetBackupVaultName": "main", "Lifecycle": {"DeleteAfterDays": 35}}
    plan = plan_service.create_plan(world.ctx, {"BackupPlan": {"BackupPlanName": "daily", "Rules": [rule]}}, T0)
    select_by_tag(world, plan)
    return plan.BackupPlanId, plan.Rules[0].RuleId


def test_a_rule_firing_says_how_many_resources_it_selected_and_jobs_it_started(
    world: World, monkeypatch: pytest.MonkeyPatch, logged: list[tuple[str, dict[str, Any]]]
) -> None:
    # Given a daily rule over two tagged volumes, one of whose backups is throttled
    plan_id, rule_id = protected(world)
    world.ebs.fail_start_for.add(next(iter(world.ebs.volumes)))
    # When its schedule fires
    handler_over(world, monkeypatch, "start_backups")({"plan_id": plan_id, "rule_id": rule_id})
    # Then one event and one log line say what it did: two selected, one started, one waiting
    (detail,) = world.events.run_summaries
    assert detail == {
        "function": "StartBackups",
        "subject": f"{plan_id}/{rule_id}",
        "done": {"resourcesSelected": 2, "jobsCreated": 2, "jobsStarted": 1, "jobsWaiting": 1, "jobsFailed": 0},
        "skipped": [],
        "errors": [],
        "finished": True,
    }
    (message, logged_detail), *_ = logged
    assert logged_detail == detail
    assert message == (
        f"StartBackups ({plan_id}/{rule_id}) run: resourcesSelected 2, jobsCreated 2, jobsStarted 1, jobsWaiting 1, "
        "jobsFailed 0"
    )


def test_a_rule_firing_that_selects_nothing_still_says_so_and_why(
    world: World, monkeypatch: pytest.MonkeyPatch, logged: list[tuple[str, dict[str, Any]]]
) -> None:
    # Given a plan whose selection matches no resource (no volume is tagged)
    plan_id, rule_id = protected(world, volumes=0)
    # When its schedule fires
    handler_over(world, monkeypatch, "start_backups")({"plan_id": plan_id, "rule_id": rule_id})
    # Then the owner still hears of the firing, which made no job, and why
    (detail,) = world.events.run_summaries
    assert detail["done"] == {"resourcesSelected": 0, "batchesQueued": 0}
    assert detail["skipped"] == ["no resource matched the plan's selections (tags, ARNs, conditions): no job was made"]


def test_a_firing_of_a_deleted_plan_says_it_was_skipped_and_why(
    world: World, monkeypatch: pytest.MonkeyPatch, logged: list[tuple[str, dict[str, Any]]]
) -> None:
    handler_over(world, monkeypatch, "start_backups")({"plan_id": "gone", "rule_id": "gone"})
    (detail,) = world.events.run_summaries
    assert detail["skipped"] == ["the plan or its rule was deleted since the schedule was made"]


def test_track_jobs_says_what_it_completed_and_a_run_with_nothing_open_sends_no_event(
    world: World, monkeypatch: pytest.MonkeyPatch, logged: list[tuple[str, dict[str, Any]]]
) -> None:
    track = handler_over(world, monkeypatch, "track_jobs")
    # Given two running backups
    plan_id, rule_id = protected(world)
    handler_over(world, monkeypatch, "start_backups")({"plan_id": plan_id, "rule_id": rule_id})
    world.events.run_summaries.clear()
    # When tracking runs: it completes both
    track({"scheduled_time": (T0 + timedelta(minutes=5)).isoformat()})
    (detail,) = world.events.run_summaries
    assert detail["function"] == "TrackJobs"
    assert detail["done"]["jobsCompleted"] == 2
    assert detail["lookedAt"] == {"jobsOpen": 2, "copyJobsOpen": 0}
    assert logged.levels[-1] == "INFO"
    # And when it runs again with nothing open, it only logs that it had nothing to do, at DEBUG (it runs every five
    # minutes: its idle lines would bury the ones that say something)
    track({"scheduled_time": (T0 + timedelta(minutes=10)).isoformat()})
    assert len(world.events.run_summaries) == 1
    assert logged[-1][0].startswith("TrackJobs run: jobsOpen 0, copyJobsOpen 0, jobsStarted 0")
    assert logged.levels[-1] == "DEBUG"


def test_lifecycle_says_what_it_deleted_and_a_quiet_hour_sends_no_event(
    world: World, monkeypatch: pytest.MonkeyPatch, logged: list[tuple[str, dict[str, Any]]]
) -> None:
    lifecycle = handler_over(world, monkeypatch, "lifecycle")
    arn = world.ebs.add_volume(9)
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    request = {"BackupVaultName": "main", "ResourceArn": arn, "IamRoleArn": ROLE, "Lifecycle": {"DeleteAfterDays": 1}}
    backup_service.start_backup_job(world.ctx, request, T0)
    handler_over(world, monkeypatch, "track_jobs")({"scheduled_time": (T0 + timedelta(minutes=5)).isoformat()})
    world.events.run_summaries.clear()
    # A quiet hour: nothing is due, so only the log line
    lifecycle({"scheduled_time": (T0 + timedelta(hours=1)).isoformat()})
    assert world.events.run_summaries == []
    assert logged[-1][1]["done"]["recoveryPointsDeleted"] == 0
    # The hour the point's retention ends: it is deleted, and the event says so
    lifecycle({"scheduled_time": (T0 + timedelta(days=1, hours=1)).isoformat()})
    (detail,) = world.events.run_summaries
    assert (detail["function"], detail["done"]["recoveryPointsDeleted"]) == ("Lifecycle", 1)


def test_a_lifecycle_deletion_that_fails_is_named_in_the_summarys_errors(world: World) -> None:
    from lambdas.services.lifecycle_service import LifecycleResult

    summary = run_summary.of_lifecycle(LifecycleResult(failed=["arn:point"]))
    assert summary.did_something
    assert summary.detail()["errors"] == ["deletion failed, retried later: arn:point"]


def test_the_restore_testing_sweep_with_nothing_to_check_sends_no_event_and_a_plans_firing_always_does(
    world: World, monkeypatch: pytest.MonkeyPatch, logged: list[tuple[str, dict[str, Any]]]
) -> None:
    # The hourly sweep with no restore test open: a log line only
    handler_over(world, monkeypatch, "restore_test")({})
    assert world.events.run_summaries == []
    assert logged[-1][0] == "RestoreTesting run: restoreTestsValidated 0, restoredResourcesDeleted 0"
    # A plan's firing that started two tests and skipped one resource: told, with the reason
    summary = run_summary.of_restore_tests(
        "weekly", RunResult(started=["r1", "r2"], skipped=["vol-1: no recovery point in the window"]), SweepResult()
    )
    run_summary.report(world.ctx, summary, T0)
    (detail,) = world.events.run_summaries
    assert detail["done"] == {"restoreTestsStarted": 2, "restoreTestsValidated": 0, "restoredResourcesDeleted": 0}
    assert detail["skipped"] == ["vol-1: no recovery point in the window"]
    # and a firing that started nothing is told all the same: its owner scheduled it
    run_summary.report(world.ctx, run_summary.of_restore_tests("weekly", RunResult(), SweepResult()), T0)
    assert len(world.events.run_summaries) == 2


def test_audit_evaluation_is_told_only_when_compliance_changed(world: World) -> None:
    unchanged = run_summary.of_audit(Evaluation(evaluated=12, changes=0))
    changed = run_summary.of_audit(Evaluation(evaluated=12, changes=3))
    run_summary.report(world.ctx, unchanged, T0)
    run_summary.report(world.ctx, changed, T0)
    assert world.events.run_summaries == [
        {
            "function": "AuditEvaluate",
            "done": {"complianceChanges": 3},
            "lookedAt": {"frameworks": 0, "verdicts": 12},
            "skipped": [],
            "errors": [],
            "finished": True,
        }
    ]


def test_a_batch_names_the_jobs_it_failed_and_those_a_redelivery_found_made() -> None:
    summary = run_summary.of_backup_batch(
        "plan/rule/t", 5, BatchResult(created=3, started=1, already_existed=2, waiting=1)
    )
    assert summary.done == {"jobsCreated": 3, "jobsStarted": 1, "jobsWaiting": 1, "jobsFailed": 1}
    assert summary.skipped == ["2 resources already had this window's job (a batch delivered again)"]


def test_long_lists_are_cut_to_keep_the_event_small() -> None:
    summary = RunSummary("TrackJobs", {}, errors=[f"job-{n}: " + "x" * 1000 for n in range(25)])
    errors = summary.detail()["errors"]
    assert len(errors) == run_summary.MAX_LISTED + 1
    assert all(len(error) <= run_summary.MAX_CHARS for error in errors)
    assert errors[-1] == "... and 15 more"


def test_the_summary_event_is_strongrooms_own_detail_type_not_one_of_aws_backups() -> None:
    from lambdas.services import event_details

    aws_backups = {
        event_details.BACKUP_JOB_DETAIL_TYPE,
        event_details.RESTORE_JOB_DETAIL_TYPE,
        event_details.COPY_JOB_DETAIL_TYPE,
        event_details.RECOVERY_POINT_DETAIL_TYPE,
        event_details.BACKUP_PLAN_DETAIL_TYPE,
    }
    assert RUN_SUMMARY_DETAIL_TYPE.startswith("Strongroom ")
    assert RUN_SUMMARY_DETAIL_TYPE not in aws_backups


def test_on_the_bus_the_summary_rides_in_the_runs_own_put_events_call() -> None:
    import json

    from lambdas.domain.jobs import BackupJob
    from lambdas.services.event_details import EVENT_SOURCE
    from tests.unit.test_vault_notifications import FakeAws, sink_over

    calls: list[int] = []
    aws = FakeAws()
    put_events = aws.put_events

    def counted(Entries: list[dict[str, Any]]) -> dict[str, Any]:  # boto3's parameter name
        calls.append(len(Entries))
        return put_events(Entries=Entries)

    aws.put_events = counted  # type: ignore[method-assign]
    sink = sink_over(aws)
    job = BackupJob.model_validate(
        {
            "BackupJobId": "j1",
            "AccountId": "123456789012",
            "BackupVaultName": "main",
            "BackupVaultArn": "arn:aws:backup:us-east-1:123456789012:backup-vault:main",
            "ResourceArn": "arn:aws:ec2:us-east-1:123456789012:volume/vol-1",
            "ResourceType": "EBS",
            "IamRoleArn": ROLE,
            "CreationDate": T0,
            "StartBy": T0 + timedelta(hours=1),
            "CompleteBy": T0 + timedelta(hours=8),
            "CorrelationId": "plan/rule/t",
        }
    )
    # Given a run that publishes a job's state change, then its summary, inside the handler's batch
    with sink.batched():
        sink.publish_backup_job(job, None, T0)
        sink.publish_run_summary(RunSummary("TrackJobs", {"jobsCompleted": 1}).detail(), T0)
    # Then both went in one PutEvents call, the summary from Strongroom's source with its own detail type
    assert calls == [2]
    summary = aws.entries[-1]
    assert (summary["Source"], summary["DetailType"]) == (EVENT_SOURCE, RUN_SUMMARY_DETAIL_TYPE)
    assert json.loads(summary["Detail"])["done"] == {"jobsCompleted": 1}
