"""Reading jobs for the API: describe, list with AWS Backup's filters, and the job summaries, one code path for
the three kinds, each reading what differs from its JobKindSpec (lambdas/domain/job_kinds.py).

Listings read through the index that serves their most selective filter (a resource's jobs, the open jobs,
every job by creation time), with creation-time bounds as sort-key bounds; other filters apply while paging."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from lambdas.domain.errors import InvalidParameterValueException
from lambdas.domain.job_kinds import SPECS, JobKind, JobKindSpec
from lambdas.domain.jobs import BackupJob, MachineJob, RestoreJob
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.services.context import ServiceContext
from lambdas.store.codec import decode_token, encode_token

E = TypeVar("E", bound=StrEnum)

AGGREGATE_ALL = "AGGREGATE_ALL"
ANY = "ANY"
SUMMARY_DAYS = 14
PERIOD_DAYS = {"ONE_DAY": 1, "SEVEN_DAYS": 7, "FOURTEEN_DAYS": 14}
DEFAULT_PERIOD = "ONE_DAY"


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


def _all_of(checks: list[Callable[[MachineJob], bool]]) -> Callable[[MachineJob], bool] | None:
    if not checks:
        return None
    return lambda job: all(check(job) for check in checks)


@dataclass(frozen=True)
class DescribedBackupJob:
    job: BackupJob
    point: RecoveryPoint | None


def describe_backup_job(ctx: ServiceContext, job_id: str) -> DescribedBackupJob:
    """The job, with its recovery point's encryption once the point exists."""
    job = ctx.stores.jobs.get(BackupJob, job_id)
    point = ctx.stores.recovery_points.find(job.RecoveryPointArn) if job.RecoveryPointArn else None
    return DescribedBackupJob(job, point)


def _field_equals(attribute: str, wanted: object) -> Callable[[MachineJob], bool]:
    return lambda job: bool(getattr(job, attribute) == wanted)


def _checks(spec: JobKindSpec, request: dict[str, Any]) -> tuple[StrEnum | None, list[Callable[[MachineJob], bool]]]:
    """The kind's state filter, and a check per filter the request sets that no index serves."""
    state = _enum(request, spec.state_filter, spec.states)
    checks: list[Callable[[MachineJob], bool]] = []
    if state is not None:
        checks.append(_field_equals(spec.state_field, state))
    for name, attribute in spec.equal_filters.items():
        if request.get(name) is not None:
            checks.append(_field_equals(attribute, request[name]))
    for name, attribute in spec.category_filters.items():
        if request.get(name) not in (None, ANY, AGGREGATE_ALL):
            checks.append(_field_equals(attribute, request[name]))
    return state, checks


def _completed(after: datetime | None, before: datetime | None, attribute: str) -> Callable[[MachineJob], bool]:
    return lambda job: _completed_between(getattr(job, attribute), after, before)


def list_jobs(
    ctx: ServiceContext, kind: JobKind, request: dict[str, Any], limit: int
) -> tuple[list[MachineJob], str | None]:
    """ListBackupJobs, ListRestoreJobs, ListCopyJobs: the kind's filters (JobKindSpec) over its jobs."""
    spec = SPECS[kind]
    state, checks = _checks(spec, request)
    if any(request.get(name) for name in spec.never_matched):
        return [], None
    account = request.get("ByAccountId")
    if account is not None:
        checks.append(lambda job: _account_matches(account, job.account_id))
    complete_after, complete_before = request.get("ByCompleteAfter"), request.get("ByCompleteBefore")
    if complete_after is not None or complete_before is not None:
        checks.append(_completed(complete_after, complete_before, "CompletionDate"))
    return ctx.stores.jobs.search(
        spec.model,
        keep=_all_of(checks),
        limit=limit,
        token=request.get("NextToken"),
        resource_arn=request.get(spec.resource_filter) if spec.resource_filter else None,
        open_only=state is not None and spec.model.machine.is_open(state),
        created_after=request.get("ByCreatedAfter"),
        created_before=request.get("ByCreatedBefore"),
    )


def list_restore_jobs_of_resource(
    ctx: ServiceContext, request: dict[str, Any], limit: int
) -> tuple[list[MachineJob], str | None]:
    """ListRestoreJobsByProtectedResource: the resource's restore jobs, by status and by the creation date of
    the recovery point they restore."""
    _, checks = _checks(SPECS[JobKind.RESTORE], {"ByStatus": request.get("ByStatus")})
    point_after = request.get("ByRecoveryPointCreationDateAfter")
    point_before = request.get("ByRecoveryPointCreationDateBefore")
    if point_after is not None or point_before is not None:
        checks.append(_completed(point_after, point_before, "RecoveryPointCreationDate"))
    return ctx.stores.jobs.search(
        RestoreJob,
        keep=_all_of(checks),
        limit=limit,
        token=request.get("NextToken"),
        resource_arn=request["ResourceArn"],
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


def _recent(ctx: ServiceContext, model: type[MachineJob], since: datetime) -> Iterator[MachineJob]:
    token: str | None = None
    while True:
        jobs, token = ctx.stores.jobs.search(
            model, limit=1000, token=token, created_after=since - timedelta(microseconds=1)
        )
        yield from jobs
        if token is None:
            return


def _check_state(request: dict[str, Any], allowed: frozenset[str]) -> None:
    state = request.get("State")
    if state is not None and state not in allowed | {ANY, AGGREGATE_ALL}:
        choices = ", ".join(sorted(allowed | {ANY, AGGREGATE_ALL}))
        raise InvalidParameterValueException(f"Invalid value for State: {state!r}; expected one of {choices}")


def job_summaries(ctx: ServiceContext, kind: JobKind, request: dict[str, Any], now: datetime, limit: int) -> Summaries:
    """Counts of the kind's jobs created in the last 14 days, per Region, account, state and resource type."""
    spec = SPECS[kind]
    period = _period(request)
    _check_state(request, spec.summary_states)
    since = _windows(period, now)[0][0]
    jobs = (
        (job.created, job.account_id, job.state.value, job.resource_type) for job in _recent(ctx, spec.model, since)
    )
    return _summarize(jobs, request, ctx.region, period, now, limit)
