"""Builds the ServiceContext once per cold start from the validated settings. Clients are made lazily,
so importing a handler makes no AWS client (tests can start moto first)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from lambdas.common import aws
from lambdas.common.config import get_settings
from lambdas.resources.catalog import build_adapters
from lambdas.resources.registry import AdapterRegistry
from lambdas.services.audit_trigger import ScheduledEvaluationTrigger
from lambdas.services.backup_batches import SqsBackupBatchQueue
from lambdas.services.context import ServiceContext
from lambdas.services.copy_destinations import AwsCopyDestinations, Destination
from lambdas.services.events import AwsEventSink
from lambdas.services.plan_scheduler import EventBridgePlanScheduler, SchedulerTarget
from lambdas.services.report_delivery import S3ReportWriter
from lambdas.services.restore_testing_checks import build_restore_checks
from lambdas.services.restore_testing_scheduler import EventBridgeRestoreTestScheduler
from lambdas.services.restore_workflow import StepFunctionsRestoreWorkflow
from lambdas.services.selection_resolver import SelectionResolver
from lambdas.store.dynamodb_table import DynamoDbTable
from lambdas.store.stores import Stores


@lru_cache(maxsize=1)
def service_context() -> ServiceContext:
    settings = get_settings()
    region = settings.region
    account = str(aws.client("sts", region).get_caller_identity()["Account"])

    def client(service: str) -> Callable[[], Any]:
        return lambda: aws.client(service, region)

    adapters = AdapterRegistry(build_adapters(client, region, account, settings.vault_bucket))

    def scheduled(function_arn: str | None) -> SchedulerTarget | None:
        """Schedules in the plan group that invoke `function_arn` as the scheduler role, if this function is told
        all three."""
        if settings.plan_schedule_group and function_arn and settings.scheduler_role_arn:
            return SchedulerTarget(settings.plan_schedule_group, function_arn, settings.scheduler_role_arn)
        return None

    plan_target = scheduled(settings.start_backups_function_arn)
    scheduler = EventBridgePlanScheduler(client("scheduler"), plan_target) if plan_target else None
    test_target = scheduled(settings.restore_testing_function_arn)
    restore_test_scheduler = EventBridgeRestoreTestScheduler(client("scheduler"), test_target) if test_target else None
    workflow = None
    if settings.restore_state_machine_arn:
        workflow = StepFunctionsRestoreWorkflow(client("stepfunctions"), settings.restore_state_machine_arn)
    stores = Stores.over(DynamoDbTable(aws.client("dynamodb", region), settings.table_name))
    audit_target = scheduled(settings.audit_evaluate_function_arn)
    trigger = (
        ScheduledEvaluationTrigger(
            client("scheduler"), audit_target, lambda: bool(stores.audit.framework_page(1, None)[0])
        )
        if audit_target
        else None
    )
    destinations = AwsCopyDestinations(
        Destination(account, region, stores, adapters),
        aws.client_as,
        lambda factory, other_region, other_account: AdapterRegistry(
            build_adapters(factory, other_region, other_account)
        ),
    )
    return ServiceContext(
        account=account,
        region=region,
        default_key_arn=settings.default_key_arn,
        stores=stores,
        adapters=adapters,
        events=AwsEventSink(
            client("events"),
            client("sns"),
            settings.event_bus_name,
            account,
            region,
            on_change=trigger.changed if trigger else None,
        ),
        resolver=SelectionResolver(client("resourcegroupstaggingapi"), adapters),
        scheduler=scheduler,
        restore_workflow=workflow,
        destinations=destinations,
        backup_batches=(
            SqsBackupBatchQueue(client("sqs"), settings.backup_batch_queue_url)
            if settings.backup_batch_queue_url
            else None
        ),
        reports=S3ReportWriter(client("s3")),
        audit_trigger=trigger,
        restore_test_scheduler=restore_test_scheduler,
        restore_checks=build_restore_checks(client),
    )
