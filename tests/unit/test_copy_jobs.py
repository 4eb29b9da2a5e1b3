"""Copy jobs: a rule's CopyActions and StartCopyJob copy a completed recovery point into another vault, here
or in another Region or account; the copy is recorded in the destination's catalog with its own lifecycle,
and a copy that cannot work fails with a message that says how to fix it."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from lambdas.domain.copies import CopyJob, CopyJobState
from lambdas.domain.errors import InvalidParameterValueException, InvalidRequestException, ResourceNotFoundException
from lambdas.domain.recovery_points import RecoveryPoint, RecoveryPointStatus
from lambdas.services import backup_service, copy_service, plan_service, scheduled_backups, vault_service
from lambdas.services.tracking_service import track_jobs
from tests.fakes import (
    ACCOUNT,
    REGION,
    ROLE,
    T0,
    FakeDestinations,
    World,
    allows_copies_from,
    make_world,
    select_by_tag,
)

OTHER_ACCOUNT = "210987654321"
OTHER_REGION = "eu-west-1"


def vault_arn(name: str, account: str = ACCOUNT, region: str = REGION) -> str:
    return f"arn:aws:backup:{region}:{account}:backup-vault:{name}"


def with_destinations(world: World, *others: World) -> FakeDestinations:
    destinations = FakeDestinations()
    destinations.add(world)
    for other in others:
        destinations.add(other)
    object.__setattr__(world.ctx, "destinations", destinations)
    return destinations


def backed_up_point(world: World, vault: str = "main") -> RecoveryPoint:
    arn = world.ebs.add_volume(1, app="shop")
    vault_service.create_vault(world.ctx, {"BackupVaultName": vault}, T0)
    job = backup_service.start_backup_job(
        world.ctx,
        {"BackupVaultName": vault, "ResourceArn": arn, "IamRoleArn": ROLE, "Lifecycle": {"DeleteAfterDays": 35}},
        T0,
    )
    track_jobs(world.ctx, T0 + timedelta(minutes=5))
    done = world.ctx.stores.jobs.get_backup_job(job.BackupJobId)
    assert done.RecoveryPointArn
    return world.ctx.stores.recovery_points.get(done.RecoveryPointArn)


def copy(world: World, point: RecoveryPoint, destination: str, **extra: Any) -> CopyJob:
    request = {
        "RecoveryPointArn": point.RecoveryPointArn,
        "SourceBackupVaultName": point.BackupVaultName,
        "DestinationBackupVaultArn": destination,
        "IamRoleArn": ROLE,
        **extra,
    }
    return copy_service.start_copy_job(world.ctx, request, T0 + timedelta(hours=1))


def test_given_a_rule_with_a_copy_action_when_its_backup_completes_then_the_copy_lands_in_the_other_vault(
    world: World,
) -> None:
    # Given a daily rule that copies every backup to the "offsite" vault, kept 365 days there
    world.ebs.add_volume(1, backup="daily")
    for name in ("main", "offsite"):
        vault_service.create_vault(world.ctx, {"BackupVaultName": name}, T0)
    plan = plan_service.create_plan(
        world.ctx,
        {
            "BackupPlan": {
                "BackupPlanName": "daily",
                "Rules": [
                    {
                        "RuleName": "daily",
                        "TargetBackupVaultName": "main",
                        "Lifecycle": {"DeleteAfterDays": 35},
                        "CopyActions": [
                            {"DestinationBackupVaultArn": vault_arn("offsite"), "Lifecycle": {"DeleteAfterDays": 365}}
                        ],
                    }
                ],
            }
        },
        T0,
    )
    select_by_tag(world, plan)
    world.ebs.complete_at_once = False
    scheduled_backups.start_backups(world.ctx, plan.BackupPlanId, plan.Rules[0].RuleId, T0, T0)
    # When the backup's snapshot completes and tracking runs twice (backup done, then copy done)
    for snapshot in world.ebs.snapshots.values():
        snapshot["state"] = "completed"
    track_jobs(world.ctx, T0 + timedelta(minutes=5))
    [job] = world.ctx.stores.jobs.search_copy_jobs()[0]
    assert job.State == CopyJobState.RUNNING
    world.ebs.snapshots[job.DestinationNativeId or ""]["state"] = "completed"
    track_jobs(world.ctx, T0 + timedelta(minutes=10))
    # Then the copy job is COMPLETED, made by the backup job, and the offsite vault holds a point of its own
    job = world.ctx.stores.jobs.get_copy_job(job.CopyJobId)
    assert job.State == CopyJobState.COMPLETED
    [backup_job] = world.ctx.stores.jobs.backup_jobs()[0]
    assert job.CreatedByBackupJobId == backup_job.BackupJobId
    assert job.CreatedBy.BackupPlanId == plan.BackupPlanId
    [copied] = world.ctx.stores.recovery_points.search(vault_name="offsite")[0]
    assert copied.RecoveryPointArn == job.DestinationRecoveryPointArn != backup_job.RecoveryPointArn
    assert copied.SourceBackupVaultArn == vault_arn("main")
    # with the copy action's lifecycle, counted from the source backup's creation
    assert copied.Lifecycle is not None and copied.Lifecycle.DeleteAfterDays == 365
    assert copied.CalculatedLifecycle.DeleteAt == T0 + timedelta(days=365)
    assert copied.EncryptionKeyArn == world.ctx.stores.vaults.get("offsite").EncryptionKeyArn
    # and a COMPLETED event follows a RUNNING one
    assert [e.State for e in world.events.copy] == [CopyJobState.RUNNING, CopyJobState.COMPLETED]


def test_given_a_vault_in_another_account_when_a_point_is_copied_then_it_is_shared_and_recorded_there(
    world: World,
) -> None:
    # Given a deployment in another account and Region with a vault "dr" that lets this account copy into it
    other = make_world(OTHER_ACCOUNT, OTHER_REGION)
    with_destinations(world, other)
    vault_service.create_vault(other.ctx, {"BackupVaultName": "dr"}, T0)
    vault_service.put_access_policy(other.ctx, "dr", allows_copies_from(ACCOUNT))
    point = backed_up_point(world)
    # When the point is copied there
    job = copy(world, point, vault_arn("dr", OTHER_ACCOUNT, OTHER_REGION), Lifecycle={"DeleteAfterDays": 100})
    track_jobs(world.ctx, T0 + timedelta(hours=2))
    # Then the source snapshot was shared with that account, the copy made there, and recorded in its catalog
    assert world.ebs.shared[point.NativeBackupId] == {OTHER_ACCOUNT}
    job = world.ctx.stores.jobs.get_copy_job(job.CopyJobId)
    assert job.State == CopyJobState.COMPLETED, job.StatusMessage
    copied = other.ctx.stores.recovery_points.get(job.DestinationRecoveryPointArn or "", "dr")
    assert other.ebs.snapshots[copied.NativeBackupId]["copied_from"] == f"{ACCOUNT}/{REGION}/{point.NativeBackupId}"
    assert other.ebs.snapshots[copied.NativeBackupId]["kms"] == other.ctx.stores.vaults.get("dr").EncryptionKeyArn
    assert job.DestinationRecoveryPointArn and f":{OTHER_REGION}:" in job.DestinationRecoveryPointArn
    # and nothing of the copy is in the source's catalog
    assert world.ctx.stores.recovery_points.find(copied.RecoveryPointArn) is None


def test_given_no_destination_vault_when_copying_then_the_job_fails_saying_how_to_fix_it(world: World) -> None:
    other = make_world(OTHER_ACCOUNT, OTHER_REGION)
    with_destinations(world, other)
    point = backed_up_point(world)
    job = copy(world, point, vault_arn("missing", OTHER_ACCOUNT, OTHER_REGION))
    assert job.State == CopyJobState.FAILED
    assert "does not exist" in (job.StatusMessage or "") and "create-backup-vault" in (job.StatusMessage or "")
    assert not other.ebs.snapshots and not world.ebs.shared
    assert [e.State for e in world.events.copy] == [CopyJobState.FAILED]


def test_given_an_aws_managed_key_when_copying_to_another_account_then_the_job_fails_and_nothing_is_shared(
    world: World,
) -> None:
    other = make_world(OTHER_ACCOUNT, OTHER_REGION)
    destinations = with_destinations(world, other)
    vault_service.create_vault(other.ctx, {"BackupVaultName": "dr"}, T0)
    managed = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/aws-ebs"
    destinations.aws_managed_keys.add(managed)
    world.ebs.keys[world.ebs.add_volume(1)] = managed
    point = backed_up_point(world)
    job = copy(world, point, vault_arn("dr", OTHER_ACCOUNT, OTHER_REGION))
    assert job.State == CopyJobState.FAILED
    assert "AWS managed key" in (job.StatusMessage or "") and "customer managed" in (job.StatusMessage or "")
    assert not world.ebs.shared and not other.ebs.snapshots


def test_given_a_locked_destination_when_the_copy_would_be_kept_too_briefly_then_it_fails(world: World) -> None:
    point = backed_up_point(world)
    vault_service.create_vault(world.ctx, {"BackupVaultName": "locked"}, T0)
    vault_service.put_lock(world.ctx, "locked", {"MinRetentionDays": 30}, T0)
    job = copy(world, point, vault_arn("locked"), Lifecycle={"DeleteAfterDays": 7})
    assert job.State == CopyJobState.FAILED
    assert "MinRetentionDays 30" in (job.StatusMessage or "")
    assert world.ctx.stores.recovery_points.search(vault_name="locked")[0] == []


def test_given_the_same_idempotency_token_when_started_twice_then_one_copy_job(world: World) -> None:
    point = backed_up_point(world)
    vault_service.create_vault(world.ctx, {"BackupVaultName": "offsite"}, T0)
    first = copy(world, point, vault_arn("offsite"), IdempotencyToken="abc")
    second = copy(world, point, vault_arn("offsite"), IdempotencyToken="abc")
    assert first.CopyJobId == second.CopyJobId
    assert len(world.ctx.stores.jobs.search_copy_jobs()[0]) == 1
    assert sum(1 for s in world.ebs.snapshots.values() if "copied_from" in s) == 1


def test_given_more_copies_than_the_destination_allows_then_the_rest_wait_and_start_later(world: World) -> None:
    # Given 25 points and copies that take a while
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    vault_service.create_vault(world.ctx, {"BackupVaultName": "offsite"}, T0)
    points = []
    for n in range(25):
        arn = world.ebs.add_volume(n)
        job = backup_service.start_backup_job(
            world.ctx, {"BackupVaultName": "main", "ResourceArn": arn, "IamRoleArn": ROLE}, T0
        )
        points.append(job)
    track_jobs(world.ctx, T0 + timedelta(minutes=5))
    world.ebs.complete_at_once = False
    # When all 25 are copied into the same Region
    jobs = [
        copy(world, world.ctx.stores.recovery_points.get(j.RecoveryPointArn or ""), vault_arn("offsite"))
        for j in points
    ]
    # Then 20 run and 5 wait in CREATED, saying why
    states = [j.State for j in jobs]
    assert states.count(CopyJobState.RUNNING) == 20 and states.count(CopyJobState.CREATED) == 5
    assert all("Queued" in (j.StatusMessage or "") for j in jobs if j.State == CopyJobState.CREATED)
    # and when the running copies complete, the next tracking runs start and finish the rest
    for snapshot in world.ebs.snapshots.values():
        snapshot["state"] = "completed"
    world.ebs.complete_at_once = True
    track_jobs(world.ctx, T0 + timedelta(hours=2))
    track_jobs(world.ctx, T0 + timedelta(hours=3))
    finished = world.ctx.stores.jobs.search_copy_jobs()[0]
    assert [j.State for j in finished].count(CopyJobState.COMPLETED) == 25


def test_given_a_native_copy_that_fails_to_start_then_it_is_retried_and_then_fails(world: World) -> None:
    point = backed_up_point(world)
    vault_service.create_vault(world.ctx, {"BackupVaultName": "offsite"}, T0)
    world.ebs.copy_fails_with = "RequestLimitExceeded"
    job = copy(world, point, vault_arn("offsite"))
    assert job.State == CopyJobState.CREATED and job.StartAttempts == 1
    world.ebs.copy_fails_with = None
    track_jobs(world.ctx, T0 + timedelta(hours=2))
    assert world.ctx.stores.jobs.get_copy_job(job.CopyJobId).State == CopyJobState.COMPLETED
    world.ebs.copy_fails_with = "RequestLimitExceeded"
    stuck = copy(world, point, vault_arn("offsite"))
    for hour in range(copy_service.MAX_START_ATTEMPTS):
        track_jobs(world.ctx, T0 + timedelta(hours=3 + hour))
    failed = world.ctx.stores.jobs.get_copy_job(stuck.CopyJobId)
    assert failed.State == CopyJobState.FAILED and "RequestLimitExceeded" in (failed.StatusMessage or "")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"RecoveryPointArn": "arn:aws:ec2:us-east-1::snapshot/snap-nope"}, ResourceNotFoundException),
        ({"SourceBackupVaultName": "nope"}, ResourceNotFoundException),
        ({"DestinationBackupVaultArn": "arn:aws:s3:::bucket"}, InvalidParameterValueException),
        ({"DestinationBackupVaultArn": vault_arn("main")}, InvalidParameterValueException),
        ({"Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 60}}, InvalidParameterValueException),
    ],
)
def test_given_bad_input_when_starting_a_copy_then_aws_backups_error_and_nothing_written(
    world: World, change: dict[str, Any], error: type[Exception]
) -> None:
    point = backed_up_point(world)
    request = {
        "RecoveryPointArn": point.RecoveryPointArn,
        "SourceBackupVaultName": "main",
        "DestinationBackupVaultArn": vault_arn("offsite"),
        "IamRoleArn": ROLE,
        **change,
    }
    with pytest.raises(error):
        copy_service.start_copy_job(world.ctx, request, T0)
    assert world.ctx.stores.jobs.search_copy_jobs()[0] == []


def test_given_a_deleted_point_when_copying_then_invalid_request(world: World) -> None:
    point = backed_up_point(world)
    deleted = point.model_copy(update={"Status": RecoveryPointStatus.EXPIRED})
    world.ctx.stores.recovery_points.save(deleted, point.Status.value)
    with pytest.raises(InvalidRequestException):
        copy(world, point, vault_arn("offsite"))


def _deny_copies(**condition: Any) -> str:
    statement: dict[str, Any] = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_given_a_destination_vault_denying_copies_into_it_then_the_copy_fails_saying_so(world: World) -> None:
    # Given a point, and a destination vault whose access policy denies backup:CopyIntoBackupVault
    point = backed_up_point(world)
    vault_service.create_vault(world.ctx, {"BackupVaultName": "sealed"}, T0)
    vault_service.put_access_policy(world.ctx, "sealed", _deny_copies())
    # When the point is copied there
    job = copy(world, point, vault_arn("sealed"))
    # Then the job fails as access denied, naming the policy and the action; nothing is copied
    assert job.State == CopyJobState.FAILED
    assert job.MessageCategory == "AccessDenied"
    assert "access policy of destination backup vault sealed denies backup:CopyIntoBackupVault" in (
        job.StatusMessage or ""
    )
    assert world.ctx.stores.recovery_points.search(vault_name="sealed")[0] == []
    assert job.DestinationNativeId is None


def test_given_a_deny_whose_condition_does_not_hold_then_the_copy_goes_ahead(world: World) -> None:
    # Given a destination vault denying copies to every role but the backup role (ArnNotEquals on aws:PrincipalArn)
    point = backed_up_point(world)
    vault_service.create_vault(world.ctx, {"BackupVaultName": "guarded"}, T0)
    vault_service.put_access_policy(world.ctx, "guarded", _deny_copies(ArnNotEquals={"aws:PrincipalArn": ROLE}))
    # When the backup role copies, then the copy starts
    assert copy(world, point, vault_arn("guarded")).State == CopyJobState.RUNNING
    # And when another role copies, then it is denied
    other_role = f"arn:aws:iam::{ACCOUNT}:role/Other"
    assert copy(world, point, vault_arn("guarded"), IamRoleArn=other_role).State == CopyJobState.FAILED


def test_given_a_vault_in_another_account_without_an_allow_then_the_copy_fails_and_nothing_is_shared(
    world: World,
) -> None:
    # Given a vault in another account whose owner never allowed this account to copy into it
    other = make_world(OTHER_ACCOUNT, OTHER_REGION)
    with_destinations(world, other)
    vault_service.create_vault(other.ctx, {"BackupVaultName": "dr"}, T0)
    point = backed_up_point(world)
    # When the point is copied there, then the job fails saying which statement to add; nothing is shared
    job = copy(world, point, vault_arn("dr", OTHER_ACCOUNT, OTHER_REGION))
    assert job.State == CopyJobState.FAILED and job.MessageCategory == "AccessDenied"
    assert f"arn:aws:iam::{ACCOUNT}:root" in (job.StatusMessage or "")
    assert not world.ebs.shared and not other.ebs.snapshots
