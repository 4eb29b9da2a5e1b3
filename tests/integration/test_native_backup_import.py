"""Backups services made themselves become recovery points: EBS snapshots and DynamoDB backups made directly
(and FSx backups, through the adapter's own listing) are cataloged in a vault without copying, once, and
restore through the ordinary restore steps. The engine runs on real adapters over moto, a memory store and
the in-process Storage Gateway fake."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
import pytest

from tests.integration.builders import ACCOUNT, KEY, REGION, ROLE, T0

T1 = T0 + timedelta(days=1)
SUBNET = "subnet-0123456789abcdef0"


@dataclass
class World:
    ctx: Any
    ec2: Any
    dynamodb: Any
    fsx: Any
    sgw: Any
    workflow: Any


@pytest.fixture
def world() -> World:
    from lambdas.common import aws
    from lambdas.resources.dynamodb import DynamoDbAdapter
    from lambdas.resources.ebs import EbsAdapter
    from lambdas.resources.fsx import FsxAdapter
    from lambdas.resources.registry import AdapterRegistry
    from lambdas.resources.storage_gateway import StorageGatewayAdapter
    from lambdas.services.context import ServiceContext
    from lambdas.services.selection_resolver import SelectionResolver
    from lambdas.services.vault_service import create_vault
    from lambdas.store.memory_table import MemoryTable
    from lambdas.store.stores import Stores
    from local.fsx_gaps import MotoFsxGaps
    from local.storage_gateway_fake import FakeStorageGatewayBackend, FakeStorageGatewayClient
    from tests.fakes import RecordingEvents, RecordingWorkflow

    sgw = FakeStorageGatewayClient(FakeStorageGatewayBackend(REGION, ACCOUNT), lambda: aws.client("ec2"))
    registry = AdapterRegistry(
        [
            EbsAdapter(lambda: aws.client("ec2"), REGION, ACCOUNT),
            DynamoDbAdapter(lambda: aws.client("dynamodb"), REGION, ACCOUNT),
            FsxAdapter(lambda: MotoFsxGaps(aws.client("fsx")), REGION, ACCOUNT),
            StorageGatewayAdapter(lambda: sgw, lambda: aws.client("ec2"), REGION, ACCOUNT),
        ]
    )
    workflow = RecordingWorkflow()
    ctx = ServiceContext(
        account=ACCOUNT,
        region=REGION,
        default_key_arn=KEY,
        stores=Stores.over(MemoryTable()),
        adapters=registry,
        events=RecordingEvents(),
        resolver=SelectionResolver(lambda: aws.client("resourcegroupstaggingapi"), registry),
        restore_workflow=workflow,
    )
    for name in ("imported", "main"):
        create_vault(ctx, {"BackupVaultName": name}, T0)
    return World(
        ctx=ctx,
        ec2=boto3.client("ec2", region_name=REGION),
        dynamodb=boto3.client("dynamodb", region_name=REGION),
        fsx=MotoFsxGaps(boto3.client("fsx", region_name=REGION)),
        sgw=sgw,
        workflow=workflow,
    )


def volume(world: World, *, gib: int = 8, name: str = "data") -> tuple[str, str]:
    volume_id = world.ec2.create_volume(
        AvailabilityZone=f"{REGION}b",
        Size=gib,
        TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": name}]}],
    )["VolumeId"]
    return volume_id, f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{volume_id}"


def snapshot(world: World, volume_id: str, description: str = "made by hand") -> tuple[str, str]:
    snapshot_id = world.ec2.create_snapshot(VolumeId=volume_id, Description=description)["SnapshotId"]
    return snapshot_id, f"arn:aws:ec2:{REGION}::snapshot/{snapshot_id}"


def table(world: World, name: str = "orders", items: int = 3) -> str:
    world.dynamodb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for n in range(items):
        world.dynamodb.put_item(TableName=name, Item={"id": {"S": f"{name}-{n}"}})
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"


def table_backup(world: World, name: str = "orders", backup_name: str = "nightly") -> str:
    return str(world.dynamodb.create_backup(TableName=name, BackupName=backup_name)["BackupDetails"]["BackupArn"])


def run_import(world: World, resource_arns: list[str] | None, vault: str = "imported") -> Any:
    from lambdas.services.native_backup_import import import_native_backups

    return import_native_backups(world.ctx, vault, resource_arns, T1)


def points_in(world: World, vault: str) -> dict[str, Any]:
    return {p.RecoveryPointArn: p for p in world.ctx.stores.recovery_points.in_vault(vault)[0]}


def restore(world: World, point_arn: str, metadata: dict[str, str]) -> Any:
    from lambdas.domain.jobs import RestoreJobStatus
    from lambdas.services import restore_service

    job = restore_service.start_restore_job(
        world.ctx, {"RecoveryPointArn": point_arn, "Metadata": metadata, "IamRoleArn": ROLE}, T1
    )
    assert world.workflow.started == [job.RestoreJobId]
    running = restore_service.begin_restore(world.ctx, job.RestoreJobId, T1)
    restore_service.poll_restore(world.ctx, job.RestoreJobId)
    done = restore_service.finalize_restore(world.ctx, job.RestoreJobId, RestoreJobStatus.COMPLETED, None, T1)
    assert running.CreatedResourceArn == done.CreatedResourceArn
    return done


# cataloging


def test_given_a_snapshot_and_a_table_backup_made_directly_when_imported_then_both_are_points_in_the_vault(
    world,
) -> None:
    from lambdas.domain.jobs import RecoveryPointCreator
    from lambdas.domain.recovery_points import RecoveryPointStatus

    volume_id, volume_arn = volume(world, gib=8)
    snapshot_id, snapshot_arn = snapshot(world, volume_id)
    table_arn = table(world)
    backup_arn = table_backup(world)

    result = run_import(world, [volume_arn, table_arn])

    assert sorted(result.imported) == sorted([snapshot_arn, backup_arn])
    points = points_in(world, "imported")
    assert set(points) == {snapshot_arn, backup_arn}
    ebs, ddb = points[snapshot_arn], points[backup_arn]
    assert (ebs.ResourceArn, ebs.ResourceType, ebs.ResourceName) == (volume_arn, "EBS", "data")
    assert (ddb.ResourceArn, ddb.ResourceType, ddb.ResourceName) == (table_arn, "DynamoDB", "orders")
    for point in (ebs, ddb):
        assert point.CreatedBy == RecoveryPointCreator()  # no plan made it
        assert point.Lifecycle is None
        assert point.CalculatedLifecycle.DeleteAt is None  # Strongroom never expires what it did not make
        assert point.BackupJobId is None
        assert point.Status == RecoveryPointStatus.COMPLETED
        assert point.BackupVaultName == "imported"
    assert ebs.NativeBackupId == snapshot_id
    assert ebs.BackupSizeInBytes == 8 * 1024**3
    assert ebs.RestoreMetadata["availabilityZone"] == f"{REGION}b"
    assert ddb.NativeBackupId == backup_arn
    assert ddb.RestoreMetadata["originalTableName"] == "orders"
    assert world.ctx.stores.protected.get(volume_arn).LastRecoveryPointArn == snapshot_arn
    # Nothing was copied or moved: the native backups stay usable from their services.
    assert world.ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]["State"] == "completed"
    described = world.dynamodb.describe_backup(BackupArn=backup_arn)["BackupDescription"]["BackupDetails"]
    assert described["BackupStatus"] == "AVAILABLE"
    assert len(world.ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]) == 1


def test_given_an_import_ran_when_it_runs_again_then_nothing_new_is_cataloged(world) -> None:
    volume_id, volume_arn = volume(world)
    snapshot(world, volume_id)
    table_arn = table(world)
    table_backup(world)
    run_import(world, [volume_arn, table_arn])

    again = run_import(world, [volume_arn, table_arn])

    assert again.imported == []
    assert again.already_cataloged == 2
    assert world.ctx.stores.recovery_points.count_in_vault("imported") == 2


def test_given_backups_strongroom_made_when_imported_then_only_the_users_own_are_cataloged(world) -> None:
    from lambdas.resources.base import JOB_TAG
    from tests.integration.builders import recovery_point

    ebs = world.ctx.adapters.for_type("EBS")
    ddb = world.ctx.adapters.for_type("DynamoDB")
    volume_id, volume_arn = volume(world)
    table_arn = table(world)
    ours = ebs.start_backup(volume_arn, "JOB-1", {})
    recorded = recovery_point("ours", vault_name="main", BackupJobId="JOB-1").model_copy(
        update={
            "RecoveryPointArn": ours.recovery_point_arn,
            "NativeBackupId": ours.native_id,
            "ResourceArn": volume_arn,
        }
    )
    world.ctx.stores.recovery_points.create(recorded)
    ebs.start_backup(volume_arn, "JOB-2", {})  # its job has not recorded its point yet: the job's to record
    ddb.start_backup(table_arn, "JOB-3", {})
    _, users_snapshot = snapshot(world, volume_id)
    users_backup = table_backup(world)

    result = run_import(world, [volume_arn, table_arn])

    assert sorted(result.imported) == sorted([users_snapshot, users_backup])
    assert world.ctx.stores.recovery_points.get(ours.recovery_point_arn) == recorded
    tagged = world.ec2.describe_snapshots(Filters=[{"Name": "tag-key", "Values": [JOB_TAG]}])["Snapshots"]
    assert {s["SnapshotId"] for s in tagged}.isdisjoint(p.NativeBackupId for p in points_in(world, "imported").values())


def test_given_snapshots_that_belong_to_an_ami_or_to_aws_backup_when_imported_then_they_are_left_alone(world) -> None:
    volume_id, volume_arn = volume(world)
    snapshot(world, volume_id, "Created by CreateImage(i-0123456789abcdef0) for ami-0123456789abcdef0")
    aws_backup_made = world.ec2.create_snapshot(
        VolumeId=volume_id,
        TagSpecifications=[{"ResourceType": "snapshot", "Tags": [{"Key": "aws:backup:source-resource", "Value": "x"}]}],
    )
    assert aws_backup_made["SnapshotId"]

    result = run_import(world, [volume_arn])

    assert result.imported == []


def test_given_a_backup_cataloged_in_another_vault_when_imported_here_then_it_is_not_taken_twice(world) -> None:
    volume_id, volume_arn = volume(world)
    _, snapshot_arn = snapshot(world, volume_id)
    run_import(world, [volume_arn], vault="main")

    result = run_import(world, [volume_arn], vault="imported")

    assert (result.imported, result.already_cataloged) == ([], 1)
    assert world.ctx.stores.recovery_points.get(snapshot_arn).BackupVaultName == "main"


def test_given_an_imported_point_was_disassociated_when_imported_again_then_it_stays_let_go(world) -> None:
    from lambdas.domain.errors import ResourceNotFoundException
    from lambdas.services import recovery_point_service

    volume_id, volume_arn = volume(world)
    _, snapshot_arn = snapshot(world, volume_id)
    run_import(world, [volume_arn])
    recovery_point_service.disassociate(
        world.ctx, {"RecoveryPointArn": snapshot_arn, "BackupVaultName": "imported"}, T1
    )

    result = run_import(world, [volume_arn])

    assert result.imported == []
    with pytest.raises(ResourceNotFoundException):
        world.ctx.stores.recovery_points.get(snapshot_arn)


def test_given_no_arns_when_imported_then_the_plans_selected_and_already_protected_resources_are_covered(
    world,
) -> None:
    from tests.integration.builders import plan, recovery_point, selection

    selected_id, selected_arn = volume(world, name="selected")
    unrelated_id, _ = volume(world, name="unrelated")
    protected_table = table(world)
    world.ctx.stores.plans.create(plan("plan-1"))
    world.ctx.stores.plans.add_selection(selection("plan-1", "sel-1", [selected_arn]))
    world.ctx.stores.protected.record(
        recovery_point("earlier", vault_name="main").model_copy(
            update={"ResourceArn": protected_table, "ResourceType": "DynamoDB"}
        )
    )
    _, selected_snapshot = snapshot(world, selected_id)
    snapshot(world, unrelated_id)
    users_backup = table_backup(world)

    result = run_import(world, None)

    assert sorted(result.imported) == sorted([selected_snapshot, users_backup])
    assert result.resources == 2


def test_given_fsx_and_storage_gateway_resources_when_imported_then_fsx_lists_its_own_and_the_gateway_says_why_not(
    world,
) -> None:
    from local.storage_gateway_fake import FakeStorageGatewayClient

    file_system_id = world.fsx.create_file_system(FileSystemType="LUSTRE", StorageCapacity=1200, SubnetIds=[SUBNET])[
        "FileSystem"
    ]["FileSystemId"]
    file_system_arn = f"arn:aws:fsx:{REGION}:{ACCOUNT}:file-system/{file_system_id}"
    users_backup = world.fsx.create_backup(FileSystemId=file_system_id)["Backup"]["ResourceARN"]
    assert isinstance(world.sgw, FakeStorageGatewayClient)
    gateway = world.sgw.activate_gateway(
        ActivationKey="AAAAA-BBBBB",
        GatewayName="office",
        GatewayTimezone="GMT",
        GatewayRegion=REGION,
        GatewayType="CACHED",
    )["GatewayARN"]
    interface = world.sgw.describe_gateway_information(GatewayARN=gateway)["GatewayNetworkInterfaces"][0]
    volume_arn = world.sgw.create_cached_iscsi_volume(
        GatewayARN=gateway,
        VolumeSizeInBytes=1024**3,
        TargetName="t",
        NetworkInterfaceId=interface["Ipv4Address"],
        ClientToken="token-1",
    )["VolumeARN"]

    result = run_import(world, [file_system_arn, volume_arn])

    assert result.imported == [users_backup]
    assert points_in(world, "imported")[users_backup].RestoreMetadata["fileSystemType"] == "LUSTRE"
    assert "Storage Gateway" in result.not_listable[volume_arn]


def test_given_one_resource_fails_to_list_when_imported_then_the_others_are_still_cataloged(world) -> None:
    from lambdas.common import aws
    from lambdas.services.native_backup_import import DynamoDbBackups, NativeBackupSource, import_native_backups

    class Throttled:
        def list_native_backups(self, resource_arn: str) -> Any:
            raise RuntimeError("RequestLimitExceeded")

    volume_id, volume_arn = volume(world)
    snapshot(world, volume_id)
    table_arn = table(world)
    users_backup = table_backup(world)

    sources: dict[str, NativeBackupSource] = {
        "EBS": Throttled(),
        "DynamoDB": DynamoDbBackups(lambda: aws.client("dynamodb")),
    }
    result = import_native_backups(world.ctx, "imported", [volume_arn, table_arn], T1, sources=sources)

    assert result.imported == [users_backup]
    assert result.errors == [f"{volume_arn}: RequestLimitExceeded"]


def test_given_resource_types_when_imported_then_only_resources_of_those_types_are_looked_at(world) -> None:
    from lambdas.services.native_backup_import import import_native_backups

    volume_id, volume_arn = volume(world)
    snapshot(world, volume_id)
    table_arn = table(world)
    backup_arn = table_backup(world)

    result = import_native_backups(world.ctx, "imported", [volume_arn, table_arn], T1, resource_types=["DynamoDB"])

    assert (result.resources, result.imported) == (1, [backup_arn])
    assert set(points_in(world, "imported")) == {backup_arn}


# bad inputs


def test_given_a_resource_type_strongroom_does_not_support_when_imported_then_refused_and_nothing_is_written(
    world,
) -> None:
    from lambdas.domain.errors import InvalidParameterValueException
    from lambdas.services.native_backup_import import import_native_backups

    volume_id, volume_arn = volume(world)
    snapshot(world, volume_id)

    with pytest.raises(InvalidParameterValueException, match="Resource type Floppy is not supported"):
        import_native_backups(world.ctx, "imported", [volume_arn], T1, resource_types=["EBS", "Floppy"])
    assert world.ctx.stores.recovery_points.count_in_vault("imported") == 0


def test_given_an_arn_of_an_unsupported_type_when_imported_then_invalid_parameter_and_nothing_is_written(
    world,
) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    volume_id, volume_arn = volume(world)
    snapshot(world, volume_id)

    with pytest.raises(InvalidParameterValueException, match="not supported"):
        run_import(world, [volume_arn, f"arn:aws:sqs:{REGION}:{ACCOUNT}:queue"])
    assert world.ctx.stores.recovery_points.count_in_vault("imported") == 0


def test_given_no_such_vault_when_imported_then_resource_not_found_and_nothing_is_written(world) -> None:
    from lambdas.domain.errors import ResourceNotFoundException

    volume_id, volume_arn = volume(world)
    snapshot(world, volume_id)

    with pytest.raises(ResourceNotFoundException, match="nowhere"):
        run_import(world, [volume_arn], vault="nowhere")
    assert world.ctx.stores.protected.find(volume_arn) is None


# restoring what was imported


def test_given_an_imported_snapshot_when_restored_through_the_restore_steps_then_a_volume_is_made_from_it(
    world,
) -> None:
    from lambdas.domain.jobs import RestoreJobStatus

    volume_id, volume_arn = volume(world, gib=8)
    snapshot_id, snapshot_arn = snapshot(world, volume_id)
    run_import(world, [volume_arn])

    done = restore(world, snapshot_arn, {})

    assert done.Status == RestoreJobStatus.COMPLETED
    restored_id = done.CreatedResourceArn.rsplit("/", 1)[1]
    restored = world.ec2.describe_volumes(VolumeIds=[restored_id])["Volumes"][0]
    assert (restored["SnapshotId"], restored["Size"], restored["AvailabilityZone"]) == (snapshot_id, 8, f"{REGION}b")
    assert world.ctx.stores.recovery_points.get(snapshot_arn).LastRestoreTime == T1


def test_given_an_imported_table_backup_when_restored_then_the_new_table_holds_the_items_backed_up(world) -> None:
    table_arn = table(world, "orders", items=3)
    backup_arn = table_backup(world)
    world.dynamodb.put_item(TableName="orders", Item={"id": {"S": "written-after-the-backup"}})
    run_import(world, [table_arn])

    done = restore(world, backup_arn, {"targetTableName": "orders-restored"})

    assert done.CreatedResourceArn.endswith(":table/orders-restored")
    items = world.dynamodb.scan(TableName="orders-restored")["Items"]
    assert sorted(item["id"]["S"] for item in items) == ["orders-0", "orders-1", "orders-2"]


def test_given_an_imported_fsx_backup_when_restored_then_a_new_file_system_is_made(world) -> None:
    file_system_id = world.fsx.create_file_system(FileSystemType="LUSTRE", StorageCapacity=1200, SubnetIds=[SUBNET])[
        "FileSystem"
    ]["FileSystemId"]
    backup_arn = world.fsx.create_backup(FileSystemId=file_system_id)["Backup"]["ResourceARN"]
    run_import(world, [f"arn:aws:fsx:{REGION}:{ACCOUNT}:file-system/{file_system_id}"])

    done = restore(world, backup_arn, {})

    created_id = done.CreatedResourceArn.rsplit("/", 1)[1]
    assert created_id != file_system_id
    assert world.fsx.describe_file_systems(FileSystemIds=[created_id])["FileSystems"][0]["StorageCapacity"] == 1200
