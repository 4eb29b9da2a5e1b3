"""One page of a rule's firing, from the backup batch queue: create and start its jobs.

Powertools batch processing with partial batch failures: a message that fails (a throttled transaction, a bad
body) is reported back alone and delivered again, then to the dead-letter queue; the others are done."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.common import clock
from lambdas.common.observability import logger, metrics, tracer
from lambdas.handlers.wiring import service_context
from lambdas.services import run_summary
from lambdas.services.backup_batches import BackupBatch
from lambdas.services.scheduled_backups import start_backup_batch

processor = BatchProcessor(event_type=EventType.SQS)


# A batch of 100 native starts takes well under this; a record begun later could be cut off by the timeout.
MIN_SECONDS_LEFT = 120


class NoTimeLeft(Exception):
    """Raised for a record the invocation has no time left for: reported failed, it is delivered again."""


@tracer.capture_method
def _start(record: SQSRecord, lambda_context: LambdaContext) -> dict[str, int]:
    if lambda_context.get_remaining_time_in_millis() < MIN_SECONDS_LEFT * 1000:
        raise NoTimeLeft(f"less than {MIN_SECONDS_LEFT} s left; the batch comes back after the visibility timeout")
    batch = BackupBatch.model_validate_json(record.body)
    logger.append_keys(correlation_id=batch.correlation_id)
    ctx = service_context()
    now = clock.now()
    with ctx.events.batched():
        result = start_backup_batch(ctx, batch, now)
        run_summary.report(ctx, run_summary.of_backup_batch(batch.correlation_id, len(batch.resources), result), now)
    return {f"jobs_{name}": value for name, value in vars(result).items()}


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=_start, processor=processor, context=context)
