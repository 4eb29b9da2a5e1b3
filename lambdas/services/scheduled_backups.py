"""A plan rule's schedule fired: one backup job per selected resource for this window.

start_backups (the StartBackups function) resolves the selection a page at a time and hands every page of up to
RESOURCES_PER_BATCH resources on as a BackupBatch; start_backup_batch (the StartBackupBatch function, one SQS
message at a time) creates the batch's jobs and starts them. Neither holds the whole selection's work, so a
rule over 10,000 resources is a hundred small invocations, not one long one.

Idempotency: a scheduled job's id is derived from (plan, rule(s), scheduled time, resource) and written with a
conditional put, so a schedule delivered twice, a batch delivered twice or a Lambda retried after a crash finds
the jobs it made and only starts those still CREATED."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from lambdas.common.observability import logger
from lambdas.domain.arns import parse_arn
from lambdas.domain.ids import scheduled_backup_job_id
from lambdas.domain.jobs import BackupJob, BackupJobState, RecoveryPointCreator, windows
from lambdas.domain.overlap import Firing, firing
from lambdas.domain.plans import BackupPlan
from lambdas.domain.selections import Resource, selects
from lambdas.services.backup_batches import (
    MESSAGES_PER_SEND,
    RESOURCES_PER_BATCH,
    BackupBatch,
    BatchResource,
    BatchResult,
    InlineBackupBatches,
)
from lambdas.services.backup_metrics import count_job
from lambdas.services.context import ServiceContext
from lambdas.services.job_starts import start_jobs
from lambdas.services.job_transitions import finish_job


@dataclass(frozen=True)
class StartBackupsResult:
    selected: int
    batches: int
    # What starting the batches did, when they were started in this invocation (a context without a queue);
    # None when they were queued for StartBackupBatch.
    inline: BatchResult | None
    skipped: str | None = None  # why nothing was selected, when the firing itself was moot


def start_backups(
    ctx: ServiceContext, plan_id: str, rule_id: str, scheduled_time: datetime, now: datetime
) -> StartBackupsResult:
    found = _firing(ctx, plan_id, rule_id, scheduled_time)
    if found is None:
        return StartBackupsResult(0, 0, None, skipped="the plan or its rule was deleted since the schedule was made")
    _, group = found
    ctx.stores.vaults.get(group.winner.TargetBackupVaultName)  # a vault gone fails the firing, not every batch
    selections = ctx.stores.plans.selections(plan_id)
    opted_out = ctx.stores.settings.region().opted_out()
    queue = ctx.backup_batches or InlineBackupBatches(lambda batch: start_backup_batch(ctx, batch, now))
    correlation_id = f"{plan_id}/{group.group_key}/{group.anchor.isoformat()}"
    selected = sent = 0
    inline: BatchResult | None = None
    pending: list[BackupBatch] = []
    resources = ctx.resolver.stream((selection.Selection for selection in selections), opted_out)
    for page in _pages(resources, RESOURCES_PER_BATCH):
        selected += len(page)
        members = []
        for resource in page:
            picked_by = next((s for s in selections if selects(s.Selection, resource)), selections[0])
            name = resource.tags.get("Name") or parse_arn(resource.arn).resource_id
            members.append(BatchResource(arn=resource.arn, name=name, iam_role_arn=picked_by.Selection.IamRoleArn))
        pending.append(
            BackupBatch(
                plan_id=plan_id,
                rule_id=rule_id,
                scheduled_time=scheduled_time,
                fired_at=now,
                correlation_id=correlation_id,
                resources=members,
            )
        )
        if len(pending) == MESSAGES_PER_SEND:
            inline = _added(inline, queue.send(pending))
            sent += len(pending)
            pending = []
    if pending:
        inline = _added(inline, queue.send(pending))
        sent += len(pending)
    ctx.stores.plans.record_execution(plan_id, scheduled_time)  # its summary is logged by the handler (run_summary)
    return StartBackupsResult(selected, sent, inline)


def start_backup_batch(ctx: ServiceContext, batch: BackupBatch, now: datetime) -> BatchResult:
    found = _firing(ctx, batch.plan_id, batch.rule_id, batch.scheduled_time)
    if found is None:
        return BatchResult()
    plan, group = found
    rule = group.winner
    vault = ctx.stores.vaults.cached_get(rule.TargetBackupVaultName)
    start_by, complete_by = windows(group.anchor, rule.StartWindowMinutes, rule.CompletionWindowMinutes)
    creator = RecoveryPointCreator(
        BackupPlanId=plan.BackupPlanId,
        BackupPlanArn=plan.BackupPlanArn,
        BackupPlanName=plan.BackupPlanName,
        BackupPlanVersion=plan.VersionId,
        BackupRuleId=rule.RuleId,
        BackupRuleName=rule.RuleName,
        BackupRuleCron=rule.ScheduleExpression,
        BackupRuleTimezone=rule.ScheduleExpressionTimezone,
    )
    refused_by_lock = vault.refuses_retention(group.lifecycle.DeleteAfterDays if group.lifecycle else None)
    jobs = [
        BackupJob(
            BackupJobId=scheduled_backup_job_id(plan.BackupPlanId, group.group_key, group.anchor, resource.arn),
            AccountId=ctx.account,
            BackupVaultName=vault.BackupVaultName,
            BackupVaultArn=vault.BackupVaultArn,
            ResourceArn=resource.arn,
            ResourceType=ctx.adapters.resource_type_of(resource.arn),
            ResourceName=resource.name,
            IamRoleArn=resource.iam_role_arn,
            CreatedBy=creator,
            CreationDate=batch.fired_at,
            StartBy=start_by,
            CompleteBy=complete_by,
            RecoveryPointLifecycle=group.lifecycle,
            RecoveryPointTags=rule.RecoveryPointTags,
            BackupType="FULL",
            CorrelationId=batch.correlation_id,
            CopyActions=list(rule.CopyActions),
        )
        for resource in batch.resources
    ]
    # Created together, each only if absent: a batch delivered twice finds its jobs and makes none.
    new_ids = ctx.stores.jobs.create_backup_jobs_if_absent(jobs)
    to_start: list[tuple[BackupJob, bool]] = []
    for job in jobs:
        if job.BackupJobId in new_ids:
            count_job(job)  # NumberOfBackupJobsCreated, before the job moves on
    # A batch delivered again: its jobs exist already, read in one call, and those still CREATED are started.
    existing = ctx.stores.jobs.find_backup_jobs([job.BackupJobId for job in jobs if job.BackupJobId not in new_ids])
    for job in jobs:
        if job.BackupJobId not in new_ids:
            earlier = existing.get(job.BackupJobId)
            if earlier is not None and earlier.State == BackupJobState.CREATED:
                to_start.append((earlier, False))
        elif refused_by_lock:
            # The vault's lock refuses this retention: the job fails, as AWS Backup fails it, saying why.
            finish_job(ctx, job, BackupJobState.FAILED, now, refused_by_lock)
        else:
            to_start.append((job, True))
    left = start_jobs(ctx, to_start, now)
    started = sum(1 for job in left.values() if job.State == BackupJobState.RUNNING)
    waiting = sum(1 for job in left.values() if job.State == BackupJobState.CREATED)
    return BatchResult(created=len(new_ids), started=started, already_existed=len(jobs) - len(new_ids), waiting=waiting)


def _firing(
    ctx: ServiceContext, plan_id: str, rule_id: str, scheduled_time: datetime
) -> tuple[BackupPlan, Firing] | None:
    """The plan and the rules of it that fire together at this time (the longest retention wins), or None when
    the plan or the rule is gone since the schedule was made."""
    plan = ctx.stores.plans.find(plan_id)
    if plan is None or plan.DeletionDate is not None:
        logger.info("plan gone; nothing to back up", extra={"plan_id": plan_id})
        return None
    fired = plan.rule(rule_id)
    if fired is None:
        logger.info("rule no longer in the plan", extra={"plan_id": plan_id, "rule_id": rule_id})
        return None
    return plan, firing(plan, fired, scheduled_time)


def _pages(resources: Iterable[Resource], size: int) -> Iterator[list[Resource]]:
    iterator = iter(resources)
    while page := list(islice(iterator, size)):
        yield page


def _added(total: BatchResult | None, more: BatchResult | None) -> BatchResult | None:
    if more is None:
        return total
    return more if total is None else total + more
