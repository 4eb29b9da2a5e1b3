"""Expiry benchmark: the AWS calls the hourly lifecycle run makes per expired recovery point.

N EBS recovery points (one native snapshot each, in two vaults, no legal hold, no lock) reach their DeleteAt;
one lifecycle run deletes them. Every call Strongroom's clients make during the run is counted (DynamoDB,
EC2, EventBridge, SNS...), the run's fixed calls included (the leftover sweep, the vaults' compliance
graces, the missing-backup check), and divided by the points deleted. The floor is one native deletion per
point; everything else (the due index, the vaults, the legal holds, the saves, the events) should be read or
written in batches. Counting calls is deterministic: the figure does not depend on the machine.

Runs in-process on the emulator (moto), over the same DynamoDB table layout the stack deploys.
Run: `.venv/bin/python -m benchmarks.expiry --points 200`.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
TABLE = "strongroom-expiry-benchmark"
T0 = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)
RETENTION_DAYS = 35
VAULTS = ("daily", "monthly")
EXPIRY_POINTS = 200


def _context(region: str) -> Any:
    from lambdas.common import aws
    from lambdas.resources.ebs.adapter import EbsAdapter
    from lambdas.resources.registry import AdapterRegistry
    from lambdas.services.context import ServiceContext
    from lambdas.services.events import AwsEventSink
    from lambdas.services.selection_resolver import SelectionResolver
    from lambdas.store.dynamodb_table import DynamoDbTable
    from lambdas.store.stores import Stores
    from local.bootstrap import table_definition

    aws.client("dynamodb", region).create_table(**table_definition(TABLE))
    adapters = AdapterRegistry([EbsAdapter(lambda: aws.client("ec2", region), region, ACCOUNT)])
    return ServiceContext(
        account=ACCOUNT,
        region=region,
        default_key_arn=KEY,
        stores=Stores.over(DynamoDbTable(aws.client("dynamodb", region), TABLE)),
        adapters=adapters,
        events=AwsEventSink(
            lambda: aws.client("events", region), lambda: aws.client("sns", region), "default", ACCOUNT, region
        ),
        resolver=SelectionResolver(lambda: aws.client("resourcegroupstaggingapi", region), adapters),
    )


def _points(ctx: Any, count: int, region: str) -> None:
    """`count` EBS recovery points, each with its own snapshot on the emulator, spread over the vaults."""
    from lambdas.common import aws
    from lambdas.domain.lifecycle import CalculatedLifecycle
    from lambdas.domain.recovery_points import RecoveryPoint
    from lambdas.services.vault_service import create_vault

    ec2 = aws.client("ec2", region)
    vaults = [create_vault(ctx, {"BackupVaultName": name}, T0) for name in VAULTS]
    volume = ec2.create_volume(AvailabilityZone=f"{region}a", Size=1)["VolumeId"]
    for n in range(count):
        snapshot = ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
        vault = vaults[n % len(vaults)]
        created = T0 + timedelta(seconds=n)
        point = RecoveryPoint(
            RecoveryPointArn=f"arn:aws:ec2:{region}::snapshot/{snapshot}",
            BackupVaultName=vault.BackupVaultName,
            BackupVaultArn=vault.BackupVaultArn,
            ResourceArn=f"arn:aws:ec2:{region}:{ACCOUNT}:volume/{volume}",
            ResourceType="EBS",
            CreationDate=created,
            CalculatedLifecycle=CalculatedLifecycle(DeleteAt=created + timedelta(days=RETENTION_DAYS)),
            NativeBackupId=snapshot,
            BackupSizeInBytes=1 << 30,
        )
        if not ctx.stores.recovery_points.create(point):
            raise RuntimeError(f"point {point.RecoveryPointArn} recorded twice")


def count_expiry_calls(points: int, region: str = REGION) -> tuple[int, Counter[tuple[str, str]]]:
    """The points one lifecycle run deleted and the calls it made, by service and operation, on the emulator
    already running (moto's mock_aws, started by `measure` or by a test)."""
    from lambdas.common import aws
    from lambdas.services.lifecycle_service import run_lifecycle

    ctx = _context(region)
    _points(ctx, points, region)
    calls: Counter[tuple[str, str]] = Counter()
    stop = aws.listen_to_calls(lambda service, operation, *_: calls.update([(service, operation)]))
    try:
        result = run_lifecycle(ctx, T0 + timedelta(days=RETENTION_DAYS, hours=1))
    finally:
        stop()
    if len(result.deleted) != points or result.failed:
        raise RuntimeError(f"expected {points} deletions, got {len(result.deleted)} ({len(result.failed)} failed)")
    return len(result.deleted), calls


def measure(points: int, region: str = REGION) -> tuple[int, Counter[tuple[str, str]]]:
    """count_expiry_calls on an emulator of its own."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    from moto import mock_aws

    from lambdas.common import aws

    with mock_aws():
        aws.reset_clients()
        try:
            return count_expiry_calls(points, region)
        finally:
            aws.reset_clients()


def expiry_calls_per_point(points: int = EXPIRY_POINTS, region: str = REGION) -> float:
    """AWS calls the lifecycle run makes per expired recovery point (1.0 is one native deletion each)."""
    deleted, calls = measure(points, region)
    return sum(calls.values()) / deleted


def report(points: int) -> str:
    deleted, calls = measure(points)
    lines = [f"Expiry: {deleted} recovery points deleted by one lifecycle run"]
    lines.append(f"AWS API calls per expired point: {sum(calls.values()) / deleted:.2f}")
    for (service, operation), count in sorted(calls.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {service}.{operation}: {count / deleted:.3f} per point ({count} calls)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--points", type=int, default=EXPIRY_POINTS)
    args = parser.parse_args()
    print(report(args.points), flush=True)


if __name__ == "__main__":
    main()
