"""The three job kinds (backup, restore, copy) as data: one store, one listing and one summary serve them all,
each reading what differs from the kind's JobKindSpec: its model (and through it its states and moves, a
JobMachine), its id prefix, the resource it is about, the states its summaries count, and the filters of its
List operation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from lambdas.domain.copies import CopyJob, CopyJobState
from lambdas.domain.jobs import BackupJob, BackupJobState, MachineJob, RestoreJob, RestoreJobStatus


class JobKind(StrEnum):
    BACKUP = "BACKUP"
    RESTORE = "RESTORE"
    COPY = "COPY"


@dataclass(frozen=True)
class JobKindSpec:
    kind: JobKind
    model: type[MachineJob]
    states: type[StrEnum]
    prefix: str  # of the job's key and of its entries in its resource's index: BACKUPJOB#...
    resource_field: str  # the resource the job is about (indexed: a resource's jobs)
    summary_states: frozenset[str]  # the State values its List...JobSummaries accepts
    # The List operation's filters: the state filter's name, the request fields that keep the jobs whose
    # attribute equals them, those that do too unless they say ANY or AGGREGATE_ALL, the one that names the
    # resource (read through the resource's index), and those no Strongroom job matches (composite jobs:
    # Strongroom makes none).
    state_filter: str
    equal_filters: Mapping[str, str] = field(default_factory=dict)
    category_filters: Mapping[str, str] = field(default_factory=dict)
    resource_filter: str | None = None
    never_matched: tuple[str, ...] = ("ByParentJobId",)

    @property
    def id_field(self) -> str:
        return self.model.machine.id_field

    @property
    def state_field(self) -> str:
        return self.model.machine.state_field

    @property
    def noun(self) -> str:
        return self.model.machine.noun


SPECS: dict[JobKind, JobKindSpec] = {
    JobKind.BACKUP: JobKindSpec(
        JobKind.BACKUP,
        BackupJob,
        BackupJobState,
        "BACKUPJOB",
        "ResourceArn",
        frozenset(BackupJobState),
        state_filter="ByState",
        equal_filters={"ByBackupVaultName": "BackupVaultName", "ByResourceType": "ResourceType"},
        resource_filter="ByResourceArn",
    ),
    JobKind.RESTORE: JobKindSpec(
        JobKind.RESTORE,
        RestoreJob,
        RestoreJobStatus,
        "RESTOREJOB",
        "SourceResourceArn",
        # AWS Backup's summaries count restore jobs in CREATED too, a state its restore jobs report
        frozenset({"CREATED", *RestoreJobStatus}),
        state_filter="ByStatus",
        equal_filters={"ByResourceType": "ResourceType", "ByRestoreTestingPlanArn": "RestoreTestingPlanArn"},
    ),
    JobKind.COPY: JobKindSpec(
        JobKind.COPY,
        CopyJob,
        CopyJobState,
        "COPYJOB",
        "ResourceArn",
        frozenset(CopyJobState),
        state_filter="ByState",
        equal_filters={
            "ByResourceType": "ResourceType",
            "ByDestinationVaultArn": "DestinationBackupVaultArn",
            "BySourceRecoveryPointArn": "SourceRecoveryPointArn",
        },
        category_filters={"ByMessageCategory": "MessageCategory"},
        resource_filter="ByResourceArn",
    ),
}

_BY_MODEL: dict[type[MachineJob], JobKindSpec] = {spec.model: spec for spec in SPECS.values()}


def spec_of(job: MachineJob) -> JobKindSpec:
    return _BY_MODEL[type(job)]


def spec_of_model(model: type[MachineJob]) -> JobKindSpec:
    return _BY_MODEL[model]
