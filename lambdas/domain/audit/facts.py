"""A snapshot of what Strongroom knows about the estate, taken once per evaluation: the controls are pure
functions over it (lambdas.domain.audit.controls), so each is tested on a hand-made snapshot."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RuleFacts:
    name: str
    frequency: timedelta | None  # the smallest gap between two runs; None for a rule that runs once or never
    retention_days: int | None  # DeleteAfterDays; None keeps the points forever
    vault_name: str
    copy_destinations: tuple[str, ...] = ()  # destination vault ARNs


@dataclass(frozen=True)
class PlanFacts:
    plan_id: str
    arn: str
    name: str
    tags: dict[str, str] = field(default_factory=dict)
    rules: tuple[RuleFacts, ...] = ()


@dataclass(frozen=True)
class LockFacts:
    min_retention_days: int | None
    max_retention_days: int | None


@dataclass(frozen=True)
class VaultFacts:
    name: str
    arn: str
    tags: dict[str, str] = field(default_factory=dict)
    access_policy: str | None = None
    lock: LockFacts | None = None


@dataclass(frozen=True)
class PointFacts:
    arn: str
    resource_arn: str
    resource_type: str
    vault_name: str
    created: datetime
    retention_days: float | None  # from creation to its deletion date; None: kept forever
    encrypted: bool
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ResourceFacts:
    arn: str
    resource_type: str
    tags: dict[str, str] = field(default_factory=dict)
    plan_ids: tuple[str, ...] = ()  # the live plans whose selections select it
    last_recovery_point: datetime | None = None
    last_restore_minutes: float | None = None  # the latest completed restore of its points, start to end


@dataclass(frozen=True)
class Estate:
    account: str
    region: str
    now: datetime
    resources: tuple[ResourceFacts, ...] = ()
    plans: dict[str, PlanFacts] = field(default_factory=dict)
    vaults: dict[str, VaultFacts] = field(default_factory=dict)
    points: tuple[PointFacts, ...] = ()

    def plans_of(self, resource: ResourceFacts) -> list[PlanFacts]:
        return [self.plans[plan_id] for plan_id in resource.plan_ids if plan_id in self.plans]
