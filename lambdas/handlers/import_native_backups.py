"""On demand: catalog the backups services made themselves (EBS snapshots, AMIs, RDS and cluster snapshots,
DynamoDB and FSx backups of protected resources) as recovery points in a vault, without copying them. AWS
Backup's API has no operation for this, so it is a function of its own: `aws lambda invoke --function-name
strongroom-ImportNativeBackups --payload '{"BackupVaultName": "main"}' out.json`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.common import clock
from lambdas.common.observability import logger, metrics, tracer
from lambdas.handlers.events import ImportNativeBackupsEvent
from lambdas.handlers.wiring import service_context
from lambdas.services.native_backup_import import import_native_backups


@logger.inject_lambda_context(correlation_id_path="BackupVaultName", clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = parse(event=event, model=ImportNativeBackupsEvent)
    result = import_native_backups(
        service_context(),
        request.BackupVaultName,
        request.ResourceArns,
        clock.now(),
        resource_types=request.ResourceTypes,
    )
    return asdict(result)
