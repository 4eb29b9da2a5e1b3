"""The one Protocol every resource type implements. Adding a type is adding one module and registering it.

What a batch call saw is passed, not hidden: the caller creates a RunMemo per run and passes it to the batch call
and to the calls that follow it (RunMemo says how).

Every native call that creates something is findable afterwards by the job that made it (a tag or a
name carrying the job id), so a crash between "created" and "recorded" is healed by adopting, not by
creating a second snapshot."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from lambdas.domain.errors import InvalidRequestException
from lambdas.domain.native_locks import NativeLock

if TYPE_CHECKING:
    from lambdas.resources.spec import TypeSpec

JOB_TAG = "strongroom:backup-job-id"
RESTORE_TAG = "strongroom:restore-job-id"
# AWS Backup marks its backups with aws:backup:source-resource, but aws: is reserved to AWS itself.
SOURCE_TAG = "strongroom:source-resource"


class Phase(StrEnum):
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class ResourceInfo:
    arn: str
    resource_type: str
    name: str | None = None
    size_bytes: int | None = None
    tags: dict[str, str] = field(default_factory=dict)
    encryption_key_arn: str | None = None
    is_encrypted: bool = False
    # What an adapter learned describing the resource and needs again for restore metadata (an EBS volume's
    # zone, type and IOPS), so it does not describe the resource twice.
    details: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NativeBackup:
    native_id: str
    recovery_point_arn: str


@dataclass(frozen=True)
class ObjectFailure:
    """One object a restore could not restore while the job goes on (S3: a version gone from the bucket)."""

    key: str
    version_id: str | None
    reason: str


@dataclass(frozen=True)
class Progress:
    phase: Phase
    percent_done: str | None = None
    size_bytes: int | None = None
    message: str | None = None
    # The objects that failed during THIS call (not earlier ones): each is notified once, by the caller.
    failed_objects: tuple[ObjectFailure, ...] = ()


@dataclass(frozen=True)
class NativeRestore:
    native_id: str
    created_resource_arn: str


class ResourceAdapter(Protocol):
    resource_type: str
    tagging_filter: str  # the Resource Groups Tagging API's ResourceTypeFilters value
    # Whether the type has a cold tier. For one that has none, MoveToColdStorageAfterDays is ignored (as AWS
    # Backup ignores it) and its recovery points claim no MoveToColdStorageAt.
    supports_cold_storage: bool

    def resource_type_for(self, resource_arn: str) -> str:
        """The AWS Backup type of a resource this adapter handles: usually its own, but Aurora, DocumentDB
        and Neptune share one ARN form and only the cluster's engine tells them apart."""

    def describe(self, resource_arn: str) -> ResourceInfo: ...

    def list_resources(self) -> Iterator[ResourceInfo]: ...

    def find_backup(self, resource_arn: str, job_id: str) -> NativeBackup | None: ...

    def start_backup(
        self, resource_arn: str, job_id: str, tags: dict[str, str], *, memo: RunMemo | None = None
    ) -> NativeBackup:
        """memo: the run's, in which start_capacity (StartQuota) may have described the resource already."""

    def backup_status(self, native_id: str) -> Progress: ...

    def delete_backup(self, native_id: str) -> None:
        """Idempotent: a backup that is already gone counts as deleted. A backup something else still uses
        (an EBS snapshot a registered AMI was made from) is not deleted: NativeBackupInUse."""

    def move_to_cold(self, native_id: str) -> bool:
        """Moves the backup to the type's cold tier; True once it is there (idempotent), False for a type that
        has no cold tier (the setting is ignored). ColdMovePending when the move is under way and this call
        ran out of time: the next call resumes it."""

    def restore_metadata(
        self, native_id: str, source: ResourceInfo | None, *, memo: RunMemo | None = None
    ) -> dict[str, str]:
        """memo: the run's, in which backup_statuses or describe_many may have described the backup or its source
        already (BatchStatus, BatchDescribe)."""

    def check_restore(self, native_id: str, metadata: dict[str, str]) -> None:
        """InvalidParameterValueException for metadata the restore would fail on, before any job exists."""

    def find_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore | None: ...

    def start_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore: ...

    def restore_status(self, restore: NativeRestore) -> Progress: ...


class BatchMemo:
    """What one batch call of one adapter described (backup_statuses, describe_many, start_capacity), by identifier,
    for the call that follows it for the same jobs (restore_metadata, start_backup). remember() replaces the last
    batch's (never an older batch's, even when the describe fails); take() hands an entry out once; seen() is the
    whole batch, for another batch call. An adapter finds its own in the RunMemo its caller passes (memo_in)."""

    def __init__(self) -> None:
        self._seen: dict[str, dict[str, Any]] = {}

    def remember(self, describe: Callable[[], dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
        self.forget()  # never an older batch's, if the call below fails
        self._seen = describe()
        return self._seen

    def forget(self) -> None:
        self._seen = {}

    def seen(self) -> list[dict[str, Any]]:
        return list(self._seen.values())

    def take(self, identifier: str) -> dict[str, Any] | None:
        return self._seen.pop(identifier, None)


class RunMemo:
    """What one run's batch calls saw, for the calls of the same run that follow them for the same jobs: the
    caller (a page of tracked jobs, a batch of starts) creates one and passes it to each of those calls, so a
    method that answers from an earlier call says so in its signature (`memo`), and nothing it saw outlives the
    run. Each adapter keeps each batch's entries apart (of(adapter, batch)), so one RunMemo serves every type in
    the run. A call given no memo has seen nothing before it and describes what it needs itself."""

    def __init__(self) -> None:
        # id(adapter), batch -> (the adapter, kept alive so its id is not reused within the run; its memo)
        self._memos: dict[tuple[int, str], tuple[object, BatchMemo]] = {}

    def of(self, adapter: object, batch: str) -> BatchMemo:
        key = (id(adapter), batch)
        if key not in self._memos:
            self._memos[key] = (adapter, BatchMemo())
        return self._memos[key][1]


def memo_in(memo: RunMemo | None, adapter: object, batch: str) -> BatchMemo:
    """The adapter's BatchMemo for `batch` in the caller's run, or an empty one that nothing follows (no run)."""
    return memo.of(adapter, batch) if memo is not None else BatchMemo()


class OneTypeAdapter:
    """What every adapter of a single type in one account and Region states alike: its type, Tagging API filter and
    cold tier are its spec's (lambdas/resources/<type>/spec.py), said once there, and every resource it handles is
    of that type (Aurora's adapter, which tells three types apart, is the exception: rds_family/clusters.py)."""

    def __init__(self, spec: TypeSpec, region: str, account: str) -> None:
        self.resource_type = spec.resource_type
        self.tagging_filter = spec.tagging_filter
        self.supports_cold_storage = spec.supports_cold_storage
        self._region = region
        self._account = account

    def resource_type_for(self, resource_arn: str) -> str:
        return self.resource_type

    def _arn_here(self, service: str, resource: str, *, account: bool = True) -> str:
        """The ARN of a resource of this Region (and account; EC2 images and snapshots name none)."""
        return f"arn:aws:{service}:{self._region}:{self._account if account else ''}:{resource}"


@dataclass(frozen=True)
class CopySource:
    """The native backup a copy starts from, where it lives, and the resource it protects."""

    native_id: str
    region: str
    account: str
    resource_arn: str


@runtime_checkable
class CopyCapable(Protocol):
    """The adapters whose backups can be copied to another vault, Region or account. A copy is run by the
    DESTINATION deployment's adapter (the native copy calls run in the destination Region and account); the
    source's adapter only shares the backup when the copy crosses accounts. The copy is tagged with the copy
    job's id under JOB_TAG, so `find_backup(resource_arn, copy_job_id)` adopts it after a crash."""

    def share_backup(self, native_id: str, account: str) -> None:
        """Lets `account` read the backup (cross-account copies only); idempotent."""

    def copy_in(self, source: CopySource, copy_job_id: str, kms_key_arn: str, tags: dict[str, str]) -> NativeBackup:
        """Starts the native copy into this adapter's Region and account, encrypted with `kms_key_arn`."""


class NativeBackupInUse(InvalidRequestException):
    """The native backup cannot go while something else uses it (a registered AMI uses the snapshot): the
    recovery point stays EXPIRED, and expiry tries again later, until the user lets go of it."""


class ColdMovePending(Exception):
    """A move to cold storage that does not fit in one call (many objects to rewrite) got this far and will
    resume on the next call."""


@runtime_checkable
class CompositeBackup(Protocol):
    """An adapter whose native backup is made of other native backups that a recovery point of another type
    may refer to on its own (an AMI's EBS snapshots). Expiry asks for them and deletes the backup keeping the
    parts a live point still needs."""

    def part_arns(self, native_id: str) -> list[str]:
        """The recovery point ARNs the backup's parts would have (arn:aws:ec2:<region>::snapshot/snap-...)."""

    def delete_backup_keeping(self, native_id: str, keep: frozenset[str]) -> None:
        """delete_backup, except for the parts whose ARNs are in `keep`: those are left where they are."""


@runtime_checkable
class BatchStatus(Protocol):
    """Adapters whose service describes many backups in one call: tracking asks for a page of jobs at once
    instead of once per job."""

    def backup_statuses(self, native_ids: list[str], *, memo: RunMemo | None = None) -> dict[str, Progress]:
        """The progress of each backup asked for; one that no longer exists is FAILED, as backup_status says. What
        the call described is kept in `memo` for the run's later calls (describe_many, restore_metadata)."""


@runtime_checkable
class DuplicateSweep(Protocol):
    """Adapters whose native create call is not idempotent (EC2's CreateSnapshot takes no client token): an
    answer lost after the backup was made, then retried, leaves two backups tagged with one job."""

    def find_duplicates(self, owners: dict[str, str]) -> list[NativeBackup]:
        """owners: job id -> the native backup the job recorded. Every other native backup tagged with one of
        those job ids (the caller has them deleted)."""


@runtime_checkable
class BatchDescribe(Protocol):
    """Adapters whose service describes many resources in one call: a completed page of jobs has its sources
    (encryption, restore metadata) described at once instead of once per job."""

    def describe_many(self, resource_arns: list[str], *, memo: RunMemo | None = None) -> dict[str, ResourceInfo]:
        """The resources asked for that still exist, by ARN; one that is gone is simply absent. `memo`: the run's,
        which this call may answer from (backup_statuses saw the sources) and fill (for restore_metadata)."""


@dataclass(frozen=True)
class StartCapacity:
    """How many backups a service lets start now. busy: resource ARN -> why its backup must wait (e.g. the
    volume already has 5 pending snapshots); room: how many more backups of this type may start at all in this
    account and Region (None: no such quota), e.g. what is left of the RDS manual snapshot quota."""

    busy: dict[str, str]
    room: int | None = None
    room_reason: str = ""


@runtime_checkable
class StartQuota(Protocol):
    """Adapters whose service bounds how many backups may run at once. Asked once per batch of jobs before any
    of them starts; a job that may not start waits in CREATED and is tried again within its start window."""

    def start_capacity(self, resource_arns: list[str], *, memo: RunMemo | None = None) -> StartCapacity:
        """What the call described is kept in `memo` for the run's start_backup calls."""


@dataclass(frozen=True)
class NativeLockState:
    """A native backup's lock as its service reports it: governance, compliance-cooloff (still undoable) or
    compliance, until when."""

    mode: str
    until: datetime

    @property
    def undoable(self) -> bool:
        return self.mode in ("governance", "compliance-cooloff")


@runtime_checkable
class NativeLockable(Protocol):
    """Adapters whose service can lock a backup against deletion by anyone (EBS snapshot lock, S3 Object Lock):
    vault locks and legal holds hold outside Strongroom's API too (lambdas/domain/native_locks.py says which
    lock). The types without such a lock (RDS, DynamoDB, FSx) rely on the deny policy the stack generates."""

    def lock_backup(self, native_id: str, lock: NativeLock) -> None:
        """Locks the backup as asked, or keeps a lock that already lasts as long and cannot be weakened (a
        compliance lock past its cooling-off period is only ever extended); idempotent."""

    def unlock_backup(self, native_id: str) -> None:
        """Removes a governance lock (or one still in its cooling-off period); a backup not locked, or gone, is
        left as it is."""

    def backup_lock(self, native_id: str) -> NativeLockState | None:
        """The backup's lock that has not expired yet, or None."""
