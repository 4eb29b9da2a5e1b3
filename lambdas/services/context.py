"""What a use case needs, passed in explicitly: stores, adapters, gateways and the account it runs in."""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.resources.registry import AdapterRegistry
from lambdas.services.audit_trigger import EvaluationTrigger
from lambdas.services.backup_batches import BackupBatchQueue
from lambdas.services.copy_destinations import CopyDestinations
from lambdas.services.events import EventSink
from lambdas.services.plan_scheduler import PlanScheduler
from lambdas.services.report_delivery import ReportWriter
from lambdas.services.restore_testing_checks import RestoreChecks
from lambdas.services.restore_testing_scheduler import RestoreTestScheduler
from lambdas.services.restore_workflow import RestoreWorkflow
from lambdas.services.selection_resolver import ResourceResolver
from lambdas.store.stores import Stores


@dataclass(frozen=True)
class ServiceContext:
    account: str
    region: str
    default_key_arn: str
    stores: Stores
    adapters: AdapterRegistry
    events: EventSink
    resolver: ResourceResolver
    scheduler: PlanScheduler | None = None
    restore_workflow: RestoreWorkflow | None = None
    # Other Regions and accounts, for copies; without it only copies within this deployment can run.
    destinations: CopyDestinations | None = None
    # Where a rule's firing sends its batches of resources; without it they are started in the same call.
    backup_batches: BackupBatchQueue | None = None
    # Where Audit Manager reports are written; without it a report job is recorded and not run.
    reports: ReportWriter | None = None
    # Asks for a compliance evaluation soon after a change; without it compliance waits for the hourly run.
    audit_trigger: EvaluationTrigger | None = None
    # Restore testing: each plan's schedule, and the data check of each resource type (none: nothing recorded
    # at backup time, and a test checks only that its restore completed).
    restore_test_scheduler: RestoreTestScheduler | None = None
    restore_checks: RestoreChecks | None = None
