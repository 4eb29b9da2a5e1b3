"""Takes the snapshot the controls judge (lambdas.domain.audit.facts) from what Strongroom already knows: the
resources every adapter lists, the live plans and the resources their selections resolve to (the tagging API,
through the selection resolver), the vaults with their access policies and locks, the live recovery points and
the completed restore jobs. No AWS Config recorder is needed.

Cost, per evaluation: the adapters' listings (paged), one resolver pass per live plan, one query page per 1,000
vaults, recovery points and restore jobs; nothing per resource beyond the pages it sits on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import TypeVar

from lambdas.common.observability import logger
from lambdas.domain.audit.facts import Estate, LockFacts, PlanFacts, PointFacts, ResourceFacts, RuleFacts, VaultFacts
from lambdas.domain.errors import BackupError
from lambdas.domain.jobs import RestoreJob
from lambdas.domain.plans import BackupPlan
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.domain.restore_times import measured_seconds
from lambdas.domain.schedule_expressions import InvalidScheduleExpression, parse_schedule_expression
from lambdas.services.context import ServiceContext

T = TypeVar("T")
PAGE = 1000


def _every(fetch: Callable[[str | None], tuple[list[T], str | None]]) -> Iterator[T]:
    token: str | None = None
    while True:
        page, token = fetch(token)
        yield from page
        if token is None:
            return


def _frequency(expression: str, timezone: str, now: datetime) -> timedelta | None:
    try:
        return parse_schedule_expression(expression).min_interval(timezone, since=now - timedelta(days=1))
    except InvalidScheduleExpression:
        return None


def _points_of(ctx: ServiceContext, vault_name: str) -> Iterator[RecoveryPoint]:
    def page(token: str | None) -> tuple[list[RecoveryPoint], str | None]:
        return ctx.stores.recovery_points.search(vault_name=vault_name, limit=PAGE, token=token)

    return _every(page)


def plan_facts(plan: BackupPlan, now: datetime) -> PlanFacts:
    rules = tuple(
        RuleFacts(
            name=rule.RuleName,
            frequency=_frequency(rule.ScheduleExpression, rule.ScheduleExpressionTimezone, now),
            retention_days=rule.Lifecycle.DeleteAfterDays if rule.Lifecycle else None,
            vault_name=rule.TargetBackupVaultName,
            copy_destinations=tuple(action.DestinationBackupVaultArn for action in rule.CopyActions),
        )
        for rule in plan.Rules
    )
    return PlanFacts(plan.BackupPlanId, plan.BackupPlanArn, plan.BackupPlanName, dict(plan.Tags), rules)


def gather(ctx: ServiceContext, now: datetime) -> Estate:
    stores = ctx.stores
    vaults = {
        v.BackupVaultName: VaultFacts(
            v.BackupVaultName,
            v.BackupVaultArn,
            dict(v.Tags),
            v.AccessPolicy,
            LockFacts(v.Lock.MinRetentionDays, v.Lock.MaxRetentionDays) if v.Lock else None,
        )
        for v in _every(lambda token: stores.vaults.page(PAGE, token))
    }
    plans: dict[str, PlanFacts] = {}
    covering: dict[str, list[str]] = {}
    for plan in stores.plans.live():
        plans[plan.BackupPlanId] = plan_facts(plan, now)
        selections = [selection.Selection for selection in stores.plans.selections(plan.BackupPlanId)]
        if not selections:
            continue
        try:
            for resource in ctx.resolver.stream(selections):
                covering.setdefault(resource.arn, []).append(plan.BackupPlanId)
        except BackupError as error:  # one plan's unresolvable selection must not hide every other result
            logger.warning("selection not resolved", extra={"plan_id": plan.BackupPlanId, "error": str(error)})
    points: list[PointFacts] = []
    last_point: dict[str, datetime] = {}
    for point in (p for name in vaults for p in _points_of(ctx, name)):
        delete_at = point.CalculatedLifecycle.DeleteAt
        points.append(
            PointFacts(
                point.RecoveryPointArn,
                point.ResourceArn,
                point.ResourceType,
                point.BackupVaultName,
                point.CreationDate,
                None if delete_at is None else (delete_at - point.CreationDate).total_seconds() / 86400,
                point.IsEncrypted,
                dict(point.Tags),
            )
        )
        if point.Status.value == "COMPLETED" and point.CreationDate > last_point.get(
            point.ResourceArn, datetime.min.replace(tzinfo=now.tzinfo)
        ):
            last_point[point.ResourceArn] = point.CreationDate
    restore_minutes: dict[str, tuple[datetime, float]] = {}
    for job in _every(lambda token: stores.jobs.search(RestoreJob, limit=PAGE, token=token)):
        seconds = measured_seconds(job)  # the recovery time the job recorded (lambdas/domain/restore_times.py)
        if seconds is None or job.CompletionDate is None:
            continue
        seen = restore_minutes.get(job.SourceResourceArn)
        if seen is None or job.CompletionDate > seen[0]:
            restore_minutes[job.SourceResourceArn] = (job.CompletionDate, seconds / 60)
    resources = []
    for adapter in ctx.adapters.all():
        for info in adapter.list_resources():
            resources.append(
                ResourceFacts(
                    info.arn,
                    info.resource_type,
                    dict(info.tags),
                    tuple(covering.get(info.arn, ())),
                    last_point.get(info.arn),
                    restore_minutes[info.arn][1] if info.arn in restore_minutes else None,
                )
            )
    return Estate(ctx.account, ctx.region, now, tuple(resources), plans, vaults, tuple(points))
