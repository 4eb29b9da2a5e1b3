"""An EFS mover: one function per protected file system, the file system mounted at /mnt/efs through an access
point. Each invoke moves one slice of a backup (files into the vault bucket) or a restore (back into the file
system), stops before Lambda's deadline with its cursor saved, and says where it stands."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.common import aws
from lambdas.common.observability import logger, metrics, tracer
from lambdas.handlers.events import MoverEvent
from lambdas.resources.efs import mover as efs


def _s3() -> Any:
    return aws.client("s3")


@logger.inject_lambda_context(correlation_id_path="state_key", clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = parse(event=event, model=MoverEvent)
    # efs.MOUNT_PATH is read at each call: the function's LocalMountPath (tests point it at a directory).
    return efs.handle_mover_event(request.model_dump(), context.get_remaining_time_in_millis(), _s3, efs.MOUNT_PATH)
