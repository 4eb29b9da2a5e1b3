"""Restore testing: a plan's schedule fired (start its restores), or the hourly sweep (check restored copies,
delete those whose validation window has ended). A plan's firing sweeps too, so a test's copy is judged at the
first chance."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.common import clock
from lambdas.common.observability import logger, metrics, tracer
from lambdas.handlers.events import RestoreTestingEvent
from lambdas.handlers.wiring import service_context
from lambdas.services import run_summary
from lambdas.services.restore_testing_runs import run_plan
from lambdas.services.restore_testing_validation import sweep


@logger.inject_lambda_context(correlation_id_path="plan_name", clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    fired = parse(event=event, model=RestoreTestingEvent)
    ctx = service_context()
    now = clock.now()
    answer: dict[str, Any] = {}
    run = run_plan(ctx, fired.plan_name, fired.now(), now) if fired.plan_name else None
    if run is not None:
        answer["run"] = asdict(run)
    swept = sweep(ctx, now)
    answer["sweep"] = asdict(swept)
    run_summary.report(ctx, run_summary.of_restore_tests(fired.plan_name, run, swept), now)
    return answer
