"""Reading jobs for the API: describe, list with AWS Backup's filters, and the job summaries.

Listings read through the index that serves their most selective filter (a resource's jobs, the open jobs,
every job by creation time), with creation-time bounds as sort-key bounds; other filters apply while paging."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from lambdas.domain.copies import OPEN_COPY_STATES, CopyJob, CopyJobState
from lambdas.domain.errors import InvalidParameterValueException
from lambdas.domain.jobs import (
    OPEN_BACKUP_STATES,
    RESTORE_TRANSITIONS,
    BackupJob,
    BackupJobState,
    RestoreJob,
    RestoreJobStatus,
)
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.services.context import ServiceContext
from lambdas.store.codec import decode_token, encode_token

J = TypeVar("J", BackupJob, RestoreJob, CopyJob)
E = TypeVar("E", bound=StrEnum)

AGGREGATE_ALL = "AGGREGATE_ALL"
ANY = "ANY"
SUMMARY_DAYS = 14
PERIOD_DAYS = {"ONE_DAY": 1, "SEVEN_DAYS": 7, "FOURTEEN_DAYS": 14}
DEFAULT_PERIOD = "ONE_DAY"
RESTORE_SUMMARY_STATES = frozenset({"CREATED", *RestoreJobStatus})


def _enum(request: dict[str, Any], name: str, kind: type[E]) -> E | None:
    value = request.get(name)
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        message = f"Invalid value for {name}: {value!r}; expected one of {allowed}"
        raise InvalidParameterValueException(message) from None


def _account_matches(wanted: str | None, account: str) -> bool:
    return wanted is None or wanted in ("*", ANY) or wanted == account


def _completed_between(moment: datetime | None, after: datetime | None, before: datetime | None) -> bool:
    if after is None and before is None:
        return True
    if moment is None:
        return False
    return (after is None or moment > after) and (before is None or moment < before)


def _all_of(checks: list[Callable[[J], bool]]) -> Callable[[J], bool] | None:
    if not checks:
        return None
    return lambda job: all(check(job) for check in checks)


# Backup jobs


@dataclass(frozen=True)
class DescribedBackupJob:
    job: BackupJob
    point: RecoveryPoint | None


def describe_backup_job(ctx: ServiceContext, job_id: str) -> DescribedBackupJob:
    """The job, with its recovery point's encryption once the point exists."""
    job = ctx.stores.jobs.get_backup_job(job_id)
    point = ctx.stores.recovery_points.find(job.RecoveryPointArn) if job.RecoveryPointArn else None
    return DescribedBackupJob(job, point)


def list_backup_jobs(ctx: ServiceContext, request: dict[str, Any], limit: int) -> tuple[list[BackupJob], str | None]:
    state = _enum(request, "ByState", BackupJobState)
    if request.get("ByParentJobId"):
        return [], None  # Strongroom makes no composite (parent and child) jobs
    vault = request.get("ByBackupVaultName")
    resource_type = request.get("ByResourceType")
    account = request.get("ByAccountId")
    complete_after, complete_before = request.get("ByCompleteAfter"), request.get("ByCompleteBefore")
    checks: list[Callable[[BackupJob], bool]] = []
    if state is not None:
        checks.append(lambda job: job.State == state)
    if vault is not None:
        checks.append(lambda job: job.BackupVaultName == vault)
    if resource_type is not None:
        checks.append(lambda job: job.ResourceType == resource_type)
    if account is not None:
        checks.append(lambda job: _account_matches(account, job.AccountId))
    if complete_after is not None or complete_before is not None:
        checks.append(lambda job: _completed_between(job.CompletionDate, complete_after, complete_before))
    return ctx.stores.jobs.search_backup_jobs(
        keep=_all_of(checks),
        limit=limit,
        token=request.get("NextToken"),
        resource_arn=request.get("ByResourceArn"),
        open_only=state in OPEN_BACKUP_STATES,
        created_after=request.get("ByCreatedAfter"),
        created_before=request.get("ByCreatedBefore"),
    )


# Restore jobs


def _restore_checks(request: dict[str, Any]) -> tuple[RestoreJobStatus | None, list[Callable[[RestoreJob], bool]]]:
    status = _enum(request, "ByStatus", RestoreJobStatus)
    checks: list[Callable[[RestoreJob], bool]] = []
    if status is not None:
        checks.append(lambda job: job.Status == status)
    return status, checks


def list_restore_jobs(ctx: ServiceContext, request: dict[str, Any], limit: int) -> tuple[list[RestoreJob], str | None]:
    status, checks = _restore_checks(request)
    if request.get("ByParentJobId") or request.get("ByRestoreTestingPlanArn"):
        return [], None  # no composite restores, and no restore testing plans create jobs in Strongroom
    account = request.get("ByAccountId")
    resource_type = request.get("ByResourceType")
    complete_after, complete_before = request.get("ByCompleteAfter"), request.get("ByCompleteBefore")
    if account is not None:
        checks.append(lambda job: _account_matches(account, job.AccountId))
    if resource_type is not None:
        checks.append(lambda job: job.ResourceType == resource_type)
    if complete_after is not None or complete_before is not None:
        checks.append(lambda job: _completed_between(job.CompletionDate, complete_after, complete_before))
    return ctx.stores.jobs.search_restore_jobs(
        keep=_all_of(checks),
        limit=limit,
        token=request.get("NextToken"),
        open_only=status in RESTORE_TRANSITIONS,
        created_after=request.get("ByCreatedAfter"),
        created_before=request.get("ByCreatedBefore"),
    )


def list_restore_jobs_of_resource(
    ctx: ServiceContext, request: dict[str, Any], limit: int
) -> tuple[list[RestoreJob], str | None]:
    _, checks = _restore_checks(request)
    point_after = request.get("ByRecoveryPointCreationDateAfter")
    point_before = request.get("ByRecoveryPointCreationDateBefore")
    if point_after is not None or point_before is not None:
        checks.append(lambda job: _completed_between(job.RecoveryPointCreationDate, point_after, point_before))
    return ctx.stores.jobs.search_restore_jobs(
        keep=_all_of(checks),
        limit=limit,
        token=request.get("NextToken"),
        source_resource_arn=request["ResourceArn"],
    )


# Copy jobs


def _field_equals(attribute: str, wanted: object) -> Callable[[CopyJob], bool]:
    return lambda job: bool(getattr(job, attribute) == wanted)


def list_copy_jobs(ctx: ServiceContext, request: dict[str, Any], limit: int) -> tuple[list[CopyJob], str | None]:
    state = _enum(request, "ByState", CopyJobState)
    if request.get("ByParentJobId"):
        return [], None  # no composite copies
    checks: list[Callable[[CopyJob], bool]] = []
    if state is not None:
        checks.append(lambda job: job.State == state)
    equal = {
        "ByResourceType": "ResourceType",
        "ByDestinationVaultArn": "DestinationBackupVaultArn",
        "BySourceRecoveryPointArn": "SourceRecoveryPointArn",
    }
    for name, attribute in equal.items():
        if request.get(name) is not None:
            checks.append(_field_equals(attribute, request[name]))
    account = request.get("ByAccountId")
    if account is not None:
        checks.append(lambda job: _account_matches(account, job.AccountId))
    category = request.get("ByMessageCategory")
    if category is not None and category not in (ANY, AGGREGATE_ALL):
        checks.append(lambda job: job.MessageCategory == category)
    complete_after, complete_before = request.get("ByCompleteAfter"), request.get("ByCompleteBefore")
    if complete_after is not None or complete_before is not None:
        checks.append(lambda job: _completed_between(job.CompletionDate, complete_after, complete_before))
    return ctx.stores.jobs.search_copy_jobs(
        keep=_all_of(checks),
        limit=limit,
        token=request.get("NextToken"),
        resource_arn=request.get("ByResourceArn"),
        open_only=state in OPEN_COPY_STATES,
        created_after=request.get("ByCreatedAfter"),
        created_before=request.get("ByCreatedBefore"),
    )


# Summaries


@dataclass(frozen=True)
class Summaries:
    rows: list[dict[str, Any]]
    period: str
    next_token: str | None


def _period(request: dict[str, Any]) -> str:
    period = request.get("AggregationPeriod") or DEFAULT_PERIOD
    if period not in PERIOD_DAYS:
        raise InvalidParameterValueException(
            f"Invalid value for AggregationPeriod: {period!r}; expected one of {', '.join(PERIOD_DAYS)}"
        )
    return str(period)


def _windows(period: str, now: datetime) -> list[tuple[datetime, datetime]]:
    """ONE_DAY: one window per UTC day of the last 14 (today's ends now); otherwise one window up to now."""
    if period != "ONE_DAY":
        return [(now - timedelta(days=PERIOD_DAYS[period]), now)]
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    starts = [today - timedelta(days=back) for back in range(SUMMARY_DAYS - 1, -1, -1)]
    return [(start, min(start + timedelta(days=1), now)) for start in starts]


def _dimension(wanted: str | None, actual: str) -> str | None:
    """The value a job counts under for one dimension, or None when the filter leaves it out."""
    if wanted is None or wanted == ANY:
        return actual
    if wanted == AGGREGATE_ALL:
        return AGGREGATE_ALL
    return actual if actual == wanted else None


def _summarize(
    jobs: Iterator[tuple[datetime, str, str, str]],
    request: dict[str, Any],
    region: str,
    period: str,
    now: datetime,
    limit: int,
) -> Summaries:
    windows = _windows(period, now)
    counts: Counter[tuple[int, str, str, str]] = Counter()
    for created, account, state, resource_type in jobs:
        # Windows follow each other: a job belongs to the last one that starts at or before its creation.
        window = next((n for n in range(len(windows) - 1, -1, -1) if windows[n][0] <= created <= now), None)
        as_account = _dimension(request.get("AccountId"), account)
        as_state = _dimension(request.get("State"), state)
        as_type = _dimension(request.get("ResourceType"), resource_type)
        if window is None or as_account is None or as_state is None or as_type is None:
            continue
        counts[(window, as_account, as_state, as_type)] += 1
    rows = [
        {
            "Region": region,
            "AccountId": account,
            "State": state,
            "ResourceType": resource_type,
            "Count": count,
            "StartTime": windows[window][0],
            "EndTime": windows[window][1],
        }
        for (window, account, state, resource_type), count in sorted(counts.items())
    ]
    marker = decode_token(request.get("NextToken"))
    offset = int(marker.get("offset", 0)) if marker else 0
    page = rows[offset : offset + limit]
    more = offset + limit < len(rows)
    return Summaries(page, period, encode_token({"offset": offset + limit}) if more else None)


def _recent(search: Callable[..., tuple[list[J], str | None]], since: datetime) -> Iterator[J]:
    token: str | None = None
    while True:
        jobs, token = search(limit=1000, token=token, created_after=since - timedelta(microseconds=1))
        yield from jobs
        if token is None:
            return


def _check_state(request: dict[str, Any], allowed: frozenset[str]) -> None:
    state = request.get("State")
    if state is not None and state not in allowed | {ANY, AGGREGATE_ALL}:
        choices = ", ".join(sorted(allowed | {ANY, AGGREGATE_ALL}))
        raise InvalidParameterValueException(f"Invalid value for State: {state!r}; expected one of {choices}")


def backup_job_summaries(ctx: ServiceContext, request: dict[str, Any], now: datetime, limit: int) -> Summaries:
    """Counts of the backup jobs created in the last 14 days, per Region, account, state and resource type."""
    period = _period(request)
    _check_state(request, frozenset(BackupJobState))
    since = _windows(period, now)[0][0]
    jobs = (
        (job.CreationDate, job.AccountId, job.State.value, job.ResourceType)
        for job in _recent(ctx.stores.jobs.search_backup_jobs, since)
    )
    return _summarize(jobs, request, ctx.region, period, now, limit)


def restore_job_summaries(ctx: ServiceContext, request: dict[str, Any], now: datetime, limit: int) -> Summaries:
    """Counts of the restore jobs created in the last 14 days, per Region, account, state and resource type."""
    period = _period(request)
    _check_state(request, RESTORE_SUMMARY_STATES)
    since = _windows(period, now)[0][0]
    jobs = (
        (job.CreationDate, job.AccountId, job.Status.value, job.ResourceType)
        for job in _recent(ctx.stores.jobs.search_restore_jobs, since)
    )
    return _summarize(jobs, request, ctx.region, period, now, limit)


def copy_job_summaries(ctx: ServiceContext, request: dict[str, Any], now: datetime, limit: int) -> Summaries:
    """Counts of the copy jobs created in the last 14 days, per Region, account, state and resource type."""
    period = _period(request)
    _check_state(request, frozenset(CopyJobState))
    since = _windows(period, now)[0][0]
    jobs = (
        (job.CreationDate, job.AccountId, job.State.value, job.ResourceType)
        for job in _recent(ctx.stores.jobs.search_copy_jobs, since)
    )
    return _summarize(jobs, request, ctx.region, period, now, limit)
