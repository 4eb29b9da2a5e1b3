"""Restore testing's data check of each resource type beyond DynamoDB and S3, on fakes of the services' clients:
what each records at backup time, how a restored copy that differs fails saying what differs (a tampered copy),
and how each cleanup deletes exactly the restored resource (and what the restore made with it), following the
service's rules (instances before their cluster, no final snapshot or backup), never a resource without the
restore's tag."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lambdas.domain.restore_testing.comparing import NotARestoredCopy, restored_identifier
from lambdas.resources.base import RESTORE_TAG
from lambdas.resources.ebs.validation import EbsValidation
from lambdas.resources.ec2.validation import RESTORED_WITH_TAG, Ec2Validation
from lambdas.resources.efs.file_tree import LocalDirectoryTree
from lambdas.resources.efs.validation import EfsValidation
from lambdas.resources.fsx.validation import FsxValidation
from lambdas.resources.rds_family.validation import cluster_check, instance_check
from lambdas.resources.redshift.validation import RedshiftValidation
from lambdas.resources.storage_gateway.validation import StorageGatewayValidation

ARN = "arn:aws:{service}:us-east-1:123456789012:{resource}"
RESTORED = [{"Key": RESTORE_TAG, "Value": "job-1"}]
GIB = 1024**3


def refused(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "Call")


@dataclass
class FakeRds:
    instances: dict[str, dict[str, Any]] = field(default_factory=dict)
    clusters: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def describe_db_instances(self, DBInstanceIdentifier: str) -> dict[str, Any]:
        if DBInstanceIdentifier not in self.instances:
            raise refused("DBInstanceNotFound")
        return {"DBInstances": [self.instances[DBInstanceIdentifier]]}

    def describe_db_clusters(self, DBClusterIdentifier: str) -> dict[str, Any]:
        if DBClusterIdentifier not in self.clusters:
            raise refused("DBClusterNotFoundFault")
        return {"DBClusters": [self.clusters[DBClusterIdentifier]]}

    def delete_db_instance(self, **request: Any) -> None:
        self.calls.append(("delete_db_instance", request))
        self.instances[request["DBInstanceIdentifier"]]["DBInstanceStatus"] = "deleting"

    def delete_db_cluster(self, **request: Any) -> None:
        self.calls.append(("delete_db_cluster", request))
        if self.clusters[request["DBClusterIdentifier"]].get("DBClusterMembers"):
            raise refused("InvalidDBClusterStateFault")  # as RDS refuses a cluster that still has instances
        self.clusters[request["DBClusterIdentifier"]]["Status"] = "deleting"


def postgres(**changes: Any) -> dict[str, Any]:
    return {
        "DBInstanceIdentifier": "orders",
        "DBInstanceStatus": "available",
        "Engine": "postgres",
        "EngineVersion": "16.3",
        "DBInstanceClass": "db.t3.micro",
        "AllocatedStorage": 20,
        "StorageType": "gp3",
        "DBParameterGroups": [{"DBParameterGroupName": "tuned-pg16"}],
        "StorageEncrypted": True,
        **changes,
    }


# RDS, Aurora, DocumentDB, Neptune: written once


def test_an_rds_copy_restored_with_another_size_or_parameters_fails_naming_each_difference() -> None:
    # Given an instance's backup recorded, and its copy restored with a smaller class and the default parameters
    rds = FakeRds(instances={"orders": postgres()})
    check = instance_check(lambda: rds)
    recorded = check.record(ARN.format(service="rds", resource="db:orders"))
    rds.instances["orders-rt-1"] = postgres(
        DBInstanceIdentifier="orders-rt-1",
        DBInstanceClass="db.t3.small",
        DBParameterGroups=[{"DBParameterGroupName": "default.postgres16"}],
    )
    # When the copy is checked
    verdict = check.check(recorded, ARN.format(service="rds", resource="db:orders-rt-1"))
    # Then it fails, naming both settings, their values and the recorded ones
    assert not verdict.passed
    assert verdict.message == (
        "The restored DB instance orders-rt-1 differs from the backup: DBInstanceClass db.t3.small (recorded "
        "db.t3.micro); DBParameterGroupName default.postgres16 (recorded tuned-pg16)"
    )
    # And a faithful copy passes, saying what it compared
    rds.instances["orders-rt-1"] = postgres(DBInstanceIdentifier="orders-rt-1")
    passed = check.check(recorded, ARN.format(service="rds", resource="db:orders-rt-1"))
    assert passed.passed and "DBInstanceClass db.t3.micro" in passed.message and "EngineVersion 16.3" in passed.message


def test_a_copy_not_yet_available_fails_saying_its_status() -> None:
    rds = FakeRds(instances={"orders": postgres(), "orders-rt-1": postgres(DBInstanceStatus="storage-full")})
    check = instance_check(lambda: rds)
    verdict = check.check(
        check.record(ARN.format(service="rds", resource="db:orders")),
        ARN.format(service="rds", resource="db:orders-rt-1"),
    )
    assert (verdict.passed, verdict.message) == (
        False,
        "The restored DB instance orders-rt-1 is storage-full, not available",
    )


def test_a_tests_metadata_names_a_new_identifier_the_service_accepts_and_no_deletion_protection() -> None:
    check = cluster_check("Aurora", lambda: FakeRds())
    metadata = check.test_metadata(
        {"DBClusterIdentifier": "Prod--Orders", "DeletionProtection": "true"}, "ABCDEF0123456789"
    )
    assert metadata == {"DBClusterIdentifier": "prod-orders-rt-abcdef012345", "DeletionProtection": "false"}
    long_name = restored_identifier("a" * 80, "abcdef0123456789")
    assert len(long_name) == 63 and long_name.endswith("-rt-abcdef012345")
    assert restored_identifier("9lives", "ab")[:1].isalpha()


def test_a_clusters_instances_are_deleted_before_the_cluster_without_final_snapshots() -> None:
    # Given a restored cluster to which someone added an instance during the validation window
    rds = FakeRds(
        instances={"reader-1": postgres(DBInstanceIdentifier="reader-1")},
        clusters={
            "docs-rt-1": {
                "DBClusterIdentifier": "docs-rt-1",
                "Status": "available",
                "TagList": RESTORED,
                "DBClusterMembers": [{"DBInstanceIdentifier": "reader-1"}],
            }
        },
    )
    check = cluster_check("DocumentDB", lambda: rds)
    arn = ARN.format(service="rds", resource="cluster:docs-rt-1")
    # When the cleanup runs: the instance goes first, the cluster is not asked yet
    assert check.delete(arn) is False
    assert rds.calls == [
        (
            "delete_db_instance",
            {"DBInstanceIdentifier": "reader-1", "SkipFinalSnapshot": True, "DeleteAutomatedBackups": True},
        )
    ]
    # When the instance is gone, the next sweep deletes the cluster, without a final snapshot
    rds.clusters["docs-rt-1"]["DBClusterMembers"] = []
    assert check.delete(arn) is False  # deleting
    assert rds.calls[-1] == ("delete_db_cluster", {"DBClusterIdentifier": "docs-rt-1", "SkipFinalSnapshot": True})
    # And once RDS has removed it, it is gone
    del rds.clusters["docs-rt-1"]
    assert check.delete(arn) is True


def test_a_resource_without_the_restores_tag_is_never_deleted() -> None:
    rds = FakeRds(instances={"orders": postgres()})
    with pytest.raises(NotARestoredCopy, match="does not carry the tag"):
        instance_check(lambda: rds).delete(ARN.format(service="rds", resource="db:orders"))
    assert rds.calls == []


# Redshift


@dataclass
class FakeRedshift:
    clusters: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)

    def describe_clusters(self, ClusterIdentifier: str) -> dict[str, Any]:
        if ClusterIdentifier not in self.clusters:
            raise refused("ClusterNotFound")
        return {"Clusters": [self.clusters[ClusterIdentifier]]}

    def delete_cluster(self, **request: Any) -> None:
        self.calls.append(request)
        del self.clusters[request["ClusterIdentifier"]]


def warehouse(**changes: Any) -> dict[str, Any]:
    return {
        "ClusterIdentifier": "dw",
        "ClusterStatus": "available",
        "NodeType": "ra3.xlplus",
        "NumberOfNodes": 4,
        "Encrypted": True,
        "ClusterParameterGroups": [{"ParameterGroupName": "etl"}],
        **changes,
    }


def test_a_redshift_copy_with_fewer_nodes_fails_and_a_copy_is_deleted_without_a_final_snapshot() -> None:
    redshift = FakeRedshift({"dw": warehouse(), "dw-rt-1": warehouse(ClusterIdentifier="dw-rt-1", NumberOfNodes=2)})
    check = RedshiftValidation(lambda: redshift)
    recorded = check.record(ARN.format(service="redshift", resource="cluster:dw"))
    copy = ARN.format(service="redshift", resource="cluster:dw-rt-1")
    assert check.check(recorded, copy).message == (
        "The restored Redshift cluster dw-rt-1 differs from the backup: NumberOfNodes 2 (recorded 4)"
    )
    redshift.clusters["dw-rt-1"]["Tags"] = RESTORED
    assert check.delete(copy) is True
    assert redshift.calls == [{"ClusterIdentifier": "dw-rt-1", "SkipFinalClusterSnapshot": True}]
    assert check.test_metadata({"ClusterIdentifier": "dw", "NodeType": "ra3.xlplus"}, "ff00") == {
        "ClusterIdentifier": "dw-rt-ff00",
        "NodeType": "ra3.xlplus",
    }


# EBS and EC2


@dataclass
class FakeEc2:
    volumes: dict[str, dict[str, Any]] = field(default_factory=dict)
    instances: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, Any]] = field(default_factory=list)

    def describe_volumes(self, VolumeIds: list[str] | None = None, Filters: Any = None) -> dict[str, Any]:
        if Filters:
            key, value = Filters[0]["Name"].removeprefix("tag:"), Filters[0]["Values"][0]
            found = [
                v for v in self.volumes.values() if {t["Key"]: t["Value"] for t in v.get("Tags", [])}.get(key) == value
            ]
            return {"Volumes": found}
        if any(v not in self.volumes for v in VolumeIds or []):
            raise refused("InvalidVolume.NotFound")
        return {"Volumes": [self.volumes[v] for v in VolumeIds or []]}

    def delete_volume(self, VolumeId: str) -> None:
        self.calls.append(("delete_volume", VolumeId))
        del self.volumes[VolumeId]

    def describe_instances(self, InstanceIds: list[str]) -> dict[str, Any]:
        return {"Reservations": [{"Instances": [self.instances[i] for i in InstanceIds if i in self.instances]}]}

    def create_tags(self, Resources: list[str], Tags: list[dict[str, str]]) -> None:
        self.calls.append(("create_tags", Resources))
        for volume_id in Resources:
            self.volumes[volume_id].setdefault("Tags", []).extend(Tags)

    def terminate_instances(self, InstanceIds: list[str]) -> None:
        self.calls.append(("terminate_instances", InstanceIds))
        for instance_id in InstanceIds:
            self.instances[instance_id]["State"] = {"Name": "terminated"}


def volume(volume_id: str, size: int = 8, **changes: Any) -> dict[str, Any]:
    return {
        "VolumeId": volume_id,
        "Size": size,
        "VolumeType": "gp3",
        "Encrypted": True,
        "State": "available",
        **changes,
    }


def test_an_ebs_copy_of_another_size_or_unencrypted_fails_and_an_attached_copy_is_not_forced_off() -> None:
    ec2 = FakeEc2(volumes={"vol-src": volume("vol-src"), "vol-copy": volume("vol-copy", 16, Encrypted=False)})
    check = EbsValidation(lambda: ec2)
    recorded = check.record(ARN.format(service="ec2", resource="volume/vol-src"))
    copy = ARN.format(service="ec2", resource="volume/vol-copy")
    assert check.check(recorded, copy).message == (
        "The restored EBS volume vol-copy differs from the backup: "
        "Encrypted false (recorded true); Size 16 (recorded 8)"
    )
    ec2.volumes["vol-copy"].update(Tags=RESTORED, State="in-use", Attachments=[{"InstanceId": "i-user"}])
    with pytest.raises(RuntimeError, match="attached to i-user"):
        check.delete(copy)
    assert ec2.calls == []


def instance(instance_id: str, devices: dict[str, str], **changes: Any) -> dict[str, Any]:
    mappings = [{"DeviceName": d, "Ebs": {"VolumeId": v}} for d, v in devices.items()]
    return {
        "InstanceId": instance_id,
        "InstanceType": "t3.micro",
        "State": {"Name": "running"},
        "BlockDeviceMappings": mappings,
        **changes,
    }


def test_an_ec2_copy_whose_data_volume_is_smaller_fails_naming_the_device() -> None:
    ec2 = FakeEc2(
        volumes={
            "vol-a": volume("vol-a"),
            "vol-b": volume("vol-b", 100),
            "vol-c": volume("vol-c"),
            "vol-d": volume("vol-d", 50),
        },
        instances={
            "i-src": instance("i-src", {"/dev/xvda": "vol-a", "/dev/xvdb": "vol-b"}),
            "i-copy": instance("i-copy", {"/dev/xvda": "vol-c", "/dev/xvdb": "vol-d"}),
        },
    )
    check = Ec2Validation(lambda: ec2)
    recorded = check.record(ARN.format(service="ec2", resource="instance/i-src"))
    assert recorded == {"InstanceType": "t3.micro", "Volume /dev/xvda": "8 GiB gp3", "Volume /dev/xvdb": "100 GiB gp3"}
    assert check.check(recorded, ARN.format(service="ec2", resource="instance/i-copy")).message == (
        "The restored EC2 instance i-copy differs from the backup: Volume /dev/xvdb 50 GiB gp3 (recorded 100 GiB gp3)"
    )


def test_an_ec2_copy_is_terminated_then_the_volumes_it_leaves_are_deleted() -> None:
    # Given a restored instance whose data volume outlives it (DeleteOnTermination false)
    ec2 = FakeEc2(
        volumes={"vol-c": volume("vol-c"), "vol-d": volume("vol-d")},
        instances={"i-copy": instance("i-copy", {"/dev/xvda": "vol-c", "/dev/xvdb": "vol-d"}, Tags=RESTORED)},
    )
    check = Ec2Validation(lambda: ec2)
    copy = ARN.format(service="ec2", resource="instance/i-copy")
    # When the cleanup runs: its volumes are marked as the restore's, the instance terminated
    assert check.delete(copy) is False
    assert ec2.calls == [("create_tags", ["vol-c", "vol-d"]), ("terminate_instances", ["i-copy"])]
    del ec2.volumes["vol-c"]  # EC2 deleted the root volume with the instance
    # And once the instance is terminated (or gone from EC2's answers), the volume left is deleted
    del ec2.instances["i-copy"]
    assert check.delete(copy) is True
    assert ec2.calls[-1] == ("delete_volume", "vol-d") and ec2.volumes == {}
    assert RESTORED_WITH_TAG.startswith("strongroom:")


# EFS


@dataclass
class FakeEfs:
    file_systems: dict[str, dict[str, Any]] = field(default_factory=dict)
    mount_targets: dict[str, list[str]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)

    def describe_file_systems(self, FileSystemId: str) -> dict[str, Any]:
        if FileSystemId not in self.file_systems:
            raise refused("FileSystemNotFound")
        return {"FileSystems": [self.file_systems[FileSystemId]]}

    def describe_mount_targets(self, FileSystemId: str) -> dict[str, Any]:
        return {"MountTargets": [{"MountTargetId": m} for m in self.mount_targets.get(FileSystemId, [])]}

    def delete_mount_target(self, MountTargetId: str) -> None:
        self.calls.append(("delete_mount_target", MountTargetId))

    def delete_file_system(self, FileSystemId: str) -> None:
        self.calls.append(("delete_file_system", FileSystemId))
        del self.file_systems[FileSystemId]


def file_system(file_system_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "FileSystemId": file_system_id,
        "LifeCycleState": "available",
        "Encrypted": True,
        "PerformanceMode": "generalPurpose",
        "ThroughputMode": "bursting",
        **changes,
    }


def efs_world(tmp_path: Path) -> tuple[FakeEfs, EfsValidation, dict[str, str]]:
    efs = FakeEfs({"fs-src": file_system("fs-src"), "fs-copy": file_system("fs-copy", Tags=RESTORED)})
    for where in ("fs-src", "fs-copy/aws-backup-restore_2026-05-01T02-00-00Z_job1"):
        (tmp_path / where / "docs").mkdir(parents=True)
        (tmp_path / where / "docs/plan.txt").write_text("the plan\n")
        (tmp_path / where / "photo.bin").write_bytes(b"\x00" * 64)
    check = EfsValidation(lambda: efs, lambda: lambda fs_id: LocalDirectoryTree(tmp_path / fs_id))
    return efs, check, check.record(ARN.format(service="elasticfilesystem", resource="file-system/fs-src"))


def test_an_efs_copy_whose_file_changed_fails_naming_it_and_a_faithful_one_passes(tmp_path: Path) -> None:
    _, check, recorded = efs_world(tmp_path)
    copy = ARN.format(service="elasticfilesystem", resource="file-system/fs-copy")
    assert check.check(recorded, copy).message == "3 files and directories, 73 bytes, with the contents recorded"
    # When a file's bytes differ (same size) and another file is missing
    restored = tmp_path / "fs-copy/aws-backup-restore_2026-05-01T02-00-00Z_job1"
    (restored / "photo.bin").write_bytes(b"\x01" * 64)
    (restored / "docs/plan.txt").unlink()
    verdict = check.check(recorded, copy)
    assert (verdict.passed, verdict.message) == (
        False,
        "The restored EFS file system fs-copy differs from the backup: missing 1: docs/plan.txt; changed 1: photo.bin",
    )


def test_an_efs_check_where_no_file_system_is_mounted_compares_settings_and_says_the_tree_was_not_read() -> None:
    efs = FakeEfs({"fs-src": file_system("fs-src"), "fs-copy": file_system("fs-copy", ThroughputMode="elastic")})
    check = EfsValidation(lambda: efs, lambda: None)
    recorded = check.record(ARN.format(service="elasticfilesystem", resource="file-system/fs-src"))
    assert "treeDigest" not in recorded
    copy = ARN.format(service="elasticfilesystem", resource="file-system/fs-copy")
    assert check.check(recorded, copy).message == (
        "The restored EFS file system fs-copy differs from the backup: ThroughputMode elastic (recorded bursting)"
    )
    efs.file_systems["fs-copy"]["ThroughputMode"] = "bursting"
    assert check.check(recorded, copy).message.endswith("its file tree was not read (no mount of it here)")


def test_an_efs_test_restores_to_a_new_file_system_whose_mount_targets_go_before_it(tmp_path: Path) -> None:
    efs, check, _ = efs_world(tmp_path)
    metadata = check.test_metadata({"file-system-id": "fs-src", "newFileSystem": "false", "Encrypted": "true"}, "AB12")
    assert metadata == {"newFileSystem": "true", "Encrypted": "true", "CreationToken": "strongroom-rt-ab12"}
    efs.mount_targets["fs-copy"] = ["fsmt-1"]
    copy = ARN.format(service="elasticfilesystem", resource="file-system/fs-copy")
    assert check.delete(copy) is False
    efs.mount_targets["fs-copy"] = []
    assert check.delete(copy) is True
    assert efs.calls == [("delete_mount_target", "fsmt-1"), ("delete_file_system", "fs-copy")]
    with pytest.raises(NotARestoredCopy):  # a restore into the source itself (an override) never deletes it
        check.delete(ARN.format(service="elasticfilesystem", resource="file-system/fs-src"))


# FSx and Storage Gateway


@dataclass
class FakeFsx:
    file_systems: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)

    def describe_file_systems(self, FileSystemIds: list[str]) -> dict[str, Any]:
        if FileSystemIds[0] not in self.file_systems:
            raise refused("FileSystemNotFound")
        return {"FileSystems": [self.file_systems[FileSystemIds[0]]]}

    def delete_file_system(self, **request: Any) -> None:
        self.calls.append(request)
        self.file_systems[request["FileSystemId"]]["Lifecycle"] = "DELETING"


def test_an_fsx_copy_of_another_capacity_fails_and_a_copy_is_deleted_without_a_final_backup() -> None:
    lustre = {"Lifecycle": "AVAILABLE", "FileSystemType": "LUSTRE", "StorageCapacity": 1200, "StorageType": "SSD"}
    fsx = FakeFsx({"fs-src": lustre, "fs-copy": {**lustre, "StorageCapacity": 2400, "Tags": RESTORED}})
    check = FsxValidation(lambda: fsx)
    recorded = check.record(ARN.format(service="fsx", resource="file-system/fs-src"))
    copy = ARN.format(service="fsx", resource="file-system/fs-copy")
    assert check.check(recorded, copy).message == (
        "The restored FSx file system fs-copy differs from the backup: StorageCapacity 2400 (recorded 1200)"
    )
    assert check.delete(copy) is False  # DELETING
    assert fsx.calls == [{"FileSystemId": "fs-copy", "LustreConfiguration": {"SkipFinalBackup": True}}]
    del fsx.file_systems["fs-copy"]
    assert check.delete(copy) is True


GATEWAY = "arn:aws:storagegateway:us-east-1:123456789012:gateway/sgw-1"


@dataclass
class FakeGateway:
    volumes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tags: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)

    def list_volumes(self, GatewayARN: str, **_: Any) -> dict[str, Any]:
        return {"VolumeInfos": [{"VolumeARN": arn, "VolumeType": "CACHED iSCSI"} for arn in self.volumes]}

    def describe_cached_iscsi_volumes(self, VolumeARNs: list[str]) -> dict[str, Any]:
        return {"CachediSCSIVolumes": [self.volumes[a] for a in VolumeARNs]}

    def list_tags_for_resource(self, ResourceARN: str, **_: Any) -> dict[str, Any]:
        return {"Tags": self.tags.get(ResourceARN, [])}

    def delete_volume(self, VolumeARN: str) -> None:
        self.deleted.append(VolumeARN)
        del self.volumes[VolumeARN]


def test_a_gateway_volume_copy_of_another_size_fails_and_only_a_restored_volume_is_deleted() -> None:
    source, copy = f"{GATEWAY}/volume/vol-1", f"{GATEWAY}/volume/vol-2"
    gateway = FakeGateway(
        {
            source: {"VolumeId": "vol-1", "VolumeStatus": "AVAILABLE", "VolumeSizeInBytes": 10 * GIB},
            copy: {"VolumeId": "vol-2", "VolumeStatus": "AVAILABLE", "VolumeSizeInBytes": 20 * GIB},
        }
    )
    check = StorageGatewayValidation(lambda: gateway, lambda: FakeEc2())
    recorded = check.record(source)
    assert check.check(recorded, copy).message == (
        f"The restored gateway volume vol-2 differs from the backup: VolumeSizeInBytes {20 * GIB} (recorded {10 * GIB})"
    )
    with pytest.raises(NotARestoredCopy):
        check.delete(source)
    gateway.tags[copy] = RESTORED
    assert check.delete(copy) is True and gateway.deleted == [copy]


def test_a_gateway_volume_restored_to_ebs_is_compared_by_its_size() -> None:
    source = f"{GATEWAY}/volume/vol-1"
    gateway = FakeGateway({source: {"VolumeId": "vol-1", "VolumeStatus": "AVAILABLE", "VolumeSizeInBytes": 10 * GIB}})
    ec2 = FakeEc2(volumes={"vol-ebs": volume("vol-ebs", 10)})
    check = StorageGatewayValidation(lambda: gateway, lambda: ec2)
    verdict = check.check(check.record(source), ARN.format(service="ec2", resource="volume/vol-ebs"))
    assert verdict.passed, verdict.message
    ec2.volumes["vol-ebs"]["Size"] = 12
    assert not check.check(check.record(source), ARN.format(service="ec2", resource="volume/vol-ebs")).passed


def test_the_iam_conditions_name_the_tags_restores_and_cleanups_put_on_what_they_make() -> None:
    from lambdas.resources.ec2.iam import MARK_RESTORED_VOLUMES
    from lambdas.resources.grants import RESTORE_TAG_KEY, restored_only

    assert RESTORE_TAG_KEY == RESTORE_TAG
    assert restored_only() == (("StringLike", ((f"aws:ResourceTag/{RESTORE_TAG}", "*"),)),)
    assert MARK_RESTORED_VOLUMES.conditions[0][1][0][0] == f"aws:RequestTag/{RESTORED_WITH_TAG}"
