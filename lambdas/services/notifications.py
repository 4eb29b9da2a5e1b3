"""What the use cases call when a recovery point, a plan or a restore's object changes: finds the vaults whose
notifications hear of it and hands the change to the event sink. Like the sink, it never fails the operation
that made the change: a vault that cannot be read loses its notification (logged), not the change."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from lambdas.common.observability import logger
from lambdas.domain.jobs import RestoreJob
from lambdas.domain.plans import BackupPlan
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.domain.vaults import BackupVault
from lambdas.resources.base import ObjectFailure
from lambdas.services.context import ServiceContext
from lambdas.services.event_details import PlanState


def vault(ctx: ServiceContext, name: str) -> BackupVault | None:
    try:
        return ctx.stores.vaults.find(name)
    except Exception:  # noqa: BLE001 - the change is saved already; only its notification is lost
        logger.exception("could not read the vault to notify", extra={"vault": name})
        return None


def recovery_point_changed(ctx: ServiceContext, point: RecoveryPoint, now: datetime) -> None:
    ctx.events.publish_recovery_point(point, vault(ctx, point.BackupVaultName), now)


def plan_changed(
    ctx: ServiceContext, plan: BackupPlan, state: PlanState, now: datetime, previous: BackupPlan | None = None
) -> None:
    """Notifies the vaults the plan's rules target; after an update, those the previous version targeted too
    (a rule moved away from a vault is news for that vault)."""
    names = {rule.TargetBackupVaultName for version in (previous, plan) if version for rule in version.Rules}
    vaults = [found for name in sorted(names) if (found := vault(ctx, name)) is not None]
    ctx.events.publish_backup_plan(plan, state, vaults, now)


def restore_objects_failed(ctx: ServiceContext, job: RestoreJob, failures: Sequence[ObjectFailure]) -> None:
    ctx.events.publish_restore_object_failures(job, failures, vault(ctx, job.BackupVaultName))
