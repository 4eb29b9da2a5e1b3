"""Recovery points through boto3's `backup` client: describe, list by vault and by resource with every
filter, restore metadata, delete (the native backup goes), lifecycle updates (the dates move, expiry
follows), and disassociation (Strongroom lets go, the native backup stays).

The runtime is shared by the module: every test makes its own vaults, volumes and tables."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.runtime import LocalRuntime
from tests.api.conftest import ROLE
from tests.api.helpers import ACCOUNT, let_track_jobs_run, new_table, new_volume, unique
from tests.api.helpers import new_vault as _new_vault

GIB = 1024**3


# Helpers


def new_vault(backup: Any) -> str:
    return _new_vault(backup, "points")


def back_up(runtime: LocalRuntime, backup: Any, vault: str, *resources: str, **extra: Any) -> list[str]:
    """Backs each resource up on demand, lets the jobs complete, and returns the recovery point ARNs."""
    jobs = [
        backup.start_backup_job(BackupVaultName=vault, ResourceArn=arn, IamRoleArn=ROLE, **extra)["BackupJobId"]
        for arn in resources
    ]
    let_track_jobs_run(runtime)
    described = [backup.describe_backup_job(BackupJobId=job) for job in jobs]
    assert {job["State"] for job in described} == {"COMPLETED"}
    return [job["RecoveryPointArn"] for job in described]


def in_vault(backup: Any, vault: str, **filters: Any) -> set[str]:
    found: set[str] = set()
    token: str | None = None
    while True:
        page = backup.list_recovery_points_by_backup_vault(
            BackupVaultName=vault, **filters, **({"NextToken": token} if token else {})
        )
        found |= {point["RecoveryPointArn"] for point in page["RecoveryPoints"]}
        token = page.get("NextToken")
        if not token:
            return found


def snapshot_exists(runtime: LocalRuntime, snapshot_arn: str) -> bool:
    try:
        runtime.client("ec2").describe_snapshots(SnapshotIds=[snapshot_arn.rsplit("/", 1)[1]])
    except ClientError as error:
        assert error.response["Error"]["Code"] == "InvalidSnapshot.NotFound"
        return False
    return True


def table_backup_status(runtime: LocalRuntime, backup_arn: str) -> str | None:
    try:
        description = runtime.client("dynamodb").describe_backup(BackupArn=backup_arn)["BackupDescription"]
    except ClientError as error:
        assert error.response["Error"]["Code"] == "BackupNotFoundException"
        return None
    return str(description["BackupDetails"]["BackupStatus"])


# Describe


def test_given_a_completed_volume_backup_when_described_then_every_field_aws_backup_gives_is_there(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given a volume backed up on demand with a 30-day retention
    vault, other_vault, volume = new_vault(backup), new_vault(backup), new_volume(runtime)
    created = runtime.clock.now()
    (point_arn,) = back_up(runtime, backup, vault, volume, Lifecycle={"DeleteAfterDays": 30})

    # When it is described in its vault
    point = backup.describe_recovery_point(BackupVaultName=vault, RecoveryPointArn=point_arn)

    # Then it says what, where, when, how big and until when
    assert point["RecoveryPointArn"] == point_arn and point["BackupVaultName"] == vault
    assert point["BackupVaultArn"] == f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:{vault}"
    assert (point["ResourceArn"], point["ResourceType"], point["Status"]) == (volume, "EBS", "COMPLETED")
    assert point["CreationDate"] == created and point["CompletionDate"] > created
    assert point["BackupSizeInBytes"] == 8 * GIB and point["IamRoleArn"] == ROLE
    assert point["Lifecycle"] == {"DeleteAfterDays": 30}
    assert point["CalculatedLifecycle"] == {"DeleteAt": created + timedelta(days=30)}
    assert point["StorageClass"] == "WARM" and point["IsEncrypted"] is False and point["IsParent"] is False

    # And the same ARN asked of another vault, an unknown vault, or an unknown ARN is not found
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.describe_recovery_point(BackupVaultName=other_vault, RecoveryPointArn=point_arn)
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.describe_recovery_point(BackupVaultName=unique("missing"), RecoveryPointArn=point_arn)
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.describe_recovery_point(
            BackupVaultName=vault, RecoveryPointArn="arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0"
        )


# Listing


def test_given_points_of_two_types_two_times_and_a_plan_when_listed_by_vault_then_each_filter_keeps_only_its_points(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given on-demand points of a volume and a table, and a volume point made later by a plan's rule
    vault = new_vault(backup)
    volume, table, planned_volume = new_volume(runtime), new_table(runtime), new_volume(runtime)
    volume_point, table_point = back_up(runtime, backup, vault, volume, table)
    first_created = backup.describe_recovery_point(BackupVaultName=vault, RecoveryPointArn=volume_point)["CreationDate"]
    next_hour = (runtime.clock.now() + timedelta(hours=1)).hour
    plan = backup.create_backup_plan(
        BackupPlan={
            "BackupPlanName": unique("hourly"),
            "Rules": [
                {
                    "RuleName": "daily",
                    "TargetBackupVaultName": vault,
                    "ScheduleExpression": f"cron(0 {next_hour} ? * * *)",
                }
            ],
        }
    )
    selection = backup.create_backup_selection(
        BackupPlanId=plan["BackupPlanId"],
        BackupSelection={"SelectionName": "one-volume", "IamRoleArn": ROLE, "Resources": [planned_volume]},
    )
    runtime.advance(timedelta(hours=1, minutes=10))
    backup.delete_backup_selection(BackupPlanId=plan["BackupPlanId"], SelectionId=selection["SelectionId"])
    backup.delete_backup_plan(BackupPlanId=plan["BackupPlanId"])
    (planned_point,) = in_vault(backup, vault, ByResourceArn=planned_volume)
    after_first = first_created + timedelta(seconds=1)

    # Then the vault lists all three, and each filter keeps exactly its own
    assert in_vault(backup, vault) == {volume_point, table_point, planned_point}
    assert in_vault(backup, vault, ByResourceArn=volume) == {volume_point}
    assert in_vault(backup, vault, ByResourceType="EBS") == {volume_point, planned_point}
    assert in_vault(backup, vault, ByResourceType="DynamoDB") == {table_point}
    assert in_vault(backup, vault, ByBackupPlanId=plan["BackupPlanId"]) == {planned_point}
    assert in_vault(backup, vault, ByBackupPlanId=str(uuid.uuid4())) == set()
    assert in_vault(backup, vault, ByCreatedAfter=after_first) == {planned_point}
    assert in_vault(backup, vault, ByCreatedBefore=after_first) == {volume_point, table_point}
    assert in_vault(backup, vault, ByResourceType="EBS", ByCreatedBefore=after_first) == {volume_point}
    assert in_vault(backup, vault, ByResourceArn=planned_volume, ByCreatedBefore=after_first) == set()
    assert in_vault(backup, vault, ByParentRecoveryPointArn=volume_point) == set()

    # And a point made by the plan says which plan and rule made it
    planned = backup.describe_recovery_point(BackupVaultName=vault, RecoveryPointArn=planned_point)
    assert planned["CreatedBy"]["BackupPlanId"] == plan["BackupPlanId"]
    assert planned["CreatedBy"]["BackupRuleName"] == "daily"

    # And paging one at a time returns every point once, and the last page ends the listing
    pages, token = [], None
    while True:
        page = backup.list_recovery_points_by_backup_vault(
            BackupVaultName=vault, MaxResults=1, **({"NextToken": token} if token else {})
        )
        pages.append([point["RecoveryPointArn"] for point in page["RecoveryPoints"]])
        token = page.get("NextToken")
        if not token:
            break
    assert [len(page) for page in pages] == [1, 1, 1]
    assert {arn for page in pages for arn in page} == {volume_point, table_point, planned_point}

    # And an unknown vault is not found
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.list_recovery_points_by_backup_vault(BackupVaultName=unique("missing"))


def test_given_a_volume_backed_up_into_two_vaults_when_listed_by_resource_then_both_points_and_no_others(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given a volume backed up into two vaults, and another volume
    first, second = new_vault(backup), new_vault(backup)
    volume, other = new_volume(runtime, size=2), new_volume(runtime)
    (in_first,) = back_up(runtime, backup, first, volume)
    (in_second,) = back_up(runtime, backup, second, volume)
    back_up(runtime, backup, first, other)

    # When the volume's points are listed
    listed = backup.list_recovery_points_by_resource(ResourceArn=volume)["RecoveryPoints"]

    # Then both points are there, newest first, each with its vault and size, and the other volume's are not
    assert [(p["RecoveryPointArn"], p["BackupVaultName"]) for p in listed] == [(in_second, second), (in_first, first)]
    assert {p["BackupSizeBytes"] for p in listed} == {2 * GIB}
    assert {p["Status"] for p in listed} == {"COMPLETED"}

    # And a page of one continues to the other
    page = backup.list_recovery_points_by_resource(ResourceArn=volume, MaxResults=1)
    rest = backup.list_recovery_points_by_resource(ResourceArn=volume, MaxResults=1, NextToken=page["NextToken"])
    assert [p["RecoveryPointArn"] for p in page["RecoveryPoints"] + rest["RecoveryPoints"]] == [in_second, in_first]
    assert "NextToken" not in rest

    # And a resource with no points lists none; a malformed ARN is refused
    assert backup.list_recovery_points_by_resource(ResourceArn=new_volume(runtime))["RecoveryPoints"] == []
    with pytest.raises(backup.exceptions.InvalidParameterValueException):
        backup.list_recovery_points_by_resource(ResourceArn="not-an-arn")


# Restore metadata


def test_given_points_of_a_volume_and_a_table_when_their_restore_metadata_is_read_then_it_is_what_a_restore_needs(
    runtime: LocalRuntime, backup: Any
) -> None:
    vault, volume, table = new_vault(backup), new_volume(runtime, size=3), new_table(runtime)
    volume_point, table_point = back_up(runtime, backup, vault, volume, table)

    ebs = backup.get_recovery_point_restore_metadata(BackupVaultName=vault, RecoveryPointArn=volume_point)
    dynamo = backup.get_recovery_point_restore_metadata(BackupVaultName=vault, RecoveryPointArn=table_point)

    assert (ebs["ResourceType"], ebs["RecoveryPointArn"]) == ("EBS", volume_point)
    assert ebs["BackupVaultArn"].endswith(f":backup-vault:{vault}")
    assert ebs["RestoreMetadata"]["availabilityZone"] == "us-east-1a"
    assert ebs["RestoreMetadata"]["volumeSize"] == "3"
    assert ebs["RestoreMetadata"]["volumeId"] == volume.rsplit("/", 1)[1]
    assert dynamo["ResourceType"] == "DynamoDB"
    assert dynamo["RestoreMetadata"]["targetTableName"] == table.rsplit("/", 1)[1]
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.get_recovery_point_restore_metadata(BackupVaultName=new_vault(backup), RecoveryPointArn=volume_point)


# Delete


def test_given_points_of_a_volume_and_a_table_when_deleted_then_the_native_backups_are_gone_and_so_are_the_points(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given completed points of a volume and a table
    vault, volume, table = new_vault(backup), new_volume(runtime), new_table(runtime)
    volume_point, table_point = back_up(runtime, backup, vault, volume, table)
    assert snapshot_exists(runtime, volume_point) and table_backup_status(runtime, table_point) == "AVAILABLE"

    # When both are deleted
    backup.delete_recovery_point(BackupVaultName=vault, RecoveryPointArn=volume_point)
    backup.delete_recovery_point(BackupVaultName=vault, RecoveryPointArn=table_point)

    # Then the snapshot and the table backup are gone from EC2 and DynamoDB
    assert not snapshot_exists(runtime, volume_point)
    assert table_backup_status(runtime, table_point) in (None, "DELETED")

    # And the points are gone from every listing and cannot be described or deleted again
    assert in_vault(backup, vault) == set()
    assert backup.list_recovery_points_by_resource(ResourceArn=volume)["RecoveryPoints"] == []
    assert backup.describe_backup_vault(BackupVaultName=vault)["NumberOfRecoveryPoints"] == 0
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.describe_recovery_point(BackupVaultName=vault, RecoveryPointArn=volume_point)
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.delete_recovery_point(BackupVaultName=vault, RecoveryPointArn=volume_point)


def test_given_a_point_in_another_vault_or_not_completed_when_deleted_then_refused_and_the_snapshot_stays(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given a completed volume point
    vault, volume = new_vault(backup), new_volume(runtime)
    (point_arn,) = back_up(runtime, backup, vault, volume)

    # When it is deleted through another vault, it is not found there and stays
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.delete_recovery_point(BackupVaultName=new_vault(backup), RecoveryPointArn=point_arn)
    assert snapshot_exists(runtime, point_arn)

    # Given the point became EXPIRED (its lifecycle deletion failed and will be retried)
    from lambdas.domain.recovery_points import RecoveryPointStatus

    points = runtime.services().stores.recovery_points
    point = points.get(point_arn)
    points.save(point.model_copy(update={"Status": RecoveryPointStatus.EXPIRED}), point.Status.value)

    # When it is deleted by hand, the request is refused and the snapshot stays
    with pytest.raises(backup.exceptions.InvalidRequestException, match="EXPIRED"):
        backup.delete_recovery_point(BackupVaultName=vault, RecoveryPointArn=point_arn)
    assert snapshot_exists(runtime, point_arn)


# Disassociate


def test_given_points_when_disassociated_then_strongroom_forgets_them_but_the_native_backups_stay(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given completed points of a table and a volume
    vault, table, volume = new_vault(backup), new_table(runtime), new_volume(runtime)
    table_point, volume_point = back_up(runtime, backup, vault, table, volume)

    # When both are disassociated
    backup.disassociate_recovery_point(BackupVaultName=vault, RecoveryPointArn=table_point)
    backup.disassociate_recovery_point(BackupVaultName=vault, RecoveryPointArn=volume_point)

    # Then Strongroom lists and describes them no more
    assert in_vault(backup, vault) == set()
    assert backup.list_recovery_points_by_resource(ResourceArn=table)["RecoveryPoints"] == []
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.describe_recovery_point(BackupVaultName=vault, RecoveryPointArn=table_point)

    # But the table backup and the snapshot are still there, the services' own
    assert table_backup_status(runtime, table_point) == "AVAILABLE"
    assert snapshot_exists(runtime, volume_point)


# Lifecycle


def test_given_a_point_when_its_lifecycle_is_updated_then_the_dates_move_the_90_day_rule_holds_and_expiry_follows(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given a volume point kept 30 days
    vault, volume = new_vault(backup), new_volume(runtime)
    (point_arn,) = back_up(runtime, backup, vault, volume, Lifecycle={"DeleteAfterDays": 30})
    created = backup.describe_recovery_point(BackupVaultName=vault, RecoveryPointArn=point_arn)["CreationDate"]

    # When it is moved to cold storage after 10 days and kept 200
    answer = backup.update_recovery_point_lifecycle(
        BackupVaultName=vault,
        RecoveryPointArn=point_arn,
        Lifecycle={"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 200},
    )

    # Then both dates are counted from the point's creation
    assert answer["RecoveryPointArn"] == point_arn and answer["BackupVaultArn"].endswith(f":backup-vault:{vault}")
    assert answer["Lifecycle"] == {"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 200}
    assert answer["CalculatedLifecycle"] == {
        "MoveToColdStorageAt": created + timedelta(days=10),
        "DeleteAt": created + timedelta(days=200),
    }
    assert (
        backup.describe_recovery_point(BackupVaultName=vault, RecoveryPointArn=point_arn)["CalculatedLifecycle"]
        == answer["CalculatedLifecycle"]
    )

    # When the deletion is less than 90 days after the move to cold storage, it is refused and nothing changes
    with pytest.raises(backup.exceptions.InvalidParameterValueException, match="90 days"):
        backup.update_recovery_point_lifecycle(
            BackupVaultName=vault,
            RecoveryPointArn=point_arn,
            Lifecycle={"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 50},
        )
    assert backup.describe_recovery_point(BackupVaultName=vault, RecoveryPointArn=point_arn)["Lifecycle"] == {
        "MoveToColdStorageAfterDays": 10,
        "DeleteAfterDays": 200,
    }
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.update_recovery_point_lifecycle(
            BackupVaultName=new_vault(backup), RecoveryPointArn=point_arn, Lifecycle={"DeleteAfterDays": 5}
        )

    # When the retention is shortened to one day and a day passes
    backup.update_recovery_point_lifecycle(
        BackupVaultName=vault, RecoveryPointArn=point_arn, Lifecycle={"DeleteAfterDays": 1}
    )
    runtime.advance(timedelta(days=1, hours=1))

    # Then the hourly lifecycle run deleted it, snapshot and all
    assert not snapshot_exists(runtime, point_arn)
    assert in_vault(backup, vault) == set()
