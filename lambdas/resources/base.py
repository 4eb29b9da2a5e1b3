"""The one Protocol every resource type implements. Adding a type is adding one module and registering it.

Every native call that creates something is findable afterwards by the job that made it (a tag or a
name carrying the job id), so a crash between "created" and "recorded" is healed by adopting, not by
creating a second snapshot."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

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


@dataclass(frozen=True)
class NativeBackup:
    native_id: str
    recovery_point_arn: str


@dataclass(frozen=True)
class Progress:
    phase: Phase
    percent_done: str | None = None
    size_bytes: int | None = None
    message: str | None = None


@dataclass(frozen=True)
class NativeRestore:
    native_id: str
    created_resource_arn: str


class ResourceAdapter(Protocol):
    resource_type: str
    tagging_filter: str  # the Resource Groups Tagging API's ResourceTypeFilters value

    def resource_type_for(self, resource_arn: str) -> str:
        """The AWS Backup type of a resource this adapter handles: usually its own, but Aurora, DocumentDB
        and Neptune share one ARN form and only the cluster's engine tells them apart."""

    def describe(self, resource_arn: str) -> ResourceInfo: ...

    def list_resources(self) -> Iterator[ResourceInfo]: ...

    def find_backup(self, resource_arn: str, job_id: str) -> NativeBackup | None: ...

    def start_backup(self, resource_arn: str, job_id: str, tags: dict[str, str]) -> NativeBackup: ...

    def backup_status(self, native_id: str) -> Progress: ...

    def delete_backup(self, native_id: str) -> None:
        """Idempotent: a backup that is already gone counts as deleted."""

    def restore_metadata(self, native_id: str, source: ResourceInfo | None) -> dict[str, str]: ...

    def check_restore(self, native_id: str, metadata: dict[str, str]) -> None:
        """InvalidParameterValueException for metadata the restore would fail on, before any job exists."""

    def find_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore | None: ...

    def start_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore: ...

    def restore_status(self, restore: NativeRestore) -> Progress: ...
