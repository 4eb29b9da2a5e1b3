"""Every hour: evaluate every Audit Manager framework's controls over the estate and record what changed."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.common import aws
from lambdas.common.config import get_settings
from lambdas.common.observability import logger, metrics, tracer
from lambdas.handlers.events import ScheduledEvent
from lambdas.handlers.wiring import service_context
from lambdas.services import run_summary
from lambdas.services.audit_compliance import EventBridgeComplianceEvents, evaluate_frameworks


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    scheduled = parse(event=event, model=ScheduledEvent)
    settings = get_settings()
    events = EventBridgeComplianceEvents(lambda: aws.client("events", settings.region), settings.event_bus_name)
    ctx = service_context()
    result = evaluate_frameworks(ctx, scheduled.now(), events)
    run_summary.report(ctx, run_summary.of_audit(result), scheduled.now())
    return asdict(result)
