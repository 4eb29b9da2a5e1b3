"""Amazon Redshift on the local runtime, through AWS Backup's API alone: the type is supported, a provisioned
cluster is backed up as a manual cluster snapshot, restored to a new cluster by the Step Functions workflow, and
expiring its point deletes the snapshot; a snapshot made by hand is imported and restores like any other; a copy
of a Redshift point fails saying why (Redshift cannot copy a manual snapshot into another vault's Region or
account)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from lambdas.common import clock
from lambdas.services import lifecycle_service
from local.runtime import LocalRuntime
from tests.e2e.waiting import wait_for_restore_job

pytestmark = pytest.mark.e2e
ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole"


def make_cluster(runtime: LocalRuntime, name: str) -> str:
    runtime.client("redshift").create_cluster(
        ClusterIdentifier=name,
        NodeType="ra3.xlplus",
        MasterUsername="admin",
        MasterUserPassword="Passw0rd!",
        ClusterType="multi-node",
        NumberOfNodes=2,
    )
    return f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:{name}"


def manual_snapshots(runtime: LocalRuntime) -> set[str]:
    snapshots = runtime.client("redshift").describe_cluster_snapshots(SnapshotType="manual")["Snapshots"]
    return {snapshot["SnapshotIdentifier"] for snapshot in snapshots}


def test_given_a_redshift_cluster_when_backed_up_restored_and_expired_through_the_api_then_each_step_works(
    runtime: LocalRuntime,
) -> None:
    backup = runtime.client("backup")
    # Given: Redshift is a supported type, and a cluster
    assert "Redshift" in backup.get_supported_resource_types()["ResourceTypes"]
    backup.create_backup_vault(BackupVaultName="warehouse")
    source = make_cluster(runtime, "sales")

    # When it is backed up on demand
    job_id = backup.start_backup_job(BackupVaultName="warehouse", ResourceArn=source, IamRoleArn=ROLE)["BackupJobId"]
    runtime.advance(timedelta(minutes=30))

    # Then the job completed with a Redshift point that is a manual snapshot of the cluster
    job = backup.describe_backup_job(BackupJobId=job_id)
    assert (job["State"], job["ResourceType"]) == ("COMPLETED", "Redshift"), job.get("StatusMessage")
    point_arn = job["RecoveryPointArn"]
    assert point_arn.startswith(f"arn:aws:redshift:{REGION}:{ACCOUNT}:snapshot:sales/strongroom-")
    snapshot_name = point_arn.rsplit("/", 1)[1]
    assert snapshot_name in manual_snapshots(runtime)
    metadata = backup.get_recovery_point_restore_metadata(BackupVaultName="warehouse", RecoveryPointArn=point_arn)
    assert metadata["RestoreMetadata"]["ClusterIdentifier"] == "sales"

    # When it is restored to a new cluster through the workflow
    restore_id = backup.start_restore_job(
        RecoveryPointArn=point_arn, Metadata={"ClusterIdentifier": "sales-restored"}, IamRoleArn=ROLE
    )["RestoreJobId"]
    restore = wait_for_restore_job(backup, restore_id)

    # Then the new cluster exists with the snapshot's shape
    assert restore["Status"] == "COMPLETED", restore.get("StatusMessage")
    assert restore["CreatedResourceArn"] == f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:sales-restored"
    (cluster,) = runtime.client("redshift").describe_clusters(ClusterIdentifier="sales-restored")["Clusters"]
    assert (cluster["NodeType"], cluster["NumberOfNodes"]) == ("ra3.xlplus", 2)

    # When a copy of the point is asked for, then the copy job fails saying why
    backup.create_backup_vault(BackupVaultName="offsite")
    offsite_arn = backup.describe_backup_vault(BackupVaultName="offsite")["BackupVaultArn"]
    copy_id = backup.start_copy_job(
        RecoveryPointArn=point_arn,
        SourceBackupVaultName="warehouse",
        DestinationBackupVaultArn=offsite_arn,
        IamRoleArn=ROLE,
    )["CopyJobId"]
    runtime.advance(timedelta(minutes=30))
    copy = backup.describe_copy_job(CopyJobId=copy_id)["CopyJob"]
    assert copy["State"] == "FAILED" and "CopyClusterSnapshot" in copy["StatusMessage"], copy

    # When the point expires, then its snapshot is gone
    ctx = runtime.services()
    expired = lifecycle_service.expire(ctx, ctx.stores.recovery_points.get(point_arn), clock.now())
    assert expired.StorageClass == "DELETED"
    assert snapshot_name not in manual_snapshots(runtime)


def test_given_a_redshift_snapshot_made_by_hand_when_imported_then_it_is_a_point_that_restores(
    runtime: LocalRuntime,
) -> None:
    # Given a cluster and a snapshot of it someone made in Redshift before Strongroom
    backup = runtime.client("backup")
    backup.create_backup_vault(BackupVaultName="warehouse")
    source = make_cluster(runtime, "finance")
    runtime.client("redshift").create_cluster_snapshot(SnapshotIdentifier="before-upgrade", ClusterIdentifier="finance")

    # When the import function is invoked for the cluster
    payload = {"BackupVaultName": "warehouse", "ResourceArns": [source]}
    response = runtime.client("lambda").invoke(
        FunctionName="strongroom-ImportNativeBackups", Payload=json.dumps(payload).encode()
    )
    result: dict[str, Any] = json.loads(response["Payload"].read())

    # Then the hand-made snapshot (and the automated one Redshift took) are Redshift points of the cluster
    assert response.get("FunctionError") is None, result
    hand_made = f"arn:aws:redshift:{REGION}:{ACCOUNT}:snapshot:finance/before-upgrade"
    assert hand_made in result["imported"] and result["errors"] == []
    point = backup.describe_recovery_point(BackupVaultName="warehouse", RecoveryPointArn=hand_made)
    assert (point["ResourceArn"], point["ResourceType"], point["Status"]) == (source, "Redshift", "COMPLETED")

    # When it is restored, then a new cluster is made of it and the snapshot stays
    restore_id = backup.start_restore_job(
        RecoveryPointArn=hand_made, Metadata={"ClusterIdentifier": "finance-copy"}, IamRoleArn=ROLE
    )["RestoreJobId"]
    assert wait_for_restore_job(backup, restore_id)["Status"] == "COMPLETED"
    assert "before-upgrade" in manual_snapshots(runtime)
