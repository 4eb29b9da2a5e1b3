"""A restore testing plan's schedule fired: for each selection, each selected resource, pick a recovery point by
the plan's algorithm and start its restore through the same restore workflow as any restore, named so it cannot
collide with the source, marked as the plan's (CreatedBy.RestoreTestingPlanArn).

Idempotent: the restore jobs' idempotency tokens are made of the plan, the firing's scheduled time and the
resource, so a schedule delivered twice starts nothing twice. A delivery later than StartWindowHours after its
scheduled time starts nothing (AWS cancels a test that could not start within the window)."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from lambdas.common.observability import logger
from lambdas.domain.errors import BackupError
from lambdas.domain.jobs import RestoreJob, RestoreJobCreator
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.domain.restore_testing.picking import pick_point
from lambdas.domain.restore_testing.plans import WILDCARD, RestoreTestingPlan, RestoreTestingSelection
from lambdas.services.context import ServiceContext
from lambdas.services.restore_service import start_restore_job


@dataclass
class RunResult:
    started: list[str] = field(default_factory=list)  # restore job ids
    skipped: list[str] = field(default_factory=list)  # "resource: why"


def _token(plan: RestoreTestingPlan, scheduled: datetime, resource_arn: str) -> str:
    digest = hashlib.sha256(f"{plan.RestoreTestingPlanArn}|{scheduled.isoformat()}|{resource_arn}".encode())
    return f"restore-test-{digest.hexdigest()[:40]}"


def _protected_of_type(ctx: ServiceContext, resource_type: str) -> Iterator[str]:
    token: str | None = None
    while True:
        page, token = ctx.stores.protected.page(1000, token)
        yield from (p.ResourceArn for p in page if p.ResourceType == resource_type)
        if token is None:
            return


def selected_resources(ctx: ServiceContext, selection: RestoreTestingSelection) -> list[str]:
    """Specific ARNs as named; otherwise every protected resource of the type (one with a recovery point), kept
    when its tags meet the conditions."""
    arns = selection.ProtectedResourceArns
    if arns and WILDCARD not in arns:
        return list(arns)
    found = list(_protected_of_type(ctx, selection.ProtectedResourceType))
    conditions = selection.ProtectedResourceConditions
    if conditions is None:
        return found
    adapter = ctx.adapters.for_type(selection.ProtectedResourceType)
    kept = []
    for arn in found:
        try:
            tags = adapter.describe(arn).tags
        except Exception:  # noqa: BLE001 - a source deleted since its backup has no tags to match
            continue
        if conditions.match(tags):
            kept.append(arn)
    return kept


def _points_of(ctx: ServiceContext, resource_arn: str) -> list[RecoveryPoint]:
    return ctx.stores.recovery_points.of_resource(resource_arn)


def run_plan(ctx: ServiceContext, plan_name: str, scheduled: datetime, now: datetime) -> RunResult:
    result = RunResult()
    store = ctx.stores.restore_testing
    plan = store.find_plan(plan_name)
    if plan is None:
        logger.info("restore testing plan gone; its schedule fired late", extra={"plan": plan_name})
        return result
    if now > scheduled + timedelta(hours=plan.StartWindowHours):
        logger.warning("restore test delivered after its start window", extra={"plan": plan_name})
        return result
    rng = random.Random(f"{plan.RestoreTestingPlanArn}|{scheduled.isoformat()}")  # a retried run picks the same
    for selection in store.selections(plan_name):
        for resource_arn in selected_resources(ctx, selection):
            job = _test_resource(ctx, plan, selection, resource_arn, scheduled, now, rng, result)
            if job is not None:
                result.started.append(job.RestoreJobId)
    store.save_plan(plan.model_copy(update={"LastExecutionTime": now}))
    return result


def _test_resource(
    ctx: ServiceContext,
    plan: RestoreTestingPlan,
    selection: RestoreTestingSelection,
    resource_arn: str,
    scheduled: datetime,
    now: datetime,
    rng: random.Random,
    result: RunResult,
) -> RestoreJob | None:
    point = pick_point(_points_of(ctx, resource_arn), plan.RecoveryPointSelection, scheduled, rng)
    if point is None:
        result.skipped.append(f"{resource_arn}: no recovery point within the plan's window and vaults")
        return None
    token = _token(plan, scheduled, resource_arn)
    metadata = inferred_metadata(ctx, point, token.removeprefix("restore-test-"))
    metadata.update(selection.RestoreMetadataOverrides)
    try:
        return start_restore_job(
            ctx,
            {
                "RecoveryPointArn": point.RecoveryPointArn,
                "Metadata": metadata,
                "IamRoleArn": selection.IamRoleArn,
                "IdempotencyToken": token,
            },
            now,
            created_by=RestoreJobCreator(RestoreTestingPlanArn=plan.RestoreTestingPlanArn),
            selection_name=selection.RestoreTestingSelectionName,
        )
    except BackupError as error:  # one resource's refusal does not stop the others' tests
        result.skipped.append(f"{resource_arn}: {error}")
        logger.warning("restore test not started", extra={"resource": resource_arn, "error": str(error)})
        return None


def inferred_metadata(ctx: ServiceContext, point: RecoveryPoint, run_id: str) -> dict[str, str]:
    """The metadata a test restores the point with: the point's own, renamed by the type's check so the
    restored resource never collides with the source (GetRestoreTestingInferredMetadata answers it)."""
    metadata = dict(point.RestoreMetadata)
    check = ctx.restore_checks.for_type(point.ResourceType) if ctx.restore_checks else None
    return check.test_metadata(metadata, run_id) if check else metadata
