"""One backup at a time per resource: a claim item per resource names the job whose backup of it is running.

A job's claim is written in the same transaction that saves it RUNNING, and only if no other job holds an
unexpired claim; it is released when the job ends. A claim lapses by itself at its job's CompleteBy (a job
still unfinished then has failed its completion window), so a claim lost to a crash never blocks the resource
for longer than one completion window."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

from lambdas.domain.jobs import BackupJob
from lambdas.store.codec import sortable
from lambdas.store.schema import TABLE_PARTITION_KEY, TABLE_SORT_KEY
from lambdas.store.table import ConditionFailed, Item, Put, Table

_SK = "RUNNINGBACKUP"
_RELEASED = "0"  # sorts before every time


@dataclass(frozen=True)
class RunningBackup:
    resource_arn: str
    job_id: str
    until: str  # sortable time


def _key(resource_arn: str) -> tuple[str, str]:
    return f"RESOURCE#{resource_arn}", _SK


def _item(resource_arn: str, job_id: str, until: str) -> Item:
    pk, sk = _key(resource_arn)
    return {TABLE_PARTITION_KEY: pk, TABLE_SORT_KEY: sk, "ResourceArn": resource_arn, "JobId": job_id, "Until": until}


def claim(job: BackupJob, now: datetime, replacing: str | None = None) -> Put:
    """Held by `job` until its CompleteBy; refused while another job's claim has not lapsed. replacing: the job
    whose claim is left over (it ended without releasing it, e.g. a crash between its end and the release),
    taken over only if that job still holds it."""
    item = _item(job.ResourceArn, job.BackupJobId, sortable(job.CompleteBy))
    if replacing is not None:
        return Put(item, expect={"JobId": replacing})
    return Put(item, newer=("Until", sortable(now)))


def release(job: BackupJob) -> Put:
    """Lapses the claim, only if `job` still holds it; the next job may claim the resource at once."""
    return Put(_item(job.ResourceArn, job.BackupJobId, _RELEASED), expect={"JobId": job.BackupJobId})


class RunningBackupStore:
    def __init__(self, table: Table) -> None:
        self._table = table

    def held(self, resource_arns: list[str], now: datetime) -> dict[str, RunningBackup]:
        """The unexpired claims on these resources (one BatchGetItem per 100 resources)."""
        moment = sortable(now)
        found = self._table.get_many([_key(arn) for arn in resource_arns])
        return {
            item["ResourceArn"]: RunningBackup(item["ResourceArn"], item["JobId"], item["Until"])
            for item in found
            if item["Until"] > moment
        }

    def release(self, job: BackupJob) -> None:
        if not job.HoldsClaim:
            return
        put = release(job)
        # ConditionFailed: another job's claim by now, or none at all; nothing of this job's to release.
        with contextlib.suppress(ConditionFailed):
            self._table.put(put.item, expect=put.expect)
