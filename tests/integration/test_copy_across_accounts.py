"""Copies on moto's EC2, STS, KMS and DynamoDB: an EBS recovery point copied into a vault of another
account in another Region, through the role that account's deployment offers. The destination snapshot is
re-encrypted with the destination vault's key and recorded in the destination's own catalog."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest

from tests.fakes import allows_copies_from
from tests.integration.builders import ACCOUNT, REGION, ROLE, T0

OTHER_ACCOUNT = "210987654321"
OTHER_REGION = "eu-west-1"


@pytest.fixture(autouse=True)
def cross_account_snapshot_copies() -> Iterator[None]:
    from local import copy_gaps

    undo = copy_gaps.PATCHES.apply()
    yield
    undo()


def deployment(account: str, region: str, credentials: dict[str, str] | None) -> Any:
    """What a Strongroom stack creates that copies rely on: the named catalog table and a default key."""
    from lambdas.common import aws
    from lambdas.resources.catalog import build_adapters
    from lambdas.resources.registry import AdapterRegistry
    from lambdas.services.context import ServiceContext
    from lambdas.store.dynamodb_table import DynamoDbTable
    from lambdas.store.schema import CATALOG_TABLE_NAME
    from lambdas.store.stores import Stores
    from local.bootstrap import table_definition
    from tests.fakes import RecordingEvents

    aws.client_as("dynamodb", region, credentials).create_table(**table_definition(CATALOG_TABLE_NAME))
    key = aws.client_as("kms", region, credentials).create_key(Description="vault key")["KeyMetadata"]["Arn"]

    def factory(service: str) -> Any:
        return lambda: aws.client_as(service, region, credentials)

    return ServiceContext(
        account=account,
        region=region,
        default_key_arn=key,
        stores=Stores.over(DynamoDbTable(aws.client_as("dynamodb", region, credentials), CATALOG_TABLE_NAME)),
        adapters=AdapterRegistry(build_adapters(factory, region, account)),
        events=RecordingEvents(),
        resolver=None,  # type: ignore[arg-type]  # no selections here
    )


@pytest.fixture
def home_and_other() -> tuple[Any, Any]:
    from dataclasses import replace

    from lambdas.common import aws
    from lambdas.resources.catalog import build_adapters
    from lambdas.resources.registry import AdapterRegistry
    from lambdas.services.copy_destinations import AwsCopyDestinations, Destination, copy_destination_role_arn

    home = deployment(ACCOUNT, REGION, None)
    answer = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=copy_destination_role_arn(OTHER_ACCOUNT, OTHER_REGION), RoleSessionName="setup"
    )["Credentials"]
    other_credentials = {
        "aws_access_key_id": answer["AccessKeyId"],
        "aws_secret_access_key": answer["SecretAccessKey"],
        "aws_session_token": answer["SessionToken"],
    }
    other = deployment(OTHER_ACCOUNT, OTHER_REGION, other_credentials)
    destinations = AwsCopyDestinations(
        Destination(ACCOUNT, REGION, home.stores, home.adapters),
        aws.client_as,
        lambda factory, region, account: AdapterRegistry(build_adapters(factory, region, account)),
    )
    return replace(home, destinations=destinations), other


def backed_up_volume(home: Any, **volume: Any) -> Any:
    from lambdas.services import backup_service, vault_service
    from lambdas.services.tracking_service import track_jobs

    ec2 = boto3.client("ec2", region_name=REGION)
    volume_id = ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=4, **volume)["VolumeId"]
    vault_service.create_vault(home, {"BackupVaultName": "main"}, T0)
    job = backup_service.start_backup_job(
        home,
        {
            "BackupVaultName": "main",
            "ResourceArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{volume_id}",
            "IamRoleArn": ROLE,
        },
        T0,
    )
    track_jobs(home, T0 + timedelta(minutes=5))
    return home.stores.recovery_points.get(home.stores.jobs.get_backup_job(job.BackupJobId).RecoveryPointArn)


def test_given_a_vault_in_another_account_and_region_when_copied_then_the_snapshot_lands_there_with_its_key(
    home_and_other: tuple[Any, Any],
) -> None:
    from lambdas.domain.copies import CopyJobState
    from lambdas.services import copy_service, vault_service
    from lambdas.services.tracking_service import track_jobs

    home, other = home_and_other
    key = boto3.client("kms", region_name=REGION).create_key(Description="customer managed")["KeyMetadata"]["Arn"]
    point = backed_up_volume(home, Encrypted=True, KmsKeyId=key)
    # Given the other account's deployment has a vault "dr", whose access policy lets this account copy into it
    dr = vault_service.create_vault(other, {"BackupVaultName": "dr"}, T0)
    vault_service.put_access_policy(other, "dr", allows_copies_from(home.account))
    # When the point is copied there with its own lifecycle, and tracked
    job = copy_service.start_copy_job(
        home,
        {
            "RecoveryPointArn": point.RecoveryPointArn,
            "SourceBackupVaultName": "main",
            "DestinationBackupVaultArn": dr.BackupVaultArn,
            "IamRoleArn": ROLE,
            "Lifecycle": {"DeleteAfterDays": 400},
        },
        T0 + timedelta(hours=1),
    )
    track_jobs(home, T0 + timedelta(hours=1, minutes=5))
    # Then the job is COMPLETED and the copy is a snapshot of the other account, in its Region, under its key
    done = home.stores.jobs.get_copy_job(job.CopyJobId)
    assert done.State == CopyJobState.COMPLETED, done.StatusMessage
    copied = other.stores.recovery_points.get(done.DestinationRecoveryPointArn, "dr")
    other_ec2 = other.adapters.for_type("EBS")._ec2()
    [snapshot] = other_ec2.describe_snapshots(SnapshotIds=[copied.NativeBackupId])["Snapshots"]
    assert snapshot["OwnerId"] == OTHER_ACCOUNT
    assert snapshot["KmsKeyId"] == dr.EncryptionKeyArn == copied.EncryptionKeyArn
    assert copied.CalculatedLifecycle.DeleteAt == point.CreationDate + timedelta(days=400)
    # and the source snapshot was shared with that account (and only that one)
    attribute = boto3.client("ec2", region_name=REGION).describe_snapshot_attribute(
        SnapshotId=point.NativeBackupId, Attribute="createVolumePermission"
    )
    assert attribute["CreateVolumePermissions"] == [{"UserId": OTHER_ACCOUNT}]


def test_given_a_point_under_an_aws_managed_key_when_copied_across_accounts_then_it_fails_and_shares_nothing(
    home_and_other: tuple[Any, Any],
) -> None:
    from lambdas.domain.copies import CopyJobState
    from lambdas.services import copy_service, vault_service

    home, other = home_and_other
    point = backed_up_volume(home)
    managed = point.model_copy(update={"EncryptionKeyArn": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/aws/ebs"})
    home.stores.recovery_points.save(managed, point.Status.value)
    dr = vault_service.create_vault(other, {"BackupVaultName": "dr"}, T0)
    job = copy_service.start_copy_job(
        home,
        {
            "RecoveryPointArn": point.RecoveryPointArn,
            "SourceBackupVaultName": "main",
            "DestinationBackupVaultArn": dr.BackupVaultArn,
            "IamRoleArn": ROLE,
        },
        T0 + timedelta(hours=1),
    )
    assert job.State == CopyJobState.FAILED and "AWS managed key" in (job.StatusMessage or "")
    attribute = boto3.client("ec2", region_name=REGION).describe_snapshot_attribute(
        SnapshotId=point.NativeBackupId, Attribute="createVolumePermission"
    )
    assert attribute["CreateVolumePermissions"] == []


def test_given_an_account_without_strongroom_when_copied_there_then_the_job_fails_naming_the_fix(
    home_and_other: tuple[Any, Any],
) -> None:
    from lambdas.domain.copies import CopyJobState
    from lambdas.services import copy_service

    home, _ = home_and_other
    point = backed_up_volume(home)
    job = copy_service.start_copy_job(
        home,
        {
            "RecoveryPointArn": point.RecoveryPointArn,
            "SourceBackupVaultName": "main",
            "DestinationBackupVaultArn": f"arn:aws:backup:ap-south-1:{OTHER_ACCOUNT}:backup-vault:dr",
            "IamRoleArn": ROLE,
        },
        T0 + timedelta(hours=1),
    )
    assert job.State == CopyJobState.FAILED
    assert "Deploy Strongroom" in (job.StatusMessage or "") and "ap-south-1" in (job.StatusMessage or "")
