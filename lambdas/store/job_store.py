"""Backup, restore and copy jobs, one code path for the three kinds (lambdas/domain/job_kinds.py): the kind's
id prefix names its items and partitions. State changes are conditional on the state the caller read.

PK BACKUPJOB#id / RESTOREJOB#id / COPYJOB#id, SK JOB; the state in `State` whatever the kind calls it.
GSI1: every job by creation time. GSI2: jobs of one resource. GSI3 (sparse): open jobs only, which track_jobs
reads; a job leaves it when it reaches a final state.

Listings for the API read newest first through `newest_first`: the index that serves the most selective
filter is queried, creation-time bounds become sort-key bounds, and the remaining filters are applied while
paging, with a NextToken that resumes right after the last item returned (or evaluated), so nothing is lost
between pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from lambdas.domain.copies import CopyJob
from lambdas.domain.errors import ConflictException, ResourceNotFoundException
from lambdas.domain.job_kinds import JobKindSpec, spec_of
from lambdas.domain.job_kinds import spec_of_model as _spec
from lambdas.domain.jobs import BackupJob, MachineJob, RestoreJob
from lambdas.store.codec import decode_token, encode_token, from_item, sortable, to_item
from lambdas.store.open_jobs import OpenJobs
from lambdas.store.schema import TABLE_INDEXES, TABLE_PARTITION_KEY, TABLE_SORT_KEY
from lambdas.store.table import MAX_TRANSACTION, ConditionFailed, Item, Put, Query, Table

M = TypeVar("M", bound=BaseModel)
J = TypeVar("J", bound=MachineJob)

_SK = "JOB"


def every_partition(spec: JobKindSpec) -> str:
    """GSI1: every job of the kind by creation time (BACKUPJOBS, RESTOREJOBS, COPYJOBS)."""
    return f"{spec.prefix}S"


# GSI3's partition of restore tests that are closed as jobs (COMPLETED) but not yet followed up: validated and
# their restored copy deleted (RestoreJob.awaits_restore_test_follow_up). Sparse: a job leaves it once its copy is gone.
RESTORE_TESTS_TO_FOLLOW = "FOLLOW#RESTORETEST"


def open_partition(spec: JobKindSpec) -> str:
    """GSI3 (sparse): the kind's open jobs (OPEN#BACKUPJOB, ...)."""
    return f"OPEN#{spec.prefix}"


# A filtered listing reads in batches of at least this many items, and stops to hand back a NextToken after
# evaluating about MAX_EVALUATED items, so one request never scans without bound.
MIN_FILTER_BATCH = 100
MAX_BATCH = 1000
MAX_EVALUATED = 5000


@dataclass(frozen=True)
class Slice:
    """Part of one index partition whose sort keys read `prefix` + creation time + `#` + id."""

    partition: str
    index: str
    prefix: str = ""
    created_after: datetime | None = None  # exclusive
    created_before: datetime | None = None  # exclusive


def _where(
    spec: JobKindSpec,
    resource_arn: str | None,
    open_only: bool,
    created_after: datetime | None,
    created_before: datetime | None,
) -> Slice:
    """The index that serves a job listing's most selective filter: one resource's jobs of this kind (GSI2),
    the open ones (GSI3), or every one (GSI1)."""
    if resource_arn is not None:
        return Slice(f"RESOURCE#{resource_arn}", "GSI2", f"{spec.prefix}#", created_after, created_before)
    if open_only:
        return Slice(open_partition(spec), "GSI3", "", created_after, created_before)
    return Slice(every_partition(spec), "GSI1", "", created_after, created_before)


def _resume_key(item: Item, index: str) -> Item:
    index_pk, index_sk = TABLE_INDEXES[index]
    return {name: item[name] for name in (TABLE_PARTITION_KEY, TABLE_SORT_KEY, index_pk, index_sk)}


def newest_first(
    table: Table,
    model: type[M],
    where: Slice,
    keep: Callable[[M], bool] | None,
    limit: int,
    token: str | None,
    max_evaluated: int = MAX_EVALUATED,
) -> tuple[list[M], str | None]:
    """One page of `where`, newest first, holding at most `limit` entities that `keep` accepts. The token
    continues right after the last entity returned; a page cut short by `max_evaluated` continues right
    after the last item evaluated (every item before it was read and refused), so no item is ever lost."""
    _, sort_name = TABLE_INDEXES[where.index]
    upper = f"{where.prefix}{sortable(where.created_before)}" if where.created_before else None
    # '~' sorts after '#': an item created exactly at created_after is below the bound and left out.
    lower = f"{where.prefix}{sortable(where.created_after)}~" if where.created_after else None
    batch = limit + 1 if keep is None else min(MAX_BATCH, max(limit + 1, MIN_FILTER_BATCH))
    start = decode_token(token)
    found: list[M] = []
    last: Item | None = None
    evaluated = 0
    while True:
        page = table.query(
            Query(
                where.partition,
                index=where.index,
                sort_prefix=None if upper else (where.prefix or None),
                sort_at_most=upper,
                limit=batch,
                start_after=start,
                descending=True,
            )
        )
        for item in page.items:
            sort_key = str(item[sort_name])
            if not sort_key.startswith(where.prefix):
                if sort_key < where.prefix:
                    return found, None  # newest first: every later item sorts below the prefix too
                continue
            if lower is not None and sort_key < lower:
                return found, None
            evaluated += 1
            entity = from_item(model, item)
            if keep is not None and not keep(entity):
                continue
            if len(found) == limit and last is not None:
                return found, encode_token(_resume_key(last, where.index))
            found.append(entity)
            last = item
        if page.next_key is None:
            return found, None
        if len(found) == limit and last is not None:
            return found, encode_token(_resume_key(last, where.index))
        if evaluated >= max_evaluated:
            return found, encode_token(page.next_key)
        start = page.next_key


def job_item(job: MachineJob) -> Item:
    spec = spec_of(job)
    follow_up = isinstance(job, RestoreJob) and job.awaits_restore_test_follow_up
    order = f"{sortable(job.created)}#{job.job_id}"
    return to_item(
        f"{spec.prefix}#{job.job_id}",
        _SK,
        job,
        State=job.state.value,
        GSI1PK=every_partition(spec),
        GSI1SK=order,
        GSI2PK=f"RESOURCE#{getattr(job, spec.resource_field)}",
        GSI2SK=f"{spec.prefix}#{order}",
        GSI3PK=open_partition(spec) if job.is_open else (RESTORE_TESTS_TO_FOLLOW if follow_up else None),
        GSI3SK=order if job.is_open or follow_up else None,
    )


backup_job_item = job_item  # for writes that span stores (Stores.complete_backup)


class JobStore:
    """One store for every kind. The kind-named methods below the generic ones are typed shorthands."""

    def __init__(self, table: Table) -> None:
        self._table = table
        # Whether TrackJobs has anything to look at (lambdas/store/open_jobs.py); restore jobs are not its.
        self.open_marker = OpenJobs(table)

    def create(self, job: MachineJob) -> bool:
        """False when a job with this id exists already (a duplicate delivery, a retried rule, the same
        IdempotencyToken): not an error."""
        if not isinstance(job, RestoreJob):
            self.open_marker.opening()
        try:
            self._table.put(job_item(job), if_absent=True)
        except ConditionFailed:
            return False
        return True

    def find(self, model: type[J], job_id: str) -> J | None:
        item = self._table.get(f"{_spec(model).prefix}#{job_id}", _SK)
        return from_item(model, item) if item else None

    def find_many(self, model: type[J], job_ids: list[str]) -> dict[str, J]:
        """The jobs that exist among these ids, by id (one BatchGetItem per 100)."""
        if not job_ids:
            return {}
        prefix = _spec(model).prefix
        found = self._table.get_many([(f"{prefix}#{job_id}", _SK) for job_id in job_ids])
        return {job.job_id: job for job in (from_item(model, item) for item in found)}

    def get(self, model: type[J], job_id: str) -> J:
        job = self.find(model, job_id)
        if job is None:
            raise ResourceNotFoundException(f"{_spec(model).noun} {job_id} does not exist")
        return job

    def save(self, job: MachineJob, expected_state: str) -> None:
        """Over the state the caller read; ConflictException when another worker moved the job meanwhile."""
        try:
            self._table.put(job_item(job), expect={"State": expected_state})
        except ConditionFailed:
            raise ConflictException(
                f"{job.machine.noun} {job.job_id} is no longer {expected_state}; another worker moved it"
            ) from None

    def restore_tests_to_follow(
        self, limit: int = 1000, token: str | None = None
    ) -> tuple[list[RestoreJob], str | None]:
        """Restore tests whose copy is still there (validation, then deletion due), oldest first: their own sparse
        partition of GSI3, so the hourly sweep never reads the restore jobs that are done with."""
        query = Query(RESTORE_TESTS_TO_FOLLOW, index="GSI3", limit=limit, start_after=decode_token(token))
        return self._page(RestoreJob, query)

    def open_jobs(self, model: type[J], limit: int = 1000, token: str | None = None) -> tuple[list[J], str | None]:
        """Oldest first (queued copies start in the order they were asked for)."""
        query = Query(open_partition(_spec(model)), index="GSI3", limit=limit, start_after=decode_token(token))
        return self._page(model, query)

    def every(self, model: type[J], limit: int = 1000, token: str | None = None) -> tuple[list[J], str | None]:
        query = Query(every_partition(_spec(model)), index="GSI1", limit=limit, start_after=decode_token(token))
        return self._page(model, query)

    def search(
        self,
        model: type[J],
        *,
        keep: Callable[[J], bool] | None = None,
        limit: int = 1000,
        token: str | None = None,
        resource_arn: str | None = None,
        open_only: bool = False,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
    ) -> tuple[list[J], str | None]:
        """Jobs newest first, read through the index that serves the most selective filter: the resource's
        jobs (GSI2), the open jobs (GSI3), or all jobs (GSI1); `keep` does the rest."""
        where = _where(_spec(model), resource_arn, open_only, created_after, created_before)
        return newest_first(self._table, model, where, keep, limit, token)

    # Backup jobs are made in batches when a rule fires, and moved in batches by the tracker.

    def create_backup_jobs_if_absent(self, jobs: list[BackupJob]) -> set[str]:
        """The ids of the jobs this call created: all of them in one transaction when none exists yet (the
        usual case), else one conditional write each, which leaves the existing ones as they are."""
        if not jobs:
            return set()
        self.open_marker.opening()
        if len(jobs) <= MAX_TRANSACTION:
            try:
                self._table.transact([Put(job_item(job), if_absent=True) for job in jobs])
                return {job.BackupJobId for job in jobs}
            except ConditionFailed:
                pass
        return {job.BackupJobId for job in jobs if self.create(job)}

    def save_backup_jobs(self, jobs: list[BackupJob], expected_state: str) -> bool:
        """Saves every job over `expected_state` in one transaction, or none (False): then the caller saves
        them one by one, to learn which moved."""
        if not jobs or len(jobs) > MAX_TRANSACTION:
            return False
        try:
            self._table.transact([Put(job_item(job), expect={"State": expected_state}) for job in jobs])
        except ConditionFailed:
            return False
        return True

    def create_backup_jobs(self, jobs: list[BackupJob]) -> None:
        """Unconditional batch write, for jobs the caller has checked are new."""
        if jobs:
            self.open_marker.opening()
        self._table.put_many([job_item(job) for job in jobs])

    def backup_jobs_of_resource(self, resource_arn: str) -> list[BackupJob]:
        page = self._table.query(Query(f"RESOURCE#{resource_arn}", index="GSI2", sort_prefix="BACKUPJOB#"))
        return [from_item(BackupJob, item) for item in page.items]

    # Typed shorthands, by kind, for the callers that name one.

    def create_backup_job(self, job: BackupJob) -> bool:
        return self.create(job)

    def find_backup_job(self, job_id: str) -> BackupJob | None:
        return self.find(BackupJob, job_id)

    def find_backup_jobs(self, job_ids: list[str]) -> dict[str, BackupJob]:
        return self.find_many(BackupJob, job_ids)

    def get_backup_job(self, job_id: str) -> BackupJob:
        return self.get(BackupJob, job_id)

    def save_backup_job(self, job: BackupJob, expected_state: str) -> None:
        self.save(job, expected_state)

    def open_backup_jobs(self, limit: int = 1000, token: str | None = None) -> tuple[list[BackupJob], str | None]:
        return self.open_jobs(BackupJob, limit, token)

    def backup_jobs(self, limit: int = 1000, token: str | None = None) -> tuple[list[BackupJob], str | None]:
        return self.every(BackupJob, limit, token)

    def create_restore_job(self, job: RestoreJob) -> bool:
        return self.create(job)

    def get_restore_job(self, job_id: str) -> RestoreJob:
        return self.get(RestoreJob, job_id)

    def save_restore_job(self, job: RestoreJob, expected_status: str) -> None:
        self.save(job, expected_status)

    def restore_jobs(self, limit: int = 1000, token: str | None = None) -> tuple[list[RestoreJob], str | None]:
        return self.every(RestoreJob, limit, token)

    def create_copy_job(self, job: CopyJob) -> bool:
        return self.create(job)

    def find_copy_job(self, job_id: str) -> CopyJob | None:
        return self.find(CopyJob, job_id)

    def get_copy_job(self, job_id: str) -> CopyJob:
        return self.get(CopyJob, job_id)

    def save_copy_job(self, job: CopyJob, expected_state: str) -> None:
        self.save(job, expected_state)

    def open_copy_jobs(self, limit: int = 1000, token: str | None = None) -> tuple[list[CopyJob], str | None]:
        return self.open_jobs(CopyJob, limit, token)

    def search_copy_jobs(self, **filters: Any) -> tuple[list[CopyJob], str | None]:
        return self.search(CopyJob, **filters)

    def _page(self, model: type[J], query: Query) -> tuple[list[J], str | None]:
        page = self._table.query(query)
        return [from_item(model, item) for item in page.items], encode_token(page.next_key)
