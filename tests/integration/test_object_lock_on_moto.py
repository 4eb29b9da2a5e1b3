"""Vault locks and legal holds on points whose content Strongroom keeps in the vault bucket (S3 manifests, EFS file
data): S3 Object Lock over every version under the point's prefix, on moto (which enforces Object Lock on deletes;
local/object_lock_clock.py reads retention on the engine's clock, as the local runtime's is virtual)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest

from tests.integration.builders import ACCOUNT, KEY, REGION, T0

BUCKET = "strongroom-vault-test"


@pytest.fixture(autouse=True)
def engine_clock() -> Iterator[Any]:
    from lambdas.common import clock
    from local import object_lock_clock

    class Fixed:
        moment = T0

        def now(self) -> Any:
            return self.moment

    fixed = Fixed()
    clock.use_clock(fixed)
    undo = object_lock_clock.PATCHES.apply()
    yield fixed
    undo()
    clock.use_clock(clock.SystemClock())


@pytest.fixture
def ctx() -> Any:
    from lambdas.common import aws
    from lambdas.resources.registry import AdapterRegistry
    from lambdas.resources.s3.adapter import S3Adapter
    from lambdas.resources.vault_storage import VaultStorage
    from lambdas.services.context import ServiceContext
    from lambdas.services.vault_service import create_vault
    from lambdas.store.memory_table import MemoryTable
    from lambdas.store.stores import Stores
    from tests.fakes import FakeEbs, FakeResolver, RecordingEvents

    boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET, ObjectLockEnabledForBucket=True)
    storage = VaultStorage(lambda: aws.client("s3"), BUCKET)
    made = ServiceContext(
        account=ACCOUNT,
        region=REGION,
        default_key_arn=KEY,
        stores=Stores.over(MemoryTable()),
        adapters=AdapterRegistry([S3Adapter(lambda: aws.client("s3"), REGION, ACCOUNT, storage)]),
        events=RecordingEvents(),
        resolver=FakeResolver(FakeEbs()),
    )
    create_vault(made, {"BackupVaultName": "main"}, T0)
    return made


def s3_point(ctx: Any, delete_days: int) -> Any:
    """An S3 recovery point whose header and manifest are in the vault bucket."""
    from lambdas.domain.lifecycle import CalculatedLifecycle
    from lambdas.domain.recovery_points import RecoveryPoint

    s3 = boto3.client("s3", region_name=REGION)
    for name in ("backup.json", "manifest/000000.jsonl"):
        s3.put_object(Bucket=BUCKET, Key=f"recovery-points/s3/job-1/{name}", Body=b"{}")
    point = RecoveryPoint(
        RecoveryPointArn=f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:job-1",
        BackupVaultName="main",
        BackupVaultArn=ctx.stores.vaults.get("main").BackupVaultArn,
        ResourceArn="arn:aws:s3:::customer-data",
        ResourceType="S3",
        CreationDate=T0,
        CalculatedLifecycle=CalculatedLifecycle(DeleteAt=T0 + timedelta(days=delete_days)),
        NativeBackupId="job-1",
    )
    assert ctx.stores.recovery_points.create(point)
    return point


def delete_everything_natively() -> list[dict[str, str]]:
    """What anyone allowed s3:DeleteObjectVersion gets deleting the point's objects: the errors."""
    s3 = boto3.client("s3", region_name=REGION)
    versions = s3.list_object_versions(Bucket=BUCKET, Prefix="recovery-points/s3/job-1/").get("Versions", [])
    doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions]
    return list(s3.delete_objects(Bucket=BUCKET, Delete={"Objects": doomed, "Quiet": True}).get("Errors", []))


def test_given_a_compliance_locked_vault_when_its_points_objects_are_deleted_natively_then_s3_refuses(
    ctx: Any, engine_clock: Any
) -> None:
    from lambdas.services import vault_service
    from lambdas.services.lifecycle_service import run_lifecycle

    # Given a point kept 10 days, in a vault whose compliance lock's grace has ended
    point = s3_point(ctx, delete_days=10)
    vault_service.put_lock(ctx, "main", {"MinRetentionDays": 7, "ChangeableForDays": 3}, T0)
    engine_clock.moment = T0 + timedelta(days=3, hours=1)
    run_lifecycle(ctx, engine_clock.moment)  # the hourly run turns the points' locks into compliance ones

    # When anyone deletes the point's objects from the vault bucket, every version
    errors = delete_everything_natively()

    # Then S3 refuses each one: COMPLIANCE retention until the point's DeleteAt
    assert {error["Code"] for error in errors} == {"AccessDenied"} and len(errors) == 2
    head = boto3.client("s3", region_name=REGION).head_object(Bucket=BUCKET, Key="recovery-points/s3/job-1/backup.json")
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"] == T0 + timedelta(days=10)

    # And the lifecycle deletes the point once its retention (and so its retention lock) is over
    engine_clock.moment = T0 + timedelta(days=10, hours=1)
    assert run_lifecycle(ctx, engine_clock.moment).deleted == [point.RecoveryPointArn]


def test_given_a_legal_hold_when_canceled_then_the_objects_hold_is_lifted(ctx: Any, engine_clock: Any) -> None:
    from lambdas.services import legal_hold_service

    s3_point(ctx, delete_days=10)
    engine_clock.moment = T0 + timedelta(hours=1)
    hold = legal_hold_service.create(ctx, {"Title": "case", "Description": "d"}, engine_clock.moment)
    assert len(delete_everything_natively()) == 2  # both refused: the objects' legal hold is ON

    legal_hold_service.cancel(ctx, {"LegalHoldId": hold.LegalHoldId, "CancelDescription": "done"}, engine_clock.moment)
    assert delete_everything_natively() == []
