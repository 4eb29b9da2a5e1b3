"""AWS calls per backup job, on moto: a page of jobs is started, tracked to completion and recorded the way the
services do it with the batch capabilities (StartQuota once per batch, BatchStatus and BatchDescribe once per
page, restore metadata per job), and every call made through lambdas.common.aws clients is counted. The target is
at most 5 calls per job of every type, batched calls counted as their share; the EC2, DynamoDB and RDS cycles
cost 9, 5 and 6 calls per job before these capabilities.

moto gaps filled by local/adapter_gaps.py: RDS DescribeAccountAttributes, and DynamoDB's SourceTableFeatureDetails
(the SSE key of a backed-up table)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import boto3
import pytest

from tests.integration.builders import ACCOUNT, REGION

JOBS = 10
JOB_TAG = "strongroom:backup-job-id"


pytestmark = pytest.mark.usefixtures("adapter_gaps")


def adapter_for(kind: str) -> Any:
    from lambdas.common import aws
    from lambdas.resources.dynamodb.adapter import DynamoDbAdapter
    from lambdas.resources.ebs.adapter import EbsAdapter
    from lambdas.resources.ec2.adapter import Ec2Adapter
    from lambdas.resources.rds.adapter import RdsAdapter
    from lambdas.resources.rds_family.clusters import RdsClusterAdapter

    ec2, rds = (lambda: aws.client("ec2")), (lambda: aws.client("rds"))
    return {
        "EBS": lambda: EbsAdapter(ec2, REGION, ACCOUNT),
        "EC2": lambda: Ec2Adapter(ec2, REGION, ACCOUNT),
        "DynamoDB": lambda: DynamoDbAdapter(lambda: aws.client("dynamodb"), REGION, ACCOUNT),
        "RDS": lambda: RdsAdapter(rds, REGION, ACCOUNT),
        "Aurora": lambda: RdsClusterAdapter("Aurora", rds, REGION, ACCOUNT, owns_cluster_arns=True),
    }[kind]()


def resources(kind: str, count: int) -> list[str]:
    """`count` resources of the type, as a plan rule's selection would find them."""
    ec2, rds = boto3.client("ec2", region_name=REGION), boto3.client("rds", region_name=REGION)
    arns = []
    for n in range(count):
        if kind == "EBS":
            volume_id = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8)["VolumeId"]
            arns.append(f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{volume_id}")
        elif kind == "EC2":
            instance = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, InstanceType="m5.large")
            arns.append(f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{instance['Instances'][0]['InstanceId']}")
        elif kind == "DynamoDB":
            arns.append(table(f"orders-{n}"))
        elif kind == "RDS":
            arns.append(
                rds.create_db_instance(
                    DBInstanceIdentifier=f"db-{n}",
                    DBInstanceClass="db.t3.micro",
                    Engine="postgres",
                    AllocatedStorage=20,
                    MasterUsername="admin",
                    MasterUserPassword="password-123",
                )["DBInstance"]["DBInstanceArn"]
            )
        else:
            arns.append(
                rds.create_db_cluster(
                    DBClusterIdentifier=f"cluster-{n}",
                    Engine="aurora-postgresql",
                    MasterUsername="admin",
                    MasterUserPassword="password-123",
                )["DBCluster"]["DBClusterArn"]
            )
    return arns


def table(name: str, kms_key: str | None = None) -> str:
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if kms_key:
        request["SSESpecification"] = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": kms_key}
    return str(boto3.client("dynamodb", region_name=REGION).create_table(**request)["TableDescription"]["TableArn"])


def backup_cycle(adapter: Any, arns: list[str]) -> dict[str, tuple[Any, dict[str, str]]]:
    """What the services do for a page of scheduled jobs with the capabilities: capacity once for the batch,
    each start, statuses and sources once for the page, restore metadata per job, each run passing its memo from
    the batch call to the calls that follow it (job_starts, tracking_service). ARN -> (source, metadata)."""
    from lambdas.resources.base import BatchDescribe, BatchStatus, Phase, RunMemo, StartQuota

    assert isinstance(adapter, BatchStatus) and isinstance(adapter, BatchDescribe)
    starts, page = RunMemo(), RunMemo()
    if isinstance(adapter, StartQuota):
        capacity = adapter.start_capacity(arns, memo=starts)
        assert not capacity.busy and (capacity.room is None or capacity.room >= len(arns))
    natives = {arn: adapter.start_backup(arn, f"JOB-{n}", {"plan": "daily"}, memo=starts) for n, arn in enumerate(arns)}
    statuses = adapter.backup_statuses([native.native_id for native in natives.values()], memo=page)
    assert {progress.phase for progress in statuses.values()} == {Phase.COMPLETED}
    sources = adapter.describe_many(arns, memo=page)
    return {
        arn: (sources[arn], adapter.restore_metadata(natives[arn].native_id, sources[arn], memo=page)) for arn in arns
    }


@pytest.mark.parametrize("kind", ["EBS", "EC2", "DynamoDB", "RDS", "Aurora"])
def test_given_a_page_of_jobs_when_started_tracked_and_recorded_then_each_costs_at_most_five_calls(
    kind: str, aws_calls: Counter[str]
) -> None:
    # Given a page of resources of the type
    arns = resources(kind, JOBS)
    aws_calls.clear()

    # When their jobs are started, tracked to completion and recorded
    recorded = backup_cycle(adapter_for(kind), arns)

    # Then every job was recorded with its source, at no more than 5 calls a job, batched calls as their share
    assert set(recorded) == set(arns)
    assert sum(aws_calls.values()) / JOBS <= 5, aws_calls
    # and no batched operation is called once per job (only the native create, and EC2's snapshot tagging)
    per_job = {op for op, count in aws_calls.items() if count >= JOBS}
    assert per_job <= {
        "CreateSnapshot",
        "CreateImage",
        "CreateTags",
        "CreateBackup",
        "DescribeBackup",
        "CreateDBSnapshot",
        "CreateDBClusterSnapshot",
    }, aws_calls


# EC2


def test_given_a_page_of_amis_when_tracked_then_one_describe_each_of_images_snapshots_instances_and_volumes(
    aws_calls: Counter[str],
) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    arns = resources("EC2", JOBS)
    adapter = adapter_for("EC2")
    aws_calls.clear()

    recorded = backup_cycle(adapter, arns)

    # Then CreateImage alone started each backup (tagging the AMI, no DescribeImages or CreateTags after it)
    # and the page's AMIs, snapshots, instances and volumes were each described in one call
    assert aws_calls == Counter(
        CreateImage=JOBS, CreateTags=JOBS, DescribeImages=1, DescribeSnapshots=1, DescribeInstances=1, DescribeVolumes=1
    )
    # and every AMI's snapshots carry its job, as the AMI does
    images = ec2.describe_images(Owners=["self"])["Images"]
    for image in images:
        job = {t["Key"]: t["Value"] for t in image["Tags"]}[JOB_TAG]
        snapshot_ids = [m["Ebs"]["SnapshotId"] for m in image["BlockDeviceMappings"] if "Ebs" in m]
        for snapshot in ec2.describe_snapshots(SnapshotIds=snapshot_ids)["Snapshots"]:
            assert {t["Key"]: t["Value"] for t in snapshot["Tags"]}[JOB_TAG] == job
    # and the restore metadata is the instance's launch settings, with no describe of its own
    source, metadata = recorded[arns[0]]
    assert metadata["InstanceType"] == "m5.large" and metadata["WindowsVSS"] == "disabled"
    assert metadata == {
        "WindowsVSS": "disabled",
        **adapter_for("EC2").restore_metadata("ami-none", None),
        **source.details,
    }


def test_given_tracked_amis_when_tracked_again_then_snapshots_already_tagged_are_not_tagged_again(
    aws_calls: Counter[str],
) -> None:
    arns = resources("EC2", 3)
    adapter = adapter_for("EC2")
    images = [adapter.start_backup(arn, f"JOB-{n}", {}).native_id for n, arn in enumerate(arns)]
    adapter.backup_statuses(images)  # tags the snapshots
    aws_calls.clear()

    adapter.backup_statuses(images)

    assert "CreateTags" not in aws_calls


def test_given_a_page_with_an_ami_gone_when_tracked_then_it_failed_and_the_others_cost_no_extra_call(
    aws_calls: Counter[str],
) -> None:
    from lambdas.resources.base import Phase

    ec2 = boto3.client("ec2", region_name=REGION)
    arns = resources("EC2", 3)
    adapter = adapter_for("EC2")
    images = [adapter.start_backup(arn, f"JOB-{n}", {}).native_id for n, arn in enumerate(arns)]
    # Given one AMI deregistered meanwhile, and one id EC2 never had
    ec2.deregister_image(ImageId=images[1])
    asked = [*images, "ami-0123456789abcdef0"]
    aws_calls.clear()

    statuses = adapter.backup_statuses(asked)

    assert [statuses[i].phase for i in asked] == [Phase.COMPLETED, Phase.FAILED, Phase.COMPLETED, Phase.FAILED]
    assert aws_calls["DescribeImages"] == 1 and aws_calls["DescribeSnapshots"] == 1


def test_given_an_ami_an_earlier_attempt_made_when_the_job_starts_again_then_find_backup_adopts_it() -> None:
    (arn,) = resources("EC2", 1)
    adapter = adapter_for("EC2")
    # Given an attempt that made the AMI (tagged by CreateImage itself) and crashed before recording it
    first = adapter.start_backup(arn, "JOB-1", {})

    # Then the retried start finds it by the job's tag, with no describe after CreateImage needed
    assert adapter_for("EC2").find_backup(arn, "JOB-1") == first
    assert adapter_for("EC2").find_backup(arn, "JOB-2") is None


def test_given_instances_some_gone_when_described_many_then_the_live_ones_come_back_in_two_calls(
    aws_calls: Counter[str],
) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    arns = resources("EC2", 3)
    ec2.terminate_instances(InstanceIds=[arns[2].rsplit("/", 1)[1]])
    never = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-0123456789abcdef0"
    aws_calls.clear()

    found = adapter_for("EC2").describe_many([*arns, never])

    assert set(found) == set(arns[:2])
    assert found[arns[0]].size_bytes and found[arns[0]].details["InstanceType"] == "m5.large"
    assert aws_calls == Counter(DescribeInstances=1, DescribeVolumes=1)


# EBS


def test_given_volumes_some_gone_when_described_many_then_one_call_describes_the_others_as_describe_does(
    aws_calls: Counter[str],
) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    arns = resources("EBS", 3)
    ec2.delete_volume(VolumeId=arns[1].rsplit("/", 1)[1])
    adapter = adapter_for("EBS")
    aws_calls.clear()

    found = adapter.describe_many(arns)

    assert set(found) == {arns[0], arns[2]}
    assert aws_calls == Counter(DescribeVolumes=1)
    assert found[arns[0]] == adapter.describe(arns[0])


# DynamoDB


def test_given_a_kms_encrypted_table_when_its_backup_is_tracked_and_recorded_then_the_key_comes_from_the_backup(
    aws_calls: Counter[str],
) -> None:
    key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    arn = table("payments", kms_key=key)
    adapter = adapter_for("DynamoDB")
    aws_calls.clear()

    ((source, metadata),) = backup_cycle(adapter, [arn]).values()

    # Then the recorded source has the table's key and name, and its restore metadata the table name
    assert (source.encryption_key_arn, source.is_encrypted, source.name) == (key, True, "payments")
    assert metadata == {"targetTableName": "payments", "originalTableName": "payments"}
    # and the backup's one description served the status, the source and the metadata
    assert aws_calls == Counter(CreateBackup=1, DescribeBackup=1)


def test_given_a_table_no_tracked_backup_is_of_when_described_many_then_one_describe_table_and_no_tags_call(
    aws_calls: Counter[str],
) -> None:
    arn = table("stock")

    found = adapter_for("DynamoDB").describe_many([arn, f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/gone"])

    assert set(found) == {arn}
    assert found[arn].tags == {}  # describe gives the tags; describe_many leaves them out
    assert aws_calls == Counter(DescribeTable=2)


# RDS and Aurora


@pytest.mark.parametrize("kind", ["RDS", "Aurora"])
def test_given_a_page_of_database_snapshots_when_recorded_then_the_metadata_is_what_describing_each_would_give(
    kind: str,
) -> None:
    arns = resources(kind, 3)

    recorded = backup_cycle(adapter_for(kind), arns)

    fresh = adapter_for(kind)  # an adapter that has described nothing yet
    for arn, (source, metadata) in recorded.items():
        assert source == fresh.describe(arn)
        native = fresh.find_backup(arn, f"JOB-{arns.index(arn)}")
        assert metadata == fresh.restore_metadata(native.native_id, source)
