"""The overview `status` shows, computed from what the Backup API answered: pure, so it is tested on plain data.

RPO: a resource's newest completed recovery point must be younger than the most frequent rule that protects it
(a rule whose points it has, or whose plan's selection picks it), plus that rule's start window, the time AWS
Backup allows a job to start late. A resource only ever backed up on demand has no objective to meet."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from lambdas.domain.selections import BackupSelectionInput, Resource, selects
from strongroom_cli.schedules import frequency

DEFAULT_START_WINDOW = timedelta(hours=8)  # AWS Backup's default StartWindowMinutes (480)
FAILED_STATES = frozenset({"FAILED", "ABORTED", "EXPIRED", "PARTIAL"})
DONE_STATES = frozenset({"COMPLETED"})
_LONG_AGO = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Rule:
    plan_id: str
    plan_name: str
    rule_id: str
    rule_name: str
    every: timedelta | None
    start_window: timedelta

    @property
    def label(self) -> str:
        return f"{self.plan_name}/{self.rule_name}"

    @classmethod
    def of(cls, plan_id: str, plan_name: str, rule: Mapping[str, Any]) -> Rule:
        window = rule.get("StartWindowMinutes")
        return cls(
            plan_id=plan_id,
            plan_name=plan_name,
            rule_id=str(rule.get("RuleId", "")),
            rule_name=str(rule.get("RuleName", "")),
            every=frequency(str(rule.get("ScheduleExpression", "")), rule.get("ScheduleExpressionTimezone")),
            start_window=timedelta(minutes=int(window)) if window else DEFAULT_START_WINDOW,
        )


@dataclass(frozen=True)
class Plan:
    plan_id: str
    name: str
    rules: tuple[Rule, ...]
    selections: tuple[BackupSelectionInput, ...] = ()

    def selects(self, resource: Resource) -> bool:
        return any(selects(selection, resource) for selection in self.selections)


@dataclass(frozen=True)
class Rpo:
    resource_arn: str
    resource_type: str
    newest: datetime | None
    age: timedelta | None
    rule: Rule | None

    @property
    def verdict(self) -> str:
        if self.rule is None or self.rule.every is None:
            return "no plan"
        if self.age is None:
            return "missed"  # a plan protects it and it has no point at all
        return "met" if self.age <= self.rule.every + self.rule.start_window else "missed"


@dataclass
class Overview:
    now: datetime
    protected: list[dict[str, Any]]
    jobs_by_state: dict[str, Counter[str]]
    rpo: list[Rpo]
    storage: dict[str, Counter[str]]  # vault -> storage class -> bytes
    points: Counter[str]  # vault -> recovery points
    attention: list[dict[str, Any]]
    uncovered: list[str] | None = field(default=None)  # None: the estate is not known

    @property
    def rpo_missed(self) -> int:
        return sum(1 for row in self.rpo if row.verdict == "missed")


def _state(job: Mapping[str, Any]) -> str:
    return str(job.get("State") or job.get("Status") or "UNKNOWN")


def jobs_by_state(jobs: Mapping[str, Iterable[Mapping[str, Any]]], since: datetime) -> dict[str, Counter[str]]:
    """Per kind (backup, copy, restore), how many jobs created since `since` are in each state."""
    return {
        kind: Counter(_state(job) for job in listed if job["CreationDate"] >= since) for kind, listed in jobs.items()
    }


def _subject(kind: str, job: Mapping[str, Any]) -> tuple[str, str]:
    return kind, str(job.get("ResourceArn") or job.get("RecoveryPointArn") or "")


def needing_attention(jobs: Mapping[str, Iterable[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """Failed jobs not made good since: no later COMPLETED job of the same kind for the same resource."""
    made_good: dict[tuple[str, str], datetime] = {}
    failed: list[dict[str, Any]] = []
    for kind, listed in jobs.items():
        for job in listed:
            if _state(job) in DONE_STATES:
                key = _subject(kind, job)
                made_good[key] = max(made_good.get(key, job["CreationDate"]), job["CreationDate"])
            elif _state(job) in FAILED_STATES:
                failed.append({"Kind": kind, **job})
    open_failures = [
        job for job in failed if made_good.get(_subject(job["Kind"], job), _LONG_AGO) < job["CreationDate"]
    ]
    return sorted(open_failures, key=lambda job: job["CreationDate"], reverse=True)


def _most_frequent(rules: Iterable[Rule]) -> Rule | None:
    timed = [rule for rule in rules if rule.every is not None]
    return min(timed, key=lambda rule: rule.every or timedelta.max, default=None)


def rpo(
    resources: Sequence[Mapping[str, Any]],
    points: Sequence[Mapping[str, Any]],
    plans: Sequence[Plan],
    tags: Mapping[str, Mapping[str, str]],
    now: datetime,
) -> list[Rpo]:
    """One row per resource (protected, or selected by a plan though it has no point yet)."""
    rules = {rule.rule_id: rule for plan in plans for rule in plan.rules}
    newest: dict[str, datetime] = {}
    by_rule: defaultdict[str, set[str]] = defaultdict(set)
    kinds: dict[str, str] = {}
    for point in points:
        arn = str(point["ResourceArn"])
        kinds.setdefault(arn, str(point.get("ResourceType", "")))
        rule_id = (point.get("CreatedBy") or {}).get("BackupRuleId")
        if rule_id:
            by_rule[arn].add(str(rule_id))
        if point.get("Status", "COMPLETED") == "COMPLETED":
            created = point["CreationDate"]
            newest[arn] = max(newest.get(arn, created), created)
    for resource in resources:
        arn = str(resource["ResourceArn"])
        kinds.setdefault(arn, str(resource.get("ResourceType", "")))
        if arn not in newest and resource.get("LastBackupTime"):
            newest[arn] = resource["LastBackupTime"]
    rows = []
    for arn in sorted(set(kinds) | set(tags)):
        candidate = Resource(arn=arn, tags=dict(tags.get(arn, {})))
        protecting = [rules[rule_id] for rule_id in by_rule.get(arn, ()) if rule_id in rules]
        protecting += [rule for plan in plans if plan.selects(candidate) for rule in plan.rules]
        if arn not in kinds and not protecting:
            continue  # in the estate, never backed up, no plan: it is listed as uncovered instead
        when = newest.get(arn)
        rows.append(
            Rpo(
                arn, kinds.get(arn, _type_from_arn(arn)), when, now - when if when else None, _most_frequent(protecting)
            )
        )
    return rows


def _type_from_arn(arn: str) -> str:
    parts = arn.split(":")
    return parts[2] if len(parts) > 2 else ""


def storage(points: Iterable[Mapping[str, Any]]) -> tuple[dict[str, Counter[str]], Counter[str]]:
    """Bytes per vault and storage class (WARM, COLD), and recovery points per vault (deleted ones left out)."""
    by_vault: dict[str, Counter[str]] = defaultdict(Counter)
    count: Counter[str] = Counter()
    for point in points:
        if point.get("Status") == "DELETING" or point.get("StorageClass") == "DELETED":
            continue
        vault = str(point.get("BackupVaultName", ""))
        by_vault[vault][str(point.get("StorageClass", "WARM"))] += int(point.get("BackupSizeInBytes") or 0)
        count[vault] += 1
    return dict(by_vault), count


def uncovered(estate: Iterable[Resource], plans: Sequence[Plan]) -> list[str]:
    """The estate's resources that no plan's selection picks."""
    return sorted(resource.arn for resource in estate if not any(plan.selects(resource) for plan in plans))
