"""Restore workflow, step 2: raise RestorePending until the restored resource is ready, then answer the moment
it was found ready, which the workflow hands the last step as the end of the job's recovery time."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.common import clock
from lambdas.common.observability import logger, metrics, tracer
from lambdas.handlers.events import RestoreStepEvent
from lambdas.handlers.wiring import service_context
from lambdas.services.restore_service import poll_restore


@logger.inject_lambda_context(correlation_id_path="restore_job_id", clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = parse(event=event, model=RestoreStepEvent)
    job = poll_restore(service_context(), step.restore_job_id)
    return {
        "restore_job_id": job.RestoreJobId,
        "created_resource_arn": job.CreatedResourceArn,
        "ready_at": clock.now().isoformat(),
    }
