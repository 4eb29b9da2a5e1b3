"""Scale benchmark: one plan rule protecting N resources of mixed types (by default 70% EBS volumes, 20% DynamoDB
tables, 10% EC2 instances; `--mix` picks others, RDS DB instances included), on the local runtime with the
embedded emulator.

For each size it fires the rule the way EventBridge Scheduler does (an invoke of the StartBackups function with
the rule's event), lets the queue poller deliver the batches StartBackups queued to StartBackupBatch as Lambda's
SQS poller does, then runs TrackJobs the way its rate(5 minutes) schedule does until no job is open, and
prints:
  - wall time from the firing to every job started, and to every recovery point recorded;
  - the time the emulator took to answer Strongroom's AWS calls, apart from Strongroom's own time;
  - AWS API calls per resource, by service and operation (every client Strongroom makes is counted);
  - DynamoDB reads and writes per job;
  - Lambda invocations and estimated GB-seconds per job (the functions' configured memory x time);
  - the estimated monthly orchestration cost of 10,000 resources backed up daily, at the list prices below.

Run: `make benchmark` (sizes 100 and 1,000) or `.venv/bin/python -m benchmarks.scale --sizes 100 1000 10000`.
Timings depend on the machine: they are printed with the machine's core count, and are not asserted anywhere.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.config import Config

# List prices used for the estimate (us-east-1, on-demand, arm64 Lambda), as published in 2026.
PRICES = {
    "lambda_gb_second": 0.0000133334,
    "lambda_request": 0.20 / 1_000_000,
    "dynamodb_write_request_unit": 0.625 / 1_000_000,
    "dynamodb_read_request_unit": 0.125 / 1_000_000,
    "eventbridge_event": 1.00 / 1_000_000,
    "sqs_request": 0.40 / 1_000_000,
    "scheduler_invocation": 1.00 / 1_000_000,
}
DAYS_PER_MONTH = 30
FIXED_FIRINGS_PER_MONTH = (12 * 24 + 24 + 1) * DAYS_PER_MONTH  # TrackJobs, Lifecycle, the daily rule
IDLE_POLLERS = 5
MONTHLY_RESOURCES = 10_000
ROLE = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"
START = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
FIRING = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)
DYNAMODB_READS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}
DYNAMODB_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


@dataclass
class CallLog:
    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    units: Counter[tuple[str, str]] = field(default_factory=Counter)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, service: str, operation: str, elapsed: float, units: int) -> None:
        with self.lock:
            self.calls[(service, operation)] += 1
            self.units[(service, operation)] += units
            self.seconds += elapsed


@dataclass
class Result:
    size: int
    mix: dict[str, int]
    started_seconds: float
    recorded_seconds: float
    emulator_seconds: float
    calls: Counter[tuple[str, str]]
    units: Counter[tuple[str, str]]
    jobs: int
    completed: int
    invocations: dict[str, int]
    gb_seconds: float
    tracking_runs: int
    estate_seconds: float = 0.0  # building the resources before the firing: not part of the measured run


TAG = [{"Key": "backup", "Value": "bench"}]
DEFAULT_MIX = {"EBS": 70, "DynamoDB": 20, "EC2": 10}


# The estate is built through moto's backends in this process, as moto's own EC2 and DynamoDB APIs do behind their
# HTTP layer (the same create calls, the same tags): the benchmark needs the resources to exist, and only
# Strongroom's calls after the firing are measured. Over HTTP, 10,000 creates took 286 s before the firing.


def _volumes(runtime: Any, count: int) -> None:
    from moto.ec2.models import ec2_backends

    ec2 = ec2_backends[runtime.settings.account][runtime.settings.region]
    tags = {tag["Key"]: tag["Value"] for tag in TAG}
    for n in range(count):
        # What moto's CreateVolume does with TagSpecifications for a volume (moto/ec2/responses/elastic_block_store.py)
        volume = ec2.create_volume(size=8, zone_name="us-east-1a")
        volume.add_tags({**tags, "Name": f"v{n}"})


def _tables(runtime: Any, count: int) -> None:
    from moto.dynamodb.models import dynamodb_backends

    dynamodb = dynamodb_backends[runtime.settings.account][runtime.settings.region]
    for n in range(count):
        # What moto's CreateTable passes its backend for this request (moto/dynamodb/responses.py create_table)
        dynamodb.create_table(
            f"bench-{n}",
            schema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            throughput=None,
            attr=[{"AttributeName": "pk", "AttributeType": "S"}],
            global_indexes=[],
            indexes=[],
            streams=None,
            billing_mode="PAY_PER_REQUEST",
            sse_specification=None,
            tags=list(TAG),
            deletion_protection_enabled=False,
            warm_throughput=None,
        )


def _instances(runtime: Any, count: int) -> None:
    ec2 = runtime.client("ec2")
    image = ec2.register_image(Name="bench-ami", RootDeviceName="/dev/xvda")["ImageId"]
    for start in range(0, count, 100):
        batch = min(100, count - start)
        ec2.run_instances(
            ImageId=image,
            MinCount=batch,
            MaxCount=batch,
            InstanceType="t3.micro",
            TagSpecifications=[{"ResourceType": "instance", "Tags": TAG}],
        )


def _databases(runtime: Any, count: int) -> None:
    rds = runtime.client("rds")
    for n in range(count):
        rds.create_db_instance(
            DBInstanceIdentifier=f"bench-{n}",
            DBInstanceClass="db.t3.micro",
            Engine="postgres",
            MasterUsername="bench",
            MasterUserPassword="bench-password",
            AllocatedStorage=20,
            Tags=TAG,
        )


MAKERS = {"EBS": _volumes, "DynamoDB": _tables, "EC2": _instances, "RDS": _databases}


def _resources(runtime: Any, size: int, mix: dict[str, int]) -> dict[str, int]:
    """`size` resources split by the mix's weights (the last type takes the rounding), all tagged for the plan's
    selection."""
    counts: dict[str, int] = {}
    total = sum(mix.values())
    for kind, weight in mix.items():
        counts[kind] = size * weight // total
    counts[list(mix)[-1]] += size - sum(counts.values())
    for kind, count in counts.items():
        if count:
            MAKERS[kind](runtime, count)
    return counts


POLLER_OPERATIONS = {"ReceiveMessage", "DeleteMessageBatch", "ChangeMessageVisibility"}


def _count_poller_calls(sqs: Any, log: CallLog) -> Any:
    def counted(model: Any, **_: Any) -> None:
        if model.name in POLLER_OPERATIONS:
            log("sqs", model.name, 0.0, 1)

    sqs.meta.events.register("before-call.sqs", counted)
    return lambda: sqs.meta.events.unregister("before-call.sqs", counted)


def _invoke(runtime: Any, function: str, payload: dict[str, Any]) -> dict[str, Any]:
    # One long synchronous invoke, never retried: a client read timeout would invoke the function again
    # while the first run still works, which is not what a schedule does.
    client = runtime.session().client("lambda", config=Config(read_timeout=3600, retries={"max_attempts": 1}))
    answer = client.invoke(FunctionName=function, Payload=json.dumps(payload).encode())
    body: dict[str, Any] = json.loads(answer["Payload"].read() or b"{}")
    if answer.get("FunctionError"):
        raise RuntimeError(f"{function} failed: {body}")
    return body


def run(size: int, mix: dict[str, int] = DEFAULT_MIX) -> Result:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # the EMF lines would drown the report
    from infrastructure import constants
    from lambdas.common import aws
    from lambdas.domain.jobs import BackupJobState
    from lambdas.handlers.wiring import service_context
    from local.runtime import LocalRuntime, LocalSettings

    with LocalRuntime(LocalSettings(start=START, quiet=True)) as runtime:
        building = time.perf_counter()
        made = _resources(runtime, size, mix)
        estate_seconds = time.perf_counter() - building
        backup = runtime.client("backup")
        backup.create_backup_vault(BackupVaultName="bench")
        plan = backup.create_backup_plan(
            BackupPlan={
                "BackupPlanName": "bench",
                "Rules": [
                    {
                        "RuleName": "daily",
                        "TargetBackupVaultName": "bench",
                        "ScheduleExpression": "cron(0 5 * * ? *)",
                        "StartWindowMinutes": 60,
                        "CompletionWindowMinutes": 1440,
                        "Lifecycle": {"DeleteAfterDays": 35},
                    }
                ],
            }
        )
        backup.create_backup_selection(
            BackupPlanId=plan["BackupPlanId"],
            BackupSelection={
                "SelectionName": "bench",
                "IamRoleArn": ROLE,
                "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "bench"}],
            },
        )
        rule_id = backup.get_backup_plan(BackupPlanId=plan["BackupPlanId"])["BackupPlan"]["Rules"][0]["RuleId"]
        runtime.clock.set(FIRING)
        before_invocations = dict(runtime.invocations.counts)
        before_seconds = dict(runtime.invocations.seconds)
        log = CallLog()
        stop = aws.listen_to_calls(log)
        # The poller's own SQS calls are billed to the account too (on AWS, Lambda's poller makes them).
        poller_calls = _count_poller_calls(runtime.queues.sqs, log)
        try:
            started = time.perf_counter()
            _invoke(
                runtime,
                f"strongroom-{constants.START_BACKUPS.key}",
                {"plan_id": plan["BackupPlanId"], "rule_id": rule_id, "scheduled_time": FIRING.isoformat()},
            )
            # What Lambda's SQS poller does on AWS: StartBackupBatch invoked with the queued batches.
            runtime.queues.drain()
            all_started = time.perf_counter() - started
            runs = 0
            stores = service_context().stores
            while True:
                runs += 1
                runtime.clock.set(FIRING + timedelta(minutes=5 * runs))
                _invoke(
                    runtime,
                    f"strongroom-{constants.TRACK_JOBS.key}",
                    {"scheduled_time": (FIRING + timedelta(minutes=5 * runs)).isoformat()},
                )
                if not stores.jobs.open_backup_jobs(limit=1)[0] or runs >= 12:
                    break
            all_recorded = time.perf_counter() - started
        finally:
            stop()
            poller_calls()
        jobs = completed = 0
        token: str | None = None
        while True:
            page, token = stores.jobs.backup_jobs(limit=1000, token=token)
            jobs += len(page)
            completed += sum(1 for job in page if job.State == BackupJobState.COMPLETED)
            if token is None:
                break
        memory = {f"strongroom-{spec.key}": spec.memory_mb for spec in constants.FUNCTIONS}
        invocations = {
            name: count - before_invocations.get(name, 0)
            for name, count in runtime.invocations.counts.items()
            if count - before_invocations.get(name, 0)
        }
        gb_seconds = sum(
            (seconds - before_seconds.get(name, 0.0)) * memory.get(name, 512) / 1024
            for name, seconds in runtime.invocations.seconds.items()
        )
        return Result(
            size,
            made,
            all_started,
            all_recorded,
            log.seconds,
            log.calls,
            log.units,
            jobs,
            completed,
            invocations,
            gb_seconds,
            runs,
            estate_seconds,
        )


def monthly_cost(result: Result) -> dict[str, float]:
    """Per job, from the measured run, scaled to 10,000 resources backed up daily for a month."""
    per_job: dict[str, float] = dict.fromkeys(PRICES, 0.0)
    n = result.size
    # Billed by units: events put, DynamoDB request units (1 KB items; a transactional write costs two).
    for (service, operation), count in result.units.items():
        if service == "dynamodb" and operation in DYNAMODB_WRITES:
            per_job["dynamodb_write_request_unit"] += count / n
        elif service == "dynamodb" and operation in DYNAMODB_READS:
            per_job["dynamodb_read_request_unit"] += count / n
        elif service == "events":
            per_job["eventbridge_event"] += count / n
        elif service == "sqs":
            per_job["sqs_request"] += result.calls[(service, operation)] / n
    per_job["lambda_gb_second"] = result.gb_seconds / n
    per_job["lambda_request"] = sum(result.invocations.values()) / n
    jobs_per_month = MONTHLY_RESOURCES * DAYS_PER_MONTH
    costs = {item: per_job[item] * PRICES[item] * jobs_per_month for item in PRICES}
    # Paid whatever the number of jobs: the fixed schedules' firings (TrackJobs every 5 minutes, Lifecycle
    # hourly, the rule daily), and Lambda's SQS pollers, which long-poll (20 s) the batch queue when it is
    # empty: IDLE_POLLERS of them, as Lambda starts for a standard queue.
    costs["scheduler_invocation"] = FIXED_FIRINGS_PER_MONTH * PRICES["scheduler_invocation"]
    costs["sqs_request"] += IDLE_POLLERS * (3 * 60 * 24 * DAYS_PER_MONTH) * PRICES["sqs_request"]
    return costs


def report(result: Result) -> str:
    n = result.size
    lines = [
        f"== {n:,} resources ({', '.join(f'{k} {v:,}' for k, v in result.mix.items())}) on {os.cpu_count()} cores ==",
        f"estate built (before the firing, not measured below): {result.estate_seconds:.1f} s",
        f"jobs: {result.jobs:,} created, {result.completed:,} COMPLETED",
        f"firing -> every job started:          {result.started_seconds:8.1f} s",
        f"firing -> every recovery point recorded: {result.recorded_seconds:6.1f} s "
        f"({result.tracking_runs} TrackJobs run(s))",
        f"  of which the emulator answering:    {result.emulator_seconds:8.1f} s; Strongroom's own time "
        f"{result.recorded_seconds - result.emulator_seconds:.1f} s",
        f"AWS API calls per resource: {sum(result.calls.values()) / n:.2f}",
    ]
    for (service, operation), count in sorted(result.calls.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {service}:{operation:<28} {count / n:8.3f}")
    reads = sum(c for (s, o), c in result.calls.items() if s == "dynamodb" and o in DYNAMODB_READS)
    writes = sum(c for (s, o), c in result.calls.items() if s == "dynamodb" and o in DYNAMODB_WRITES)
    write_units = sum(c for (s, o), c in result.units.items() if s == "dynamodb" and o in DYNAMODB_WRITES)
    lines.append(
        f"DynamoDB per job: {reads / n:.2f} read calls, {writes / n:.2f} write calls "
        f"({write_units / n:.2f} write request units)"
    )
    by_function = ", ".join(f"{name.removeprefix('strongroom-')} {count}" for name, count in result.invocations.items())
    lines.append(
        f"Lambda: {sum(result.invocations.values())} invocations ({by_function}), "
        f"{result.gb_seconds / n * 1000:.2f} GB-ms per job (local timings; a Lambda's own are not these)"
    )
    costs = monthly_cost(result)
    total = sum(costs.values())
    lines.append(
        f"Estimated orchestration cost, {MONTHLY_RESOURCES:,} resources backed up daily: ${total:,.2f}/month "
        f"(${total / (MONTHLY_RESOURCES * DAYS_PER_MONTH) * 1_000_000:,.2f} per million jobs)"
    )
    lines.append(f"Cost per job: ${total / (MONTHLY_RESOURCES * DAYS_PER_MONTH):.8f}")
    for item, cost in costs.items():
        lines.append(f"  {item:<28} ${cost:8.2f}  (at ${PRICES[item]:.10f} each)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument(
        "--mix",
        default=",".join(f"{kind}:{weight}" for kind, weight in DEFAULT_MIX.items()),
        help=f"resource types and their weights, e.g. EBS:70,DynamoDB:20,EC2:10 or RDS:1 (types: {', '.join(MAKERS)})",
    )
    args = parser.parse_args()
    mix = {kind: int(weight) for kind, weight in (part.split(":") for part in args.mix.split(","))}
    unknown = set(mix) - set(MAKERS)
    if unknown:
        parser.error(f"unknown resource types {sorted(unknown)}; known: {', '.join(MAKERS)}")
    for size in args.sizes:
        # Powertools flushes a metric set once it holds 100 values even with metrics disabled: the functions'
        # EMF lines (on AWS, CloudWatch's) are kept out of the report.
        with contextlib.redirect_stdout(io.StringIO()):
            result = run(size, mix)
        print(report(result), flush=True)
    from benchmarks.expiry import EXPIRY_POINTS, expiry_calls_per_point  # expiry beside the backup figure

    print(
        f"AWS API calls per expired point ({EXPIRY_POINTS} EBS points, one Lifecycle run; benchmarks/expiry.py): "
        f"{expiry_calls_per_point(EXPIRY_POINTS):.2f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
