"""The RDS adapters against moto's RDS: DB instances are backed up as manual DB snapshots and restored as new
instances; Aurora, DocumentDB and Neptune clusters as manual cluster snapshots restored as new clusters.

All three cluster types share one ARN form (arn:aws:rds:...:cluster:name), which the registry hands to the
Aurora adapter; describe() reads the engine to tell which type a cluster is.

moto gaps met here, filled by `local.rds_gaps` (which the local runtime installs too) and nowhere in the
adapters: moto 5.2 refuses Engine="docdb" in CreateDBCluster, and its RestoreDBClusterFromSnapshot fails for a
cluster made without a master password (every Neptune cluster). And one the adapter itself covers: moto's
RestoreDBClusterFromSnapshot silently replaces a cluster of the same name, so the adapter refuses an existing
DBClusterIdentifier before calling it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from local import rds_gaps
from tests.integration.builders import ACCOUNT, REGION

GIB = 1024**3
JOB_TAG = "strongroom:backup-job-id"
RESTORE_TAG = "strongroom:restore-job-id"


@pytest.fixture(autouse=True)
def cluster_gaps_filled() -> Iterator[None]:
    with rds_gaps.PATCHES.applied():
        yield


@pytest.fixture
def rds() -> Any:
    return boto3.client("rds", region_name=REGION)


def rds_adapter() -> Any:
    from lambdas.common import aws
    from lambdas.resources.rds.adapter import RdsAdapter

    return RdsAdapter(lambda: aws.client("rds"), REGION, ACCOUNT)


def cluster_adapter(resource_type: str = "Aurora") -> Any:
    from lambdas.common import aws
    from lambdas.resources.rds_family.clusters import RdsClusterAdapter

    return RdsClusterAdapter(
        resource_type, lambda: aws.client("rds"), REGION, ACCOUNT, owns_cluster_arns=resource_type == "Aurora"
    )


def registry() -> Any:
    from lambdas.common import aws
    from lambdas.resources.catalog import build_adapters
    from lambdas.resources.registry import AdapterRegistry

    return AdapterRegistry(build_adapters(lambda service: lambda: aws.client(service), REGION, ACCOUNT))


def make_instance(rds: Any, name: str = "orders", **extra: Any) -> str:
    request: dict[str, Any] = {
        "DBInstanceIdentifier": name,
        "Engine": "postgres",
        "DBInstanceClass": "db.t3.micro",
        "AllocatedStorage": 20,
        "MasterUsername": "admin",
        "MasterUserPassword": "password123",
        **extra,
    }
    return str(boto3.client("rds", region_name=REGION).create_db_instance(**request)["DBInstance"]["DBInstanceArn"])


# The three cluster types, each made through its own service's API (DocumentDB and Neptune share RDS's).
ENGINES = {"Aurora": ("rds", "aurora-postgresql"), "DocumentDB": ("docdb", "docdb"), "Neptune": ("neptune", "neptune")}


def make_cluster(resource_type: str, name: str, tags: dict[str, str] | None = None, **extra: Any) -> str:
    service, engine = ENGINES[resource_type]
    request: dict[str, Any] = {"DBClusterIdentifier": name, "Engine": engine, **extra}
    if resource_type != "Neptune":
        request.update(MasterUsername="admin", MasterUserPassword="password123")
    if tags:
        request["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    cluster = boto3.client(service, region_name=REGION).create_db_cluster(**request)["DBCluster"]
    return str(cluster["DBClusterArn"])


def tags_of(resource: dict[str, Any]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in resource.get("TagList", [])}


# ---------------------------------------------------------------- RDS DB instances


def test_given_a_tagged_encrypted_db_instance_when_described_then_name_tags_size_and_key_are_reported(rds) -> None:
    key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    arn = make_instance(rds, Tags=[{"Key": "team", "Value": "shop"}], StorageEncrypted=True, KmsKeyId=key)

    info = rds_adapter().describe(arn)

    assert (info.arn, info.resource_type, info.name) == (arn, "RDS", "orders")
    assert info.tags == {"team": "shop"}
    assert info.size_bytes == 20 * GIB
    assert info.is_encrypted is True
    assert info.encryption_key_arn == key


def test_given_no_such_db_instance_when_described_then_resource_not_found() -> None:
    from lambdas.domain.errors import ResourceNotFoundException

    with pytest.raises(ResourceNotFoundException, match="db:missing"):
        rds_adapter().describe(f"arn:aws:rds:{REGION}:{ACCOUNT}:db:missing")


def test_given_a_standalone_instance_and_an_aurora_member_when_listed_then_only_the_standalone_one(rds) -> None:
    arn = make_instance(rds)
    make_cluster("Aurora", "shop")
    rds.create_db_instance(
        DBInstanceIdentifier="shop-1",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r5.large",
        DBClusterIdentifier="shop",
    )

    assert [info.arn for info in rds_adapter().list_resources()] == [arn]


def test_given_a_tagged_instance_when_the_tagging_api_is_asked_with_the_filter_then_its_arn_comes_back(rds) -> None:
    arn = make_instance(rds, Tags=[{"Key": "backup", "Value": "yes"}])
    tagging = boto3.client("resourcegroupstaggingapi", region_name=REGION)

    found = tagging.get_resources(
        ResourceTypeFilters=[rds_adapter().tagging_filter], TagFilters=[{"Key": "backup", "Values": ["yes"]}]
    )["ResourceTagMappingList"]

    assert [mapping["ResourceARN"] for mapping in found] == [arn]
    assert registry().for_arn(arn).resource_type == "RDS"


def test_given_an_instance_when_a_backup_starts_then_a_manual_snapshot_named_and_tagged_with_the_job_exists(
    rds,
) -> None:
    arn = make_instance(rds)

    backup = rds_adapter().start_backup(arn, "7F0C-JOB-1", {"owner": "team-a", "aws:backup:source-resource": arn})

    assert backup.native_id == "strongroom-7f0c-job-1"
    snapshot = rds.describe_db_snapshots(DBSnapshotIdentifier=backup.native_id)["DBSnapshots"][0]
    assert backup.recovery_point_arn == snapshot["DBSnapshotArn"]
    assert snapshot["SnapshotType"] == "manual"
    assert snapshot["DBInstanceIdentifier"] == "orders"
    assert tags_of(snapshot) == {"owner": "team-a", "strongroom:backup:source-resource": arn, JOB_TAG: "7F0C-JOB-1"}


def test_given_a_backup_made_by_a_crashed_attempt_when_the_job_is_retried_then_it_is_adopted(rds) -> None:
    arn = make_instance(rds)
    first = rds_adapter().start_backup(arn, "JOB-1", {})

    assert rds_adapter().find_backup(arn, "JOB-1") == first
    assert rds_adapter().find_backup(arn, "JOB-2") is None
    assert rds_adapter().start_backup(arn, "JOB-1", {}) == first  # the name is taken: the snapshot is adopted
    assert len(rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]) == 1


def test_given_an_aurora_member_instance_when_a_backup_starts_then_refused_toward_its_cluster(rds) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    make_cluster("Aurora", "shop")
    member = rds.create_db_instance(
        DBInstanceIdentifier="shop-1",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r5.large",
        DBClusterIdentifier="shop",
    )["DBInstance"]["DBInstanceArn"]

    with pytest.raises(InvalidParameterValueException, match="belongs to the cluster shop"):
        rds_adapter().start_backup(member, "JOB-1", {})
    assert rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"] == []


def test_given_no_such_instance_when_a_backup_starts_then_resource_not_found() -> None:
    from lambdas.domain.errors import ResourceNotFoundException

    with pytest.raises(ResourceNotFoundException):
        rds_adapter().start_backup(f"arn:aws:rds:{REGION}:{ACCOUNT}:db:missing", "JOB-1", {})


def test_given_a_snapshot_when_its_status_is_read_then_completed_with_the_allocated_size(rds) -> None:
    from lambdas.resources.base import Phase

    backup = rds_adapter().start_backup(make_instance(rds, AllocatedStorage=50), "JOB-1", {})

    progress = rds_adapter().backup_status(backup.native_id)

    assert (progress.phase, progress.percent_done, progress.size_bytes) == (Phase.COMPLETED, "100.0", 50 * GIB)


def test_given_a_snapshot_when_deleted_twice_then_it_is_gone_and_its_status_failed(rds) -> None:
    from lambdas.resources.base import Phase

    arn = make_instance(rds)
    backup = rds_adapter().start_backup(arn, "JOB-1", {})

    rds_adapter().delete_backup(backup.native_id)
    rds_adapter().delete_backup(backup.native_id)

    assert rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"] == []
    assert rds_adapter().find_backup(arn, "JOB-1") is None
    assert rds_adapter().backup_status(backup.native_id).phase == Phase.FAILED


def test_given_a_snapshot_when_restore_metadata_is_read_then_it_names_the_source_and_its_settings(rds) -> None:
    arn = make_instance(rds, DBInstanceClass="db.m5.large", Port=5433)
    backup = rds_adapter().start_backup(arn, "JOB-1", {})

    metadata = rds_adapter().restore_metadata(backup.native_id, rds_adapter().describe(arn))

    assert metadata["DBInstanceIdentifier"] == "orders"
    assert metadata["DBInstanceClass"] == "db.m5.large"
    assert metadata["Engine"] == "postgres"
    assert metadata["Encrypted"] == "false"
    assert isinstance(json.loads(metadata["VpcSecurityGroupIds"]), list)


def test_given_the_source_still_exists_when_restoring_under_its_name_then_refused(rds) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    arn = make_instance(rds)
    backup = rds_adapter().start_backup(arn, "JOB-1", {})
    metadata = rds_adapter().restore_metadata(backup.native_id, None)

    with pytest.raises(InvalidParameterValueException, match="DB instance orders already exists"):
        rds_adapter().check_restore(backup.native_id, metadata)
    with pytest.raises(InvalidParameterValueException, match="DB instance orders already exists"):
        rds_adapter().start_restore(backup.native_id, "RESTORE-1", metadata)


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"DBInstanceIdentifier": ""}, "missing: DBInstanceIdentifier"),
        ({"DBInstanceIdentifier": "1-starts-with-a-digit"}, "must be 1-63 letters"),
        ({"DBInstanceIdentifier": "two--hyphens"}, "must be 1-63 letters"),
        ({"DBInstanceIdentifier": "ends-with-"}, "must be 1-63 letters"),
        ({"DBInstanceIdentifier": "x" * 64}, "must be 1-63 letters"),
        ({"DBInstanceClass": "large"}, "DBInstanceClass must be a DB instance class"),
        ({"MultiAZ": "maybe"}, "MultiAZ must be true or false"),
        ({"Port": "80"}, "Port must be a number from 1150 to 65535"),
        ({"VpcSecurityGroupIds": "sg-1"}, "VpcSecurityGroupIds must be a JSON list"),
    ],
)
def test_given_bad_instance_restore_metadata_when_checked_then_refused(rds, change, complaint) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    backup = rds_adapter().start_backup(make_instance(rds), "JOB-1", {})
    metadata = {
        **rds_adapter().restore_metadata(backup.native_id, None),
        "DBInstanceIdentifier": "orders-copy",
        **change,
    }

    with pytest.raises(InvalidParameterValueException, match=complaint):
        rds_adapter().check_restore(backup.native_id, metadata)


def test_given_a_new_identifier_when_restored_then_a_new_instance_from_the_snapshot_is_found_and_ready(rds) -> None:
    from lambdas.resources.base import Phase

    arn = make_instance(rds, DBInstanceClass="db.m5.large")
    backup = rds_adapter().start_backup(arn, "JOB-1", {})
    recorded = rds_adapter().restore_metadata(backup.native_id, rds_adapter().describe(arn))
    metadata = {**recorded, "dbInstanceIdentifier": "orders-copy"}  # keys are not case sensitive

    rds_adapter().check_restore(backup.native_id, metadata)
    restore = rds_adapter().start_restore(backup.native_id, "RESTORE-1", metadata)

    restored = rds.describe_db_instances(DBInstanceIdentifier="orders-copy")["DBInstances"][0]
    assert restore.native_id == "orders-copy"
    assert restore.created_resource_arn == restored["DBInstanceArn"]
    assert restored["DBInstanceClass"] == "db.m5.large"
    assert restored["Engine"] == "postgres"
    assert tags_of(restored)[RESTORE_TAG] == "RESTORE-1"
    assert rds_adapter().find_restore(backup.native_id, "RESTORE-1", metadata) == restore
    assert rds_adapter().find_restore(backup.native_id, "RESTORE-2", metadata) is None
    assert rds_adapter().restore_status(restore).phase == Phase.COMPLETED


def test_given_a_restored_instance_that_was_deleted_when_its_status_is_read_then_failed(rds) -> None:
    from lambdas.resources.base import NativeRestore, Phase

    progress = rds_adapter().restore_status(NativeRestore("gone", f"arn:aws:rds:{REGION}:{ACCOUNT}:db:gone"))

    assert progress.phase == Phase.FAILED


def automated_snapshot(rds: Any, instance: str) -> str:
    """The automated snapshot moto's RDS takes of every instance it creates (rds:<instance>-<time>)."""
    (snapshot,) = rds.describe_db_snapshots(DBInstanceIdentifier=instance, SnapshotType="automated")["DBSnapshots"]
    return str(snapshot["DBSnapshotIdentifier"])


def test_given_snapshots_made_by_hand_by_rds_and_by_strongroom_when_native_backups_are_listed_then_not_strongrooms(
    rds,
) -> None:
    from lambdas.services.native_backup_import import NativeBackupSource

    arn = make_instance(rds)
    make_instance(rds, "other")
    rds.create_db_snapshot(DBInstanceIdentifier="orders", DBSnapshotIdentifier="before-migration")
    rds.create_db_snapshot(DBInstanceIdentifier="other", DBSnapshotIdentifier="of-another-instance")
    rds_adapter().start_backup(arn, "JOB-1", {})
    automated = automated_snapshot(rds, "orders")

    listed = {native.native_id: native for native, _ in rds_adapter().list_native_backups(arn)}

    assert isinstance(rds_adapter(), NativeBackupSource)
    assert sorted(listed) == sorted(["before-migration", automated])  # the manual one and RDS's automated one
    assert automated.startswith("rds:orders-")
    for identifier, native in listed.items():
        snapshot = rds.describe_db_snapshots(DBSnapshotIdentifier=identifier)["DBSnapshots"][0]
        assert native.recovery_point_arn == snapshot["DBSnapshotArn"]  # as start_backup gives it


def test_given_an_automated_snapshot_when_deleted_or_shared_then_it_is_left_to_rds_until_rds_deletes_it(rds) -> None:
    from lambdas.domain.errors import InvalidRequestException
    from lambdas.resources.base import NativeBackupInUse

    make_instance(rds)
    automated = automated_snapshot(rds, "orders")

    with pytest.raises(NativeBackupInUse, match="RDS deletes it itself"):
        rds_adapter().delete_backup(automated)
    with pytest.raises(InvalidRequestException, match="does not share"):
        rds_adapter().share_backup(automated, "210987654321")

    assert rds.describe_db_snapshots(DBSnapshotIdentifier=automated)["DBSnapshots"][0]["Status"] == "available"
    rds.delete_db_snapshot(DBSnapshotIdentifier=automated)  # RDS's retention ends (moto lets anyone delete it)
    rds_adapter().delete_backup(automated)  # gone: its point may be marked deleted


# ---------------------------------------------------------------- Aurora, DocumentDB and Neptune clusters


@pytest.mark.parametrize("resource_type", ["Aurora", "DocumentDB", "Neptune"])
def test_given_a_cluster_arn_when_the_registry_routes_it_then_describe_tells_its_true_type(resource_type) -> None:
    arn = make_cluster(resource_type, "shop", tags={"team": "shop"})

    owner = registry().for_arn(arn)
    info = owner.describe(arn)

    assert owner.resource_type == "Aurora"  # every cluster ARN is handed to the Aurora adapter...
    assert info.resource_type == resource_type  # ...which reads the engine to tell the type
    assert (info.arn, info.name, info.tags) == (arn, "shop", {"team": "shop"})
    assert registry().for_type(resource_type).describe(arn).resource_type == resource_type


def test_given_a_multi_az_db_cluster_when_described_then_refused_as_unsupported() -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    arn = str(
        boto3.client("rds", region_name=REGION).create_db_cluster(
            DBClusterIdentifier="maz",
            Engine="mysql",
            MasterUsername="admin",
            MasterUserPassword="password123",
            DBClusterInstanceClass="db.m5d.large",
            AllocatedStorage=100,
            StorageType="io1",
            Iops=1000,
        )["DBCluster"]["DBClusterArn"]
    )

    with pytest.raises(InvalidParameterValueException, match="engine mysql"):
        cluster_adapter().describe(arn)
    assert [info.arn for info in cluster_adapter().list_resources()] == []


def test_given_no_such_cluster_when_described_then_resource_not_found() -> None:
    from lambdas.domain.errors import ResourceNotFoundException

    with pytest.raises(ResourceNotFoundException, match="cluster:missing"):
        cluster_adapter().describe(f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:missing")


def test_given_one_cluster_of_each_type_when_listed_then_the_aurora_adapter_lists_all_and_the_others_their_own() -> (
    None
):
    arns = {kind: make_cluster(kind, f"c-{kind.lower()}") for kind in ENGINES}

    listed = {info.arn: info.resource_type for info in cluster_adapter("Aurora").list_resources()}

    assert listed == {arn: kind for kind, arn in arns.items()}
    assert [info.arn for info in cluster_adapter("DocumentDB").list_resources()] == [arns["DocumentDB"]]
    assert [info.arn for info in cluster_adapter("Neptune").list_resources()] == [arns["Neptune"]]


def test_given_tagged_clusters_when_the_tagging_api_is_asked_with_the_filter_then_all_three_come_back() -> None:
    arns = {make_cluster(kind, f"c-{kind.lower()}", tags={"backup": "yes"}) for kind in ENGINES}
    tagging = boto3.client("resourcegroupstaggingapi", region_name=REGION)

    found = tagging.get_resources(
        ResourceTypeFilters=[cluster_adapter().tagging_filter], TagFilters=[{"Key": "backup", "Values": ["yes"]}]
    )["ResourceTagMappingList"]

    assert {mapping["ResourceARN"] for mapping in found} == arns


@pytest.mark.parametrize("resource_type", ["Aurora", "DocumentDB", "Neptune"])
def test_given_a_cluster_when_backed_up_then_a_manual_cluster_snapshot_carries_the_job_and_completes(
    rds, resource_type
) -> None:
    from lambdas.resources.base import Phase

    arn = make_cluster(resource_type, "shop")
    adapter = registry().for_type(resource_type)

    backup = adapter.start_backup(arn, "JOB-1", {"owner": "team-a"})

    snapshot = rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier="strongroom-job-1")["DBClusterSnapshots"][
        0
    ]
    assert backup.native_id == "strongroom-job-1"
    assert backup.recovery_point_arn == snapshot["DBClusterSnapshotArn"]
    assert (snapshot["SnapshotType"], snapshot["DBClusterIdentifier"]) == ("manual", "shop")
    assert snapshot["Engine"] == ENGINES[resource_type][1]
    assert tags_of(snapshot) == {"owner": "team-a", JOB_TAG: "JOB-1"}
    assert adapter.find_backup(arn, "JOB-1") == backup
    assert adapter.find_backup(arn, "JOB-2") is None
    assert adapter.start_backup(arn, "JOB-1", {}) == backup  # a retried start adopts it
    assert adapter.backup_status(backup.native_id).phase == Phase.COMPLETED


def test_given_no_such_cluster_when_a_backup_starts_then_resource_not_found() -> None:
    from lambdas.domain.errors import ResourceNotFoundException

    with pytest.raises(ResourceNotFoundException):
        cluster_adapter().start_backup(f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:missing", "JOB-1", {})


def test_given_a_cluster_snapshot_when_deleted_twice_then_it_is_gone_and_its_status_failed(rds) -> None:
    from lambdas.resources.base import Phase

    arn = make_cluster("DocumentDB", "shop")
    backup = cluster_adapter("DocumentDB").start_backup(arn, "JOB-1", {})

    cluster_adapter("DocumentDB").delete_backup(backup.native_id)
    cluster_adapter("DocumentDB").delete_backup(backup.native_id)

    assert rds.describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"] == []
    assert cluster_adapter("DocumentDB").backup_status(backup.native_id).phase == Phase.FAILED


@pytest.mark.parametrize("resource_type", ["Aurora", "DocumentDB", "Neptune"])
def test_given_a_cluster_snapshot_when_restored_under_a_new_name_then_a_cluster_of_that_engine_becomes_available(
    rds, resource_type
) -> None:
    from lambdas.resources.base import Phase

    arn = make_cluster(resource_type, "shop")
    adapter = registry().for_type(resource_type)
    backup = adapter.start_backup(arn, "JOB-1", {})
    recorded = adapter.restore_metadata(backup.native_id, adapter.describe(arn))
    metadata = {**recorded, "DBClusterIdentifier": "shop-copy"}

    adapter.check_restore(backup.native_id, metadata)
    restore = adapter.start_restore(backup.native_id, "RESTORE-1", metadata)

    assert (recorded["DBClusterIdentifier"], recorded["Engine"]) == ("shop", ENGINES[resource_type][1])
    restored = rds.describe_db_clusters(DBClusterIdentifier="shop-copy")["DBClusters"][0]
    assert restore.created_resource_arn == restored["DBClusterArn"]
    assert restored["Engine"] == ENGINES[resource_type][1]
    assert tags_of(restored)[RESTORE_TAG] == "RESTORE-1"
    assert adapter.find_restore(backup.native_id, "RESTORE-1", metadata) == restore
    assert adapter.find_restore(backup.native_id, "RESTORE-2", metadata) is None
    assert adapter.restore_status(restore).phase == Phase.COMPLETED
    assert registry().for_arn(restore.created_resource_arn).describe(restore.created_resource_arn).resource_type == (
        resource_type
    )


def test_given_a_restored_cluster_that_was_deleted_when_its_status_is_read_then_failed() -> None:
    from lambdas.resources.base import NativeRestore, Phase

    progress = cluster_adapter().restore_status(NativeRestore("gone", f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:gone"))

    assert progress.phase == Phase.FAILED
    assert "gone" in (progress.message or "")


def test_given_an_existing_cluster_when_a_restore_names_it_then_refused_and_the_cluster_is_untouched(rds) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    arn = make_cluster("Neptune", "graph")
    make_cluster("Neptune", "other", tags={"keep": "me"})
    backup = cluster_adapter("Neptune").start_backup(arn, "JOB-1", {})
    metadata = {**cluster_adapter("Neptune").restore_metadata(backup.native_id, None), "DBClusterIdentifier": "other"}

    with pytest.raises(InvalidParameterValueException, match="DB cluster other already exists"):
        cluster_adapter("Neptune").check_restore(backup.native_id, metadata)
    with pytest.raises(InvalidParameterValueException, match="DB cluster other already exists"):
        cluster_adapter("Neptune").start_restore(backup.native_id, "RESTORE-1", metadata)
    other = rds.describe_db_clusters(DBClusterIdentifier="other")["DBClusters"][0]
    assert tags_of(other) == {"keep": "me"}


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"DBClusterIdentifier": ""}, "missing: DBClusterIdentifier"),
        ({"DBClusterIdentifier": "bad_name"}, "must be 1-63 letters"),
        ({"Engine": ""}, "missing: Engine"),
        ({"Engine": "aurora-postgresql"}, "cannot restore a docdb cluster snapshot"),
        ({"Engine": "oracle-ee"}, "cannot restore a docdb cluster snapshot"),
        ({"DeletionProtection": "on"}, "DeletionProtection must be true or false"),
        ({"Port": "http"}, "Port must be a number"),
        ({"AvailabilityZones": "us-east-1a"}, "AvailabilityZones must be a JSON list"),
    ],
)
def test_given_bad_cluster_restore_metadata_when_checked_then_refused_and_no_cluster_made(
    rds, change, complaint
) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    arn = make_cluster("DocumentDB", "docs")
    adapter = cluster_adapter("DocumentDB")
    backup = adapter.start_backup(arn, "JOB-1", {})
    metadata = {**adapter.restore_metadata(backup.native_id, None), "DBClusterIdentifier": "docs-copy", **change}

    with pytest.raises(InvalidParameterValueException, match=complaint):
        adapter.check_restore(backup.native_id, metadata)
    assert [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]] == ["docs"]


def test_given_the_catalog_when_built_then_each_cluster_type_has_its_adapter_and_one_owns_cluster_arns() -> None:
    supported = registry().supported_types()

    assert {"EC2", "RDS", "Aurora", "DocumentDB", "Neptune"} <= set(supported)
    assert registry().for_arn(f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:any").resource_type == "Aurora"


def test_given_cluster_snapshots_made_by_hand_by_rds_and_by_strongroom_when_listed_then_not_strongrooms(rds) -> None:
    arn = make_cluster("Neptune", "graph")
    rds.create_db_cluster_snapshot(DBClusterIdentifier="graph", DBClusterSnapshotIdentifier="before-reload")
    cluster_adapter("Neptune").start_backup(arn, "JOB-1", {})
    (automated,) = rds.describe_db_cluster_snapshots(DBClusterIdentifier="graph", SnapshotType="automated")[
        "DBClusterSnapshots"
    ]

    listed = list(cluster_adapter("Neptune").list_native_backups(arn))

    assert sorted(native.native_id for native, _ in listed) == sorted(
        ["before-reload", automated["DBClusterSnapshotIdentifier"]]
    )
    assert {native.recovery_point_arn for native, _ in listed} >= {automated["DBClusterSnapshotArn"]}
    assert cluster_adapter("Neptune").restore_metadata("before-reload", None)["Engine"] == "neptune"
