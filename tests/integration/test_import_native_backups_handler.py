"""The ImportNativeBackups function's handler on moto, wired as it is deployed (its environment, the catalog table,
the adapters from the catalog): an event naming a vault, and optionally resources or types, catalogs the backups
services made themselves (EBS snapshots, DynamoDB backups, AMIs, DB snapshots) as recovery points; a bad event is
refused and nothing is written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.integration.builders import ACCOUNT, REGION

HANDLER = "lambdas.handlers.import_native_backups.handler"


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The function's environment over moto: the catalog table and the default vault key, as the stack makes
    them; the service context is built from it as in Lambda, once."""
    from infrastructure import constants
    from lambdas.common.config import get_settings
    from lambdas.handlers.wiring import service_context
    from local.bootstrap import TABLE_NAME, table_definition

    boto3.client("dynamodb", region_name=REGION).create_table(**table_definition(TABLE_NAME))
    key_arn = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    boto3.client("events", region_name=REGION).create_event_bus(Name="strongroom")
    environment = {
        constants.ENV_TABLE_NAME: TABLE_NAME,
        constants.ENV_EVENT_BUS_NAME: "strongroom",
        constants.ENV_DEFAULT_KEY_ARN: key_arn,
        constants.ENV_VAULT_BUCKET: f"strongroom-vault-{ACCOUNT}-{REGION}",
        constants.ENV_POWERTOOLS_SERVICE_NAME: constants.SERVICE_NAME,
        constants.ENV_POWERTOOLS_METRICS_NAMESPACE: constants.METRICS_NAMESPACE,
    }
    assert set(environment) == set(constants.IMPORT_NATIVE_BACKUPS.env_keys)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    service_context.cache_clear()
    ctx = service_context()
    from lambdas.common import clock
    from lambdas.services.vault_service import create_vault

    create_vault(ctx, {"BackupVaultName": "imported"}, clock.now())
    yield ctx
    get_settings.cache_clear()
    service_context.cache_clear()


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    from lambdas.handlers.import_native_backups import handler
    from local.emulator_gaps import FakeLambdaContext

    result: dict[str, Any] = handler(event, FakeLambdaContext(function_name="strongroom-ImportNativeBackups"))
    return result


def volume_with_a_snapshot(name: str = "data") -> tuple[str, str]:
    ec2 = boto3.client("ec2", region_name=REGION)
    volume_id = ec2.create_volume(
        AvailabilityZone=f"{REGION}a",
        Size=8,
        TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "backup", "Value": "yes"}]}],
    )["VolumeId"]
    snapshot_id = ec2.create_snapshot(VolumeId=volume_id, Description=f"{name}, by hand")["SnapshotId"]
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{volume_id}", f"arn:aws:ec2:{REGION}::snapshot/{snapshot_id}"


def table_with_a_backup(name: str = "orders") -> tuple[str, str]:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": "backup", "Value": "yes"}],
    )
    backup_arn = dynamodb.create_backup(TableName=name, BackupName="nightly")["BackupDetails"]["BackupArn"]
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}", str(backup_arn)


def protect_by_tag(ctx: Any) -> None:
    from lambdas.common import clock
    from lambdas.services import plan_service

    rule = {"RuleName": "daily", "TargetBackupVaultName": "imported", "ScheduleExpression": "cron(0 5 ? * * *)"}
    plan = plan_service.create_plan(ctx, {"BackupPlan": {"BackupPlanName": "daily", "Rules": [rule]}}, clock.now())
    tags = [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "yes"}]
    plan_service.create_selection(
        ctx,
        plan.BackupPlanId,
        {
            "BackupSelection": {
                "SelectionName": "tagged",
                "IamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/b",
                "ListOfTags": tags,
            }
        },
        clock.now(),
    )


def points(ctx: Any) -> dict[str, Any]:
    return {p.RecoveryPointArn: p for p in ctx.stores.recovery_points.in_vault("imported")[0]}


def test_given_protected_resources_with_backups_of_their_own_when_invoked_with_a_vault_then_each_is_a_point(
    deployed: Any,
) -> None:
    # Given a volume and a table a plan selects by tag, each with a backup its own service made
    protect_by_tag(deployed)
    volume_arn, snapshot_arn = volume_with_a_snapshot()
    table_arn, backup_arn = table_with_a_backup()

    # When the function is invoked naming the vault only
    result = invoke({"BackupVaultName": "imported"})

    # Then both backups are recovery points of their resources, and the result says so
    assert sorted(result["imported"]) == sorted([snapshot_arn, backup_arn])
    assert (result["resources"], result["errors"]) == (2, [])
    cataloged = points(deployed)
    assert {p.ResourceArn for p in cataloged.values()} == {volume_arn, table_arn}
    assert cataloged[snapshot_arn].ResourceType == "EBS"
    assert cataloged[backup_arn].ResourceType == "DynamoDB"
    assert all(not p.CreatedBy.BackupPlanId and p.Lifecycle is None for p in cataloged.values())  # no plan made them

    # And a second invoke adds nothing
    again = invoke({"BackupVaultName": "imported"})
    assert (again["imported"], again["already_cataloged"]) == ([], 2)


def instance_with_an_ami(tags: dict[str, str]) -> tuple[str, str]:
    ec2 = boto3.client("ec2", region_name=REGION)
    instance_id = ec2.run_instances(
        ImageId="ami-12345678",
        MinCount=1,
        MaxCount=1,
        InstanceType="t3.micro",
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}],
    )["Instances"][0]["InstanceId"]
    image_id = ec2.create_image(InstanceId=instance_id, Name=f"{instance_id} by hand")["ImageId"]
    return f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{instance_id}", f"arn:aws:ec2:{REGION}::image/{image_id}"


def db_with_snapshots(name: str, tags: dict[str, str]) -> tuple[str, set[str]]:
    """A DB instance with a manual snapshot, and the automated one moto's RDS takes at creation."""
    rds = boto3.client("rds", region_name=REGION)
    arn = rds.create_db_instance(
        DBInstanceIdentifier=name,
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="admin",
        MasterUserPassword="password123",
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )["DBInstance"]["DBInstanceArn"]
    rds.create_db_snapshot(DBInstanceIdentifier=name, DBSnapshotIdentifier=f"{name}-by-hand")
    snapshots = rds.describe_db_snapshots(DBInstanceIdentifier=name)["DBSnapshots"]
    return str(arn), {snapshot["DBSnapshotArn"] for snapshot in snapshots}


def test_given_a_protected_instance_and_db_with_backups_of_their_own_when_invoked_then_the_ami_and_snapshots_are_points(
    deployed: Any,
) -> None:
    # Given an EC2 instance and a DB instance a plan selects by tag, with an AMI and DB snapshots made outside it
    protect_by_tag(deployed)
    instance_arn, image_arn = instance_with_an_ami({"backup": "yes"})
    db_arn, snapshot_arns = db_with_snapshots("orders", {"backup": "yes"})
    # And an instance and a DB instance no plan selects, with backups of their own
    _, unrelated_image = instance_with_an_ami({"backup": "no"})
    _, unrelated_snapshots = db_with_snapshots("scratch", {"backup": "no"})

    # When the function is invoked naming the vault only
    result = invoke({"BackupVaultName": "imported"})

    # Then the AMI and both DB snapshots (manual and automated) are points of their resources, the others are not
    assert len(snapshot_arns) == 2
    assert sorted(result["imported"]) == sorted([image_arn, *snapshot_arns])
    assert (result["resources"], result["errors"], result["not_listable"]) == (2, [], {})
    cataloged = points(deployed)
    assert (cataloged[image_arn].ResourceArn, cataloged[image_arn].ResourceType) == (instance_arn, "EC2")
    assert {(cataloged[arn].ResourceArn, cataloged[arn].ResourceType) for arn in snapshot_arns} == {(db_arn, "RDS")}
    assert unrelated_image not in cataloged and not unrelated_snapshots & set(cataloged)

    # And a second invoke adds nothing
    again = invoke({"BackupVaultName": "imported"})
    assert (again["imported"], again["already_cataloged"]) == ([], 3)


def test_given_resource_types_when_invoked_then_only_those_types_are_cataloged(deployed: Any) -> None:
    protect_by_tag(deployed)
    _, snapshot_arn = volume_with_a_snapshot()
    table_with_a_backup()

    result = invoke({"BackupVaultName": "imported", "ResourceTypes": ["EBS"]})

    assert result["imported"] == [snapshot_arn]
    assert list(points(deployed)) == [snapshot_arn]


def test_given_resource_arns_when_invoked_then_only_those_resources_are_looked_at(deployed: Any) -> None:
    # No plan: the ARNs alone say what to look at
    volume_with_a_snapshot("other")
    volume_arn, snapshot_arn = volume_with_a_snapshot()

    result = invoke({"BackupVaultName": "imported", "ResourceArns": [volume_arn]})

    assert (result["resources"], result["imported"]) == (1, [snapshot_arn])


@pytest.mark.parametrize(
    ("event", "error", "complaint"),
    [
        ({}, "ValidationError", "BackupVaultName"),
        ({"BackupVaultName": "imported", "ResourceArns": []}, "ValidationError", "ResourceArns"),
        ({"BackupVaultName": "imported", "Vault": "x"}, "ValidationError", "Vault"),
        ({"BackupVaultName": "nowhere"}, "ResourceNotFoundException", "nowhere"),
        ({"BackupVaultName": "imported", "ResourceTypes": ["Floppy"]}, "InvalidParameterValueException", "Floppy"),
        (
            {"BackupVaultName": "imported", "ResourceArns": [f"arn:aws:sqs:{REGION}:{ACCOUNT}:queue"]},
            "InvalidParameterValueException",
            "sqs",
        ),
    ],
)
def test_given_a_bad_event_when_invoked_then_refused_and_nothing_is_written(
    deployed: Any, event: dict[str, Any], error: str, complaint: str
) -> None:
    protect_by_tag(deployed)
    volume_with_a_snapshot()

    with pytest.raises(Exception, match=complaint) as raised:
        invoke(event)

    assert error in {cls.__name__ for cls in type(raised.value).__mro__}
    assert points(deployed) == {}
