"""Every day at 01:00 UTC (AWS Backup Audit Manager makes its daily reports between 1 and 5 AM UTC): one report
job per report plan, over the previous 24 hours, written to the plan's bucket."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.common.observability import logger, metrics, tracer
from lambdas.handlers.events import ScheduledEvent
from lambdas.handlers.wiring import service_context
from lambdas.services.audit_reports import run_daily_reports


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    scheduled = parse(event=event, model=ScheduledEvent)
    jobs = run_daily_reports(service_context(), scheduled.now())
    return {"ReportJobs": {job.ReportJobId: job.Status.value for job in jobs}}
