"""In-memory stand-ins for the engine's ports, for unit tests that run with no network."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count
from typing import Any

from lambdas.domain.copies import CopyJob
from lambdas.domain.jobs import BackupJob, RestoreJob
from lambdas.domain.plans import BackupPlan
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.domain.selections import BackupSelectionInput, Resource, selects
from lambdas.domain.vaults import BackupVault
from lambdas.resources.base import (
    CopySource,
    NativeBackup,
    NativeRestore,
    ObjectFailure,
    Phase,
    Progress,
    ResourceInfo,
    RunMemo,
)
from lambdas.resources.registry import AdapterRegistry
from lambdas.services.context import ServiceContext
from lambdas.services.copy_destinations import CopyRefused, Destination
from lambdas.services.event_details import PlanState
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
    fail_delete_for: set[str] = field(default_factory=set)  # snapshot ids whose deletion keeps failing
    in_use_by: dict[str, str] = field(default_factory=dict)  # snapshot id -> the AMI registered from it
    supports_cold_storage: bool = True  # the archive tier; False plays a type that has no cold tier
    archived: set[str] = field(default_factory=set)
    fail_cold: bool = False
    crash_after_starts: int | None = None
    _ids: Iterator[int] = field(default_factory=lambda: count(1))
    starts: int = 0
    region: str = REGION
    shared: dict[str, set[str]] = field(default_factory=dict)  # snapshot id -> accounts it is shared with
    copy_fails_with: str | None = None
    keys: dict[str, str] = field(default_factory=dict)  # volume arn -> its KMS key

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
        key = self.keys.get(resource_arn)
        return ResourceInfo(
            resource_arn, "EBS", resource_arn[-8:], 8 * 1024**3, dict(self.volumes[resource_arn]), key, key is not None
        )

    def list_resources(self) -> Iterator[ResourceInfo]:
        for arn in list(self.volumes):
            yield self.describe(arn)

    def find_backup(self, resource_arn: str, job_id: str) -> NativeBackup | None:
        for snapshot_id, snapshot in self.snapshots.items():
            if snapshot["job"] == job_id:
                return NativeBackup(snapshot_id, f"arn:aws:ec2:{REGION}::snapshot/{snapshot_id}")
        return None

    def start_backup(
        self, resource_arn: str, job_id: str, tags: dict[str, str], *, memo: RunMemo | None = None
    ) -> NativeBackup:
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
        if native_id not in self.snapshots:  # as the real adapters say of a backup that is gone
            return Progress(Phase.FAILED, message=f"Snapshot {native_id} disappeared")
        state = self.snapshots[native_id]["state"]
        if state == "completed":
            return Progress(Phase.COMPLETED, "100.0", 8 * 1024**3)
        if state == "error":
            return Progress(Phase.FAILED, message="snapshot error")
        return Progress(Phase.RUNNING, "40.0")

    def delete_backup(self, native_id: str) -> None:
        if self.fail_delete or native_id in self.fail_delete_for:
            raise RuntimeError("RequestLimitExceeded")
        if native_id in self.in_use_by:
            from lambdas.resources.base import NativeBackupInUse

            raise NativeBackupInUse(f"Snapshot {native_id} is in use by {self.in_use_by[native_id]}")
        self.snapshots.pop(native_id, None)
        self.archived.discard(native_id)

    def move_to_cold(self, native_id: str) -> bool:
        if not self.supports_cold_storage:
            return False
        if self.fail_cold:
            raise RuntimeError("RequestLimitExceeded")
        self.archived.add(native_id)
        return True

    def share_backup(self, native_id: str, account: str) -> None:
        self.shared.setdefault(native_id, set()).add(account)

    def copy_in(self, source: CopySource, copy_job_id: str, kms_key_arn: str, tags: dict[str, str]) -> NativeBackup:
        if self.copy_fails_with is not None:
            raise RuntimeError(self.copy_fails_with)
        snapshot_id = f"snap-{next(self._ids):04d}"
        self.snapshots[snapshot_id] = {
            "job": copy_job_id,
            "volume": source.resource_arn,
            "state": "completed" if self.complete_at_once else "pending",
            "copied_from": f"{source.account}/{source.region}/{source.native_id}",
            "kms": kms_key_arn,
        }
        return NativeBackup(snapshot_id, f"arn:aws:ec2:{self.region}::snapshot/{snapshot_id}")

    def restore_metadata(
        self, native_id: str, source: ResourceInfo | None, *, memo: RunMemo | None = None
    ) -> dict[str, str]:
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

    def stream(
        self, selections: Iterable[BackupSelectionInput], opted_out: frozenset[str] = frozenset()
    ) -> Iterator[Resource]:
        return iter(self.resolve(selections, opted_out))


@dataclass
class RecordingEvents:
    backup: list[BackupJob] = field(default_factory=list)
    restore: list[RestoreJob] = field(default_factory=list)
    copy: list[CopyJob] = field(default_factory=list)
    recovery_points: list[RecoveryPoint] = field(default_factory=list)
    plans: list[tuple[PlanState, BackupPlan, list[str]]] = field(default_factory=list)  # with the vaults told
    object_failures: list[tuple[str, ObjectFailure]] = field(default_factory=list)  # (restore job id, object)
    run_summaries: list[dict[str, Any]] = field(default_factory=list)  # scheduled runs' summary details

    def batched(self) -> AbstractContextManager[None]:
        return nullcontext()

    def publish_backup_job(self, job: BackupJob, vault: BackupVault | None, now: datetime) -> None:
        self.backup.append(job)

    def publish_restore_job(self, job: RestoreJob, vault: BackupVault | None, now: datetime) -> None:
        self.restore.append(job)

    def publish_copy_job(self, job: CopyJob, vault: BackupVault | None, now: datetime) -> None:
        self.copy.append(job)

    def publish_recovery_point(self, point: RecoveryPoint, vault: BackupVault | None, now: datetime) -> None:
        self.recovery_points.append(point)

    def publish_backup_plan(
        self, plan: BackupPlan, state: PlanState, vaults: Sequence[BackupVault], now: datetime
    ) -> None:
        self.plans.append((state, plan, [vault.BackupVaultName for vault in vaults]))

    def publish_restore_object_failures(
        self, job: RestoreJob, failures: Sequence[ObjectFailure], vault: BackupVault | None
    ) -> None:
        self.object_failures.extend((job.RestoreJobId, failure) for failure in failures)

    def publish_run_summary(self, detail: dict[str, Any], now: datetime) -> None:
        self.run_summaries.append(detail)


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


def make_world(account: str = ACCOUNT, region: str = REGION) -> World:
    table, ebs = MemoryTable(), FakeEbs(region=region)
    events, scheduler, workflow = RecordingEvents(), RecordingScheduler(), RecordingWorkflow()
    ctx = ServiceContext(
        account=account,
        region=region,
        default_key_arn=f"arn:aws:kms:{region}:{account}:key/default",
        stores=Stores.over(table),
        adapters=AdapterRegistry([ebs]),
        events=events,
        resolver=FakeResolver(ebs),
        scheduler=scheduler,
        restore_workflow=workflow,
    )
    return World(table, ebs, events, scheduler, workflow, ctx)


@dataclass
class FakeDestinations:
    """Other deployments (account, Region) a copy can reach: each a World of its own."""

    worlds: dict[tuple[str, str], World] = field(default_factory=dict)
    aws_managed_keys: set[str] = field(default_factory=set)

    def add(self, world: World) -> World:
        self.worlds[(world.ctx.account, world.ctx.region)] = world
        return world

    def open(self, account: str, region: str) -> Destination:
        world = self.worlds.get((account, region))
        if world is None:
            raise CopyRefused(f"Cannot assume the copy destination role in account {account}")
        return Destination(account, region, world.ctx.stores, world.ctx.adapters)

    def is_aws_managed_key(self, key_arn: str) -> bool:
        return key_arn in self.aws_managed_keys


def select_by_tag(world: World, plan: BackupPlan, key: str = "backup", value: str = "daily") -> None:
    """The plan selects every resource tagged key=value (one selection, role ROLE)."""
    from lambdas.services import plan_service

    tags = [{"ConditionType": "STRINGEQUALS", "ConditionKey": key, "ConditionValue": value}]
    plan_service.create_selection(
        world.ctx,
        plan.BackupPlanId,
        {"BackupSelection": {"SelectionName": "s", "IamRoleArn": ROLE, "ListOfTags": tags}},
        T0,
    )


def allows_copies_from(account: str) -> str:
    """A destination vault's access policy letting `account` copy into it, as AWS Backup requires across accounts."""
    import json

    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})
