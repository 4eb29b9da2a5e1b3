"""One job model for backup, restore and copy jobs (lambdas/domain/job_kinds.py): each kind's moves are AWS
Backup's, its items keep the layout data already stored was written in, and one listing applies each kind's
own filters."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

import pytest

from lambdas.domain.copies import CopyJob, CopyJobState
from lambdas.domain.errors import InvalidParameterValueException, InvalidRequestException
from lambdas.domain.job_kinds import SPECS, JobKind
from lambdas.domain.jobs import BackupJob, BackupJobState, MachineJob, RestoreJob, RestoreJobStatus
from lambdas.services import job_queries
from lambdas.store.job_store import job_item
from tests.fakes import ACCOUNT, REGION, ROLE, T0, World, volume_arn

VAULT_ARN = f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:main"
POINT_ARN = f"arn:aws:ec2:{REGION}::snapshot/snap-1"


def backup(job_id: str, state: BackupJobState = BackupJobState.CREATED, **extra: object) -> BackupJob:
    fields: dict[str, object] = {
        "BackupJobId": job_id,
        "AccountId": ACCOUNT,
        "BackupVaultName": "main",
        "BackupVaultArn": VAULT_ARN,
        "ResourceArn": volume_arn(1),
        "ResourceType": "EBS",
        "IamRoleArn": ROLE,
        "State": state,
        "CreationDate": T0,
        "StartBy": T0 + timedelta(hours=1),
        "CompleteBy": T0 + timedelta(days=1),
        "CorrelationId": "c",
    }
    return BackupJob.model_validate({**fields, **extra})


def restore(job_id: str, status: RestoreJobStatus = RestoreJobStatus.PENDING, **extra: object) -> RestoreJob:
    fields: dict[str, object] = {
        "RestoreJobId": job_id,
        "AccountId": ACCOUNT,
        "RecoveryPointArn": POINT_ARN,
        "BackupVaultArn": VAULT_ARN,
        "BackupVaultName": "main",
        "SourceResourceArn": volume_arn(1),
        "ResourceType": "EBS",
        "Status": status,
        "CreationDate": T0,
        "CorrelationId": "c",
    }
    return RestoreJob.model_validate({**fields, **extra})


def copy(job_id: str, state: CopyJobState = CopyJobState.CREATED, **extra: object) -> CopyJob:
    fields: dict[str, object] = {
        "CopyJobId": job_id,
        "AccountId": ACCOUNT,
        "SourceBackupVaultArn": VAULT_ARN,
        "SourceBackupVaultName": "main",
        "SourceRecoveryPointArn": POINT_ARN,
        "DestinationBackupVaultArn": f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:dr",
        "ResourceArn": volume_arn(1),
        "ResourceType": "EBS",
        "IamRoleArn": ROLE,
        "State": state,
        "CreationDate": T0,
        "SourceCreationDate": T0,
        "CorrelationId": "c",
    }
    return CopyJob.model_validate({**fields, **extra})


MAKERS = {JobKind.BACKUP: backup, JobKind.RESTORE: restore, JobKind.COPY: copy}

# AWS Backup's job states, written out here as the expected table (not read from the code under test).
B, R, C = BackupJobState, RestoreJobStatus, CopyJobState
EXPECTED_MOVES: dict[JobKind, dict[StrEnum, set[StrEnum]]] = {
    JobKind.BACKUP: {
        B.CREATED: {B.RUNNING, B.EXPIRED, B.FAILED, B.ABORTED},
        B.PENDING: {B.RUNNING, B.EXPIRED, B.ABORTED},
        B.RUNNING: {B.COMPLETED, B.FAILED, B.ABORTING, B.EXPIRED},
        B.ABORTING: {B.ABORTED},
    },
    JobKind.RESTORE: {
        R.PENDING: {R.RUNNING, R.FAILED, R.ABORTED},
        R.RUNNING: {R.COMPLETED, R.FAILED, R.ABORTED},
    },
    JobKind.COPY: {
        C.CREATED: {C.RUNNING, C.FAILED},
        C.RUNNING: {C.COMPLETED, C.FAILED},
    },
}


@pytest.mark.parametrize("kind", list(JobKind))
def test_given_each_kind_when_every_state_tries_every_move_then_only_aws_backups_moves_are_allowed(
    kind: JobKind,
) -> None:
    spec = SPECS[kind]
    for state in spec.states:
        # Given a job of this kind in `state`
        job = MAKERS[kind]("J", state)
        allowed = EXPECTED_MOVES[kind].get(state, set())
        # Then it is open exactly when it can still move, and sits in the open index exactly then
        assert job.is_open == bool(allowed), (kind, state)
        assert (job_item(job).get("GSI3PK") is not None) == bool(allowed), (kind, state)
        for to in spec.states:
            # When it is moved to `to`
            if to in allowed:
                moved = job.transition(to, StatusMessage="why")
                # Then it moves, in the field the kind keeps its state in, and keeps the change asked for
                assert (moved.state, getattr(moved, spec.state_field), moved.StatusMessage) == (to, to, "why")
            else:
                with pytest.raises(InvalidRequestException, match=f"{spec.noun} J cannot go from {state} to {to}"):
                    job.transition(to)


def test_given_one_job_of_each_kind_when_stored_then_its_keys_are_the_layout_already_stored_data_uses() -> None:
    # Given a backup, a restore and a copy job, all open, created at T0
    assert T0.isoformat() == "2026-03-01T05:00:00+00:00"
    order = "2026-03-01T05:00:00.000000Z#J"
    items = {kind: job_item(MAKERS[kind]("J")) for kind in JobKind}
    # Then each is keyed as the per-kind code wrote it before the kinds shared one store
    expected = {
        JobKind.BACKUP: ("BACKUPJOB#J", "BACKUPJOBS", "BACKUPJOB#", "OPEN#BACKUPJOB", "CREATED"),
        JobKind.RESTORE: ("RESTOREJOB#J", "RESTOREJOBS", "RESTOREJOB#", "OPEN#RESTOREJOB", "PENDING"),
        JobKind.COPY: ("COPYJOB#J", "COPYJOBS", "COPYJOB#", "OPEN#COPYJOB", "CREATED"),
    }
    for kind, (pk, every, resource_prefix, open_partition, state) in expected.items():
        item = items[kind]
        assert (item["PK"], item["SK"], item["GSI1PK"], item["GSI3PK"], item["State"]) == (
            pk,
            "JOB",
            every,
            open_partition,
            state,
        )
        assert item["GSI2PK"] == f"RESOURCE#{volume_arn(1)}"
        assert item["GSI1SK"] == item["GSI3SK"] == order
        assert item["GSI2SK"] == f"{resource_prefix}{item['GSI1SK']}"


def stored(world: World, *jobs: MachineJob) -> None:
    for job in jobs:
        assert world.ctx.stores.jobs.create(job)


def ids(found: tuple[list[MachineJob], str | None]) -> list[str]:
    return sorted(job.job_id for job in found[0])


def test_given_jobs_of_every_kind_when_listed_then_each_kind_applies_its_own_filters(world: World) -> None:
    # Given backup, restore and copy jobs in several states, types and vaults, one of each kind finished later
    done = T0 + timedelta(hours=2)
    stored(
        world,
        backup("B-ok", BackupJobState.COMPLETED, CompletionDate=done),
        backup("B-open"),
        backup("B-rds", ResourceType="RDS", BackupVaultName="other"),
        restore("R-ok", RestoreJobStatus.COMPLETED, CompletionDate=done),
        restore("R-open"),
        copy("C-ok", CopyJobState.COMPLETED, CompletionDate=done, MessageCategory="SUCCESS"),
        copy("C-failed", CopyJobState.FAILED, MessageCategory="AccessDenied"),
    )

    def listed(kind: JobKind, **request: object) -> list[str]:
        return ids(job_queries.list_jobs(world.ctx, kind, dict(request), 100))

    # Then each kind lists only its own jobs
    assert listed(JobKind.BACKUP) == ["B-ok", "B-open", "B-rds"]
    assert listed(JobKind.RESTORE) == ["R-ok", "R-open"]
    assert listed(JobKind.COPY) == ["C-failed", "C-ok"]
    # And its state filter is named as AWS Backup names it (ByStatus for restores), open states read the open index
    assert listed(JobKind.BACKUP, ByState="CREATED") == ["B-open", "B-rds"]
    assert listed(JobKind.RESTORE, ByStatus="PENDING") == ["R-open"]
    assert listed(JobKind.COPY, ByState="FAILED") == ["C-failed"]
    # And the kind's own equality filters apply
    assert listed(JobKind.BACKUP, ByBackupVaultName="other") == ["B-rds"]
    assert listed(JobKind.BACKUP, ByResourceType="RDS") == ["B-rds"]
    assert listed(JobKind.COPY, ByMessageCategory="AccessDenied") == ["C-failed"]
    assert listed(JobKind.COPY, ByMessageCategory="ANY") == ["C-failed", "C-ok"]
    # And completion bounds and the resource's index work for every kind that has them
    after = T0 + timedelta(hours=1)
    assert listed(JobKind.BACKUP, ByCompleteAfter=after) == ["B-ok"]
    assert listed(JobKind.RESTORE, ByCompleteAfter=after) == ["R-ok"]
    assert listed(JobKind.COPY, ByResourceArn=volume_arn(1), ByCompleteAfter=after) == ["C-ok"]
    # And filters no Strongroom job matches answer nothing
    assert listed(JobKind.RESTORE, ByRestoreTestingPlanArn="arn:plan") == []
    assert listed(JobKind.COPY, ByParentJobId="P") == []
    # And a state of another kind is refused with AWS Backup's error
    with pytest.raises(InvalidParameterValueException, match="Invalid value for ByStatus: 'CREATED'"):
        listed(JobKind.RESTORE, ByStatus="CREATED")
