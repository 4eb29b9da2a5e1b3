"""Backup and restore jobs. State changes are conditional on the state the caller read.

PK BACKUPJOB#id / RESTOREJOB#id / COPYJOB#id, SK JOB. GSI1: every job by creation time. GSI2: jobs of one resource.
GSI3 (sparse): open jobs only, which track_jobs reads; a job leaves it when it reaches a final state.

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
from lambdas.domain.jobs import BackupJob, RestoreJob
from lambdas.store.codec import decode_token, encode_token, from_item, sortable, to_item
from lambdas.store.schema import TABLE_INDEXES, TABLE_PARTITION_KEY, TABLE_SORT_KEY
from lambdas.store.table import MAX_TRANSACTION, ConditionFailed, Item, Put, Query, Table

M = TypeVar("M", bound=BaseModel)

_SK = "JOB"
BACKUP_JOBS = "BACKUPJOBS"
RESTORE_JOBS = "RESTOREJOBS"
OPEN_BACKUP_JOBS = "OPEN#BACKUPJOB"
OPEN_RESTORE_JOBS = "OPEN#RESTOREJOB"
COPY_JOBS = "COPYJOBS"
OPEN_COPY_JOBS = "OPEN#COPYJOB"


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
    kind: str,
    every: str,
    open_partition: str,
    resource_arn: str | None,
    open_only: bool,
    created_after: datetime | None,
    created_before: datetime | None,
) -> Slice:
    """The index that serves a job listing's most selective filter: one resource's jobs of this kind (GSI2),
    the open ones (GSI3), or every one (GSI1)."""
    if resource_arn is not None:
        return Slice(f"RESOURCE#{resource_arn}", "GSI2", f"{kind}#", created_after, created_before)
    if open_only:
        return Slice(open_partition, "GSI3", "", created_after, created_before)
    return Slice(every, "GSI1", "", created_after, created_before)


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


def _backup_item(job: BackupJob) -> Item:
    order = f"{sortable(job.CreationDate)}#{job.BackupJobId}"
    return to_item(
        f"BACKUPJOB#{job.BackupJobId}",
        _SK,
        job,
        State=job.State.value,
        GSI1PK=BACKUP_JOBS,
        GSI1SK=order,
        GSI2PK=f"RESOURCE#{job.ResourceArn}",
        GSI2SK=f"BACKUPJOB#{order}",
        GSI3PK=OPEN_BACKUP_JOBS if job.is_open else None,
        GSI3SK=order if job.is_open else None,
    )


backup_job_item = _backup_item  # for writes that span stores (Stores.complete_backup)


def _restore_item(job: RestoreJob) -> Item:
    order = f"{sortable(job.CreationDate)}#{job.RestoreJobId}"
    return to_item(
        f"RESTOREJOB#{job.RestoreJobId}",
        _SK,
        job,
        State=job.Status.value,
        GSI1PK=RESTORE_JOBS,
        GSI1SK=order,
        GSI2PK=f"RESOURCE#{job.SourceResourceArn}",
        GSI2SK=f"RESTOREJOB#{order}",
        GSI3PK=OPEN_RESTORE_JOBS if job.is_open else None,
        GSI3SK=order if job.is_open else None,
    )


def _copy_item(job: CopyJob) -> Item:
    order = f"{sortable(job.CreationDate)}#{job.CopyJobId}"
    return to_item(
        f"COPYJOB#{job.CopyJobId}",
        _SK,
        job,
        State=job.State.value,
        GSI1PK=COPY_JOBS,
        GSI1SK=order,
        GSI2PK=f"RESOURCE#{job.ResourceArn}",
        GSI2SK=f"COPYJOB#{order}",
        GSI3PK=OPEN_COPY_JOBS if job.is_open else None,
        GSI3SK=order if job.is_open else None,
    )


class JobStore:
    def __init__(self, table: Table) -> None:
        self._table = table

    # Backup jobs
    def create_backup_job(self, job: BackupJob) -> bool:
        """False when a job with this id exists already: the duplicate delivery case, not an error."""
        try:
            self._table.put(_backup_item(job), if_absent=True)
        except ConditionFailed:
            return False
        return True

    def create_backup_jobs_if_absent(self, jobs: list[BackupJob]) -> set[str]:
        """The ids of the jobs this call created: all of them in one transaction when none exists yet (the
        usual case), else one conditional write each, which leaves the existing ones as they are."""
        if not jobs:
            return set()
        if len(jobs) <= MAX_TRANSACTION:
            try:
                self._table.transact([Put(_backup_item(job), if_absent=True) for job in jobs])
                return {job.BackupJobId for job in jobs}
            except ConditionFailed:
                pass
        return {job.BackupJobId for job in jobs if self.create_backup_job(job)}

    def save_backup_jobs(self, jobs: list[BackupJob], expected_state: str) -> bool:
        """Saves every job over `expected_state` in one transaction, or none (False): then the caller saves
        them one by one, to learn which moved."""
        if not jobs or len(jobs) > MAX_TRANSACTION:
            return False
        try:
            self._table.transact([Put(_backup_item(job), expect={"State": expected_state}) for job in jobs])
        except ConditionFailed:
            return False
        return True

    def create_backup_jobs(self, jobs: list[BackupJob]) -> None:
        """Unconditional batch write, for jobs the caller has checked are new."""
        self._table.put_many([_backup_item(job) for job in jobs])

    def find_backup_job(self, job_id: str) -> BackupJob | None:
        item = self._table.get(f"BACKUPJOB#{job_id}", _SK)
        return from_item(BackupJob, item) if item else None

    def find_backup_jobs(self, job_ids: list[str]) -> dict[str, BackupJob]:
        """The jobs that exist among these ids, by id (one BatchGetItem per 100)."""
        if not job_ids:
            return {}
        found = self._table.get_many([(f"BACKUPJOB#{job_id}", _SK) for job_id in job_ids])
        return {job.BackupJobId: job for job in (from_item(BackupJob, item) for item in found)}

    def get_backup_job(self, job_id: str) -> BackupJob:
        job = self.find_backup_job(job_id)
        if job is None:
            raise ResourceNotFoundException(f"Backup job {job_id} does not exist")
        return job

    def save_backup_job(self, job: BackupJob, expected_state: str) -> None:
        try:
            self._table.put(_backup_item(job), expect={"State": expected_state})
        except ConditionFailed:
            raise ConflictException(
                f"Backup job {job.BackupJobId} is no longer {expected_state}; another worker moved it"
            ) from None

    def open_backup_jobs(self, limit: int = 1000, token: str | None = None) -> tuple[list[BackupJob], str | None]:
        return self._page(
            BackupJob, Query(OPEN_BACKUP_JOBS, index="GSI3", limit=limit, start_after=decode_token(token))
        )

    def backup_jobs(self, limit: int = 1000, token: str | None = None) -> tuple[list[BackupJob], str | None]:
        return self._page(BackupJob, Query(BACKUP_JOBS, index="GSI1", limit=limit, start_after=decode_token(token)))

    def backup_jobs_of_resource(self, resource_arn: str) -> list[BackupJob]:
        page = self._table.query(Query(f"RESOURCE#{resource_arn}", index="GSI2", sort_prefix="BACKUPJOB#"))
        return [from_item(BackupJob, item) for item in page.items]

    def search_backup_jobs(
        self,
        *,
        keep: Callable[[BackupJob], bool] | None = None,
        limit: int = 1000,
        token: str | None = None,
        resource_arn: str | None = None,
        open_only: bool = False,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
    ) -> tuple[list[BackupJob], str | None]:
        """Backup jobs newest first, read through the index that serves the most selective filter: the
        resource's jobs (GSI2), the open jobs (GSI3), or all jobs (GSI1); `keep` does the rest."""
        where = _where(
            "BACKUPJOB", BACKUP_JOBS, OPEN_BACKUP_JOBS, resource_arn, open_only, created_after, created_before
        )
        return newest_first(self._table, BackupJob, where, keep, limit, token)

    # Restore jobs
    def create_restore_job(self, job: RestoreJob) -> bool:
        try:
            self._table.put(_restore_item(job), if_absent=True)
        except ConditionFailed:
            return False
        return True

    def get_restore_job(self, job_id: str) -> RestoreJob:
        item = self._table.get(f"RESTOREJOB#{job_id}", _SK)
        if item is None:
            raise ResourceNotFoundException(f"Restore job {job_id} does not exist")
        return from_item(RestoreJob, item)

    def save_restore_job(self, job: RestoreJob, expected_status: str) -> None:
        try:
            self._table.put(_restore_item(job), expect={"State": expected_status})
        except ConditionFailed:
            raise ConflictException(f"Restore job {job.RestoreJobId} is no longer {expected_status}") from None

    def restore_jobs(self, limit: int = 1000, token: str | None = None) -> tuple[list[RestoreJob], str | None]:
        return self._page(RestoreJob, Query(RESTORE_JOBS, index="GSI1", limit=limit, start_after=decode_token(token)))

    def search_restore_jobs(
        self,
        *,
        keep: Callable[[RestoreJob], bool] | None = None,
        limit: int = 1000,
        token: str | None = None,
        source_resource_arn: str | None = None,
        open_only: bool = False,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
    ) -> tuple[list[RestoreJob], str | None]:
        """Restore jobs newest first: a source resource's (GSI2), the open ones (GSI3) or all (GSI1)."""
        where = _where(
            "RESTOREJOB", RESTORE_JOBS, OPEN_RESTORE_JOBS, source_resource_arn, open_only, created_after, created_before
        )
        return newest_first(self._table, RestoreJob, where, keep, limit, token)

    # Copy jobs
    def create_copy_job(self, job: CopyJob) -> bool:
        """False when the job exists already (a retried rule or the same IdempotencyToken)."""
        try:
            self._table.put(_copy_item(job), if_absent=True)
        except ConditionFailed:
            return False
        return True

    def find_copy_job(self, job_id: str) -> CopyJob | None:
        item = self._table.get(f"COPYJOB#{job_id}", _SK)
        return from_item(CopyJob, item) if item else None

    def get_copy_job(self, job_id: str) -> CopyJob:
        job = self.find_copy_job(job_id)
        if job is None:
            raise ResourceNotFoundException(f"Copy job {job_id} does not exist")
        return job

    def save_copy_job(self, job: CopyJob, expected_state: str) -> None:
        try:
            self._table.put(_copy_item(job), expect={"State": expected_state})
        except ConditionFailed:
            raise ConflictException(f"Copy job {job.CopyJobId} is no longer {expected_state}") from None

    def open_copy_jobs(self, limit: int = 1000, token: str | None = None) -> tuple[list[CopyJob], str | None]:
        """Oldest first, so queued copies start in the order they were asked for."""
        return self._page(CopyJob, Query(OPEN_COPY_JOBS, index="GSI3", limit=limit, start_after=decode_token(token)))

    def search_copy_jobs(
        self,
        *,
        keep: Callable[[CopyJob], bool] | None = None,
        limit: int = 1000,
        token: str | None = None,
        resource_arn: str | None = None,
        open_only: bool = False,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
    ) -> tuple[list[CopyJob], str | None]:
        """Copy jobs newest first: a resource's (GSI2), the open ones (GSI3) or all (GSI1)."""
        where = _where("COPYJOB", COPY_JOBS, OPEN_COPY_JOBS, resource_arn, open_only, created_after, created_before)
        return newest_first(self._table, CopyJob, where, keep, limit, token)

    def _page(self, model: Any, query: Query) -> tuple[list[Any], str | None]:
        page = self._table.query(query)
        return [from_item(model, item) for item in page.items], encode_token(page.next_key)
