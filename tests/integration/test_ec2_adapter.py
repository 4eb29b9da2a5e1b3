"""The EC2 adapter against moto's EC2: instances are described and listed, backed up as NoReboot AMIs whose
snapshots all carry the job id, found again by job id, deleted with their snapshots, and restored as new
instances with the recorded launch settings, which a restore may override.

moto gaps met here: CreateImage refuses a "snapshot" TagSpecification (NotImplementedError), so the adapter
tags the AMI's snapshots itself; and moto's AMI holds one 15 GiB placeholder snapshot instead of one
snapshot per attached volume, so sizes below are what moto's AMI reports."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from tests.integration.builders import ACCOUNT, REGION

GIB = 1024**3
JOB_TAG = "strongroom:backup-job-id"
RESTORE_TAG = "strongroom:restore-job-id"


@pytest.fixture
def ec2() -> Any:
    return boto3.client("ec2", region_name=REGION)


@pytest.fixture
def calls() -> dict[str, list[dict[str, Any]]]:
    return {}


@pytest.fixture
def adapter(calls: dict[str, list[dict[str, Any]]]) -> Any:
    """The adapter over a real (moto) client that also records the parameters of every call it makes."""
    from lambdas.resources.ec2.adapter import Ec2Adapter

    client = boto3.client("ec2", region_name=REGION)

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls.setdefault(model.name, []).append(dict(params))

    client.meta.events.register("provide-client-params.ec2.*", record)
    return Ec2Adapter(lambda: client, REGION, ACCOUNT)


@pytest.fixture
def network(ec2: Any) -> dict[str, str]:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    other_vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    other_subnet = ec2.create_subnet(VpcId=other_vpc, CidrBlock="10.1.1.0/24", AvailabilityZone="us-east-1c")["Subnet"][
        "SubnetId"
    ]
    other_group = ec2.create_security_group(GroupName="other", Description="other", VpcId=other_vpc)["GroupId"]
    return {
        "vpc": vpc,
        "subnet": subnet,
        "group": group,
        "other_vpc": other_vpc,
        "other_subnet": other_subnet,
        "other_group": other_group,
    }


def make_instance(
    ec2: Any,
    network: dict[str, str],
    *,
    tags: dict[str, str] | None = None,
    instance_type: str = "t3.micro",
    **extra: Any,
) -> tuple[str, str]:
    request: dict[str, Any] = {
        "ImageId": "ami-12345678",
        "MinCount": 1,
        "MaxCount": 1,
        "InstanceType": instance_type,
        "SubnetId": network["subnet"],
        "SecurityGroupIds": [network["group"]],
        **extra,
    }
    if tags:
        request["TagSpecifications"] = [
            {"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
        ]
    instance_id = ec2.run_instances(**request)["Instances"][0]["InstanceId"]
    return instance_id, f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{instance_id}"


def tags_of(resource: dict[str, Any]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in resource.get("Tags", [])}


def image(ec2: Any, image_id: str) -> dict[str, Any]:
    return dict(ec2.describe_images(ImageIds=[image_id])["Images"][0])


def snapshot_ids(ec2: Any, image_id: str) -> list[str]:
    return [m["Ebs"]["SnapshotId"] for m in image(ec2, image_id)["BlockDeviceMappings"] if "Ebs" in m]


def instance(ec2: Any, instance_id: str) -> dict[str, Any]:
    return dict(ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0])


# describe and list


def test_given_a_tagged_instance_with_volumes_when_described_then_name_tags_size_and_encryption_are_reported(
    ec2, adapter, network
) -> None:
    _, arn = make_instance(
        ec2,
        network,
        tags={"Name": "web", "team": "shop"},
        BlockDeviceMappings=[{"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 30, "Encrypted": True}}],
    )

    info = adapter.describe(arn)

    assert info.arn == arn
    assert info.resource_type == "EC2"
    assert info.name == "web"
    assert info.tags == {"Name": "web", "team": "shop"}
    assert info.size_bytes == 30 * GIB
    assert info.is_encrypted is True
    assert info.encryption_key_arn and info.encryption_key_arn.startswith("arn:aws:kms:")


def test_given_an_untagged_instance_when_described_then_it_is_named_by_its_id(ec2, adapter, network) -> None:
    instance_id, arn = make_instance(ec2, network)

    info = adapter.describe(arn)

    assert info.name == instance_id
    assert info.tags == {}


def test_given_no_such_instance_when_described_then_resource_not_found(adapter) -> None:
    from lambdas.domain.errors import ResourceNotFoundException

    with pytest.raises(ResourceNotFoundException, match="i-0123456789abcdef0"):
        adapter.describe(f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-0123456789abcdef0")


def test_given_a_terminated_instance_when_described_then_resource_not_found(ec2, adapter, network) -> None:
    from lambdas.domain.errors import ResourceNotFoundException

    instance_id, arn = make_instance(ec2, network)
    ec2.terminate_instances(InstanceIds=[instance_id])

    with pytest.raises(ResourceNotFoundException, match="terminated"):
        adapter.describe(arn)


def test_given_live_and_terminated_instances_when_listed_then_only_the_live_ones_come_back(
    ec2, adapter, network
) -> None:
    _, running = make_instance(ec2, network, tags={"Name": "a"})
    stopped_id, stopped = make_instance(ec2, network, tags={"Name": "b"})
    ec2.stop_instances(InstanceIds=[stopped_id])
    gone_id, _ = make_instance(ec2, network)
    ec2.terminate_instances(InstanceIds=[gone_id])

    listed = {info.arn: info for info in adapter.list_resources()}

    assert set(listed) == {running, stopped}
    assert listed[running].name == "a"


def test_given_a_tagged_instance_when_the_tagging_api_is_asked_with_the_filter_then_its_arn_is_the_adapters(
    ec2, adapter, network
) -> None:
    _, arn = make_instance(ec2, network, tags={"backup": "yes"})
    tagging = boto3.client("resourcegroupstaggingapi", region_name=REGION)

    found = tagging.get_resources(
        ResourceTypeFilters=[adapter.tagging_filter], TagFilters=[{"Key": "backup", "Values": ["yes"]}]
    )["ResourceTagMappingList"]

    assert [mapping["ResourceARN"] for mapping in found] == [arn]


# backup


def test_given_an_instance_when_a_backup_starts_and_is_polled_then_a_noreboot_ami_and_its_snapshots_carry_the_job(
    ec2, adapter, network, calls
) -> None:
    instance_id, arn = make_instance(ec2, network)

    backup = adapter.start_backup(arn, "JOB-1", {"owner": "team-a", "aws:backup:source-resource": arn})

    assert backup.native_id.startswith("ami-")
    assert backup.recovery_point_arn == f"arn:aws:ec2:{REGION}::image/{backup.native_id}"
    assert calls["CreateImage"][0]["NoReboot"] is True
    made = image(ec2, backup.native_id)
    assert made["SourceInstanceId"] == instance_id
    assert made["Name"] == "strongroom-JOB-1"
    # aws: is reserved for AWS's own tags: the source resource is kept under strongroom: instead
    expected = {"owner": "team-a", "strongroom:backup:source-resource": arn, JOB_TAG: "JOB-1"}
    assert tags_of(made) == expected
    # The AMI's snapshots are tagged at its first status poll (CreateImage tags the image alone: one call less)
    adapter.backup_status(backup.native_id)
    snapshots = ec2.describe_snapshots(SnapshotIds=snapshot_ids(ec2, backup.native_id))["Snapshots"]
    assert snapshots and all(tags_of(snapshot) == expected for snapshot in snapshots)


def test_given_backups_of_two_jobs_when_found_by_job_id_then_each_job_gets_its_own_ami(ec2, adapter, network) -> None:
    _, arn = make_instance(ec2, network)
    first = adapter.start_backup(arn, "JOB-1", {})
    adapter.start_backup(arn, "JOB-2", {})

    assert adapter.find_backup(arn, "JOB-1") == first
    assert adapter.find_backup(arn, "JOB-3") is None


def test_given_an_ami_whose_snapshot_tagging_was_lost_when_its_status_is_read_then_the_snapshots_are_tagged(
    ec2, adapter, network
) -> None:
    from lambdas.resources.base import Phase

    _, arn = make_instance(ec2, network)
    backup = adapter.start_backup(arn, "JOB-1", {})
    # Given a crash between CreateImage and the tagging of its snapshots
    ids = snapshot_ids(ec2, backup.native_id)
    ec2.delete_tags(Resources=ids, Tags=[{"Key": JOB_TAG}])

    progress = adapter.backup_status(backup.native_id)

    assert progress.phase == Phase.COMPLETED
    assert progress.percent_done == "100.0"
    assert (
        progress.size_bytes
        == sum(m["Ebs"]["VolumeSize"] for m in image(ec2, backup.native_id)["BlockDeviceMappings"]) * GIB
    )
    tagged = ec2.describe_snapshots(OwnerIds=["self"], Filters=[{"Name": f"tag:{JOB_TAG}", "Values": ["JOB-1"]}])
    assert sorted(s["SnapshotId"] for s in tagged["Snapshots"]) == sorted(ids)


def test_given_an_ami_that_is_gone_when_its_status_is_read_then_failed(adapter) -> None:
    from lambdas.resources.base import Phase

    progress = adapter.backup_status("ami-0123456789abcdef0")

    assert progress.phase == Phase.FAILED
    assert "ami-0123456789abcdef0" in (progress.message or "")


def test_given_an_instance_that_is_gone_when_a_backup_starts_then_resource_not_found(adapter) -> None:
    from lambdas.domain.errors import ResourceNotFoundException

    with pytest.raises(ResourceNotFoundException):
        adapter.start_backup(f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-0123456789abcdef0", "JOB-1", {})


# delete


def test_given_an_ami_when_deleted_twice_then_it_is_deregistered_and_its_snapshots_are_gone(
    ec2, adapter, network
) -> None:
    from lambdas.resources.base import Phase

    _, arn = make_instance(ec2, network)
    backup = adapter.start_backup(arn, "JOB-1", {})
    ids = snapshot_ids(ec2, backup.native_id)

    adapter.delete_backup(backup.native_id)
    adapter.delete_backup(backup.native_id)

    assert ec2.describe_images(Owners=["self"])["Images"] == []
    for snapshot_id in ids:
        with pytest.raises(ec2.exceptions.ClientError, match=r"InvalidSnapshot\.NotFound"):
            ec2.describe_snapshots(SnapshotIds=[snapshot_id])
    assert adapter.find_backup(arn, "JOB-1") is None
    assert adapter.backup_status(backup.native_id).phase == Phase.FAILED


def test_given_a_deletion_that_stopped_after_deregistering_when_retried_then_the_leftover_snapshots_go(
    ec2, adapter, network
) -> None:
    _, arn = make_instance(ec2, network)
    backup = adapter.start_backup(arn, "JOB-1", {})
    keep = adapter.start_backup(arn, "JOB-2", {})
    ids = snapshot_ids(ec2, backup.native_id)
    ec2.deregister_image(ImageId=backup.native_id)  # the first attempt got this far

    adapter.delete_backup(backup.native_id)

    left = {s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]}
    assert not left & set(ids)
    assert set(snapshot_ids(ec2, keep.native_id)) <= left  # another job's AMI keeps its snapshots


# restore


def test_given_an_ami_when_restore_metadata_is_read_then_it_records_the_launch_settings_and_vss_off(
    ec2, adapter, network
) -> None:
    ec2.create_key_pair(KeyName="ops")
    _, arn = make_instance(
        ec2, network, instance_type="m5.large", KeyName="ops", MetadataOptions={"HttpTokens": "required"}
    )
    backup = adapter.start_backup(arn, "JOB-1", {})

    metadata = adapter.restore_metadata(backup.native_id, adapter.describe(arn))

    assert metadata["InstanceType"] == "m5.large"
    assert metadata["SubnetId"] == network["subnet"]
    assert metadata["VpcId"] == network["vpc"]
    assert json.loads(metadata["SecurityGroupIds"]) == [network["group"]]
    assert json.loads(metadata["Placement"])["AvailabilityZone"] == "us-east-1b"
    assert metadata["KeyName"] == "ops"
    assert metadata["RequireIMDSv2"] == "true"
    assert metadata["WindowsVSS"] == "disabled"
    adapter.check_restore(backup.native_id, metadata)  # what was recorded is enough to restore


def test_given_no_source_description_when_restore_metadata_is_read_then_the_amis_source_instance_is_used(
    ec2, adapter, network
) -> None:
    _, arn = make_instance(ec2, network, instance_type="c5.xlarge")
    backup = adapter.start_backup(arn, "JOB-1", {})

    metadata = adapter.restore_metadata(backup.native_id, None)

    assert metadata["InstanceType"] == "c5.xlarge"


def test_given_recorded_metadata_when_restored_then_an_instance_runs_from_the_ami_with_those_settings(
    ec2, adapter, network
) -> None:
    from lambdas.resources.base import Phase

    _, arn = make_instance(ec2, network, instance_type="m5.large")
    backup = adapter.start_backup(arn, "JOB-1", {})
    metadata = adapter.restore_metadata(backup.native_id, adapter.describe(arn))

    restore = adapter.start_restore(backup.native_id, "RESTORE-1", metadata)

    launched = instance(ec2, restore.native_id)
    assert restore.created_resource_arn == f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{restore.native_id}"
    assert launched["ImageId"] == backup.native_id
    assert launched["InstanceType"] == "m5.large"
    assert launched["SubnetId"] == network["subnet"]
    assert [g["GroupId"] for g in launched["SecurityGroups"]] == [network["group"]]
    assert tags_of(launched) == {RESTORE_TAG: "RESTORE-1"}
    assert adapter.find_restore(backup.native_id, "RESTORE-1", metadata) == restore
    assert adapter.find_restore(backup.native_id, "RESTORE-2", metadata) is None
    assert adapter.restore_status(restore).phase == Phase.COMPLETED


def test_given_overrides_in_another_case_and_subnet_when_restored_then_the_overrides_win(
    ec2, adapter, network, calls
) -> None:
    _, arn = make_instance(ec2, network, instance_type="m5.large")
    backup = adapter.start_backup(arn, "JOB-1", {})
    recorded = adapter.restore_metadata(backup.native_id, adapter.describe(arn))
    # As restore_service merges them: the recorded keys, then the caller's (keys are not case sensitive)
    metadata = {
        **recorded,
        "instanceType": "t3.small",
        "subnetId": network["other_subnet"],
        "securityGroupIds": json.dumps([network["other_group"]]),
    }

    adapter.check_restore(backup.native_id, metadata)
    restore = adapter.start_restore(backup.native_id, "RESTORE-1", metadata)

    launched = instance(ec2, restore.native_id)
    assert launched["InstanceType"] == "t3.small"
    assert launched["SubnetId"] == network["other_subnet"]
    # The subnet decides the zone: the recorded us-east-1b is not sent (AWS refuses a zone the subnet is not in)
    assert "AvailabilityZone" not in calls["RunInstances"][-1].get("Placement", {})
    assert launched["Placement"]["AvailabilityZone"] == "us-east-1c"
    assert [g["GroupId"] for g in launched["SecurityGroups"]] == [network["other_group"]]


def test_given_a_restored_instance_that_was_terminated_when_its_status_is_read_then_failed(
    ec2, adapter, network
) -> None:
    from lambdas.resources.base import Phase

    _, arn = make_instance(ec2, network)
    backup = adapter.start_backup(arn, "JOB-1", {})
    restore = adapter.start_restore(
        backup.native_id, "RESTORE-1", adapter.restore_metadata(backup.native_id, adapter.describe(arn))
    )
    ec2.terminate_instances(InstanceIds=[restore.native_id])

    progress = adapter.restore_status(restore)

    assert progress.phase == Phase.FAILED
    assert "terminated" in (progress.message or "")
    assert adapter.find_restore(backup.native_id, "RESTORE-1", {}) is None


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"InstanceType": ""}, "missing: InstanceType"),
        ({"InstanceType": "huge"}, "InstanceType must be an instance type"),
        ({"SubnetId": "subnet-0123456789abcdef0"}, "SubnetId subnet-0123456789abcdef0 does not exist"),
        ({"SecurityGroupIds": '["sg-0123456789abcdef0"]'}, "security group that does not exist"),
        ({"SecurityGroupIds": "sg-1,sg-2"}, "SecurityGroupIds must be a JSON list"),
        ({"EbsOptimized": "yes"}, "EbsOptimized must be true or false"),
        ({"Placement": '{"Zone": "us-east-1a"}'}, "Placement must be a JSON object"),
        ({"Monitoring": "sometimes"}, "Monitoring must be enabled or disabled"),
        ({"InstanceInitiatedShutdownBehavior": "hibernate"}, "stop or terminate"),
    ],
)
def test_given_bad_restore_metadata_when_checked_or_started_then_refused_and_nothing_launched(
    ec2, adapter, network, change, complaint
) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    _, arn = make_instance(ec2, network)
    backup = adapter.start_backup(arn, "JOB-1", {})
    metadata = {**adapter.restore_metadata(backup.native_id, adapter.describe(arn)), **change}

    with pytest.raises(InvalidParameterValueException, match=complaint):
        adapter.check_restore(backup.native_id, metadata)
    with pytest.raises(InvalidParameterValueException, match=complaint):
        adapter.start_restore(backup.native_id, "RESTORE-1", metadata)
    assert ec2.describe_instances(Filters=[{"Name": "image-id", "Values": [backup.native_id]}])["Reservations"] == []


def test_given_a_subnet_override_without_its_vpcs_groups_when_checked_then_refused(ec2, adapter, network) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    _, arn = make_instance(ec2, network)
    backup = adapter.start_backup(arn, "JOB-1", {})
    # The recorded security group lives in the first VPC; the subnet named now is in the other one
    metadata = {
        **adapter.restore_metadata(backup.native_id, adapter.describe(arn)),
        "SubnetId": network["other_subnet"],
    }

    with pytest.raises(InvalidParameterValueException, match="not in the VPC"):
        adapter.check_restore(backup.native_id, metadata)


def test_given_the_catalog_when_built_then_ec2_instances_are_a_supported_type(adapter) -> None:
    from lambdas.common import aws
    from lambdas.resources.catalog import build_adapters
    from lambdas.resources.registry import AdapterRegistry

    registry = AdapterRegistry(build_adapters(lambda service: lambda: aws.client(service), REGION, ACCOUNT))

    assert registry.for_arn(f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-0123456789abcdef0").resource_type == "EC2"


def test_given_amis_made_by_hand_by_strongroom_and_by_aws_backup_when_native_backups_are_listed_then_only_the_hand_made(
    ec2, adapter, network
) -> None:
    from lambdas.services.native_backup_import import NativeBackupSource

    instance_id, arn = make_instance(ec2, network)
    other_id, _ = make_instance(ec2, network)
    by_hand = ec2.create_image(InstanceId=instance_id, Name="before-upgrade")["ImageId"]
    ec2.create_image(InstanceId=other_id, Name="another-instance")
    ec2.create_image(
        InstanceId=instance_id,
        Name="aws-backup",
        TagSpecifications=[{"ResourceType": "image", "Tags": [{"Key": "aws:backup:source-resource", "Value": arn}]}],
    )
    adapter.start_backup(arn, "JOB-1", {})

    listed = list(adapter.list_native_backups(arn))

    assert isinstance(adapter, NativeBackupSource)  # the import of existing backups uses it
    assert [native.native_id for native, _ in listed] == [by_hand]
    assert listed[0][0].recovery_point_arn == f"arn:aws:ec2:{REGION}::image/{by_hand}"
    assert listed[0][1].tzinfo is not None


def test_given_amis_registered_from_snapshots_when_listed_then_only_those_tagged_with_the_instance_are_its(
    ec2, adapter, network
) -> None:
    # RegisterImage records no source instance: the strongroom:source-resource tag claims such an AMI.
    instance_id, arn = make_instance(ec2, network)
    _, other_arn = make_instance(ec2, network)
    claimed, by_id, someone_elses, untagged = (
        ec2.register_image(Name=name, RootDeviceName="/dev/sda1")["ImageId"]
        for name in ("claimed", "by-id", "someone-elses", "untagged")
    )
    ec2.create_tags(Resources=[claimed], Tags=[{"Key": "strongroom:source-resource", "Value": arn}])
    ec2.create_tags(Resources=[by_id], Tags=[{"Key": "strongroom:source-resource", "Value": instance_id}])
    ec2.create_tags(Resources=[someone_elses], Tags=[{"Key": "strongroom:source-resource", "Value": other_arn}])
    made_from_it = ec2.create_image(InstanceId=instance_id, Name="made-from-it")["ImageId"]
    ec2.create_tags(Resources=[made_from_it], Tags=[{"Key": "strongroom:source-resource", "Value": arn}])

    listed = [native.native_id for native, _ in adapter.list_native_backups(arn)]

    assert sorted(listed) == sorted([claimed, by_id, made_from_it])  # each once, however many rules it meets
    assert untagged not in listed and someone_elses not in listed
    assert [native.native_id for native, _ in adapter.list_native_backups(other_arn)] == [someone_elses]


def test_given_an_ami_no_job_made_when_its_status_is_read_then_its_snapshots_are_left_untagged(
    ec2, adapter, network
) -> None:
    instance_id, _ = make_instance(ec2, network)
    image_id = ec2.create_image(
        InstanceId=instance_id,
        Name="by-hand",
        TagSpecifications=[{"ResourceType": "image", "Tags": [{"Key": "owner", "Value": "ops"}]}],
    )["ImageId"]

    assert adapter.backup_status(image_id).phase == "COMPLETED"

    snapshot_id = ec2.describe_images(ImageIds=[image_id])["Images"][0]["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    assert ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0].get("Tags", []) == []


def _profile(role_path: str) -> str:
    """An instance profile holding one role created under `role_path`."""
    iam = boto3.client("iam", region_name=REGION)
    name = "app" + role_path.replace("/", "").replace("-", "")
    trust = {
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    }
    iam.create_role(RoleName=name, Path=role_path, AssumeRolePolicyDocument=json.dumps(trust))
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    return name


def test_given_an_instance_profile_in_restore_metadata_then_only_a_role_marked_for_restores_may_be_given(
    ec2, network
) -> None:
    from lambdas.domain.errors import InvalidParameterValueException
    from lambdas.resources.ec2.adapter import Ec2Adapter
    from lambdas.resources.ec2.iam import RESTORE_ROLE_PATH

    # Given an instance backed up, and an adapter that can read instance profiles
    adapter = Ec2Adapter(lambda: ec2, REGION, ACCOUNT, iam=lambda: boto3.client("iam", region_name=REGION))
    _, arn = make_instance(ec2, network)
    backup = adapter.start_backup(arn, "JOB-1", {})
    metadata = adapter.restore_metadata(backup.native_id, adapter.describe(arn))
    marked, admin = _profile(RESTORE_ROLE_PATH), _profile("/")

    # When the metadata names a profile whose role is under /strongroom-restore/, then the restore may start
    adapter.check_restore(backup.native_id, {**metadata, "IamInstanceProfileName": marked})
    # When it names a profile of any other role, or one that does not exist, then refused, and nothing launched
    with pytest.raises(InvalidParameterValueException, match="not marked for restores"):
        adapter.start_restore(backup.native_id, "RESTORE-1", {**metadata, "IamInstanceProfileName": admin})
    with pytest.raises(InvalidParameterValueException, match="does not exist"):
        adapter.check_restore(backup.native_id, {**metadata, "IamInstanceProfileName": "nope"})
    assert ec2.describe_instances(Filters=[{"Name": "image-id", "Values": [backup.native_id]}])["Reservations"] == []
    # And an adapter that cannot read profiles refuses any
    blind = Ec2Adapter(lambda: ec2, REGION, ACCOUNT)
    with pytest.raises(InvalidParameterValueException, match=RESTORE_ROLE_PATH):
        blind.check_restore(backup.native_id, {**metadata, "IamInstanceProfileName": marked})
