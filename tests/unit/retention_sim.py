"""A deployment and a copy destination in another account and Region, on in-memory stores and fake
EBS, driven hour by hour the way the scheduled functions drive the real one: rule firings, track_jobs,
then the lifecycle run in both deployments. It records when each recovery point moved to cold storage
and when it was deleted, as the lifecycle runs report them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from lambdas.domain.copies import CopyJobState
from lambdas.domain.jobs import BackupJobState
from lambdas.domain.plans import BackupPlan
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.domain.schedule_expressions import parse_schedule_expression
from lambdas.services import plan_service, scheduled_backups, vault_service
from lambdas.services.lifecycle_service import run_lifecycle
from lambdas.services.tracking_service import track_jobs
from tests.fakes import ACCOUNT, ROLE, FakeDestinations, World, allows_copies_from, make_world

OTHER_ACCOUNT = "210987654321"
OTHER_REGION = "eu-west-1"
DR_VAULT = f"arn:aws:backup:{OTHER_REGION}:{OTHER_ACCOUNT}:backup-vault:dr"


@dataclass
class Simulation:
    home: World
    other: World
    now: datetime
    plan: BackupPlan | None = None
    moved_at: dict[str, datetime] = field(default_factory=dict)
    deleted_at: dict[str, datetime] = field(default_factory=dict)
    # point arn -> the world whose catalog holds it
    where: dict[str, World] = field(default_factory=dict)
    _seen_backup: int = 0
    _seen_copy: int = 0

    @classmethod
    def start(cls, at: datetime, volumes: int = 2) -> Simulation:
        home, other = make_world(), make_world(OTHER_ACCOUNT, OTHER_REGION)
        destinations = FakeDestinations()
        destinations.add(home)
        destinations.add(other)
        object.__setattr__(home.ctx, "destinations", destinations)
        vault_service.create_vault(home.ctx, {"BackupVaultName": "main"}, at)
        vault_service.create_vault(other.ctx, {"BackupVaultName": "dr"}, at)
        # As on AWS, a vault of another account takes copies only where its access policy lets the source copy in
        vault_service.put_access_policy(other.ctx, "dr", allows_copies_from(ACCOUNT))
        for n in range(volumes):
            home.ebs.add_volume(n, backup="yes")
        return cls(home, other, at)

    def protect(self, rules: list[dict[str, Any]]) -> BackupPlan:
        self.plan = plan_service.create_plan(
            self.home.ctx, {"BackupPlan": {"BackupPlanName": "plan", "Rules": rules}}, self.now
        )
        tags = [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "yes"}]
        plan_service.create_selection(
            self.home.ctx,
            self.plan.BackupPlanId,
            {"BackupSelection": {"SelectionName": "s", "IamRoleArn": ROLE, "ListOfTags": tags}},
            self.now,
        )
        return self.plan

    def stop_protecting(self) -> None:
        """The plan goes (selections first, as AWS Backup requires); its points stay to their own lifecycle."""
        assert self.plan is not None
        for selection in self.home.ctx.stores.plans.selections(self.plan.BackupPlanId):
            plan_service.delete_selection(self.home.ctx, self.plan.BackupPlanId, selection.SelectionId, self.now)
        plan_service.delete_plan(self.home.ctx, self.plan.BackupPlanId, self.now)
        self.plan = None

    def advance_to(self, moment: datetime) -> None:
        """One round at `moment`: every rule firing since the last round, tracking, both lifecycle runs."""
        if self.plan is not None:
            for rule in self.plan.Rules:
                expression = parse_schedule_expression(rule.ScheduleExpression)
                for at in expression.firings_between(self.now, moment, rule.ScheduleExpressionTimezone):
                    scheduled_backups.start_backups(self.home.ctx, self.plan.BackupPlanId, rule.RuleId, at, moment)
        self.now = moment
        track_jobs(self.home.ctx, moment)
        self._catalogue()
        for world in (self.home, self.other):
            result = run_lifecycle(world.ctx, moment)
            for arn in result.moved_to_cold:
                self.moved_at.setdefault(arn, moment)
            for arn in result.deleted:
                self.deleted_at.setdefault(arn, moment)

    def _catalogue(self) -> None:
        """Every point made so far, from the COMPLETED job events (read once each)."""
        events = self.home.events
        for job in events.backup[self._seen_backup :]:
            if job.State == BackupJobState.COMPLETED and job.RecoveryPointArn:
                self.where.setdefault(job.RecoveryPointArn, self.home)
        for copy in events.copy[self._seen_copy :]:
            if copy.State == CopyJobState.COMPLETED and copy.DestinationRecoveryPointArn:
                self.where.setdefault(copy.DestinationRecoveryPointArn, self.other)
        self._seen_backup, self._seen_copy = len(events.backup), len(events.copy)

    def point(self, arn: str) -> RecoveryPoint:
        found = self.where[arn].ctx.stores.recovery_points.find(arn)
        assert found is not None
        return found

    def points(self) -> list[RecoveryPoint]:
        return [self.point(arn) for arn in self.where]

    def hours(self, count: int) -> None:
        for _ in range(count):
            self.advance_to(self.now + timedelta(hours=1))
