"""In-memory stand-ins for the engine's ports, for unit tests that run with no network."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count

from lambdas.domain.jobs import BackupJob, RestoreJob
from lambdas.domain.plans import BackupPlan
from lambdas.domain.selections import BackupSelectionInput, Resource, selects
from lambdas.domain.vaults import BackupVault
from lambdas.resources.base import NativeBackup, NativeRestore, Phase, Progress, ResourceInfo
from lambdas.resources.registry import AdapterRegistry
from lambdas.services.context import ServiceContext
from lambdas.store.memory_table import MemoryTable
from lambdas.store.stores import Stores

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/backup"
T0 = datetime(2026, 3, 1, 5, 0, tzinfo=UTC)


def volume_arn(n: int) -> str:
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-{n:04d}"


class Crash(BaseException):
    """A Lambda killed mid-flight: not an Exception, so nothing in the engine may swallow it."""


@dataclass
class FakeEbs:
    """EBS as far as the engine can tell: volumes with tags, snapshots that complete when told."""

    resource_type: str = "EBS"
    tagging_filter: str = "ec2:volume"
    volumes: dict[str, dict[str, str]] = field(default_factory=dict)
    snapshots: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> {job, volume, state}
    restores: dict[str, dict[str, str]] = field(default_factory=dict)
    complete_at_once: bool = True
    fail_start_for: set[str] = field(default_factory=set)
    vanished: set[str] = field(default_factory=set)  # listed by tags, gone when the snapshot is asked for
    fail_delete: bool = False
    crash_after_starts: int | None = None
    _ids: Iterator[int] = field(default_factory=lambda: count(1))
    starts: int = 0

    def add_volume(self, n: int, **tags: str) -> str:
        arn = volume_arn(n)
        self.volumes[arn] = tags
        return arn

    def resource_type_for(self, resource_arn: str) -> str:
        return self.resource_type

    def describe(self, resource_arn: str) -> ResourceInfo:
        from lambdas.domain.errors import ResourceNotFoundException

        if resource_arn not in self.volumes:
            raise ResourceNotFoundException(f"EBS volume {resource_arn} does not exist")
        return ResourceInfo(resource_arn, "EBS", resource_arn[-8:], 8 * 1024**3, dict(self.volumes[resource_arn]))

    def list_resources(self) -> Iterator[ResourceInfo]:
        for arn in list(self.volumes):
            yield self.describe(arn)

    def find_backup(self, resource_arn: str, job_id: str) -> NativeBackup | None:
        for snapshot_id, snapshot in self.snapshots.items():
            if snapshot["job"] == job_id:
                return NativeBackup(snapshot_id, f"arn:aws:ec2:{REGION}::snapshot/{snapshot_id}")
        return None

    def start_backup(self, resource_arn: str, job_id: str, tags: dict[str, str]) -> NativeBackup:
        if resource_arn in self.fail_start_for:
            raise RuntimeError("ThrottlingException: Rate exceeded")
        if resource_arn not in self.volumes or resource_arn in self.vanished:
            from lambdas.domain.errors import ResourceNotFoundException

            raise ResourceNotFoundException(f"EBS volume {resource_arn} does not exist")
        snapshot_id = f"snap-{next(self._ids):04d}"
        self.snapshots[snapshot_id] = {
            "job": job_id,
            "volume": resource_arn,
            "state": "completed" if self.complete_at_once else "pending",
        }
        self.starts += 1
        if self.crash_after_starts is not None and self.starts >= self.crash_after_starts:
            self.crash_after_starts = None
            raise Crash("killed right after the snapshot was created, before the job was recorded")
        return NativeBackup(snapshot_id, f"arn:aws:ec2:{REGION}::snapshot/{snapshot_id}")

    def backup_status(self, native_id: str) -> Progress:
        state = self.snapshots[native_id]["state"]
        if state == "completed":
            return Progress(Phase.COMPLETED, "100.0", 8 * 1024**3)
        if state == "error":
            return Progress(Phase.FAILED, message="snapshot error")
        return Progress(Phase.RUNNING, "40.0")

    def delete_backup(self, native_id: str) -> None:
        if self.fail_delete:
            raise RuntimeError("RequestLimitExceeded")
        self.snapshots.pop(native_id, None)

    def restore_metadata(self, native_id: str, source: ResourceInfo | None) -> dict[str, str]:
        return {"availabilityZone": f"{REGION}a", "volumeSize": "8"}

    def check_restore(self, native_id: str, metadata: dict[str, str]) -> None:
        from lambdas.domain.errors import InvalidParameterValueException

        if not metadata.get("availabilityZone"):
            raise InvalidParameterValueException("Restore metadata for EBS is missing: availabilityZone")

    def find_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore | None:
        for volume_id, restore in self.restores.items():
            if restore["job"] == restore_job_id:
                return NativeRestore(volume_id, f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{volume_id}")
        return None

    def start_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore:
        volume_id = f"vol-r{next(self._ids):04d}"
        self.restores[volume_id] = {"job": restore_job_id, "state": "creating"}
        return NativeRestore(volume_id, f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{volume_id}")

    def restore_status(self, restore: NativeRestore) -> Progress:
        state = self.restores[restore.native_id]["state"]
        return Progress(Phase.COMPLETED if state == "available" else Phase.RUNNING)


@dataclass
class FakeResolver:
    ebs: FakeEbs

    def resolve(
        self, selections: Iterable[BackupSelectionInput], opted_out: frozenset[str] = frozenset()
    ) -> list[Resource]:
        resources = [] if "EBS" in opted_out else [Resource(arn=a, tags=t) for a, t in self.ebs.volumes.items()]
        chosen = {r.arn: r for s in selections for r in resources if selects(s, r)}
        return sorted(chosen.values(), key=lambda r: r.arn)


@dataclass
class RecordingEvents:
    backup: list[BackupJob] = field(default_factory=list)
    restore: list[RestoreJob] = field(default_factory=list)

    def publish_backup_job(self, job: BackupJob, vault: BackupVault | None, now: datetime) -> None:
        self.backup.append(job)

    def publish_restore_job(self, job: RestoreJob, vault: BackupVault | None, now: datetime) -> None:
        self.restore.append(job)


@dataclass
class RecordingScheduler:
    schedules: dict[str, str] = field(default_factory=dict)  # rule id -> cron

    def sync(self, plan: BackupPlan, previous: BackupPlan | None) -> None:
        for rule in previous.Rules if previous else []:
            self.schedules.pop(rule.RuleId, None)
        for rule in plan.Rules:
            self.schedules[rule.RuleId] = rule.ScheduleExpression

    def remove(self, plan: BackupPlan) -> None:
        for rule in plan.Rules:
            self.schedules.pop(rule.RuleId, None)


@dataclass
class RecordingWorkflow:
    started: list[str] = field(default_factory=list)

    def start(self, restore_job_id: str, correlation_id: str) -> str:
        self.started.append(restore_job_id)
        return f"arn:aws:states:{REGION}:{ACCOUNT}:execution:restore:{restore_job_id}"


@dataclass
class World:
    """A ServiceContext over memory and fakes, with handles on every fake."""

    table: MemoryTable
    ebs: FakeEbs
    events: RecordingEvents
    scheduler: RecordingScheduler
    workflow: RecordingWorkflow
    ctx: ServiceContext


def make_world() -> World:
    table, ebs = MemoryTable(), FakeEbs()
    events, scheduler, workflow = RecordingEvents(), RecordingScheduler(), RecordingWorkflow()
    ctx = ServiceContext(
        account=ACCOUNT,
        region=REGION,
        default_key_arn=f"arn:aws:kms:{REGION}:{ACCOUNT}:key/default",
        stores=Stores.over(table),
        adapters=AdapterRegistry([ebs]),
        events=events,
        resolver=FakeResolver(ebs),
        scheduler=scheduler,
        restore_workflow=workflow,
    )
    return World(table, ebs, events, scheduler, workflow, ctx)
