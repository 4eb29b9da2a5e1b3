"""The lifecycle run on real adapters over moto and a memory store: an EBS point moves to the snapshot archive
tier and still restores (the snapshot is restored from the archive first), and expiry never deletes a snapshot
that something else still needs: an AMI registered from it, or a live EBS recovery point that refers to one of
an AMI's snapshots.

What moto does today: DeleteSnapshot of a snapshot CreateImage made for a registered AMI raises
InvalidSnapshot.InUse (AWS raises it for any snapshot a registered AMI uses), and once the AMI is
deregistered the snapshot can be deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
import pytest

from tests.integration.builders import ACCOUNT, KEY, REGION, ROLE, T0


@dataclass
class World:
    ctx: Any
    ec2: Any


@pytest.fixture
def world() -> World:
    from lambdas.common import aws
    from lambdas.resources.ebs.adapter import EbsAdapter
    from lambdas.resources.ec2.adapter import Ec2Adapter
    from lambdas.resources.registry import AdapterRegistry
    from lambdas.services.context import ServiceContext
    from lambdas.services.vault_service import create_vault
    from lambdas.store.memory_table import MemoryTable
    from lambdas.store.stores import Stores
    from tests.fakes import FakeEbs, FakeResolver, RecordingEvents, RecordingWorkflow

    registry = AdapterRegistry(
        [EbsAdapter(lambda: aws.client("ec2"), REGION, ACCOUNT), Ec2Adapter(lambda: aws.client("ec2"), REGION, ACCOUNT)]
    )
    ctx = ServiceContext(
        account=ACCOUNT,
        region=REGION,
        default_key_arn=KEY,
        stores=Stores.over(MemoryTable()),
        adapters=registry,
        events=RecordingEvents(),
        resolver=FakeResolver(FakeEbs()),
        restore_workflow=RecordingWorkflow(),
    )
    create_vault(ctx, {"BackupVaultName": "main"}, T0)
    return World(ctx=ctx, ec2=boto3.client("ec2", region_name=REGION))


def record(world: World, arn: str, resource_type: str, native_id: str, resource_arn: str, delete_days: int) -> Any:
    """A recovery point in the store, as a job or the native backup import records one."""
    from lambdas.domain.lifecycle import CalculatedLifecycle
    from lambdas.domain.recovery_points import RecoveryPoint

    vault = world.ctx.stores.vaults.get("main")
    point = RecoveryPoint(
        RecoveryPointArn=arn,
        BackupVaultName="main",
        BackupVaultArn=vault.BackupVaultArn,
        ResourceArn=resource_arn,
        ResourceType=resource_type,
        CreationDate=T0,
        CalculatedLifecycle=CalculatedLifecycle(DeleteAt=T0 + timedelta(days=delete_days)),
        NativeBackupId=native_id,
    )
    assert world.ctx.stores.recovery_points.create(point)
    return point


def ami_and_its_snapshot_point(world: World, ami_days: int, snapshot_days: int) -> tuple[Any, Any]:
    """Given an EC2 recovery point (an AMI, kept `ami_days`) and an EBS recovery point that refers to the AMI's
    snapshot (kept `snapshot_days`), as a catalog of that snapshot would make."""
    instance_id = world.ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    instance_arn = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{instance_id}"
    ami = world.ctx.adapters.for_type("EC2").start_backup(instance_arn, "JOB-AMI", {})
    mappings = world.ec2.describe_images(ImageIds=[ami.native_id])["Images"][0]["BlockDeviceMappings"]
    (snapshot_id,) = [m["Ebs"]["SnapshotId"] for m in mappings if "Ebs" in m]
    ec2_point = record(world, ami.recovery_point_arn, "EC2", ami.native_id, instance_arn, ami_days)
    volume_arn = f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-0123456789abcdef0"
    snapshot_arn = f"arn:aws:ec2:{REGION}::snapshot/{snapshot_id}"
    ebs_point = record(world, snapshot_arn, "EBS", snapshot_id, volume_arn, snapshot_days)
    return ec2_point, ebs_point


def exists(world: World, *, image: str | None = None, snapshot: str | None = None) -> bool:
    if image is not None:
        return bool(world.ec2.describe_images(Filters=[{"Name": "image-id", "Values": [image]}])["Images"])
    found = world.ec2.describe_snapshots(OwnerIds=["self"], Filters=[{"Name": "snapshot-id", "Values": [snapshot]}])
    return bool(found["Snapshots"])


def current(world: World, point: Any) -> Any:
    return world.ctx.stores.recovery_points.find(point.RecoveryPointArn)


def test_given_an_ebs_point_on_an_amis_snapshot_when_it_expires_first_then_the_ami_keeps_working(world: World) -> None:
    from lambdas.services.lifecycle_service import run_lifecycle

    # Given an AMI kept 30 days and an EBS point on its snapshot kept 10
    ec2_point, ebs_point = ami_and_its_snapshot_point(world, ami_days=30, snapshot_days=10)
    day_10 = T0 + timedelta(days=10, hours=1)

    # When the EBS point's retention ends
    first = run_lifecycle(world.ctx, day_10)

    # Then the snapshot stays (the registered AMI uses it), and the point waits, EXPIRED, not deleted
    assert first.failed == [ebs_point.RecoveryPointArn] and first.deleted == []
    assert exists(world, image=ec2_point.NativeBackupId) and exists(world, snapshot=ebs_point.NativeBackupId)
    waiting = current(world, ebs_point)
    assert (waiting.Status.value, waiting.StorageClass) == ("EXPIRED", "WARM")
    assert "in use" in (waiting.StatusMessage or "")

    # When the AMI's retention ends: the AMI goes, the snapshot the waiting point refers to is released to it
    day_30 = T0 + timedelta(days=30, hours=1)
    second = run_lifecycle(world.ctx, day_30)
    assert ec2_point.RecoveryPointArn in second.deleted
    assert not exists(world, image=ec2_point.NativeBackupId) and exists(world, snapshot=ebs_point.NativeBackupId)

    # And the EBS point's next try deletes the snapshot: both points are gone, and nothing is left behind
    third = run_lifecycle(world.ctx, day_30 + timedelta(days=1))
    assert third.deleted == [ebs_point.RecoveryPointArn]
    assert not exists(world, snapshot=ebs_point.NativeBackupId)
    assert (current(world, ec2_point).StorageClass, current(world, ebs_point).StorageClass) == ("DELETED", "DELETED")


def test_given_a_live_ebs_point_on_an_amis_snapshot_when_the_ami_expires_then_the_snapshot_is_kept_for_it(
    world: World,
) -> None:
    from lambdas.services.lifecycle_service import run_lifecycle

    # Given an AMI kept 10 days and an EBS point on its snapshot kept 60
    ec2_point, ebs_point = ami_and_its_snapshot_point(world, ami_days=10, snapshot_days=60)

    # When the AMI's retention ends
    result = run_lifecycle(world.ctx, T0 + timedelta(days=10, hours=1))

    # Then the AMI is gone but the snapshot the live EBS point needs is not, and it still restores
    assert result.deleted == [ec2_point.RecoveryPointArn]
    assert not exists(world, image=ec2_point.NativeBackupId)
    assert exists(world, snapshot=ebs_point.NativeBackupId)
    restored = world.ctx.adapters.for_type("EBS").start_restore(
        ebs_point.NativeBackupId, "RESTORE-1", {"availabilityZone": f"{REGION}a"}
    )
    assert world.ec2.describe_volumes(VolumeIds=[restored.native_id])["Volumes"][0]["SnapshotId"] == (
        ebs_point.NativeBackupId
    )

    # And at the EBS point's own deletion date the snapshot goes with it
    assert run_lifecycle(world.ctx, T0 + timedelta(days=60, hours=1)).deleted == [ebs_point.RecoveryPointArn]
    assert not exists(world, snapshot=ebs_point.NativeBackupId)


def test_given_a_volume_point_due_for_cold_storage_when_lifecycle_runs_then_its_snapshot_is_archived_and_restores(
    world: World,
) -> None:
    from lambdas.services import backup_service, restore_service
    from lambdas.services.lifecycle_service import run_lifecycle
    from lambdas.services.tracking_service import track_jobs

    # Given a volume backed up on demand, to cold storage after 10 days and deleted after 100
    volume_id = world.ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8)["VolumeId"]
    request = {
        "BackupVaultName": "main",
        "ResourceArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{volume_id}",
        "IamRoleArn": ROLE,
        "Lifecycle": {"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 100},
    }
    job = backup_service.start_backup_job(world.ctx, request, T0)
    track_jobs(world.ctx, T0 + timedelta(minutes=5))
    snapshot_id = job.NativeBackupId

    # When the lifecycle runs after the move date
    result = run_lifecycle(world.ctx, T0 + timedelta(days=10, hours=1))

    # Then the snapshot is in the EBS archive tier and the point is COLD
    assert result.moved_to_cold == [job.RecoveryPointArn]
    (snapshot,) = world.ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"]
    assert snapshot["StorageTier"] == "archive"
    assert world.ctx.stores.recovery_points.get(job.RecoveryPointArn or "").StorageClass == "COLD"

    # When it is restored, the snapshot is first restored from the archive tier, then a volume is made of it
    restore = restore_service.start_restore_job(
        world.ctx, {"RecoveryPointArn": job.RecoveryPointArn, "Metadata": {}}, T0 + timedelta(days=11)
    )
    running = restore_service.begin_restore(world.ctx, restore.RestoreJobId, T0 + timedelta(days=11))
    (status,) = world.ec2.describe_snapshot_tier_status(Filters=[{"Name": "snapshot-id", "Values": [snapshot_id]}])[
        "SnapshotTierStatuses"
    ]
    assert status["LastTieringOperationStatus"] == "temporary-restore-completed"
    made = world.ec2.describe_volumes(VolumeIds=[running.NativeRestoreId])["Volumes"][0]
    assert made["SnapshotId"] == snapshot_id
