"""What the test suite's fixtures cost, in CPU seconds of this process (wall time on a shared machine is not
comparable): prints its figures with the machine's load.

python -m benchmarks.test_costs [--rounds 5]

1. boto3 clients, each from a new Session as lambdas/common/aws.py and moto make them: botocore's own loader
   per Session (each parses the service's JSON model again) against one loader shared by the process
   (local/shared_loader.py, what tests/conftest.py and the local runtime install).
2. A local runtime: a start (bootstrap of the whole deployment) against a reset (what e2e tests now do between
   tests, tests/e2e/conftest.py).
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime
from pathlib import Path

SERVICES = ("ec2", "rds", "s3", "dynamodb", "backup")


def _clients_cpu(rounds: int) -> float:
    import boto3

    started = time.process_time()
    for _ in range(rounds):
        for service in SERVICES:
            boto3.session.Session().client(service, region_name="us-east-1")
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    from local.shared_loader import own_loader_per_session, share_one_loader

    print(f"load average before: {Path('/proc/loadavg').read_text().split()[:3]}")
    own_loader_per_session()
    own = _clients_cpu(args.rounds)
    share_one_loader()
    shared = _clients_cpu(args.rounds)
    made = args.rounds * len(SERVICES)
    print(f"{made} clients ({', '.join(SERVICES)}), a new Session each:")
    print(f"  loader per Session : {own:6.2f} s CPU ({own / made * 1000:5.0f} ms a client)")
    print(f"  one shared loader  : {shared:6.2f} s CPU ({shared / made * 1000:5.0f} ms a client)")

    from local.runtime import LocalRuntime, LocalSettings

    started = time.process_time()
    runtime = LocalRuntime(LocalSettings(start=datetime(2026, 5, 1, tzinfo=UTC))).start()
    start_cpu = time.process_time() - started
    try:
        resets = []
        for _ in range(args.rounds):
            runtime.client("ec2").create_volume(AvailabilityZone="us-east-1a", Size=1)
            started = time.process_time()
            runtime.reset()
            resets.append(time.process_time() - started)
    finally:
        runtime.stop()
    print("local runtime (shared loader):")
    print(f"  start              : {start_cpu:6.2f} s CPU")
    print(f"  reset              : {sum(resets) / len(resets):6.2f} s CPU (mean of {len(resets)})")
    print(f"load average after: {Path('/proc/loadavg').read_text().split()[:3]}")


if __name__ == "__main__":
    main()
