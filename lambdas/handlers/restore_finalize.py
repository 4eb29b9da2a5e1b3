"""Restore workflow, last step: record the restore job COMPLETED, or FAILED with the caught error."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.common import clock
from lambdas.common.observability import logger, metrics, tracer
from lambdas.domain.jobs import RestoreJobStatus
from lambdas.handlers.events import RestoreFinalizeEvent
from lambdas.handlers.wiring import service_context
from lambdas.services.restore_service import finalize_restore


@logger.inject_lambda_context(correlation_id_path="restore_job_id", clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = parse(event=event, model=RestoreFinalizeEvent)
    job = finalize_restore(
        service_context(), step.restore_job_id, RestoreJobStatus(step.outcome), step.error, clock.now(), step.ready_at
    )
    return {"restore_job_id": job.RestoreJobId, "status": job.Status.value, "status_message": job.StatusMessage}
