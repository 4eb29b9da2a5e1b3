"""Every emulated service Strongroom protects, as a user reaches it: `python -m local serve` in its own process,
the service's own boto3 client signed (SigV4) and sent over HTTP to its one endpoint, the backup and the restore
through AWS Backup's API, the clock advanced through POST /_strongroom/advance, and the restored resource checked
with the service's client again (its data too, where the emulator keeps data). EBS, DynamoDB, RDS, Aurora,
DocumentDB, Neptune, S3, EFS, Storage Gateway (moto has none: the stand-in answers), FSx (moto's backups stayed
CREATING and its file systems lacked Lifecycle: filled in) and EC2 (moto's images ignored the instance's volumes:
filled in). One serve for the module, reset through POST /_strongroom/reset before each test."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.serve_process import REGION, ServeProcess

pytestmark = pytest.mark.e2e
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole"
GIB = 1024**3


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    serve = ServeProcess(tmp_path_factory.mktemp("efs")).start()
    try:
        yield serve
    finally:
        serve.stop()


@pytest.fixture
def serve(served: ServeProcess) -> ServeProcess:
    assert served.control("reset", {})["reset"] is True
    served.client("backup").create_backup_vault(BackupVaultName="main")
    return served


def backed_up(serve: ServeProcess, resource_arn: str) -> tuple[str, dict[str, str]]:
    """StartBackupJob, the clock advanced over HTTP until the job is COMPLETED: its recovery point and the
    restore metadata GetRecoveryPointRestoreMetadata gives for it."""
    backup = serve.client("backup")
    job_id = backup.start_backup_job(BackupVaultName="main", ResourceArn=resource_arn, IamRoleArn=ROLE)["BackupJobId"]
    if resource_arn.startswith("arn:aws:s3:::"):
        # An S3 backup lists the bucket only once S3's clock (moto's: the wall clock, not the virtual one) has
        # left the second the backup started in (docs/copy-into-vault.md); an advance inside that second fires
        # every tracking run before then, and the job would wait for the next one, 30 virtual minutes away.
        time.sleep(1.05)
    serve.control("advance", {"minutes": 30})
    job = backup.describe_backup_job(BackupJobId=job_id)
    assert job["State"] == "COMPLETED", job.get("StatusMessage")
    point = job["RecoveryPointArn"]
    metadata = backup.get_recovery_point_restore_metadata(BackupVaultName="main", RecoveryPointArn=point)
    return point, dict(metadata["RestoreMetadata"])


def restored(serve: ServeProcess, point: str, metadata: dict[str, str]) -> str:
    """StartRestoreJob with that metadata, waited for: the restored resource's ARN."""
    backup = serve.client("backup")
    restore_id = backup.start_restore_job(RecoveryPointArn=point, Metadata=metadata, IamRoleArn=ROLE)["RestoreJobId"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job: dict[str, Any] = backup.describe_restore_job(RestoreJobId=restore_id)
        if job["Status"] not in ("PENDING", "RUNNING"):
            assert job["Status"] == "COMPLETED", job.get("StatusMessage")
            return str(job["CreatedResourceArn"])
        time.sleep(0.2)
    raise AssertionError(f"restore job {restore_id} still running")


def restored_from(serve: ServeProcess, resource_arn: str) -> str:
    """Backed up, then restored with the metadata the API gives for its point: the restored resource's ARN."""
    point, metadata = backed_up(serve, resource_arn)
    return restored(serve, point, metadata)


def test_given_a_storage_gateway_volume_when_backed_up_and_restored_then_a_new_volume_is_on_its_gateway(
    serve: ServeProcess,
) -> None:
    # Given a cached volume made with boto3's own storagegateway client, through the endpoint
    sgw = serve.client("storagegateway")
    gateway = sgw.activate_gateway(
        ActivationKey="AAAAA-BBBBB-CCCCC-DDDDD-EEEEE",
        GatewayName="office",
        GatewayTimezone="GMT",
        GatewayRegion=REGION,
        GatewayType="CACHED",
    )["GatewayARN"]
    interface = sgw.describe_gateway_information(GatewayARN=gateway)["GatewayNetworkInterfaces"][0]
    volume = sgw.create_cached_iscsi_volume(
        GatewayARN=gateway,
        VolumeSizeInBytes=10 * GIB,
        TargetName="data",
        NetworkInterfaceId=interface["Ipv4Address"],
        ClientToken="token-data",
    )["VolumeARN"]
    # When backed up and restored to its gateway through AWS Backup's API
    restored = restored_from(serve, volume)
    # Then the client finds the new volume on the gateway, with the source's size
    (found,) = sgw.describe_cached_iscsi_volumes(VolumeARNs=[restored])["CachediSCSIVolumes"]
    assert found["VolumeSizeInBytes"] == 10 * GIB and found["VolumeARN"] != volume
    # And Storage Gateway's own error comes back as botocore parses it
    with pytest.raises(sgw.exceptions.InvalidGatewayRequestException):
        sgw.describe_gateway_information(GatewayARN=f"{gateway[:-4]}0000")


def test_given_an_fsx_file_system_when_backed_up_and_restored_then_a_new_one_is_available_with_its_backup(
    serve: ServeProcess,
) -> None:
    # Given a Lustre file system made with boto3's own fsx client, through the endpoint
    fsx = serve.client("fsx")
    source = fsx.create_file_system(
        FileSystemType="LUSTRE",
        StorageCapacity=1200,
        SubnetIds=["subnet-0123456789abcdef0"],
        LustreConfiguration={"DeploymentType": "PERSISTENT_2", "PerUnitStorageThroughput": 125},
    )["FileSystem"]
    # When backed up and restored through AWS Backup's API
    restored = restored_from(serve, source["ResourceARN"])
    # Then the client sees the restored file system AVAILABLE with the source's type and size, and the backup
    # behind the recovery point AVAILABLE (not CREATING, as plain moto leaves it)
    (found,) = [fs for fs in fsx.describe_file_systems()["FileSystems"] if fs["ResourceARN"] == restored]
    assert (found["Lifecycle"], found["FileSystemType"], found["StorageCapacity"]) == ("AVAILABLE", "LUSTRE", 1200)
    backups = fsx.describe_backups()["Backups"]
    assert backups and all(b["Lifecycle"] == "AVAILABLE" for b in backups)


def test_given_an_instance_with_a_data_volume_when_backed_up_and_restored_then_the_new_one_has_both_disks(
    serve: ServeProcess,
) -> None:
    # Given an instance with a 20 GiB data volume, made with boto3's own ec2 client, through the endpoint
    ec2 = serve.client("ec2")
    image = ec2.register_image(Name="base", RootDeviceName="/dev/sda1")["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro")["Instances"][0]
    data = ec2.create_volume(AvailabilityZone=instance["Placement"]["AvailabilityZone"], Size=20)["VolumeId"]
    ec2.attach_volume(VolumeId=data, InstanceId=instance["InstanceId"], Device="/dev/sdf")
    arn = f"arn:aws:ec2:{REGION}:123456789012:instance/{instance['InstanceId']}"
    # When backed up and restored through AWS Backup's API
    restored = restored_from(serve, arn)
    # Then the restored instance has the source's disks: the root and the data volume, each at its device
    new_id = restored.rsplit("/", 1)[1]
    (new,) = ec2.describe_instances(InstanceIds=[new_id])["Reservations"][0]["Instances"]
    sizes = {
        m["DeviceName"]: ec2.describe_volumes(VolumeIds=[m["Ebs"]["VolumeId"]])["Volumes"][0]["Size"]
        for m in new["BlockDeviceMappings"]
    }
    assert sizes == {"/dev/sda1": 8, "/dev/sdf": 20}


def test_given_an_ebs_volume_when_backed_up_and_restored_then_a_new_volume_has_its_size_and_type(
    serve: ServeProcess,
) -> None:
    # Given a 12 GiB gp3 volume made with ec2's own client
    ec2 = serve.client("ec2")
    volume = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=12, VolumeType="gp3")["VolumeId"]
    # When it is backed up and restored with the metadata the API gives for its point
    point, metadata = backed_up(serve, f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{volume}")
    arn = restored(serve, point, metadata)
    # Then the client finds a new volume of the source's size and type
    new_id = arn.rsplit("/", 1)[1]
    (found,) = ec2.describe_volumes(VolumeIds=[new_id])["Volumes"]
    assert (new_id != volume, found["Size"], found["VolumeType"]) == (True, 12, "gp3")


def test_given_a_dynamodb_table_when_backed_up_changed_and_restored_then_the_new_table_has_the_items_of_the_backup(
    serve: ServeProcess,
) -> None:
    # Given a table with two items, made with dynamodb's own client
    ddb = serve.client("dynamodb")
    table = ddb.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )["TableDescription"]
    for order in ("o-1", "o-2"):
        ddb.put_item(TableName="orders", Item={"id": {"S": order}, "total": {"N": "10"}})
    point, metadata = backed_up(serve, table["TableArn"])
    # When an item is deleted after the backup, and the point is restored into a new table
    ddb.delete_item(TableName="orders", Key={"id": {"S": "o-1"}})
    arn = restored(serve, point, {**metadata, "targetTableName": "orders-restored"})
    # Then the new table holds the items as of the backup
    assert arn.endswith(":table/orders-restored")
    items = ddb.scan(TableName="orders-restored")["Items"]
    assert sorted(i["id"]["S"] for i in items) == ["o-1", "o-2"]


def test_given_an_rds_instance_when_backed_up_and_restored_then_a_new_instance_has_its_engine_and_settings(
    serve: ServeProcess,
) -> None:
    # Given a postgres instance made with rds's own client
    rds = serve.client("rds")
    source = rds.create_db_instance(
        DBInstanceIdentifier="ledger",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="admin",
        MasterUserPassword="password123",
    )["DBInstance"]
    # When backed up and restored under a new identifier (the source still exists)
    point, metadata = backed_up(serve, source["DBInstanceArn"])
    assert metadata["Engine"] == "postgres"
    arn = restored(serve, point, {**metadata, "DBInstanceIdentifier": "ledger-restored"})
    # Then the client finds the new instance available, with the source's engine, class and storage
    assert arn == f"arn:aws:rds:{REGION}:{ACCOUNT}:db:ledger-restored"
    (db,) = rds.describe_db_instances(DBInstanceIdentifier="ledger-restored")["DBInstances"]
    assert (db["DBInstanceStatus"], db["Engine"], db["DBInstanceClass"], db["AllocatedStorage"]) == (
        "available",
        "postgres",
        "db.t3.micro",
        20,
    )


@pytest.mark.parametrize(
    ("service", "engine", "resource_type"),
    [("rds", "aurora-postgresql", "Aurora"), ("docdb", "docdb", "DocumentDB"), ("neptune", "neptune", "Neptune")],
)
def test_given_a_cluster_when_backed_up_and_restored_then_a_new_cluster_has_its_engine_and_settings(
    serve: ServeProcess, service: str, engine: str, resource_type: str
) -> None:
    # Given a cluster made with the service's own client (rds, docdb or neptune)
    client = serve.client(service)
    request: dict[str, Any] = {"DBClusterIdentifier": "books", "Engine": engine, "Port": 6543}
    if resource_type != "Neptune":
        request.update(MasterUsername="admin", MasterUserPassword="password123")
    source = client.create_db_cluster(**request)["DBCluster"]
    # When backed up (a point of the cluster's own type) and restored under a new identifier
    point, metadata = backed_up(serve, source["DBClusterArn"])
    described = serve.client("backup").describe_recovery_point(BackupVaultName="main", RecoveryPointArn=point)
    assert (described["ResourceType"], metadata["Engine"]) == (resource_type, engine)
    arn = restored(serve, point, {**metadata, "DBClusterIdentifier": "books-restored"})
    # Then the service's client finds the new cluster available, with the source's engine and port
    assert arn == f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:books-restored"
    (cluster,) = client.describe_db_clusters(DBClusterIdentifier="books-restored")["DBClusters"]
    assert (cluster["Status"], cluster["Engine"], cluster["Port"]) == ("available", engine, 6543)


def test_given_a_versioned_bucket_when_backed_up_changed_and_restored_then_the_new_bucket_has_the_backups_objects(
    serve: ServeProcess,
) -> None:
    # Given a versioned bucket whose page has two versions, made with s3's own client
    s3 = serve.client("s3")
    s3.create_bucket(Bucket="site")
    s3.put_bucket_versioning(Bucket="site", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="site", Key="index.html", Body=b"<h1>v1</h1>")
    s3.put_object(Bucket="site", Key="index.html", Body=b"<h1>v2</h1>")
    s3.put_object(Bucket="site", Key="about.txt", Body=b"about")
    point, metadata = backed_up(serve, "arn:aws:s3:::site")
    # When the page is defaced after the backup, and the point restored into a new bucket
    s3.put_object(Bucket="site", Key="index.html", Body=b"<h1>defaced</h1>")
    arn = restored(serve, point, {**metadata, "DestinationBucketName": "site-restored", "NewBucket": "true"})
    # Then the new bucket holds the objects as of the backup, the page at its backed-up version
    assert arn == "arn:aws:s3:::site-restored"
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="site-restored")["Contents"]}
    assert keys == {"index.html", "about.txt"}
    assert s3.get_object(Bucket="site-restored", Key="index.html")["Body"].read() == b"<h1>v2</h1>"
    assert s3.get_object(Bucket="site-restored", Key="about.txt")["Body"].read() == b"about"
    # And the source bucket still has every version it had, the defacement included
    versions = s3.list_object_versions(Bucket="site", Prefix="index.html")["Versions"]
    assert len(versions) == 3


def test_given_an_efs_file_system_with_files_put_the_documented_way_when_restored_then_its_files_come_back(
    serve: ServeProcess, tmp_path: Path
) -> None:
    # Given a file system made with efs's own client, and files put into it with `python -m local efs put`
    efs = serve.client("efs")
    fs_id = efs.create_file_system(CreationToken="shared", PerformanceMode="generalPurpose")["FileSystemId"]
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "q1.txt").write_text("revenue up\n")
    (tmp_path / "photo.bin").write_bytes(bytes(range(256)) * 8)
    serve.efs_put(fs_id, tmp_path / "reports", tmp_path / "photo.bin", into="/data")
    point, metadata = backed_up(serve, f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:file-system/{fs_id}")
    # When a file is changed after the backup, and the point restored (into the file system, as AWS does
    # by default: a folder aws-backup-restore_<timestamp> at its root)
    (serve.efs_dir / fs_id / "data" / "reports" / "q1.txt").write_text("overwritten\n")
    arn = restored(serve, point, metadata)
    # Then the restored files are those of the backup
    assert arn.endswith(f":file-system/{fs_id}")
    (folder,) = [p for p in (serve.efs_dir / fs_id).iterdir() if p.name.startswith("aws-backup-restore_")]
    assert (folder / "data" / "reports" / "q1.txt").read_text() == "revenue up\n"
    assert (folder / "data" / "photo.bin").read_bytes() == bytes(range(256)) * 8
    # And the file system the client describes is still there, available
    (described,) = efs.describe_file_systems(FileSystemId=fs_id)["FileSystems"]
    assert described["LifeCycleState"] == "available"


def test_given_serve_when_a_request_line_is_over_its_limit_then_api_gateways_json_413_comes_back(
    served: ServeProcess,
) -> None:
    # Given the serving endpoint, when a GET's URI is longer than the HTTP server reads
    request = urllib.request.Request(f"{served.endpoint}/backup-vaults/?x={'a' * 70_000}")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    # Then API Gateway's REQUEST_TOO_LARGE gateway response, JSON, not http.server's HTML 414
    assert (refused.value.code, refused.value.headers["Content-Type"]) == (413, "application/json")
    assert json.loads(refused.value.read())["message"].startswith("Request Too Long")
