"""Reconcile the plan schedule group with the catalog: the catalog is the truth, the schedules follow it.

A plan's schedules are written when the plan is created or updated (plan_scheduler.py). Anything that
removes them behind Strongroom's back would silence the plan for good: `cdk destroy` deletes the group and
every schedule in it while the retained catalog keeps the plans, a user deletes a schedule by hand, a
partial failure leaves a rule without one. This runs on every deploy and every hour, and:

- creates the group again if it is gone;
- creates every live plan rule's schedule that is missing, from the plan's latest version;
- updates a schedule whose expression, time zone, window, state or target drifted from its rule;
- deletes a rule schedule (named `rule-...`) whose plan or rule no longer exists.

Schedules in the group not named like a rule's are not Strongroom's and are left alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import ClientError

from lambdas.common.observability import logger, metrics
from lambdas.domain.plans import BackupPlan
from lambdas.services.plan_scheduler import RULE_SCHEDULE_PREFIX, SchedulerTarget, schedule_request

# The parts of a schedule that decide when it fires and what it invokes. Description is cosmetic.
_COMPARED = ("ScheduleExpression", "ScheduleExpressionTimezone", "FlexibleTimeWindow", "State")
_COMPARED_TARGET = ("Arn", "RoleArn", "RetryPolicy")


@dataclass
class ReconcileResult:
    group_recreated: bool = False
    recreated: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _drifted(wanted: dict[str, Any], actual: dict[str, Any]) -> bool:
    if any(wanted[key] != actual.get(key) for key in _COMPARED):
        return True
    target = actual.get("Target") or {}
    if any(wanted["Target"][key] != target.get(key) for key in _COMPARED_TARGET):
        return True
    # Inputs are JSON documents: key order or spacing is not drift.
    try:
        return bool(json.loads(wanted["Target"]["Input"]) != json.loads(target.get("Input") or "null"))
    except ValueError:
        return True


def _rule_schedules(client: Any, group: str) -> Iterator[tuple[str, Any]]:
    """(name, LastModificationDate) of each rule schedule in the group."""
    token: str | None = None
    while True:
        page = client.list_schedules(
            GroupName=group, NamePrefix=RULE_SCHEDULE_PREFIX, **({"NextToken": token} if token else {})
        )
        for schedule in page.get("Schedules", []):
            # NamePrefix is a filter AWS applies; checking again keeps a lax emulator from widening the sweep.
            if str(schedule["Name"]).startswith(RULE_SCHEDULE_PREFIX):
                yield str(schedule["Name"]), schedule.get("LastModificationDate")
        token = page.get("NextToken")
        if not token:
            return


def _listed(client: Any, group: str) -> dict[str, Any] | None:
    """The group's rule schedules, or None when the group is gone (if ListSchedules says so)."""
    try:
        return dict(_rule_schedules(client, group))
    except ClientError as error:
        if _error_code(error) != "ResourceNotFoundException":
            raise
        return None


# What a warm container remembers between hourly runs: each schedule found in line with its rule, by name, with
# the request it was compared with and its LastModificationDate then. While ListSchedules shows the same
# LastModificationDate and the rule asks for the same request, nothing can have changed it (every update, by
# Strongroom or by hand, sets a new date), so it is not read again. A deleted schedule is missing from the
# listing, which every run reads; a cold start remembers nothing and reads every schedule.
_verified: dict[str, tuple[str, Any]] = {}


def _fingerprint(request: dict[str, Any]) -> str:
    return json.dumps(request, sort_keys=True, default=str)


def _ensure_group(client: Any, group: str) -> bool:
    """True if the group had to be created again."""
    try:
        client.get_schedule_group(Name=group)
        return False
    except ClientError as error:
        if _error_code(error) != "ResourceNotFoundException":
            raise
    try:
        client.create_schedule_group(Name=group)
    except ClientError as error:
        # Another run created it meanwhile: that is the state we wanted.
        if _error_code(error) != "ConflictException":
            raise
    logger.warning("Plan schedule group was missing and was created again", extra={"group": group})
    return True


def reconcile_plan_schedules(plans: Iterable[BackupPlan], client: Any, target: SchedulerTarget) -> ReconcileResult:
    """Make the group hold exactly one schedule per rule of every live plan (see the module docstring)."""
    result = ReconcileResult()
    wanted = {
        request["Name"]: request
        for plan in plans
        if plan.DeletionDate is None
        for request in (schedule_request(target, plan, rule) for rule in plan.Rules)
    }
    listed = _listed(client, target.group)
    if not listed:
        # A schedule listed proves its group is there; with none (or a refused listing), make sure it is.
        result.group_recreated = _ensure_group(client, target.group)
        if listed is None:  # refused, and there now (another run made it meanwhile): list it again
            listed = {} if result.group_recreated else _listed(client, target.group) or {}
    existing = set(listed)

    for name in sorted(existing - wanted.keys()):
        try:
            client.delete_schedule(Name=name, GroupName=target.group)
        except ClientError as error:
            if _error_code(error) != "ResourceNotFoundException":
                raise
        result.deleted.append(name)

    for name, request in sorted(wanted.items()):
        if name not in existing:
            try:
                client.create_schedule(**request)
                result.recreated.append(name)
                continue
            except ClientError as error:
                # Created by a plan update since the listing: compare it like any other.
                if _error_code(error) != "ConflictException":
                    raise
        fingerprint = _fingerprint(request)
        if name in listed and _verified.get(name) == (fingerprint, listed[name]):
            result.unchanged += 1
            continue
        actual = client.get_schedule(Name=name, GroupName=target.group)
        if _drifted(request, actual):
            _verified.pop(name, None)  # the next run reads it again, with the date the update gave it
            client.update_schedule(**request)
            result.updated.append(name)
        else:
            _verified[name] = (fingerprint, actual.get("LastModificationDate"))
            result.unchanged += 1

    _emit(result)
    return result


def _emit(result: ReconcileResult) -> None:
    # Emitted every run, zeros included, so an alarm on "recreated > 0" has data to evaluate.
    metrics.add_metric(name="PlanScheduleGroupsRecreated", unit=MetricUnit.Count, value=int(result.group_recreated))
    metrics.add_metric(name="PlanSchedulesRecreated", unit=MetricUnit.Count, value=len(result.recreated))
    metrics.add_metric(name="PlanSchedulesUpdated", unit=MetricUnit.Count, value=len(result.updated))
    metrics.add_metric(name="PlanSchedulesDeleted", unit=MetricUnit.Count, value=len(result.deleted))
    if result.group_recreated or result.recreated or result.updated or result.deleted:
        logger.info(
            "Plan schedules reconciled with the catalog",
            extra={
                "group_recreated": result.group_recreated,
                "recreated": result.recreated,
                "updated": result.updated,
                "deleted": result.deleted,
            },
        )
