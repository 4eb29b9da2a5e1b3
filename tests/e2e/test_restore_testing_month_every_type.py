"""Issue 15's "Done when", through boto3's `backup` client on the local runtime: one resource of every type
Strongroom backs up, backed up every Saturday, and a restore testing plan with a selection per type that tests
them every Sunday, run for a simulated month. For each type, every Sunday's restore job COMPLETED, was validated,
was cleaned up, and recorded its recovery time, which DescribeProtectedResource and the next restore's
ExpectedCompletionTimeMinutes then answer.

What "validated" and "cleaned up" mean follows the type's data check: a type with a check (its own
lambdas/resources/<type>/validation.py) is validated SUCCESSFUL by it and its restored copy is deleted and gone
from the emulated service; a type without one yet is validated by its restore completing and its copy is left
for its owner (DeletionStatus FAILED, saying so), as docs/restore-testing.md says. The test reads which types
have a check from the code, so a type that gains one is held to the check from then on."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lambdas.resources.types import TYPES
from lambdas.services.restore_testing_checks import build_restore_checks
from local.runtime import LocalRuntime
from tests.e2e.waiting import wait_for_restore_job

pytestmark = pytest.mark.e2e
ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole"
GIB = 1024**3
ALERTS_TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:strongroom-alerts"
SUNDAYS_IN_MAY = 5  # the runtime starts on Friday 2026-05-01
CHECKED = set(build_restore_checks(lambda service: lambda: None).supported_types())
# The types whose restore metadata names the restored resource after its source (an identifier unique in the
# account): a type's check renames it for each test (RestoreCheck.test_metadata); without a check the name stays
# the source's, and the run refuses the restore as colliding with the source rather than start it.
NAMED_AFTER_SOURCE = {
    "RDS": "DBInstanceIdentifier",
    "Aurora": "DBClusterIdentifier",
    "DocumentDB": "DBClusterIdentifier",
    "Neptune": "DBClusterIdentifier",
    "Redshift": "ClusterIdentifier",
}
REFUSED = set(NAMED_AFTER_SOURCE) - CHECKED


def _ebs(rt: LocalRuntime) -> str:
    volume = rt.client("ec2").create_volume(AvailabilityZone=f"{REGION}a", Size=8, VolumeType="gp3")["VolumeId"]
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{volume}"


def _ec2(rt: LocalRuntime) -> str:
    ec2 = rt.client("ec2")
    image = ec2.register_image(Name="base", RootDeviceName="/dev/sda1")["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro")["Instances"][0]
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{instance['InstanceId']}"


def _rds(rt: LocalRuntime) -> str:
    db = rt.client("rds").create_db_instance(
        DBInstanceIdentifier="ledger",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="admin",
        MasterUserPassword="password123",
    )["DBInstance"]
    return str(db["DBInstanceArn"])


def _cluster(service: str, engine: str, name: str) -> Callable[[LocalRuntime], str]:
    def make(rt: LocalRuntime) -> str:
        request: dict[str, Any] = {"DBClusterIdentifier": name, "Engine": engine}
        if service != "neptune":
            request.update(MasterUsername="admin", MasterUserPassword="password123")
        return str(rt.client(service).create_db_cluster(**request)["DBCluster"]["DBClusterArn"])

    return make


def _dynamodb(rt: LocalRuntime) -> str:
    ddb = rt.client("dynamodb")
    table = ddb.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )["TableDescription"]
    for n in range(3):
        ddb.put_item(TableName="orders", Item={"id": {"S": f"o{n}"}})
    return str(table["TableArn"])


def _s3(rt: LocalRuntime) -> str:
    s3 = rt.client("s3")
    s3.create_bucket(Bucket="every-type-photos")
    s3.put_bucket_versioning(Bucket="every-type-photos", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="every-type-photos", Key="a.txt", Body=b"alpha")
    return "arn:aws:s3:::every-type-photos"


def _efs(rt: LocalRuntime) -> str:
    fs_id = rt.client("efs").create_file_system(CreationToken="shared")["FileSystemId"]
    (rt.efs_directory(fs_id) / "notes.txt").write_text("kept\n")  # a file on its mount, as `efs put` leaves it
    return f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:file-system/{fs_id}"


def _fsx(rt: LocalRuntime) -> str:
    fs = rt.client("fsx").create_file_system(
        FileSystemType="LUSTRE",
        StorageCapacity=1200,
        SubnetIds=["subnet-0123456789abcdef0"],
        LustreConfiguration={"DeploymentType": "PERSISTENT_2", "PerUnitStorageThroughput": 125},
    )["FileSystem"]
    return str(fs["ResourceARN"])


def _storage_gateway(rt: LocalRuntime) -> str:
    sgw = rt.client("storagegateway")
    gateway = sgw.activate_gateway(
        ActivationKey="AAAAA-BBBBB-CCCCC-DDDDD-EEEEE",
        GatewayName="office",
        GatewayTimezone="GMT",
        GatewayRegion=REGION,
        GatewayType="CACHED",
    )["GatewayARN"]
    interface = sgw.describe_gateway_information(GatewayARN=gateway)["GatewayNetworkInterfaces"][0]
    return str(
        sgw.create_cached_iscsi_volume(
            GatewayARN=gateway,
            VolumeSizeInBytes=10 * GIB,
            TargetName="data",
            NetworkInterfaceId=interface["Ipv4Address"],
            ClientToken="token-data",
        )["VolumeARN"]
    )


def _redshift(rt: LocalRuntime) -> str:
    rt.client("redshift").create_cluster(
        ClusterIdentifier="sales",
        NodeType="ra3.xlplus",
        MasterUsername="admin",
        MasterUserPassword="Passw0rd!",
        ClusterType="multi-node",
        NumberOfNodes=2,
    )
    return f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:sales"


# One source per type, made with the type's own client.
SOURCES: dict[str, Callable[[LocalRuntime], str]] = {
    "EBS": _ebs,
    "EC2": _ec2,
    "RDS": _rds,
    "Aurora": _cluster("rds", "aurora-postgresql", "books"),
    "DocumentDB": _cluster("docdb", "docdb", "notes"),
    "Neptune": _cluster("neptune", "neptune", "graph"),
    "DynamoDB": _dynamodb,
    "S3": _s3,
    "EFS": _efs,
    "FSx": _fsx,
    "Storage Gateway": _storage_gateway,
    "Redshift": _redshift,
}


def _tail(arn: str) -> str:
    return arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def _exists(rt: LocalRuntime, resource_type: str, arn: str) -> bool:
    """Whether the type's own client still finds the resource."""
    name = _tail(arn)
    reads: dict[str, Callable[[], object]] = {
        "EBS": lambda: rt.client("ec2").describe_volumes(VolumeIds=[name]),
        "EC2": lambda: (
            [
                i
                for r in rt.client("ec2").describe_instances(InstanceIds=[name])["Reservations"]
                for i in r["Instances"]
                if i["State"]["Name"] != "terminated"
            ]
            or _missing()
        ),
        "RDS": lambda: rt.client("rds").describe_db_instances(DBInstanceIdentifier=name),
        "Aurora": lambda: rt.client("rds").describe_db_clusters(DBClusterIdentifier=name),
        "DocumentDB": lambda: rt.client("docdb").describe_db_clusters(DBClusterIdentifier=name),
        "Neptune": lambda: rt.client("neptune").describe_db_clusters(DBClusterIdentifier=name),
        "DynamoDB": lambda: rt.client("dynamodb").describe_table(TableName=name),
        "S3": lambda: rt.client("s3").head_bucket(Bucket=name),
        "EFS": lambda: rt.client("efs").describe_file_systems(FileSystemId=name),
        "FSx": lambda: rt.client("fsx").describe_file_systems(FileSystemIds=[name]),
        "Storage Gateway": lambda: rt.client("storagegateway").describe_cached_iscsi_volumes(VolumeARNs=[arn]),
        "Redshift": lambda: rt.client("redshift").describe_clusters(ClusterIdentifier=name),
    }
    try:
        reads[resource_type]()
    except ClientError:
        return False
    return True


def _missing() -> object:
    raise ClientError({"Error": {"Code": "NotFound", "Message": "terminated"}}, "DescribeInstances")


def listen_to_alerts(rt: LocalRuntime) -> str:
    """An SQS queue subscribed to the stack's alerts topic (strongroom-alerts): its URL."""
    sqs = rt.client("sqs")
    url = str(sqs.create_queue(QueueName="alerts-listener")["QueueUrl"])
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rt.client("sns").subscribe(TopicArn=ALERTS_TOPIC, Protocol="sqs", Endpoint=queue_arn)
    return url


def alerts(rt: LocalRuntime, url: str) -> list[dict[str, Any]]:
    """The events the alerts topic delivered (SNS wraps each EventBridge event in its Message)."""
    found: list[dict[str, Any]] = []
    while messages := rt.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        found += [json.loads(json.loads(m["Body"])["Message"]) for m in messages]
        rt.client("sqs").delete_message_batch(
            QueueUrl=url, Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)]
        )
    return found


def protect_every_type(rt: LocalRuntime, backup: Any) -> dict[str, str]:
    """Given one source of each type, backed up every Saturday at 05:00 UTC into the vault `main`."""
    sources = {resource_type: make(rt) for resource_type, make in SOURCES.items()}
    backup.create_backup_vault(BackupVaultName="main")
    rule = {"RuleName": "saturdays", "TargetBackupVaultName": "main", "ScheduleExpression": "cron(0 5 ? * SAT *)",
            "Lifecycle": {"DeleteAfterDays": 35}}  # fmt: skip
    plan_id = backup.create_backup_plan(BackupPlan={"BackupPlanName": "weekly", "Rules": [rule]})["BackupPlanId"]
    backup.create_backup_selection(
        BackupPlanId=plan_id,
        BackupSelection={"SelectionName": "every-type", "IamRoleArn": ROLE, "Resources": list(sources.values())},
    )
    return sources


def test_every_type_restore_tested_weekly_for_a_month_completes_validates_cleans_up_and_is_timed(
    runtime: LocalRuntime,
) -> None:
    backup = runtime.client("backup")
    # Given the registry's every type, each with a source backed up weekly
    assert set(SOURCES) == {spec.resource_type for spec in TYPES}
    sources = protect_every_type(runtime, backup)
    alerts_queue = listen_to_alerts(runtime)
    # And a plan that tests every type on Sundays at 08:00 UTC, from the last week's points
    point_selection = {"Algorithm": "LATEST_WITHIN_WINDOW", "IncludeVaults": ["*"], "RecoveryPointTypes": ["SNAPSHOT"],
                       "SelectionWindowDays": 7}  # fmt: skip
    plan_arn = backup.create_restore_testing_plan(
        RestoreTestingPlan={
            "RestoreTestingPlanName": "every_type",
            "ScheduleExpression": "cron(0 8 ? * SUN *)",
            "RecoveryPointSelection": point_selection,
        }
    )["RestoreTestingPlanArn"]
    for n, resource_type in enumerate(SOURCES):
        backup.create_restore_testing_selection(
            RestoreTestingPlanName="every_type",
            RestoreTestingSelection={
                "RestoreTestingSelectionName": f"type_{n}",
                "ProtectedResourceType": resource_type,
                "IamRoleArn": ROLE,
                "ProtectedResourceArns": ["*"],
                "ValidationWindowHours": 1,
            },
        )

    # When a month goes by a week at a time: to each Sunday at 08:00, where the clock stays while that Sunday's
    # restores run (the workflow runs in real time beside the virtual clock), then on to the next
    runtime.advance(timedelta(days=2, hours=8))  # Friday 00:00 -> Sunday 08:00
    for week in range(SUNDAYS_IN_MAY):
        for job in backup.list_restore_jobs(ByRestoreTestingPlanArn=plan_arn)["RestoreJobs"]:
            wait_for_restore_job(backup, job["RestoreJobId"], seconds=120)
        if week == SUNDAYS_IN_MAY - 1:
            # (and on the last Sunday the user's own validation finds the restored table wrong, before the check)
            tables = backup.list_restore_jobs(ByRestoreTestingPlanArn=plan_arn, ByResourceType="DynamoDB")
            user_failed = max(tables["RestoreJobs"], key=lambda j: j["CreationDate"])
            backup.put_restore_validation_result(
                RestoreJobId=user_failed["RestoreJobId"],
                ValidationStatus="FAILED",
                ValidationStatusMessage="the orders do not add up",
            )
        runtime.advance(timedelta(days=7) if week < SUNDAYS_IN_MAY - 1 else timedelta(hours=3))
    # (the last Sunday's hourly sweeps: check, validation window, delete)

    # Then every type was restore tested every Sunday, but those a test without a check cannot rename
    jobs = backup.list_restore_jobs(ByRestoreTestingPlanArn=plan_arn)["RestoreJobs"]
    by_type: dict[str, list[dict[str, Any]]] = {}
    for job in jobs:
        by_type.setdefault(job["ResourceType"], []).append(job)
    assert {t: len(js) for t, js in by_type.items()} == dict.fromkeys(set(SOURCES) - REFUSED, SUNDAYS_IN_MAY)
    for resource_type in REFUSED:
        # (whose inferred metadata, which a run restores with, names the source itself)
        (point, *_) = backup.list_recovery_points_by_resource(ResourceArn=sources[resource_type])["RecoveryPoints"]
        inferred = backup.get_restore_testing_inferred_metadata(
            BackupVaultName="main", RecoveryPointArn=point["RecoveryPointArn"]
        )["InferredMetadata"]
        assert inferred[NAMED_AFTER_SOURCE[resource_type]] == _tail(sources[resource_type])
    for resource_type, type_jobs in by_type.items():
        for job in type_jobs:
            context = (resource_type, job.get("StatusMessage"), job.get("ValidationStatusMessage"))
            # And each restore COMPLETED, from the type's source, marked as the plan's
            assert job["Status"] == "COMPLETED", context
            assert job["SourceResourceArn"] == sources[resource_type]
            assert job["CreatedBy"] == {"RestoreTestingPlanArn": plan_arn}
            # And was validated: by the type's data check, or by its restore completing where there is none (but
            # for the one the user judged first)
            if job["RestoreJobId"] == user_failed["RestoreJobId"]:
                verdict = (job["ValidationStatus"], job["ValidationStatusMessage"])
                assert verdict == ("FAILED", "the orders do not add up")
                assert job["DeletionStatus"] == "SUCCESSFUL"
                continue
            assert job["ValidationStatus"] == "SUCCESSFUL", context
            restored = job["CreatedResourceArn"]
            if resource_type in CHECKED:
                assert "no data check" not in job["ValidationStatusMessage"], context
                # And cleaned up: deleted, and gone from the emulated service
                assert job["DeletionStatus"] == "SUCCESSFUL", (resource_type, job.get("DeletionStatusMessage"))
                assert not _exists(runtime, resource_type, restored), context
            else:
                assert job["ValidationStatusMessage"] == (
                    f"The restore completed; Strongroom has no data check for {resource_type}"
                )
                assert job["DeletionStatus"] == "FAILED"
                assert job["DeletionStatusMessage"] == (
                    f"Strongroom cannot delete a restored {resource_type} resource yet: delete {restored} yourself"
                )
        # And the sources themselves are untouched
        assert _exists(runtime, resource_type, sources[resource_type]), resource_type

    # And the failed validation alerted through the stack's alerts topic, as a Restore Job State Change event: the
    # verdict itself, and again each later event of that job (its copy's deletion), which still carries it
    alerted = [a for a in alerts(runtime, alerts_queue) if a["detail"].get("validationStatus") == "FAILED"]
    assert {(a["detail-type"], a["detail"]["restoreJobId"]) for a in alerted} == {
        ("Restore Job State Change", user_failed["RestoreJobId"])
    }
    verdicts = [a["detail"] for a in alerted if "deletionStatus" not in a["detail"]]
    assert [(d["validationStatusMessage"], d["restoreTestingPlanArn"]) for d in verdicts] == [
        ("the orders do not add up", plan_arn)
    ]

    # And each type's recovery time is measured. The virtual clock stood at Sunday 08:00 while the restores ran, so
    # each took 0 virtual minutes from request to usable resource: the source's latest restore says so, and every
    # restore after a type's first expected what the earlier ones took (the first had no history to go by)
    for resource_type, source in sources.items():
        if resource_type in REFUSED:
            continue
        described = backup.describe_protected_resource(ResourceArn=source)
        newest = max(by_type[resource_type], key=lambda j: j["CreationDate"])
        assert described["LatestRestoreJobCreationDate"] == newest["CreationDate"]
        assert described["LatestRestoreRecoveryPointCreationDate"] == newest["RecoveryPointCreationDate"]
        assert described["LatestRestoreExecutionTimeMinutes"] == 0, resource_type
        oldest_first = sorted(by_type[resource_type], key=lambda j: j["CreationDate"])
        assert "ExpectedCompletionTimeMinutes" not in oldest_first[0]
        assert [j["ExpectedCompletionTimeMinutes"] for j in oldest_first[1:]] == [0] * (SUNDAYS_IN_MAY - 1)
        assert backup.describe_restore_job(RestoreJobId=newest["RestoreJobId"])["ExpectedCompletionTimeMinutes"] == 0
