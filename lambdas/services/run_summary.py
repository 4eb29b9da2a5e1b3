"""What each scheduled run did, said once: one log line and one event per run, so "did last night's backups run"
has one answer (a CloudWatch Logs query on the message, or an EventBridge rule on the detail type).

AWS Backup sends no such event (its detail types are state changes of jobs, points, plans, vaults), so this one is
Strongroom's own: source `strongroom.backup`, detail type RUN_SUMMARY_DETAIL_TYPE, documented in
docs/monitoring.md. The log line is written for every run (at DEBUG for a run with nothing to do); the event only
for a run that did something, failed at something or was cut short, and always for a plan rule's firing (a
schedule its owner set and expects to hear of): a TrackJobs run every five minutes that found nothing open sends
nothing. The event goes with the run's other events (the handler batches them), so most runs pay no extra
PutEvents call for it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lambdas.common.observability import logger
from lambdas.services.event_details import RUN_SUMMARY_DETAIL_TYPE

if TYPE_CHECKING:  # read for their fields only: a function imports the service it runs, not every other one
    from lambdas.services.audit_compliance import Evaluation
    from lambdas.services.backup_batches import BatchResult
    from lambdas.services.context import ServiceContext
    from lambdas.services.lifecycle_service import LifecycleResult
    from lambdas.services.restore_testing_runs import RunResult
    from lambdas.services.restore_testing_validation import SweepResult
    from lambdas.services.scheduled_backups import StartBackupsResult
    from lambdas.services.tracking_service import TrackResult

__all__ = ["RUN_SUMMARY_DETAIL_TYPE", "RunSummary", "report"]

MAX_LISTED = 10  # errors and skips named in full; the rest counted (an event holds at most 256 KB)
MAX_CHARS = 300


@dataclass(frozen=True)
class RunSummary:
    function: str  # the scheduled function: StartBackups, TrackJobs, Lifecycle...
    done: Mapping[str, int]  # what it changed: jobs started, points deleted... (camelCase, as the event's detail)
    looked_at: Mapping[str, int] = field(default_factory=dict)  # what it read to decide: not work in itself
    skipped: Sequence[str] = ()  # what it left alone, and why, one sentence each
    errors: Sequence[str] = ()  # what failed (each is retried by a later run)
    finished: bool = True  # False: its time budget ended first; the next run goes on where it stopped
    subject: str | None = None  # what the run was for, when not everything (a plan's rule, a restore testing plan)
    always_told: bool = False  # an event even when nothing was done: the run is one a person scheduled

    @property
    def did_something(self) -> bool:
        return any(self.done.values()) or bool(self.skipped or self.errors) or not self.finished

    def detail(self) -> dict[str, Any]:
        detail: dict[str, Any] = {"function": self.function}
        if self.subject:
            detail["subject"] = self.subject
        detail["done"] = dict(self.done)
        if self.looked_at:
            detail["lookedAt"] = dict(self.looked_at)
        detail["skipped"] = _listed(self.skipped)
        detail["errors"] = _listed(self.errors)
        detail["finished"] = self.finished
        return detail

    def line(self) -> str:
        """The log line's message: `StartBackups (plan/rule): resourcesSelected 5, jobsStarted 5; skipped 1: ...`."""
        said = ", ".join(f"{name} {value}" for name, value in {**self.looked_at, **self.done}.items())
        head = f"{self.function}{f' ({self.subject})' if self.subject else ''} run: {said or 'nothing to do'}"
        tails = [f"{label} {len(items)}: {'; '.join(items[:3])}" for label, items in self._lists() if items]
        if not self.finished:
            tails.append("unfinished: the next run goes on")
        return "; ".join([head, *tails])

    def _lists(self) -> list[tuple[str, list[str]]]:
        return [("skipped", list(self.skipped)), ("errors", list(self.errors))]


def report(ctx: ServiceContext, summary: RunSummary, now: datetime) -> RunSummary:
    """The run's log line, and its event when it did something (or is always told). A run that found nothing to do
    logs at DEBUG: TrackJobs runs every five minutes (every tick on a serving local runtime), and its idle runs
    would bury the lines that say something; the invocation's own START/REPORT lines still show that it ran."""
    log = logger.info if summary.did_something or summary.always_told else logger.debug
    log(summary.line(), extra={"run_summary": summary.detail()})
    if summary.did_something or summary.always_told:
        ctx.events.publish_run_summary(summary.detail(), now)
    return summary


def _listed(items: Sequence[str]) -> list[str]:
    listed = [item[:MAX_CHARS] for item in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        listed.append(f"... and {len(items) - MAX_LISTED} more")
    return listed


# Each scheduled function's result, summarized. The names are the detail's keys.


def of_rule_firing(plan_id: str, rule_id: str, result: StartBackupsResult) -> RunSummary:
    done = {"resourcesSelected": result.selected, "batchesQueued": result.batches}
    if result.inline is not None:  # no queue: the jobs were made in this run
        done = {"resourcesSelected": result.selected, **_jobs(result.inline)}
    skipped = [result.skipped] if result.skipped else []
    if not skipped and result.selected == 0:
        skipped = ["no resource matched the plan's selections (tags, ARNs, conditions): no job was made"]
    return RunSummary("StartBackups", done, skipped=skipped, subject=f"{plan_id}/{rule_id}", always_told=True)


def of_backup_batch(correlation_id: str, resources: int, result: BatchResult) -> RunSummary:
    skipped = []
    if result.already_existed:
        skipped.append(f"{result.already_existed} resources already had this window's job (a batch delivered again)")
    return RunSummary(
        "StartBackupBatch", _jobs(result), looked_at={"resources": resources}, skipped=skipped, subject=correlation_id
    )


def _jobs(result: BatchResult) -> dict[str, int]:
    # A new job neither started nor waiting was failed at once (the vault lock refuses its retention).
    failed = max(result.created - result.started - result.waiting, 0)
    return {
        "jobsCreated": result.created,
        "jobsStarted": result.started,
        "jobsWaiting": result.waiting,
        "jobsFailed": failed,
    }


def of_tracking(result: TrackResult) -> RunSummary:
    copies = result.copies
    return RunSummary(
        "TrackJobs",
        {
            "jobsStarted": result.started,
            "jobsCompleted": result.completed,
            "jobsFailed": result.failed,
            "jobsExpired": result.expired,
            "copyJobsCompleted": copies.completed,
            "copyJobsFailed": copies.failed,
        },
        looked_at={"jobsOpen": result.examined, "copyJobsOpen": copies.examined},
        errors=[*result.errors, *copies.errors],
        finished=result.finished and copies.finished,
    )


def of_lifecycle(result: LifecycleResult) -> RunSummary:
    skipped = []
    if result.cold_ignored:
        skipped.append(f"{len(result.cold_ignored)} points of types with no cold tier: their cold setting dropped")
    if result.leftovers.kept:
        skipped.append(f"{len(result.leftovers.kept)} native backups kept: a recovery point is each of them")
    return RunSummary(
        "Lifecycle",
        {
            "recoveryPointsMovedToCold": len(result.moved_to_cold),
            "recoveryPointsDeleted": len(result.deleted),
            "leftoverBackupsDeleted": len(result.leftovers.deleted),
            "nativeBackupsFoundMissing": len(result.missing),
        },
        skipped=skipped,
        errors=[
            *(f"deletion failed, retried later: {arn}" for arn in result.failed),
            *(f"cold move failed or under way, retried later: {arn}" for arn in result.cold_failed),
            *(f"leftover deletion failed, retried later: {native}" for native in result.leftovers.failed),
        ],
        finished=result.finished,
    )


def of_audit(result: Evaluation) -> RunSummary:
    return RunSummary(
        "AuditEvaluate",
        {"complianceChanges": result.changes},
        looked_at={"frameworks": len(result.frameworks), "verdicts": result.evaluated},
    )


def of_restore_tests(plan_name: str | None, run: RunResult | None, sweep: SweepResult) -> RunSummary:
    done = {
        "restoreTestsValidated": len(sweep.validated),
        "restoredResourcesDeleted": len(sweep.deleted),
    }
    if run is not None:
        done = {"restoreTestsStarted": len(run.started), **done}
    return RunSummary(
        "RestoreTesting",
        done,
        skipped=list(run.skipped) if run else [],
        errors=[f"deleting a restored resource failed, retried later: {item}" for item in sweep.deletion_failures],
        subject=plan_name,
        always_told=plan_name is not None,  # a restore testing plan's firing, like a backup rule's
    )
