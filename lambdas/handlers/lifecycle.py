"""Every hour: move recovery points due for cold storage to it, delete those whose retention has ended."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.common.observability import logger, metrics, tracer
from lambdas.handlers.events import ScheduledEvent
from lambdas.handlers.wiring import service_context
from lambdas.services import run_summary
from lambdas.services.lifecycle_service import run_lifecycle


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    scheduled = parse(event=event, model=ScheduledEvent)
    ctx = service_context()
    with ctx.events.batched():  # the summary's event goes with the run's own
        result = run_lifecycle(ctx, scheduled.now())
        run_summary.report(ctx, run_summary.of_lifecycle(result), scheduled.now())
    return asdict(result)
