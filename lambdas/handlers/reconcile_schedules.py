"""Every hour, and once on each deploy (a CloudFormation custom resource whose service token is this function):
bring the plan rule schedules back in line with the catalog (lambdas/services/schedule_reconciler.py)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.common import aws
from lambdas.common.config import get_settings
from lambdas.common.observability import logger, metrics, tracer
from lambdas.handlers.custom_resource import CustomResourceRequest, answer, is_custom_resource_request
from lambdas.handlers.wiring import service_context
from lambdas.services.plan_scheduler import SchedulerTarget
from lambdas.services.schedule_reconciler import reconcile_plan_schedules

PHYSICAL_ID = "strongroom-plan-schedules"


def _reconcile() -> dict[str, Any]:
    settings = get_settings()
    if not (settings.plan_schedule_group and settings.start_backups_function_arn and settings.scheduler_role_arn):
        raise ValueError("The plan schedule group, the scheduler role and StartBackups must be configured")
    target = SchedulerTarget(
        settings.plan_schedule_group, settings.start_backups_function_arn, settings.scheduler_role_arn
    )
    result = reconcile_plan_schedules(
        service_context().stores.plans.live(), aws.client("scheduler", settings.region), target
    )
    return {
        "GroupRecreated": result.group_recreated,
        "Recreated": len(result.recreated),
        "Updated": len(result.updated),
        "Deleted": len(result.deleted),
        "Unchanged": result.unchanged,
    }


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if is_custom_resource_request(event):
        return answer(CustomResourceRequest.model_validate(event), PHYSICAL_ID, _reconcile)
    # A scheduled firing: a failure raises, so the Errors alarm sees it and Scheduler retries.
    return _reconcile()
