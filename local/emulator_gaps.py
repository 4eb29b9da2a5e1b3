"""Fills the emulator gaps the local runtime's machinery depends on.

Runs Lambda invokes in this process. moto's Lambda normally starts a Docker container per invoke; here
its hook `LambdaFunction._invoke_lambda` is replaced so that the function's handler string is imported
and called with the event, exactly as the Lambda runtime would, with the function's environment applied.
Also shortens Step Functions' Wait states and Retry intervals, which moto sleeps in real time, and lets
EventBridge rules deliver to SNS topics (only where the topic's policy lets the rule publish, as on AWS: see
local/topic_policy.py) and Lambda functions, which moto's rules cannot target. `in_process(log)` is that patch
set; local/patch_sets.py lists it with every other set the runtime applies."""

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

from local.patching import Patch, PatchSet

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


def _capture_metrics(
    log: InvocationLog | None, provider_of: Callable[[], Any] | None = None
) -> Callable[[Any], Callable[..., None]]:
    """On Lambda, Powertools prints metrics as EMF lines that CloudWatch turns into metrics. Here they are
    summed into the invocation log instead of flooding the terminal. `provider_of`: the provider whose flush is
    replaced (the shared Metrics' by default)."""

    def make(_powertools_flush: Any) -> Callable[..., None]:
        from lambdas.common.observability import metrics

        provider = provider_of() if provider_of else metrics.provider

        def flush(raise_on_empty_metrics: bool = False) -> None:
            if log is not None and provider.metric_set:
                with log.lock:
                    for name, metric in provider.metric_set.items():
                        log.metrics[name] = log.metrics.get(name, 0.0) + sum(metric["Value"])
            provider.clear_metrics()

        return flush

    return make


def _backup_metrics_provider() -> Any:
    from lambdas.services import backup_metrics

    return backup_metrics._provider  # the provider whose flush the patch replaces


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


class _ShortSleep:
    """Stands in for the `time` module inside moto's Step Functions retrier: sleeps at most MAX_SFN_SLEEP_SECONDS."""

    @staticmethod
    def sleep(seconds: float) -> None:
        time.sleep(min(seconds, MAX_SFN_SLEEP_SECONDS))

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def _short_wait(self: Any, env: Any, wait_seconds: int) -> None:
    if wait_seconds > 0:
        env.program_state_event.wait(min(wait_seconds, MAX_SFN_SLEEP_SECONDS))


def _send_to_targets(original_send: Callable[..., None]) -> Callable[..., None]:
    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        from moto.awslambda.models import lambda_backends
        from moto.sns.models import sns_backends
        from moto.utilities.arns import parse_arn

        from local.topic_policy import EVENTS, ServiceDelivery, service_may_publish

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

    return send_to_targets


def in_process(log: InvocationLog | None = None) -> PatchSet:
    """Lambda invokes run here (counted in `log`), Step Functions' sleeps are short, EventBridge rules reach
    Lambda and SNS targets, and Powertools' metrics are summed into `log`."""

    def invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
        parsed = json.loads(event) if isinstance(event, str | bytes) and event else (event or {})
        payload, errored = invoke_in_process(self.handler, self.function_name, dict(self.environment_vars), parsed, log)
        return payload, errored, ""

    return PatchSet(
        "in-process Lambda, short Step Functions sleeps, EventBridge targets",
        [
            Patch.replace(
                "moto.awslambda.models:LambdaFunction",
                "_invoke_lambda",
                invoke_lambda,
                why="the function's handler is imported and called with the event and its environment, as the Lambda "
                "runtime does (Lambda Developer Guide, Lambda runtime environment); moto would start Docker",
            ),
            Patch.replace(
                "moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function:WaitFunction",
                "_wait_interval",
                _short_wait,
                why="the virtual clock, not the wall clock, measures a workflow's waits: Wait states end at once",
            ),
            Patch.replace(
                "moto.stepfunctions.parser.asl.component.common.retry.retrier_decl",
                "time",
                _ShortSleep(),
                why="the virtual clock, not the wall clock, measures a workflow's waits: Retry intervals end at once",
            ),
            Patch.wrap(
                "moto.events.models:Rule",
                "send_to_targets",
                _send_to_targets,
                why="a rule delivers to Lambda functions and to SNS topics whose policy lets it publish (EventBridge "
                "User Guide, Targets; Permissions for Amazon SNS)",
            ),
            Patch.wrap(
                "lambdas.common.observability:metrics.provider",
                "flush_metrics",
                _capture_metrics(log),
                why="EMF lines become CloudWatch metrics on Lambda (Powertools Metrics); here they are summed",
            ),
            Patch.wrap(
                "lambdas.services.backup_metrics:_provider",
                "flush_metrics",
                _capture_metrics(log, _backup_metrics_provider),
                why="AWS Backup's metrics are an EMF record each (lambdas/services/backup_metrics.py); summed too",
            ),
        ],
    )
