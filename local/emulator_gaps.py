"""Fills the emulator gaps the local runtime depends on.

Runs Lambda invokes in this process. moto's Lambda normally starts a Docker container per invoke; here
its hook `LambdaFunction._invoke_lambda` is replaced so that the function's handler string is imported
and called with the event, exactly as the Lambda runtime would, with the function's environment applied.
Also shortens Step Functions' Wait states and Retry intervals, which moto sleeps in real time, and lets
EventBridge rules deliver to SNS topics (only where the topic's policy lets the rule publish, as on AWS: see
local/topic_policy.py) and Lambda functions, which moto's rules cannot target. Refuses `aws.` event sources as
EventBridge does (local/strict_events.py). Installs the
copy gaps (local/copy_gaps.py), the DocumentDB and Neptune gaps (local/rds_gaps.py), the adapter quota
and batch gaps (local/adapter_gaps.py), the scale gaps (local/dynamodb_gaps.py, local/ec2_gaps.py), the
Scheduler group refusals (local/scheduler_gaps.py) and EBS snapshot lock (local/snapshot_locks.py) with them."""

from __future__ import annotations

import importlib
import json
import logging
import os
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_env_lock = threading.Lock()
_log = logging.getLogger(__name__)
MAX_SFN_SLEEP_SECONDS = 0.05


@dataclass
class FakeLambdaContext:
    function_name: str
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    invoked_function_arn: str = ""
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


@dataclass
class InvocationLog:
    """Counts invokes per function, for the demo's summary and the benchmark."""

    counts: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def clear(self) -> None:
        with self.lock:
            self.counts.clear()
            self.errors.clear()
            self.metrics.clear()
            self.seconds.clear()

    def record(self, name: str, elapsed: float, errored: bool) -> None:
        with self.lock:
            self.counts[name] = self.counts.get(name, 0) + 1
            self.seconds[name] = self.seconds.get(name, 0.0) + elapsed
            if errored:
                self.errors[name] = self.errors.get(name, 0) + 1


def _capture_metrics(log: InvocationLog | None) -> None:
    """On Lambda, Powertools prints metrics as EMF lines that CloudWatch turns into metrics. Here they are
    summed into the invocation log instead of flooding the terminal."""
    from lambdas.common.observability import metrics

    provider = metrics.provider

    def flush(raise_on_empty_metrics: bool = False) -> None:
        if log is not None and provider.metric_set:
            with log.lock:
                for name, metric in provider.metric_set.items():
                    log.metrics[name] = log.metrics.get(name, 0.0) + sum(metric["Value"])
        provider.clear_metrics()

    # On the provider, so the flush Powertools makes by itself at 100 values is captured as well.
    provider.flush_metrics = flush  # type: ignore[method-assign]


def _resolve(handler: str) -> Callable[[Any, Any], Any]:
    module_name, _, function_name = handler.rpartition(".")
    return getattr(importlib.import_module(module_name), function_name)


def invoke_in_process(
    handler: str, function_name: str, environment: dict[str, str], event: Any, log: InvocationLog | None = None
) -> tuple[str, bool]:
    """Returns (payload, errored) the way Lambda does: an error payload carries errorType and errorMessage,
    which Step Functions matches in Retry and Catch."""
    with _env_lock:
        os.environ.update(environment)
    started = time.perf_counter()
    try:
        result = _resolve(handler)(event, FakeLambdaContext(function_name=function_name))
        payload, errored = json.dumps(result, default=str), False
    except Exception as error:  # noqa: BLE001 - reported to the caller as Lambda reports it
        payload = json.dumps(
            {
                "errorType": type(error).__name__,
                "errorMessage": str(error),
                "stackTrace": traceback.format_exception(error)[-3:],
            }
        )
        errored = True
    if log is not None:
        log.record(function_name, time.perf_counter() - started, errored)
    return payload, errored


def install(log: InvocationLog | None = None) -> Callable[[], None]:
    """Patches moto for in-process Lambda, short Step Functions sleeps, EventBridge targets, cross-account
    snapshot copies (local/copy_gaps.py), DocumentDB and Neptune clusters (local/rds_gaps.py) and the adapters'
    quota and batch calls (local/adapter_gaps.py); returns the undo."""
    from moto.awslambda.models import LambdaFunction
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

    def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
        parsed = json.loads(event) if isinstance(event, str | bytes) and event else (event or {})
        payload, errored = invoke_in_process(self.handler, self.function_name, dict(self.environment_vars), parsed, log)
        return payload, errored, ""

    def _short_wait(self: Any, env: Any, wait_seconds: int) -> None:
        if wait_seconds > 0:
            env.program_state_event.wait(min(wait_seconds, MAX_SFN_SLEEP_SECONDS))

    class _ShortSleep:
        @staticmethod
        def sleep(seconds: float) -> None:
            time.sleep(min(seconds, MAX_SFN_SLEEP_SECONDS))

        def __getattr__(self, name: str) -> Any:
            return getattr(time, name)

    from moto.awslambda.models import lambda_backends
    from moto.events.models import Rule
    from moto.sns.models import sns_backends
    from moto.utilities.arns import parse_arn

    from local.topic_policy import EVENTS, ServiceDelivery, service_may_publish

    original_send = Rule.send_to_targets

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        if not self.event_pattern.matches_event(original_event):
            return
        handled = []
        for target in self.targets:
            arn = parse_arn(target["Arn"])
            if arn.service == "sns":
                topic = sns_backends[arn.account][arn.region].get_topic(target["Arn"])
                if service_may_publish(topic.policy, topic.arn, ServiceDelivery(EVENTS, self.arn, self.account_id)):
                    topic.publish(json.dumps(original_event))
                else:  # AWS counts a FailedInvocation on the rule and delivers nothing
                    _log.warning("topic %s policy does not let rule %s publish: not delivered", topic.arn, self.arn)
                handled.append(target)
            elif arn.service == "lambda":
                function = lambda_backends[arn.account][arn.region].get_function(target["Arn"])
                function.invoke(json.dumps(original_event), {}, {})
                handled.append(target)
        rest = [t for t in self.targets if t not in handled]
        if rest:
            self.targets, kept = rest, self.targets
            try:
                original_send(self, original_event, transform_input)
            finally:
                self.targets = kept

    from lambdas.common.observability import metrics

    saved = (
        LambdaFunction._invoke_lambda,
        WaitFunction._wait_interval,
        retrier_decl.time,  # type: ignore[attr-defined]
        metrics.provider.flush_metrics,
    )
    _capture_metrics(log)
    LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]
    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]
    WaitFunction._wait_interval = _short_wait  # type: ignore[method-assign]
    retrier_decl.time = _ShortSleep()  # type: ignore[attr-defined,assignment]
    from local import (
        adapter_gaps,
        copy_gaps,
        dynamodb_gaps,
        ec2_gaps,
        emulator_speed,
        object_lock_clock,
        rds_gaps,
        redshift_gaps,
        schedule_cache,
        scheduler_gaps,
        snapshot_locks,
        strict_events,
    )

    undo_strict_events = strict_events.install()
    undo_copy_gaps = copy_gaps.install()
    undo_dynamodb_gaps = dynamodb_gaps.install()
    undo_rds_gaps = rds_gaps.install()
    undo_redshift_gaps = redshift_gaps.install()  # DescribeClusterSnapshots honours its filters
    undo_adapter_gaps = adapter_gaps.install()
    undo_ec2_gaps = ec2_gaps.install()
    undo_scheduler_gaps = scheduler_gaps.install()
    from local.iam_gaps import install_policy_simulation

    undo_policy_simulation = install_policy_simulation()  # the Api function's per-operation authorization

    undo_schedule_cache = schedule_cache.install()
    undo_emulator_speed = emulator_speed.install()  # after dynamodb_gaps: it wraps that Table.all_items

    undo_snapshot_locks = snapshot_locks.install()  # AWS refuses to delete a locked EBS snapshot; moto has no lock
    undo_object_lock_clock = object_lock_clock.install()  # S3 retention read on the virtual clock

    def undo() -> None:
        undo_object_lock_clock()
        undo_snapshot_locks()
        undo_emulator_speed()
        undo_schedule_cache()
        undo_policy_simulation()
        undo_scheduler_gaps()
        undo_ec2_gaps()
        undo_adapter_gaps()
        undo_redshift_gaps()
        undo_rds_gaps()
        undo_dynamodb_gaps()
        undo_copy_gaps()
        undo_strict_events()
        (
            LambdaFunction._invoke_lambda,  # type: ignore[method-assign]
            WaitFunction._wait_interval,  # type: ignore[method-assign]
            retrier_decl.time,  # type: ignore[attr-defined]
            metrics.provider.flush_metrics,  # type: ignore[method-assign]
        ) = saved
        Rule.send_to_targets = original_send  # type: ignore[method-assign]

    return undo
