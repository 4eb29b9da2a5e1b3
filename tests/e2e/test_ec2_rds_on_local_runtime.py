"""EC2 instances, RDS DB instances and Aurora, DocumentDB and Neptune clusters on the local runtime: on-demand
and scheduled backups become recovery points of the right type with their restore metadata, restores run
through the emulated Step Functions workflow and leave a working resource, and expiring a point removes
its native backup (for EC2: the AMI and every snapshot of it).

The emulator keeps no data inside instances or databases, so "working" here means what the emulator can
show: the instance runs from the AMI with the restore's settings, the DB instance or cluster is available
with the backed-up engine. moto cannot make DocumentDB clusters nor restore Neptune snapshots: the local runtime
fills both (local/rds_gaps.py, installed with its other emulator gaps)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lambdas.common import clock
from lambdas.domain.errors import InvalidParameterValueException
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.services import backup_service, lifecycle_service, plan_service, restore_service, vault_service
from local.runtime import LocalRuntime
from tests.e2e.waiting import wait_for_execution, wait_for_restore_job

pytestmark = pytest.mark.e2e
ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/backup"
TYPES = ["EC2", "RDS", "Aurora", "DocumentDB", "Neptune"]
CLUSTER_ENGINES = {
    "Aurora": ("rds", "aurora-postgresql"),
    "DocumentDB": ("docdb", "docdb"),
    "Neptune": ("neptune", "neptune"),
}


# Given: resources of each type, tagged for the plan


def make_ec2(rt: LocalRuntime, name: str) -> str:
    instance = rt.client("ec2").run_instances(
        ImageId="ami-12345678",
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.micro",
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "backup", "Value": "yes"}, {"Key": "Name", "Value": name}]}
        ],
    )["Instances"][0]
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{instance['InstanceId']}"


def make_rds(rt: LocalRuntime, name: str) -> str:
    return str(
        rt.client("rds").create_db_instance(
            DBInstanceIdentifier=name,
            Engine="postgres",
            DBInstanceClass="db.t3.micro",
            AllocatedStorage=20,
            MasterUsername="admin",
            MasterUserPassword="password123",
            Tags=[{"Key": "backup", "Value": "yes"}],
        )["DBInstance"]["DBInstanceArn"]
    )


def make_cluster(resource_type: str) -> Callable[[LocalRuntime, str], str]:
    service, engine = CLUSTER_ENGINES[resource_type]

    def make(rt: LocalRuntime, name: str) -> str:
        request: dict[str, Any] = {
            "DBClusterIdentifier": name,
            "Engine": engine,
            "Tags": [{"Key": "backup", "Value": "yes"}],
        }
        if resource_type != "Neptune":
            request.update(MasterUsername="admin", MasterUserPassword="password123")
        return str(rt.client(service).create_db_cluster(**request)["DBCluster"]["DBClusterArn"])

    return make


MAKERS: dict[str, Callable[[LocalRuntime, str], str]] = {
    "EC2": make_ec2,
    "RDS": make_rds,
    **{kind: make_cluster(kind) for kind in CLUSTER_ENGINES},
}
# What a restore must name that the recorded metadata cannot: a new identifier while the source exists.
RESTORE_OVERRIDES: dict[str, dict[str, str]] = {
    "EC2": {"InstanceType": "t3.small"},
    "RDS": {"DBInstanceIdentifier": "restored"},
    **{kind: {"DBClusterIdentifier": "restored"} for kind in CLUSTER_ENGINES},
}
REQUIRED_KEY = {
    "EC2": "InstanceType",
    "RDS": "DBInstanceIdentifier",
    **dict.fromkeys(CLUSTER_ENGINES, "DBClusterIdentifier"),
}


def create_vault(rt: LocalRuntime) -> None:
    vault_service.create_vault(rt.services(), {"BackupVaultName": "main"}, clock.now())


def protect_tagged(rt: LocalRuntime) -> None:
    ctx = rt.services()
    create_vault(rt)
    rule = {
        "RuleName": "daily",
        "TargetBackupVaultName": "main",
        "ScheduleExpression": "cron(0 5 ? * * *)",
        "Lifecycle": {"DeleteAfterDays": 7},
    }
    plan = plan_service.create_plan(ctx, {"BackupPlan": {"BackupPlanName": "daily", "Rules": [rule]}}, clock.now())
    tags = [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "yes"}]
    plan_service.create_selection(
        ctx,
        plan.BackupPlanId,
        {"BackupSelection": {"SelectionName": "tagged", "IamRoleArn": ROLE, "ListOfTags": tags}},
        clock.now(),
    )


def backup_on_demand(rt: LocalRuntime, resource_arn: str) -> RecoveryPoint:
    ctx = rt.services()
    job = backup_service.start_backup_job(
        ctx, {"BackupVaultName": "main", "ResourceArn": resource_arn, "IamRoleArn": ROLE}, clock.now()
    )
    assert job.State.value == "RUNNING", job.StatusMessage
    rt.advance(timedelta(minutes=30))  # track-jobs runs every 5 minutes
    done = ctx.stores.jobs.get_backup_job(job.BackupJobId)
    assert done.State.value == "COMPLETED", done.StatusMessage
    return ctx.stores.recovery_points.get(done.RecoveryPointArn)


# Then: what the emulator can show of each native backup and each restored resource


def native_backup_exists(rt: LocalRuntime, point: RecoveryPoint) -> bool:
    """For EC2, the AMI or any snapshot of it counts: expiring must remove them all."""
    native = point.NativeBackupId
    if point.ResourceType == "EC2":
        ec2 = rt.client("ec2")
        images = ec2.describe_images(Owners=["self"], Filters=[{"Name": "image-id", "Values": [native]}])["Images"]
        snapshots = ec2.describe_snapshots(
            OwnerIds=["self"], Filters=[{"Name": "description", "Values": [f"*for {native}"]}]
        )["Snapshots"]
        return bool(images or snapshots)
    if point.ResourceType == "RDS":
        snapshots = rt.client("rds").describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
        return native in {s["DBSnapshotIdentifier"] for s in snapshots}
    snapshots = rt.client("rds").describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    return native in {s["DBClusterSnapshotIdentifier"] for s in snapshots}


def assert_working(rt: LocalRuntime, resource_type: str, created_arn: str, point: RecoveryPoint) -> None:
    resource_id = created_arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    if resource_type == "EC2":
        instance = rt.client("ec2").describe_instances(InstanceIds=[resource_id])["Reservations"][0]["Instances"][0]
        assert instance["State"]["Name"] == "running"
        assert instance["ImageId"] == point.NativeBackupId
        assert instance["InstanceType"] == "t3.small"  # the restore's override beat the recorded t3.micro
    elif resource_type == "RDS":
        db = rt.client("rds").describe_db_instances(DBInstanceIdentifier=resource_id)["DBInstances"][0]
        assert (db["DBInstanceStatus"], db["Engine"], db["DBInstanceClass"]) == ("available", "postgres", "db.t3.micro")
    else:
        cluster = rt.client("rds").describe_db_clusters(DBClusterIdentifier=resource_id)["DBClusters"][0]
        assert (cluster["Status"], cluster["Engine"]) == ("available", CLUSTER_ENGINES[resource_type][1])


@pytest.mark.parametrize("resource_type", TYPES)
def test_given_a_resource_when_backed_up_on_demand_restored_and_expired_then_each_step_does_its_native_work(
    runtime: LocalRuntime, resource_type: str
) -> None:
    create_vault(runtime)
    source = MAKERS[resource_type](runtime, "source")

    # When it is backed up on demand
    point = backup_on_demand(runtime, source)

    # Then the recovery point has the type and the metadata a restore needs
    assert (point.ResourceType, point.ResourceArn, point.ResourceName) == (resource_type, source, "source")
    assert point.RestoreMetadata[REQUIRED_KEY[resource_type]]
    if resource_type == "EC2":
        assert point.RecoveryPointArn == f"arn:aws:ec2:{REGION}::image/{point.NativeBackupId}"
        assert point.RestoreMetadata["WindowsVSS"] == "disabled"
        assert point.RestoreMetadata["InstanceType"] == "t3.micro"
    else:
        assert point.RestoreMetadata["Engine"]
    assert native_backup_exists(runtime, point)

    # When a restore leaves out what it must name, then it is refused before any job exists
    ctx = runtime.services()
    key = REQUIRED_KEY[resource_type]
    with pytest.raises(InvalidParameterValueException, match=f"missing: {key}"):
        restore_service.start_restore_job(
            ctx, {"RecoveryPointArn": point.RecoveryPointArn, "Metadata": {key: ""}}, clock.now()
        )
    if resource_type != "EC2":  # the recorded identifier is the source's own, which still exists
        with pytest.raises(InvalidParameterValueException, match="already exists"):
            restore_service.start_restore_job(
                ctx, {"RecoveryPointArn": point.RecoveryPointArn, "Metadata": {}}, clock.now()
            )
    assert ctx.stores.jobs.restore_jobs()[0] == []

    # When it is restored through the Step Functions workflow
    request = {"RecoveryPointArn": point.RecoveryPointArn, "Metadata": RESTORE_OVERRIDES[resource_type]}
    job = restore_service.start_restore_job(ctx, request, clock.now())
    execution = wait_for_execution(runtime, job.ExecutionArn or "")

    # Then the workflow succeeds and the resource it made works
    assert execution["status"] == "SUCCEEDED", execution
    done = ctx.stores.jobs.get_restore_job(job.RestoreJobId)
    assert done.Status.value == "COMPLETED", done.StatusMessage
    assert done.CreatedResourceArn and done.CreatedResourceArn != source
    assert_working(runtime, resource_type, done.CreatedResourceArn, point)
    assert (
        ctx.adapters.for_arn(done.CreatedResourceArn).describe(done.CreatedResourceArn).resource_type == resource_type
    )

    # When the point expires, then its native backup is gone
    expired = lifecycle_service.expire(ctx, ctx.stores.recovery_points.get(point.RecoveryPointArn), clock.now())
    assert expired.StorageClass == "DELETED"
    assert not native_backup_exists(runtime, point)


def test_given_a_tagged_ec2_rds_and_aurora_resource_when_the_plan_fires_then_each_gets_a_point_of_its_type(
    runtime: LocalRuntime,
) -> None:
    protect_tagged(runtime)
    sources = {kind: MAKERS[kind](runtime, f"s-{kind.lower()}") for kind in ("EC2", "RDS", "Aurora")}

    runtime.advance(timedelta(days=1))

    points = runtime.services().stores.recovery_points.in_vault("main")[0]
    assert {p.ResourceArn: p.ResourceType for p in points} == {arn: kind for kind, arn in sources.items()}
    by_type = {p.ResourceType: p for p in points}
    assert by_type["EC2"].RestoreMetadata["WindowsVSS"] == "disabled"
    assert by_type["RDS"].RestoreMetadata["DBInstanceIdentifier"] == "s-rds"
    assert by_type["Aurora"].RestoreMetadata["Engine"] == "aurora-postgresql"
    assert all(p.CreatedBy and p.CreatedBy.BackupPlanId for p in points)
    assert not runtime.scheduler.failures


def test_given_tagged_documentdb_and_neptune_clusters_when_the_plan_fires_then_the_points_carry_their_own_types(
    runtime: LocalRuntime,
) -> None:
    # The cluster ARN alone says "Aurora" for all three engines: the type must come from the cluster itself.
    protect_tagged(runtime)
    sources = {kind: MAKERS[kind](runtime, f"s-{kind.lower()}") for kind in ("DocumentDB", "Neptune")}

    runtime.advance(timedelta(days=1))

    points = runtime.services().stores.recovery_points.in_vault("main")[0]
    assert {p.ResourceArn: p.RestoreMetadata["Engine"] for p in points} == {
        sources["DocumentDB"]: "docdb",
        sources["Neptune"]: "neptune",
    }
    assert {p.ResourceArn: p.ResourceType for p in points} == {arn: kind for kind, arn in sources.items()}


def test_given_an_arn_of_a_type_strongroom_cannot_protect_when_backed_up_then_refused_and_no_job(
    runtime: LocalRuntime,
) -> None:
    create_vault(runtime)
    ctx = runtime.services()
    request = {
        "BackupVaultName": "main",
        "ResourceArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:og:default-postgres-13",
        "IamRoleArn": ROLE,
    }

    with pytest.raises(InvalidParameterValueException, match="rds:og is not supported"):
        backup_service.start_backup_job(ctx, request, clock.now())
    assert ctx.stores.jobs.backup_jobs()[0] == []


@pytest.mark.parametrize("resource_type", ["DocumentDB", "Neptune"])
def test_given_a_documentdb_or_neptune_cluster_when_backed_up_and_restored_through_the_backup_api_then_it_works(
    runtime: LocalRuntime, resource_type: str
) -> None:
    # Given a cluster made through its own service's API, on the local runtime alone (no test patches moto:
    # the runtime fills what moto lacks for these engines)
    backup = runtime.client("backup")
    backup.create_backup_vault(BackupVaultName="clusters")
    source = MAKERS[resource_type](runtime, "graph")
    engine = CLUSTER_ENGINES[resource_type][1]

    # When it is backed up through AWS Backup's API
    job_id = backup.start_backup_job(BackupVaultName="clusters", ResourceArn=source, IamRoleArn=ROLE)["BackupJobId"]
    runtime.advance(timedelta(minutes=30))

    # Then the job completes with a point of the cluster's own type, a manual cluster snapshot
    job = backup.describe_backup_job(BackupJobId=job_id)
    assert (job["State"], job["ResourceType"]) == ("COMPLETED", resource_type), job.get("StatusMessage")
    point_arn = job["RecoveryPointArn"]
    assert point_arn.startswith(f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster-snapshot:")
    point = backup.describe_recovery_point(BackupVaultName="clusters", RecoveryPointArn=point_arn)
    assert (point["ResourceType"], point["ResourceArn"], point["Status"]) == (resource_type, source, "COMPLETED")
    metadata = backup.get_recovery_point_restore_metadata(BackupVaultName="clusters", RecoveryPointArn=point_arn)
    assert metadata["RestoreMetadata"]["Engine"] == engine

    # When a restore would take the source's own name, then AWS Backup's error and no job
    with pytest.raises(ClientError, match="already exists") as error:
        backup.start_restore_job(RecoveryPointArn=point_arn, Metadata={}, IamRoleArn=ROLE)
    assert error.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert backup.list_restore_jobs()["RestoreJobs"] == []

    # When it is restored under a new name through the Step Functions workflow
    restore_job_id = backup.start_restore_job(
        RecoveryPointArn=point_arn, Metadata={"DBClusterIdentifier": "graph-restored"}, IamRoleArn=ROLE
    )["RestoreJobId"]
    restored = wait_for_restore_job(backup, restore_job_id)

    # Then a new cluster of the same engine is available
    assert restored["Status"] == "COMPLETED", restored.get("StatusMessage")
    assert restored["CreatedResourceArn"] == f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:graph-restored"
    cluster = runtime.client("rds").describe_db_clusters(DBClusterIdentifier="graph-restored")["DBClusters"][0]
    assert (cluster["Status"], cluster["Engine"]) == ("available", engine)

    # When the point is deleted through the API, then its cluster snapshot is gone
    backup.delete_recovery_point(BackupVaultName="clusters", RecoveryPointArn=point_arn)
    snapshots = runtime.client("rds").describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    assert point_arn not in {s["DBClusterSnapshotArn"] for s in snapshots}
