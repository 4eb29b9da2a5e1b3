"""The Redshift adapter against moto's Redshift: a provisioned cluster is backed up as a manual cluster snapshot
named from the job id, restored as a new cluster, and its snapshots made elsewhere are listed for the import.

moto makes every snapshot available at once and restores a cluster at once. Its DescribeClusterSnapshots drops
the SnapshotType and ClusterIdentifier filters where Redshift applies them: `local.redshift_gaps` (which the local
runtime installs too) answers as Redshift does. What moto lacks besides (CopyClusterSnapshot of a manual snapshot,
as on AWS) the adapter does not need: Redshift points are not copied (lambdas/resources/redshift/spec.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from lambdas.domain.errors import InvalidParameterValueException, ResourceNotFoundException
from lambdas.resources.base import NativeBackupInUse, Phase
from local import redshift_gaps
from tests.integration.builders import ACCOUNT, REGION

JOB_TAG = "strongroom:backup-job-id"
RESTORE_TAG = "strongroom:restore-job-id"


@pytest.fixture(autouse=True)
def redshift_gaps_filled() -> Iterator[None]:
    with redshift_gaps.PATCHES.applied():
        yield


@pytest.fixture
def redshift() -> Any:
    return boto3.client("redshift", region_name=REGION)


def adapter() -> Any:
    from lambdas.common import aws
    from lambdas.resources.redshift.adapter import RedshiftAdapter

    return RedshiftAdapter(lambda: aws.client("redshift"), REGION, ACCOUNT)


def make_cluster(redshift: Any, name: str = "sales", nodes: int = 2) -> str:
    redshift.create_cluster(
        ClusterIdentifier=name,
        NodeType="ra3.xlplus",
        MasterUsername="admin",
        MasterUserPassword="Passw0rd!",
        ClusterType="multi-node",
        NumberOfNodes=nodes,
        Tags=[{"Key": "team", "Value": "bi"}],
    )
    return f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:{name}"


def test_given_snapshots_of_two_types_and_clusters_when_described_with_filters_then_only_matching_ones_come_back(
    redshift: Any,
) -> None:
    # Given two clusters (each with its automated snapshot) and a manual snapshot of one
    make_cluster(redshift, "sales")
    make_cluster(redshift, "finance")
    redshift.create_cluster_snapshot(SnapshotIdentifier="by-hand", ClusterIdentifier="sales")
    # When the snapshots are described by type, then only that type comes back (moto alone returned all three)
    manual = redshift.describe_cluster_snapshots(SnapshotType="manual")["Snapshots"]
    assert [s["SnapshotIdentifier"] for s in manual] == ["by-hand"]
    # When a cluster's manual snapshots are described and it has none, then none (moto alone returned every one)
    assert redshift.describe_cluster_snapshots(ClusterIdentifier="finance", SnapshotType="manual")["Snapshots"] == []


def test_given_a_cluster_when_backed_up_twice_for_one_job_then_one_tagged_snapshot_is_made_and_adopted(
    redshift: Any,
) -> None:
    # Given a cluster
    arn = make_cluster(redshift)
    # When a job backs it up, and its start is retried after the answer was lost
    first = adapter().start_backup(arn, "job-1", {"aws:backup:source": "plan", "owner": "bi"})
    again = adapter().start_backup(arn, "job-1", {})
    # Then one manual snapshot exists, named from the job, tagged with it (aws: keys kept under strongroom:)
    assert first == again == adapter().find_backup(arn, "job-1")
    assert first.recovery_point_arn == f"arn:aws:redshift:{REGION}:{ACCOUNT}:snapshot:sales/{first.native_id}"
    (snapshot,) = redshift.describe_cluster_snapshots(SnapshotType="manual")["Snapshots"]
    tags = {tag["Key"]: tag["Value"] for tag in snapshot["Tags"]}
    assert tags == {JOB_TAG: "job-1", "strongroom:backup:source": "plan", "owner": "bi"}
    # And it completes; a snapshot another job made is not this job's
    assert adapter().backup_status(first.native_id).phase == Phase.COMPLETED
    assert adapter().find_backup(arn, "job-2") is None


def test_given_a_cluster_that_does_not_exist_when_backed_up_then_resource_not_found(redshift: Any) -> None:
    with pytest.raises(ResourceNotFoundException, match=r"Redshift cluster .* does not exist"):
        adapter().start_backup(f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:gone", "job-1", {})
    with pytest.raises(ResourceNotFoundException):
        adapter().describe(f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:gone")


def test_given_clusters_when_listed_and_described_then_each_has_its_tags_and_the_redshift_type(redshift: Any) -> None:
    arns = {make_cluster(redshift, "sales"), make_cluster(redshift, "finance")}
    listed = list(adapter().list_resources())
    assert {info.arn for info in listed} == arns
    assert {(info.resource_type, info.tags["team"]) for info in listed} == {("Redshift", "bi")}


def test_given_a_snapshot_when_restored_then_a_new_cluster_is_made_tagged_with_the_restore_job(redshift: Any) -> None:
    # Given a completed backup and the metadata it recorded
    arn = make_cluster(redshift, nodes=3)
    native = adapter().start_backup(arn, "job-1", {})
    metadata = adapter().restore_metadata(native.native_id, adapter().describe(arn))
    assert (metadata["ClusterIdentifier"], metadata["NodeType"], metadata["NumberOfNodes"]) == (
        "sales",
        "ra3.xlplus",
        "3",
    )
    # When the recorded identifier is restored while the source exists, then it is refused before anything
    with pytest.raises(InvalidParameterValueException, match="sales already exists"):
        adapter().check_restore(native.native_id, metadata)
    # When it is restored under a new name
    wanted = {**metadata, "clusteridentifier": "sales-restored"}  # keys are not case sensitive
    adapter().check_restore(native.native_id, wanted)
    assert adapter().find_restore(native.native_id, "restore-1", wanted) is None
    restore = adapter().start_restore(native.native_id, "restore-1", wanted)
    # Then the new cluster is there with the snapshot's shape, tagged with the restore job, and complete
    (cluster,) = redshift.describe_clusters(ClusterIdentifier="sales-restored")["Clusters"]
    assert (cluster["NodeType"], cluster["NumberOfNodes"]) == ("ra3.xlplus", 3)
    assert {tag["Key"]: tag["Value"] for tag in cluster["Tags"]}[RESTORE_TAG] == "restore-1"
    assert restore.created_resource_arn == f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:sales-restored"
    assert adapter().find_restore(native.native_id, "restore-1", wanted) == restore
    assert adapter().restore_status(restore).phase == Phase.COMPLETED


@pytest.mark.parametrize(
    ("metadata", "refusal"),
    [
        ({}, "missing: ClusterIdentifier"),
        ({"ClusterIdentifier": "Sales"}, "lowercase"),
        ({"ClusterIdentifier": "new", "NumberOfNodes": "0"}, "NumberOfNodes must be a number from 1 to 128"),
        ({"ClusterIdentifier": "new", "Port": "80"}, "Port must be a number from 1150"),
        ({"ClusterIdentifier": "new", "PubliclyAccessible": "yes"}, "true or false"),
        ({"ClusterIdentifier": "new", "VpcSecurityGroupIds": "sg-1"}, "JSON list"),
        ({"ClusterIdentifier": "new", "NodeType": "huge"}, "node type"),
        ({"ClusterIdentifier": "new", "MasterUserPassword": "x"}, "MasterUserPassword is not supported for Redshift"),
    ],
)
def test_given_restore_metadata_it_would_fail_on_when_checked_then_refused_with_why_and_no_cluster_made(
    redshift: Any, metadata: dict[str, str], refusal: str
) -> None:
    native = adapter().start_backup(make_cluster(redshift), "job-1", {})
    with pytest.raises(InvalidParameterValueException, match=refusal):
        adapter().check_restore(native.native_id, metadata)
    assert [c["ClusterIdentifier"] for c in redshift.describe_clusters()["Clusters"]] == ["sales"]


def test_given_a_snapshot_when_deleted_twice_then_it_is_gone_and_the_second_delete_changes_nothing(
    redshift: Any,
) -> None:
    native = adapter().start_backup(make_cluster(redshift), "job-1", {})
    adapter().delete_backup(native.native_id)
    adapter().delete_backup(native.native_id)
    assert redshift.describe_cluster_snapshots(SnapshotType="manual")["Snapshots"] == []
    assert adapter().backup_status(native.native_id).phase == Phase.FAILED


def test_given_snapshots_made_elsewhere_when_listed_for_import_then_only_that_clusters_manual_and_automated_ones(
    redshift: Any,
) -> None:
    # Given a cluster (moto takes an automated snapshot, rs:..., as Redshift does), a manual snapshot made by hand,
    # one a Strongroom job made, and another cluster's snapshot
    arn = make_cluster(redshift)
    make_cluster(redshift, "finance")
    redshift.create_cluster_snapshot(SnapshotIdentifier="by-hand", ClusterIdentifier="sales")
    redshift.create_cluster_snapshot(SnapshotIdentifier="finance-by-hand", ClusterIdentifier="finance")
    adapter().start_backup(arn, "job-1", {})
    # When the cluster's native backups are listed
    listed = {native.native_id for native, _ in adapter().list_native_backups(arn)}
    # Then the hand-made and automated snapshots of this cluster are, and nothing else
    automated = {
        s["SnapshotIdentifier"] for s in redshift.describe_cluster_snapshots(SnapshotType="automated")["Snapshots"]
    }
    sales_automated = {name for name in automated if name.startswith("rs:sales-")}
    assert sales_automated and listed == {"by-hand", *sales_automated}


def test_given_an_automated_snapshot_when_its_point_is_deleted_then_redshift_keeps_it_and_says_so(
    redshift: Any,
) -> None:
    make_cluster(redshift)
    (automated,) = redshift.describe_cluster_snapshots(SnapshotType="automated")["Snapshots"]
    with pytest.raises(NativeBackupInUse, match="Redshift deletes it itself"):
        adapter().delete_backup(automated["SnapshotIdentifier"])
    assert redshift.describe_cluster_snapshots(SnapshotType="automated")["Snapshots"] == [automated]


def test_given_the_registry_then_redshift_cluster_arns_are_redshift_and_its_points_cannot_be_copied() -> None:
    from lambdas.common import aws
    from lambdas.resources.base import CopyCapable
    from lambdas.resources.catalog import build_adapters
    from lambdas.resources.registry import AdapterRegistry

    registry = AdapterRegistry(build_adapters(lambda service: lambda: aws.client(service), REGION, ACCOUNT))
    assert "Redshift" in registry.supported_types()
    found = registry.for_arn(f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:sales")
    assert found.resource_type == "Redshift" and not isinstance(found, CopyCapable)
