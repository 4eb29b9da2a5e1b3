"""Backups services made themselves become recovery points: EBS snapshots and DynamoDB backups made directly
(and FSx backups, AMIs, RDS DB snapshots and Aurora cluster snapshots, through their adapters' own listings)
are cataloged in a vault without copying, once, under the ARN and native id the adapter gives its own
backups, and restore through the ordinary restore steps. The engine runs on real adapters over moto, a
memory store and the in-process Storage Gateway fake."""

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
    rds: Any


@pytest.fixture
def world() -> World:
    from lambdas.common import aws
    from lambdas.resources.dynamodb.adapter import DynamoDbAdapter
    from lambdas.resources.ebs.adapter import EbsAdapter
    from lambdas.resources.ec2.adapter import Ec2Adapter
    from lambdas.resources.fsx.adapter import FsxAdapter
    from lambdas.resources.rds.adapter import RdsAdapter
    from lambdas.resources.rds_family.clusters import RdsClusterAdapter
    from lambdas.resources.registry import AdapterRegistry
    from lambdas.resources.storage_gateway.adapter import StorageGatewayAdapter
    from lambdas.services.context import ServiceContext
    from lambdas.services.selection_resolver import SelectionResolver
    from lambdas.services.vault_service import create_vault
    from lambdas.store.memory_table import MemoryTable
    from lambdas.store.stores import Stores
    from local.fakes.fsx import MotoFsxGaps
    from local.fakes.storagegateway import FakeStorageGatewayBackend, FakeStorageGatewayClient
    from tests.fakes import RecordingEvents, RecordingWorkflow

    sgw = FakeStorageGatewayClient(FakeStorageGatewayBackend(REGION, ACCOUNT), lambda: aws.client("ec2"))
    registry = AdapterRegistry(
        [
            EbsAdapter(lambda: aws.client("ec2"), REGION, ACCOUNT),
            DynamoDbAdapter(lambda: aws.client("dynamodb"), REGION, ACCOUNT),
            FsxAdapter(lambda: MotoFsxGaps(aws.client("fsx")), REGION, ACCOUNT),
            StorageGatewayAdapter(lambda: sgw, lambda: aws.client("ec2"), REGION, ACCOUNT),
            Ec2Adapter(lambda: aws.client("ec2"), REGION, ACCOUNT),
            RdsAdapter(lambda: aws.client("rds"), REGION, ACCOUNT),
            RdsClusterAdapter("Aurora", lambda: aws.client("rds"), REGION, ACCOUNT, owns_cluster_arns=True),
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
        rds=boto3.client("rds", region_name=REGION),
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


def instance(world: World, name: str = "web") -> tuple[str, str]:
    instance_id = world.ec2.run_instances(
        ImageId="ami-12345678",
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.small",
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}],
    )["Instances"][0]["InstanceId"]
    return instance_id, f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{instance_id}"


def ami(world: World, instance_id: str, name: str = "before-upgrade") -> tuple[str, str]:
    image_id = world.ec2.create_image(InstanceId=instance_id, Name=name, NoReboot=True)["ImageId"]
    return image_id, f"arn:aws:ec2:{REGION}::image/{image_id}"


def db_instance(world: World, name: str = "orders") -> str:
    return str(
        world.rds.create_db_instance(
            DBInstanceIdentifier=name,
            Engine="postgres",
            DBInstanceClass="db.t3.micro",
            AllocatedStorage=20,
            MasterUsername="admin",
            MasterUserPassword="password123",
        )["DBInstance"]["DBInstanceArn"]
    )


def db_snapshots(world: World, instance: str, snapshot_type: str) -> dict[str, str]:
    """Identifier -> ARN of the instance's snapshots of a type (moto's RDS takes an automated one at creation)."""
    found = world.rds.describe_db_snapshots(DBInstanceIdentifier=instance, SnapshotType=snapshot_type)["DBSnapshots"]
    return {snapshot["DBSnapshotIdentifier"]: snapshot["DBSnapshotArn"] for snapshot in found}


def aurora_cluster(world: World, name: str = "shop") -> str:
    return str(
        world.rds.create_db_cluster(
            DBClusterIdentifier=name,
            Engine="aurora-postgresql",
            MasterUsername="admin",
            MasterUserPassword="password123",
        )["DBCluster"]["DBClusterArn"]
    )


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
    from local.fakes.storagegateway import FakeStorageGatewayClient

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


def test_given_an_ami_and_db_snapshots_made_directly_when_imported_then_they_are_points_as_their_adapters_make_them(
    world,
) -> None:
    from lambdas.domain.jobs import RecoveryPointCreator

    # Given an instance with an AMI made by hand, and one Strongroom made; another instance with its own AMI
    instance_id, instance_arn = instance(world)
    image_id, image_arn = ami(world, instance_id)
    ours = world.ctx.adapters.for_type("EC2").start_backup(instance_arn, "JOB-1", {})
    other_id, _ = instance(world, "other")
    _, unrelated_image = ami(world, other_id, "other-instance")
    # And a DB instance with a manual snapshot (and RDS's automated one); another instance's snapshot
    db_arn = db_instance(world)
    world.rds.create_db_snapshot(DBInstanceIdentifier="orders", DBSnapshotIdentifier="before-migration")
    db_instance(world, "billing")
    world.rds.create_db_snapshot(DBInstanceIdentifier="billing", DBSnapshotIdentifier="billing-by-hand")
    # And an Aurora cluster with a manual cluster snapshot
    cluster_arn = aurora_cluster(world)
    cluster_snapshot = world.rds.create_db_cluster_snapshot(
        DBClusterIdentifier="shop", DBClusterSnapshotIdentifier="before-reload"
    )["DBClusterSnapshot"]["DBClusterSnapshotArn"]

    # When the instance, the DB instance and the cluster are imported
    result = run_import(world, [instance_arn, db_arn, cluster_arn])

    # Then the AMI made by hand, both DB snapshots and the cluster's snapshots are points, nothing else
    manual, automated = db_snapshots(world, "orders", "manual"), db_snapshots(world, "orders", "automated")
    (automated_id,) = automated
    cluster_automated = {
        s["DBClusterSnapshotArn"]
        for s in world.rds.describe_db_cluster_snapshots(DBClusterIdentifier="shop", SnapshotType="automated")[
            "DBClusterSnapshots"
        ]
    }
    expected = {image_arn, manual["before-migration"], automated[automated_id], cluster_snapshot, *cluster_automated}
    assert set(result.imported) == expected
    assert result.errors == [] and result.not_listable == {}
    points = points_in(world, "imported")
    assert set(points) == expected
    assert ours.recovery_point_arn not in points and unrelated_image not in points
    assert not any("billing" in arn for arn in points)
    # Under the very ARN and native id each adapter gives its own backups
    image_point = points[image_arn]
    assert (image_point.NativeBackupId, image_point.ResourceArn) == (image_id, instance_arn)
    assert (image_point.ResourceType, image_point.ResourceName) == ("EC2", "web")
    assert image_point.RestoreMetadata["InstanceType"] == "t3.small"
    assert image_point.BackupSizeInBytes == world.ctx.adapters.for_type("EC2").backup_status(image_id).size_bytes
    manual_point, automated_point = points[manual["before-migration"]], points[automated[automated_id]]
    assert (manual_point.NativeBackupId, automated_point.NativeBackupId) == ("before-migration", automated_id)
    for point in (manual_point, automated_point):
        assert (point.ResourceArn, point.ResourceType, point.ResourceName) == (db_arn, "RDS", "orders")
        assert point.RestoreMetadata["DBInstanceIdentifier"] == "orders"
        assert point.RestoreMetadata["DBInstanceClass"] == "db.t3.micro"
    cluster_point = points[cluster_snapshot]
    assert (cluster_point.NativeBackupId, cluster_point.ResourceArn) == ("before-reload", cluster_arn)
    assert cluster_point.ResourceType == "Aurora"
    assert cluster_point.RestoreMetadata["Engine"] == "aurora-postgresql"
    for point in points.values():
        assert point.CreatedBy == RecoveryPointCreator()
        assert point.Lifecycle is None
    assert world.ctx.stores.protected.get(instance_arn).ResourceType == "EC2"
    # And nothing was copied or changed: the AMI keeps its snapshots untagged, one AMI more than before is none
    snapshot_id = world.ec2.describe_images(ImageIds=[image_id])["Images"][0]["BlockDeviceMappings"][0]["Ebs"]
    assert world.ec2.describe_snapshots(SnapshotIds=[snapshot_id["SnapshotId"]])["Snapshots"][0].get("Tags", []) == []
    assert len(world.ec2.describe_images(Owners=["self"])["Images"]) == 3


def test_given_amis_and_db_snapshots_imported_when_imported_again_then_nothing_is_cataloged_twice(world) -> None:
    instance_id, instance_arn = instance(world)
    ami(world, instance_id)
    db_arn = db_instance(world)
    world.rds.create_db_snapshot(DBInstanceIdentifier="orders", DBSnapshotIdentifier="before-migration")
    first = run_import(world, [instance_arn, db_arn])

    again = run_import(world, [instance_arn, db_arn])

    assert len(first.imported) == 3  # the AMI, the manual and the automated DB snapshot
    assert (again.imported, again.already_cataloged) == ([], 3)
    assert world.ctx.stores.recovery_points.count_in_vault("imported") == 3


def test_given_an_ami_claimed_by_tag_when_imported_then_it_is_the_instances_and_an_unclaimed_one_is_not(
    world,
) -> None:
    from lambdas.resources.base import SOURCE_TAG

    _, instance_arn = instance(world)
    claimed = world.ec2.register_image(Name="registered-from-snapshots", RootDeviceName="/dev/sda1")["ImageId"]
    world.ec2.create_tags(Resources=[claimed], Tags=[{"Key": SOURCE_TAG, "Value": instance_arn}])
    world.ec2.register_image(Name="nobody-says-whose", RootDeviceName="/dev/sda1")

    result = run_import(world, [instance_arn])

    assert result.imported == [f"arn:aws:ec2:{REGION}::image/{claimed}"]


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


def test_given_an_imported_ami_when_restored_through_the_restore_steps_then_an_instance_is_launched_from_it(
    world,
) -> None:
    from lambdas.domain.jobs import RestoreJobStatus

    instance_id, instance_arn = instance(world)
    image_id, image_arn = ami(world, instance_id)
    run_import(world, [instance_arn])

    done = restore(world, image_arn, {})

    assert done.Status == RestoreJobStatus.COMPLETED
    restored_id = done.CreatedResourceArn.rsplit("/", 1)[1]
    assert restored_id != instance_id
    restored = world.ec2.describe_instances(InstanceIds=[restored_id])["Reservations"][0]["Instances"][0]
    assert (restored["ImageId"], restored["InstanceType"]) == (image_id, "t3.small")
    assert world.ctx.stores.recovery_points.get(image_arn).LastRestoreTime == T1


@pytest.mark.parametrize("snapshot_type", ["manual", "automated"])
def test_given_an_imported_db_snapshot_when_restored_then_a_new_db_instance_is_made_from_it(
    world, snapshot_type
) -> None:
    from lambdas.domain.jobs import RestoreJobStatus

    db_arn = db_instance(world)
    world.rds.create_db_snapshot(DBInstanceIdentifier="orders", DBSnapshotIdentifier="before-migration")
    run_import(world, [db_arn])
    ((snapshot_id, snapshot_arn),) = db_snapshots(world, "orders", snapshot_type).items()  # one of each type

    done = restore(world, snapshot_arn, {"DBInstanceIdentifier": "orders-restored"})

    assert done.Status == RestoreJobStatus.COMPLETED
    restored = world.rds.describe_db_instances(DBInstanceIdentifier="orders-restored")["DBInstances"][0]
    assert done.CreatedResourceArn == restored["DBInstanceArn"]
    assert (restored["Engine"], restored["DBInstanceClass"]) == ("postgres", "db.t3.micro")
    assert world.ctx.stores.recovery_points.get(snapshot_arn).NativeBackupId == snapshot_id


def test_given_an_imported_cluster_snapshot_when_restored_then_a_new_aurora_cluster_is_made_from_it(world) -> None:
    cluster_arn = aurora_cluster(world)
    snapshot_arn = world.rds.create_db_cluster_snapshot(
        DBClusterIdentifier="shop", DBClusterSnapshotIdentifier="before-reload"
    )["DBClusterSnapshot"]["DBClusterSnapshotArn"]
    run_import(world, [cluster_arn])

    done = restore(world, snapshot_arn, {"DBClusterIdentifier": "shop-restored"})

    restored = world.rds.describe_db_clusters(DBClusterIdentifier="shop-restored")["DBClusters"][0]
    assert done.CreatedResourceArn == restored["DBClusterArn"]
    assert restored["Engine"] == "aurora-postgresql"


# deleting what was imported


def test_given_an_imported_ami_when_its_point_is_deleted_then_the_ami_and_its_snapshots_go_as_a_jobs_would(
    world,
) -> None:
    from lambdas.services import recovery_point_service

    instance_id, instance_arn = instance(world)
    image_id, image_arn = ami(world, instance_id)
    run_import(world, [instance_arn])

    deleted = recovery_point_service.delete(
        world.ctx, {"RecoveryPointArn": image_arn, "BackupVaultName": "imported"}, T1
    )

    assert deleted.StorageClass == "DELETED"
    assert world.ec2.describe_images(Owners=["self"], ImageIds=[image_id])["Images"] == []
    made_for_it = [{"Name": "description", "Values": [f"Created by CreateImage(*) for {image_id}"]}]
    assert world.ec2.describe_snapshots(OwnerIds=["self"], Filters=made_for_it)["Snapshots"] == []


def test_given_an_imported_automated_db_snapshot_when_its_point_is_deleted_then_refused_while_rds_keeps_it(
    world,
) -> None:
    from lambdas.resources.base import NativeBackupInUse
    from lambdas.services import recovery_point_service

    db_arn = db_instance(world)
    run_import(world, [db_arn])
    ((snapshot_id, snapshot_arn),) = db_snapshots(world, "orders", "automated").items()
    request = {"RecoveryPointArn": snapshot_arn, "BackupVaultName": "imported"}

    with pytest.raises(NativeBackupInUse, match="RDS deletes it itself"):
        recovery_point_service.delete(world.ctx, request, T1)
    assert world.ctx.stores.recovery_points.get(snapshot_arn).StorageClass != "DELETED"
    assert snapshot_id in db_snapshots(world, "orders", "automated")

    world.rds.delete_db_snapshot(DBSnapshotIdentifier=snapshot_id)  # RDS's retention period ends
    assert recovery_point_service.delete(world.ctx, request, T1).StorageClass == "DELETED"
