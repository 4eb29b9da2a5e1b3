"""How long `POST /_strongroom/reset` takes on a local runtime holding some state: prints its figures.

python -m benchmarks.reset [--rounds 10] [--volumes 20]

Each round puts state in (a vault, a tagged plan, volumes, a day advanced so jobs and recovery points exist),
then times the reset through the HTTP endpoint, as a test suite calls it between two tests.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import urllib.request
from datetime import UTC, datetime

from local.runtime import LocalRuntime, LocalSettings

DAILY_AT_FIVE = "cron(0 5 * * ? *)"
ROLE = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"


def _control(endpoint: str, path: str, body: dict[str, object]) -> dict[str, object]:
    request = urllib.request.Request(f"{endpoint}/_strongroom/{path}", data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=300) as answer:
        return dict(json.loads(answer.read()))


def _fill(runtime: LocalRuntime, volumes: int) -> None:
    backup, ec2 = runtime.client("backup"), runtime.client("ec2")
    backup.create_backup_vault(BackupVaultName="main")
    plan = backup.create_backup_plan(
        BackupPlan={
            "BackupPlanName": "daily",
            "Rules": [{"RuleName": "daily", "TargetBackupVaultName": "main", "ScheduleExpression": DAILY_AT_FIVE}],
        }
    )
    backup.create_backup_selection(
        BackupPlanId=plan["BackupPlanId"],
        BackupSelection={
            "SelectionName": "tagged",
            "IamRoleArn": ROLE,
            "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "daily"}],
        },
    )
    for _ in range(volumes):
        ec2.create_volume(
            AvailabilityZone=f"{runtime.settings.region}a",
            Size=1,
            TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "backup", "Value": "daily"}]}],
        )
    _control(runtime.endpoint, "advance", {"days": 1})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--volumes", type=int, default=20)
    args = parser.parse_args()
    timings: list[float] = []
    with LocalRuntime(LocalSettings(start=datetime(2026, 5, 1, tzinfo=UTC))) as runtime:
        for _ in range(args.rounds):
            _fill(runtime, args.volumes)
            started = time.perf_counter()
            _control(runtime.endpoint, "reset", {})
            timings.append(time.perf_counter() - started)
    load = os.getloadavg()
    print(f"reset after a vault, a plan, {args.volumes} volumes and a day of backups, {args.rounds} rounds:")
    print(
        f"  median {statistics.median(timings) * 1000:.0f} ms, min {min(timings) * 1000:.0f} ms, "
        f"max {max(timings) * 1000:.0f} ms (load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, "
        f"{os.cpu_count()} cores)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
