"""Load benchmark of the Backup API on the local runtime, as users and test suites meet it: `python -m local serve`
in its own process on a free port, driven over HTTP by boto3's own `backup` client.

It seeds vaults, plans and recovery points, then runs a mix of read operations (ListBackupVaults,
ListBackupPlans, DescribeBackupVault, ListBackupJobs, GetBackupPlan) first from 1 client, then from 16
concurrent clients (threads, each with its own boto3 client), and prints p50, p95 and throughput, with the
machine's core count and load average (os.getloadavg) before and after each run: on a shared machine the
figures mean little without them. It also prints the CPU time (user + sys) per call of the serving process
and of the clients: steadier than wall times when other jobs share the cores. Last, it counts the emulated AWS
calls Strongroom makes per API call of each operation (on a runtime in this process, where its clients can be
listened to): figures that do not depend on the machine at all; there, too, the CPU time and Python function
calls per API call with the local runtime's in-process DynamoDB paths and without them, back to back
(benchmarks/api_in_process.py); and the Python function calls per API call of the serving side over HTTP, HTTP
server included (benchmarks/api_server_calls.py).

Run: `make benchmark-api` or `.venv/bin/python -m benchmarks.api_load [--seconds 10] [--clients 1 16]`.
Figures are printed, not asserted: they depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

ROLE = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"
SEED_VAULTS = 20
SEED_PLANS = 10
SEED_VOLUMES = 5
POINTS_PER_VOLUME = 4
# What a client waits at most before counting a call as failed: well above the p95 we aim at.
CLIENT_CONFIG = Config(retries={"max_attempts": 1}, read_timeout=60, max_pool_connections=4)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _session() -> boto3.session.Session:
    return boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")


def _wait_ready(endpoint: str, process: subprocess.Popen[bytes], seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    backup = _session().client("backup", endpoint_url=endpoint, config=CLIENT_CONFIG)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{endpoint}/_strongroom/clock", timeout=2) as answer:
                if answer.status == 200:
                    backup.list_backup_vaults()
                    return
        except Exception:  # noqa: BLE001 - not up yet: the port is closed, or bootstrap is still running
            time.sleep(0.2)
    raise RuntimeError("serve did not become ready")


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds a process has used so far (Linux /proc); None when unknown."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


@dataclass
class Served:
    endpoint: str
    pid: int | None  # the serving process, when this benchmark started it: its CPU time is measured


@contextmanager
def serving() -> Iterator[Served]:
    """`python -m local serve` on a free port, in its own process, stopped (SIGTERM) at the end."""
    port = _free_port()
    env = {**os.environ, "POWERTOOLS_LOG_LEVEL": "ERROR", "POWERTOOLS_METRICS_DISABLED": "true"}
    process = subprocess.Popen(
        [sys.executable, "-m", "local", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(endpoint, process)
        yield Served(endpoint, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass(frozen=True)
class Seeded:
    vaults: list[str]
    plan_ids: list[str]
    points: int


def _wait_a_tick() -> None:
    time.sleep(0.5)  # serve's scheduler runs TrackJobs every tick


def seed(endpoint: str, settle: Callable[[], None] = _wait_a_tick) -> Seeded:
    """Vaults, plans and recovery points: on-demand backups of a few EBS volumes, completed by TrackJobs
    (`settle` lets it run: waiting for serve's scheduler, or advancing a runtime's clock)."""
    session = _session()
    backup = session.client("backup", endpoint_url=endpoint, config=CLIENT_CONFIG)
    ec2 = session.client("ec2", endpoint_url=endpoint, config=CLIENT_CONFIG)
    vaults = [f"load-{n}" for n in range(SEED_VAULTS)]
    for name in vaults:
        backup.create_backup_vault(BackupVaultName=name)
    plan_ids = []
    for n in range(SEED_PLANS):
        rule = {
            "RuleName": "daily",
            "TargetBackupVaultName": vaults[n % len(vaults)],
            "ScheduleExpression": "cron(0 5 ? * * *)",
            "Lifecycle": {"DeleteAfterDays": 35},
        }
        plan_ids.append(
            backup.create_backup_plan(BackupPlan={"BackupPlanName": f"load-{n}", "Rules": [rule]})["BackupPlanId"]
        )
    volumes = [ec2.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"] for _ in range(SEED_VOLUMES)]
    for _ in range(POINTS_PER_VOLUME):
        for volume in volumes:
            arn = f"arn:aws:ec2:us-east-1:123456789012:volume/{volume}"
            backup.start_backup_job(BackupVaultName=vaults[0], ResourceArn=arn, IamRoleArn=ROLE)
    expected = SEED_VOLUMES * POINTS_PER_VOLUME
    deadline = time.monotonic() + 120
    points = 0
    while time.monotonic() < deadline:
        points = len(backup.list_recovery_points_by_backup_vault(BackupVaultName=vaults[0])["RecoveryPoints"])
        done = backup.list_backup_jobs(ByState="COMPLETED")["BackupJobs"]
        if points >= expected and len(done) >= expected:
            break
        settle()
    return Seeded(vaults, plan_ids, points)


def operations(backup: Any, seeded: Seeded) -> list[tuple[str, Callable[[int], Any]]]:
    vaults, plans = seeded.vaults, seeded.plan_ids
    return [
        ("ListBackupVaults", lambda n: backup.list_backup_vaults()),
        ("ListBackupPlans", lambda n: backup.list_backup_plans()),
        ("DescribeBackupVault", lambda n: backup.describe_backup_vault(BackupVaultName=vaults[n % len(vaults)])),
        ("ListBackupJobs", lambda n: backup.list_backup_jobs()),
        ("GetBackupPlan", lambda n: backup.get_backup_plan(BackupPlanId=plans[n % len(plans)])),
    ]


@dataclass(frozen=True)
class Figures:
    clients: int
    calls: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float
    by_operation_p50_ms: dict[str, float]
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    server_cpu_ms_per_call: float | None
    client_cpu_ms_per_call: float

    @property
    def throughput(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_clients(endpoint: str, seeded: Seeded, clients: int, seconds: float, server_pid: int | None = None) -> Figures:
    latencies: list[tuple[str, float]] = []
    errors = [0]
    lock = threading.Lock()
    stop = threading.Event()
    # Clients are made before the clock starts: building a boto3 client is the caller's cost, not the API's.
    backups = [_session().client("backup", endpoint_url=endpoint, config=CLIENT_CONFIG) for _ in range(clients)]

    def work(index: int) -> None:
        mix = operations(backups[index], seeded)
        n = index
        mine: list[tuple[str, float]] = []
        failed = 0
        while not stop.is_set():
            name, call = mix[n % len(mix)]
            started = time.perf_counter()
            try:
                call(n)
            except Exception:  # noqa: BLE001 - a failed call is counted, not fatal to the benchmark
                failed += 1
            mine.append((name, time.perf_counter() - started))
            n += 1
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    load_before = os.getloadavg()
    server_cpu_before, client_cpu_before = cpu_seconds(server_pid), time.process_time()
    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    server_cpu_after, client_cpu = cpu_seconds(server_pid), time.process_time() - client_cpu_before
    calls = max(1, len(latencies))
    server_cpu = None if server_cpu_before is None or server_cpu_after is None else server_cpu_after - server_cpu_before
    all_ms = [seconds_ * 1000 for _, seconds_ in latencies]
    by_operation: dict[str, list[float]] = {}
    for name, seconds_ in latencies:
        by_operation.setdefault(name, []).append(seconds_ * 1000)
    return Figures(
        clients=clients,
        calls=len(latencies),
        errors=errors[0],
        seconds=elapsed,
        p50_ms=statistics.median(all_ms) if all_ms else 0.0,
        p95_ms=_percentile(all_ms, 0.95),
        by_operation_p50_ms={name: statistics.median(values) for name, values in sorted(by_operation.items())},
        load_before=load_before,
        load_after=os.getloadavg(),
        server_cpu_ms_per_call=None if server_cpu is None else server_cpu * 1000 / calls,
        client_cpu_ms_per_call=client_cpu * 1000 / calls,
    )


def report(figures: Figures) -> str:
    def load(values: tuple[float, float, float]) -> str:
        return "/".join(f"{v:.2f}" for v in values)

    lines = [
        f"{figures.clients:>2} client(s): {figures.calls} calls in {figures.seconds:.1f}s = "
        f"{figures.throughput:.1f} req/s; p50 {figures.p50_ms:.1f} ms, p95 {figures.p95_ms:.1f} ms; "
        f"{figures.errors} errors; load average {load(figures.load_before)} before, {load(figures.load_after)} after",
        "    p50 by operation: " + ", ".join(f"{k} {v:.1f} ms" for k, v in figures.by_operation_p50_ms.items()),
        "    CPU per call: server "
        + ("unknown" if figures.server_cpu_ms_per_call is None else f"{figures.server_cpu_ms_per_call:.1f} ms")
        + f", clients {figures.client_cpu_ms_per_call:.1f} ms",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.api_load", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each client count runs")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--endpoint", help="a runtime already serving (default: start `serve` on a free port)")
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} cores, load average {'/'.join(f'{v:.2f}' for v in os.getloadavg())}")

    def run(endpoint: str, pid: int | None) -> None:
        started = time.perf_counter()
        seeded = seed(endpoint)
        print(
            f"seeded {len(seeded.vaults)} vaults, {len(seeded.plan_ids)} plans, {seeded.points} recovery points "
            f"in {time.perf_counter() - started:.1f}s"
        )
        run_clients(endpoint, seeded, 1, 1.0)  # warm-up: first-call imports and caches
        for clients in args.clients:
            print(report(run_clients(endpoint, seeded, clients, args.seconds, pid)), flush=True)

    if args.endpoint:
        run(args.endpoint, None)
        print("emulated AWS calls per API call: counted only on a runtime this benchmark starts")
    else:
        with serving() as served:
            run(served.endpoint, served.pid)
        from benchmarks.api_in_process import measure
        from benchmarks.api_in_process import report as in_process_report

        print(in_process_report(measure(operations, seed)), flush=True)
        from benchmarks import api_server_calls

        print(api_server_calls.report(api_server_calls.measure(seed)), flush=True)


if __name__ == "__main__":
    main()
