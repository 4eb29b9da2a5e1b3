"""Backup and restore jobs. State changes are conditional on the state the caller read.

PK BACKUPJOB#id / RESTOREJOB#id, SK JOB. GSI1: every job by creation time. GSI2: jobs of one resource.
GSI3 (sparse): open jobs only, which track_jobs reads; a job leaves it when it reaches a final state."""

from __future__ import annotations

from typing import Any

from lambdas.domain.errors import ConflictException, ResourceNotFoundException
from lambdas.domain.jobs import BackupJob, RestoreJob
from lambdas.store.codec import decode_token, encode_token, from_item, sortable, to_item
from lambdas.store.table import ConditionFailed, Item, Query, Table

_SK = "JOB"
BACKUP_JOBS = "BACKUPJOBS"
RESTORE_JOBS = "RESTOREJOBS"
OPEN_BACKUP_JOBS = "OPEN#BACKUPJOB"
OPEN_RESTORE_JOBS = "OPEN#RESTOREJOB"


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

    def create_backup_jobs(self, jobs: list[BackupJob]) -> None:
        """Unconditional batch write, for jobs the caller has checked are new."""
        self._table.put_many([_backup_item(job) for job in jobs])

    def find_backup_job(self, job_id: str) -> BackupJob | None:
        item = self._table.get(f"BACKUPJOB#{job_id}", _SK)
        return from_item(BackupJob, item) if item else None

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

    def _page(self, model: Any, query: Query) -> tuple[list[Any], str | None]:
        page = self._table.query(query)
        return [from_item(model, item) for item in page.items], encode_token(page.next_key)
