"""The shared engine of snapshot-style services: a recovery point is one native snapshot the service makes and
keeps (RDS DB and cluster snapshots, Redshift cluster snapshots). Each adapter states what differs in a
SnapshotCalls (call names, id fields, error codes, how progress reads) and the engine does the rest the same way
for all: the snapshot is named from the job id and tagged with it, so a retried start adopts the snapshot an
earlier attempt made; one already gone counts as deleted; the automated snapshots the service takes itself are
imported, but only the service deletes them.

Nothing is remembered between calls: what a batch call described is returned to the caller, which passes it on."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from lambdas.domain.errors import ResourceNotFoundException
from lambdas.resources.base import JOB_TAG, NativeBackup, NativeBackupInUse, Progress
from lambdas.resources.waits import BackupMustWait

T = TypeVar("T")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# The snapshots the import of existing backups lists (not shared, public or AWS Backup's own).
NATIVE_SNAPSHOT_TYPES = ("manual", "automated")


def snapshot_identifier(job_id: str) -> str:
    """The snapshot's identifier carries the job id: a retried start finds the snapshot it already made.
    (AWS Backup's own awsbackup:job-... names use a colon, which only AWS Backup may use.)"""
    return f"strongroom-{_NOT_ALNUM.sub('-', job_id.lower()).strip('-')}"[:255].rstrip("-")


def made_elsewhere(identifier: str, tags: dict[str, str]) -> bool:
    """A manual snapshot neither a Strongroom job (its tag or name) nor AWS Backup (awsbackup:job-...) made."""
    return not (
        JOB_TAG in tags
        or identifier.startswith(("strongroom-", "awsbackup:"))
        or any(key.startswith("aws:backup:") for key in tags)
    )


def native_tags(tags: dict[str, str]) -> dict[str, str]:
    """aws: is a reserved tag prefix on AWS: such keys are kept under strongroom: instead."""
    return {(f"strongroom:{key[4:]}" if key.startswith("aws:") else key): value for key, value in tags.items()}


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def error_code(error: ClientError) -> str:
    return str(error.response["Error"]["Code"])


@contextmanager
def refused_as(codes: Collection[str], refusal: Callable[[ClientError], Exception]) -> Iterator[None]:
    """The service's errors `codes` (a name in use, a value it refuses) as the caller's own error, `refusal(error)`:
    what the user must change, said the adapter's way; any other error goes on as it is."""
    try:
        yield
    except ClientError as error:
        if error_code(error) in codes:
            raise refusal(error) from None
        raise


def unless_gone(describe: Callable[[], T], gone: Collection[str]) -> T | None:
    """What `describe()` answers, or None when the service says the thing asked for does not exist (one of the
    error codes `gone`): every adapter reads "no such resource" or "no such backup" so, whatever the service."""
    try:
        return describe()
    except ClientError as error:
        if error_code(error) in gone:
            return None
        raise


@dataclass(frozen=True)
class SnapshotCalls:
    """How one service spells its snapshot calls. Example: RDS DB snapshots are described by
    describe_db_snapshots(DBSnapshotIdentifier=...) -> {"DBSnapshots": [...]}, each with DBSnapshotIdentifier."""

    service: str  # as messages name it: "RDS", "Redshift"
    what: str  # one snapshot, as messages name it: "DB snapshot", "Cluster snapshot"
    resource_what: str  # the resource snapshotted: "RDS DB instance", "DB cluster"
    describe: str  # the describe call
    describe_id: str  # its snapshot id parameter
    describe_resource: str  # its parameter naming the resource whose snapshots to list
    listed: str  # the answer's list of snapshots
    id_field: str  # a snapshot's identifier
    resource_field: str  # the id of the resource a snapshot was taken of
    tags_field: str  # a snapshot's tags ([{Key, Value}])
    create: str
    create_resource: str  # the create call's resource id parameter
    create_id: str  # the create call's snapshot id parameter
    created: str  # the create answer's snapshot
    delete: str
    delete_id: str
    snapshot_gone: frozenset[str]  # error codes: no such snapshot
    resource_gone: frozenset[str]  # error codes: no such resource
    already_exists: frozenset[str]  # error codes: a snapshot of that name exists
    invalid_state: frozenset[str]  # error codes of a delete refused for the snapshot's state
    automated_prefix: str  # how the service names the snapshots it takes itself: "rds:", "rs:"
    arn_of: Callable[[dict[str, Any], str, str], str]  # (snapshot, region, account) -> the snapshot's ARN
    progress: Callable[[dict[str, Any] | None, str], Progress]  # (snapshot or None if gone, its label)
    quota_reached: Callable[[ClientError], BackupMustWait | None] = lambda error: None
    # Copies (None: the service cannot copy its snapshots): the copy call, its source and target parameters, and the
    # share call that lets another account copy a snapshot (its "restore" attribute, as RDS names it).
    copy: str | None = None
    copy_source: str = ""
    copy_target: str = ""
    share: str | None = None


def tags_of(record: dict[str, Any], field: str = "TagList") -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in record.get(field) or []}


class SnapshotEngine:
    """Backup, status, deletion and import of one service's snapshots, for the adapter that owns it."""

    def __init__(self, calls: SnapshotCalls, client: Callable[[], Any], region: str, account: str) -> None:
        self.calls = calls
        self._client = client
        self._region = region
        self._account = account

    def label(self, native_id: str) -> str:
        return f"{self.calls.what} {native_id}"

    def native(self, snapshot: dict[str, Any]) -> NativeBackup:
        return NativeBackup(snapshot[self.calls.id_field], self.calls.arn_of(snapshot, self._region, self._account))

    def snapshot(self, native_id: str) -> dict[str, Any] | None:
        calls = self.calls
        found = unless_gone(
            lambda: getattr(self._client(), calls.describe)(**{calls.describe_id: native_id})[calls.listed],
            calls.snapshot_gone,
        )
        return found[0] if found else None

    def tags(self, snapshot: dict[str, Any]) -> dict[str, str]:
        return tags_of(snapshot, self.calls.tags_field)

    def find_backup(self, job_id: str) -> NativeBackup | None:
        snapshot = self.snapshot(snapshot_identifier(job_id))
        if snapshot is None or self.tags(snapshot).get(JOB_TAG, job_id) != job_id:
            return None
        return self.native(snapshot)

    def start_backup(self, resource_id: str, resource_arn: str, job_id: str, tags: dict[str, str]) -> NativeBackup:
        """Creates the snapshot named from the job id, tagged with it; adopts the one an earlier attempt of the
        job made (its answer lost); BackupMustWait when the service's snapshot quota is reached."""
        calls, name = self.calls, snapshot_identifier(job_id)
        try:
            snapshot = getattr(self._client(), calls.create)(
                **{calls.create_resource: resource_id, calls.create_id: name},
                Tags=tag_list({**native_tags(tags), JOB_TAG: job_id}),
            )[calls.created]
        except ClientError as error:
            code = error_code(error)
            if code in calls.resource_gone:
                raise ResourceNotFoundException(f"{calls.resource_what} {resource_arn} does not exist") from None
            wait = calls.quota_reached(error)
            if wait is not None:
                raise wait from None
            found = self.snapshot(name) if code in calls.already_exists else None
            if found is None:
                raise
            snapshot = found  # made by an earlier attempt of this job that crashed before recording it
        return self.native(snapshot)

    def backup_status(self, native_id: str) -> Progress:
        return self.calls.progress(self.snapshot(native_id), self.label(native_id))

    def is_automated(self, native_id: str) -> bool:
        """A snapshot the service took itself: only the service deletes it, and it cannot be shared."""
        return native_id.startswith(self.calls.automated_prefix)

    def kept_by_service(self, native_id: str) -> NativeBackupInUse:
        """Deleting an automated snapshot's recovery point: not now, the service deletes the snapshot; expiry
        tries again."""
        return NativeBackupInUse(
            f"{self.label(native_id)} is an automated snapshot: {self.calls.service} deletes it itself at the end "
            "of the backup retention period, and its recovery point is deleted once it is gone; disassociate the "
            "recovery point to let go of it sooner"
        )

    def delete_backup(self, native_id: str) -> None:
        """Idempotent: a snapshot already gone, or being deleted by an earlier attempt, counts as deleted."""
        calls = self.calls
        if self.is_automated(native_id):
            if self.snapshot(native_id) is None:
                return
            raise self.kept_by_service(native_id)
        try:
            getattr(self._client(), calls.delete)(**{calls.delete_id: native_id})
        except ClientError as error:
            if error_code(error) in calls.snapshot_gone:
                return
            if error_code(error) in calls.invalid_state:
                snapshot = self.snapshot(native_id)
                if snapshot is None or snapshot.get("Status") == "deleting":
                    return  # an earlier attempt's deletion is under way
            raise

    def share(self, native_id: str, account: str) -> None:
        """Lets `account` copy the snapshot; adding an account twice changes nothing. Automated snapshots are the
        service's own and are never shared: the caller refuses them first."""
        calls = self.calls
        assert calls.share is not None, f"{calls.service} snapshots are not shared"
        getattr(self._client(), calls.share)(
            **{calls.describe_id: native_id}, AttributeName="restore", ValuesToAdd=[account]
        )

    def copy_in(
        self,
        source_arn: str,
        copy_job_id: str,
        request: dict[str, Any],
        refused: Callable[[ClientError], Exception | None],
    ) -> NativeBackup:
        """Copies the snapshot `source_arn` into this Region and account under a name made from the copy job id, with
        the service's own parameters (`request`: key, tags, source Region); adopts the copy an earlier attempt made.
        `refused` turns the errors a retry would meet again into the reason the copy job fails."""
        calls, name = self.calls, snapshot_identifier(copy_job_id)
        assert calls.copy is not None, f"{calls.service} snapshots are not copied"
        try:
            snapshot = getattr(self._client(), calls.copy)(
                **{calls.copy_source: source_arn, calls.copy_target: name}, **request
            )[calls.created]
        except ClientError as error:
            found = self.snapshot(name) if error_code(error) in calls.already_exists else None
            if found is None:
                raise refused(error) or error from None
            snapshot = found  # made by an earlier attempt of this copy job that crashed before recording it
        return self.native(snapshot)

    def list_native_backups(self, resource_id: str) -> Iterator[tuple[NativeBackup, datetime]]:
        """The resource's available snapshots made elsewhere, manual and automated, for the import of existing
        backups. No snapshot type is asked for: the service returns both."""
        calls = self.calls
        paginator = self._client().get_paginator(calls.describe)
        for page in paginator.paginate(**{calls.describe_resource: resource_id}):
            for snapshot in page[calls.listed]:
                if snapshot.get(calls.resource_field) != resource_id:
                    continue
                if snapshot.get("SnapshotType") not in NATIVE_SNAPSHOT_TYPES or snapshot.get("Status") != "available":
                    continue
                if made_elsewhere(snapshot[calls.id_field], self.tags(snapshot)):
                    yield self.native(snapshot), snapshot["SnapshotCreateTime"]
