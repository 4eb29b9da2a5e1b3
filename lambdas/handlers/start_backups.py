"""A plan rule's schedule fired: resolve the selection a page at a time and queue a batch per page."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.common import clock
from lambdas.common.observability import logger, metrics, tracer
from lambdas.handlers.events import RuleFiredEvent
from lambdas.handlers.wiring import service_context
from lambdas.services import run_summary
from lambdas.services.scheduled_backups import start_backups


@logger.inject_lambda_context(correlation_id_path="rule_id", clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    fired = parse(event=event, model=RuleFiredEvent)
    ctx = service_context()
    now = clock.now()
    with ctx.events.batched():
        result = start_backups(ctx, fired.plan_id, fired.rule_id, fired.window_start(), now)
        run_summary.report(ctx, run_summary.of_rule_firing(fired.plan_id, fired.rule_id, result), now)
    return asdict(result)
