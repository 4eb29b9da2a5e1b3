"""`restore`: the metadata AWS Backup would restore with, the caller's overrides, the job started, and its progress
followed until the restore workflow ends."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from strongroom_cli.connection import every

FINAL = frozenset({"COMPLETED", "FAILED", "ABORTED"})


class RestoreError(Exception):
    """What the person asked for cannot be done, said plainly (no job was started)."""


def overrides(pairs: Sequence[str]) -> dict[str, str]:
    """`KEY=VALUE` pairs; the value may itself hold `=`."""
    found = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key.strip():
            raise RestoreError(f"--metadata {pair!r}: expected KEY=VALUE")
        found[key.strip()] = value
    return found


def vault_of(client: Any, recovery_point_arn: str) -> str:
    """The vault that holds the point: recovery point ARNs of most services do not name it, so each vault is read."""
    for vault in every(client, "list_backup_vaults", "BackupVaultList"):
        name = str(vault["BackupVaultName"])
        points = every(client, "list_recovery_points_by_backup_vault", "RecoveryPoints", BackupVaultName=name)
        if any(point["RecoveryPointArn"] == recovery_point_arn for point in points):
            return name
    raise RestoreError(f"no vault holds the recovery point {recovery_point_arn}")


@dataclass(frozen=True)
class Plan:
    vault: str
    role_arn: str
    resource_type: str
    metadata: dict[str, str]


def prepare(
    client: Any, recovery_point_arn: str, vault: str | None, role_arn: str | None, changes: dict[str, str]
) -> Plan:
    vault = vault or vault_of(client, recovery_point_arn)
    point = client.describe_recovery_point(BackupVaultName=vault, RecoveryPointArn=recovery_point_arn)
    if point.get("Status") != "COMPLETED":
        raise RestoreError(f"the recovery point is {point.get('Status')}, not COMPLETED: nothing to restore yet")
    metadata = dict(
        client.get_recovery_point_restore_metadata(BackupVaultName=vault, RecoveryPointArn=recovery_point_arn)[
            "RestoreMetadata"
        ]
    )
    metadata.update(changes)
    role = role_arn or point.get("IamRoleArn")
    if not role:
        raise RestoreError("the recovery point names no IAM role: pass --iam-role-arn")
    return Plan(vault, str(role), str(point.get("ResourceType", "")), metadata)


def start(client: Any, recovery_point_arn: str, plan: Plan) -> str:
    answer = client.start_restore_job(
        RecoveryPointArn=recovery_point_arn, Metadata=plan.metadata, IamRoleArn=plan.role_arn
    )
    return str(answer["RestoreJobId"])


def follow(
    client: Any,
    job_id: str,
    on_change: Callable[[dict[str, Any]], None],
    timeout: float,
    interval: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """DescribeRestoreJob until the job ends (or `timeout` seconds pass: the last answer is returned, still open)."""
    deadline = clock() + timeout
    while True:
        job: dict[str, Any] = client.describe_restore_job(RestoreJobId=job_id)
        on_change(job)
        if job.get("Status") in FINAL or clock() >= deadline:
            return job
        sleep(interval)
