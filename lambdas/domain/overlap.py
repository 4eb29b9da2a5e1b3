"""Overlapping rules. When several rules of one plan back a resource up in the same window (a daily and a
monthly rule both firing at 05:00 on the 1st), AWS Backup takes ONE backup and keeps it for the longest of
their retentions. Two firings overlap when their start windows intersect.

Every rule's delivery in such a group computes the same group, the same anchor (the earliest scheduled
time in it) and so the same job id, so whichever schedule fires first makes the job and the others find it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from lambdas.domain.lifecycle import longest
from lambdas.domain.plans import BackupPlan, BackupRule, Lifecycle
from lambdas.domain.schedule_expressions import parse_schedule_expression

_JUST_BEFORE = timedelta(microseconds=1)


@dataclass(frozen=True)
class Firing:
    """What one rule's firing at `scheduled` backs up with: the rules that overlap it (itself included),
    the rule that wins (the longest retention, shown in the job's CreatedBy), and the anchor time."""

    rules: tuple[BackupRule, ...]
    winner: BackupRule
    anchor: datetime
    lifecycle: Lifecycle | None

    @property
    def group_key(self) -> str:
        """The rule ids that share the job: one rule alone keeps its own id, so nothing changes for it."""
        return "+".join(sorted(rule.RuleId for rule in self.rules))


def _retention_days(rule: BackupRule) -> float:
    if rule.Lifecycle is None or rule.Lifecycle.DeleteAfterDays is None:
        return float("inf")
    return float(rule.Lifecycle.DeleteAfterDays)


def firing(plan: BackupPlan, rule: BackupRule, scheduled: datetime) -> Firing:
    window = timedelta(minutes=rule.StartWindowMinutes)
    members: list[tuple[BackupRule, datetime]] = [(rule, scheduled)]
    for other in plan.Rules:
        if other.RuleId == rule.RuleId or other.EnableContinuousBackup != rule.EnableContinuousBackup:
            continue
        other_window = timedelta(minutes=other.StartWindowMinutes)
        # [t2, t2 + w2) meets [t1, t1 + w1) exactly when t1 - w2 < t2 < t1 + w1.
        hits = parse_schedule_expression(other.ScheduleExpression).firings_between(
            scheduled - other_window, scheduled + window - _JUST_BEFORE, other.ScheduleExpressionTimezone
        )
        if hits:
            members.append((other, hits[0]))
    rules = tuple(member for member, _ in members)
    winner = max(rules, key=lambda r: (_retention_days(r), r.RuleId))
    return Firing(
        rules=rules,
        winner=winner,
        anchor=min(at for _, at in members),
        lifecycle=longest([r.Lifecycle for r in rules]) if len(rules) > 1 else rule.Lifecycle,
    )
