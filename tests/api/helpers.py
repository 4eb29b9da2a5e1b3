"""What API tests share: unique names, resources made on the emulator, letting tracking run."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from local.runtime import LocalRuntime

ACCOUNT = "123456789012"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def new_vault(backup: Any, prefix: str = "vault") -> str:
    name = unique(prefix)
    backup.create_backup_vault(BackupVaultName=name)
    return name


def new_volume(runtime: LocalRuntime, size: int = 8) -> str:
    volume = runtime.client("ec2").create_volume(
        AvailabilityZone="us-east-1a",
        Size=size,
        TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": unique("volume")}]}],
    )
    return f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/{volume['VolumeId']}"


def new_table(runtime: LocalRuntime, items: int = 2, prefix: str = "orders") -> str:
    dynamodb = runtime.client("dynamodb")
    name = unique(prefix)
    table = dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for n in range(items):
        dynamodb.put_item(TableName=name, Item={"pk": {"S": f"{prefix}-{n}"}, "total": {"N": str(n * 10)}})
    return str(table["TableDescription"]["TableArn"])


def let_track_jobs_run(runtime: LocalRuntime) -> None:
    """Move the clock past the next full hour: track-jobs (rate(5 minutes)) has certainly run by then,
    whatever the local scheduler's fast-forward thinned."""
    now = runtime.clock.now()
    next_hour = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    runtime.advance(next_hour - now + timedelta(minutes=1))
