"""The compliance evaluation: every framework's controls judged over one snapshot of the estate, the results
kept per resource per control (only changes are written, each with its moment, so the history answers "was it
compliant then"), per control and per framework; each change of a resource's status is an EventBridge event
(source strongroom.backup, detail-type "Backup Compliance Change") and counts in the ComplianceChanges metric."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from lambdas.common.observability import logger, metrics
from lambdas.domain.audit.controls import evaluate
from lambdas.domain.audit.facts import Estate
from lambdas.domain.audit.frameworks import Framework
from lambdas.domain.audit.results import Compliance, ControlResult, FrameworkResult, ResourceResult, roll_up
from lambdas.services.audit_estate import gather
from lambdas.services.context import ServiceContext
from lambdas.services.event_delivery import PutEventsDelivery
from lambdas.services.event_details import EVENT_SOURCE
from lambdas.services.events import EVENTS_PER_CALL

DETAIL_TYPE = "Backup Compliance Change"


class ComplianceEvents(Protocol):
    def changed(self, result: ResourceResult, previous: Compliance | None, now: datetime) -> None: ...

    def flush(self) -> None: ...


class EventBridgeComplianceEvents:
    def __init__(self, events: Callable[[], Any], bus_name: str) -> None:
        self._delivery = PutEventsDelivery(events)
        self._bus = bus_name
        self._pending: list[dict[str, Any]] = []

    def changed(self, result: ResourceResult, previous: Compliance | None, now: datetime) -> None:
        detail = {
            "frameworkName": result.FrameworkName,
            "controlName": result.ControlName,
            "resourceId": result.ResourceId,
            "resourceType": result.ResourceType,
            "complianceStatus": result.Status.value,
            "previousComplianceStatus": previous.value if previous else None,
            "reason": result.Reason,
        }
        self._pending.append(
            {
                "Time": now,
                "Source": EVENT_SOURCE,
                "DetailType": DETAIL_TYPE,
                "Resources": [result.ResourceId],
                "Detail": json.dumps(detail),
                "EventBusName": self._bus,
            }
        )
        if len(self._pending) >= EVENTS_PER_CALL:
            self.flush()

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        for start in range(0, len(pending), EVENTS_PER_CALL):
            self._delivery.send(pending[start : start + EVENTS_PER_CALL])


@dataclass
class Evaluation:
    """What one run did: for the benchmark and the handler's answer."""

    frameworks: dict[str, Compliance] = field(default_factory=dict)
    evaluated: int = 0  # resource verdicts, all controls of all frameworks
    changes: int = 0


def evaluate_frameworks(
    ctx: ServiceContext, now: datetime, events: ComplianceEvents | None = None, estate: Estate | None = None
) -> Evaluation:
    run = Evaluation()
    frameworks = list(ctx.stores.audit.every_framework())
    # Gathering lists every resource of every type and reads every point: only worth it with a framework.
    facts = (estate or gather(ctx, now)) if frameworks else None
    for framework in frameworks:
        assert facts is not None
        run.frameworks[framework.FrameworkName] = _evaluate(ctx, framework, facts, now, events, run)
    if events is not None:
        events.flush()
    if run.changes:
        metrics.add_metric(name="ComplianceChanges", unit=MetricUnit.Count, value=run.changes)
    logger.info("compliance evaluated", extra={"frameworks": len(run.frameworks), "changes": run.changes})
    return run


def _evaluate(
    ctx: ServiceContext,
    framework: Framework,
    estate: Estate,
    now: datetime,
    events: ComplianceEvents | None,
    run: Evaluation,
) -> Compliance:
    store = ctx.stores.audit
    current = store.current_results(framework.FrameworkName)
    seen: set[tuple[int, str]] = set()
    changed: list[ResourceResult] = []
    controls: list[ControlResult] = []
    for index, control in enumerate(framework.FrameworkControls):
        verdicts = evaluate(control, estate)
        run.evaluated += len(verdicts)
        for verdict in verdicts:
            key = (index, verdict.resource_id)
            seen.add(key)
            before = current.get(key)
            if before is not None and before.Status == verdict.status and before.Reason == verdict.reason:
                continue
            moved = before is None or before.Status != verdict.status
            result = ResourceResult(
                FrameworkName=framework.FrameworkName,
                ControlIndex=index,
                ControlName=control.ControlName,
                ResourceId=verdict.resource_id,
                ResourceType=verdict.resource_type,
                Status=verdict.status,
                Reason=verdict.reason,
                Since=now if moved else before.Since,  # type: ignore[union-attr]
                EvaluatedAt=now,
            )
            changed.append(result)
            if moved:
                run.changes += 1
                if events is not None:
                    events.changed(result, before.Status if before else None, now)
        counts = {status: sum(1 for v in verdicts if v.status == status) for status in Compliance}
        scope = control.ControlScope.model_dump(exclude_none=True) if control.ControlScope else {}
        controls.append(
            ControlResult(
                FrameworkName=framework.FrameworkName,
                ControlIndex=index,
                ControlName=control.ControlName,
                Status=roll_up(v.status for v in verdicts),
                Compliant=counts[Compliance.COMPLIANT],
                NonCompliant=counts[Compliance.NON_COMPLIANT],
                InsufficientData=counts[Compliance.INSUFFICIENT_DATA],
                EvaluatedAt=now,
                ControlScope=json.dumps(scope) if scope else "",
                ControlParameters=json.dumps(control.given) if control.given else "",
            )
        )
    gone = [result for key, result in current.items() if key not in seen]
    store.record_changes(changed, gone)
    store.save_control_results(controls)
    status = roll_up(c.Status for c in controls)
    store.save_framework_result(
        FrameworkResult(
            FrameworkName=framework.FrameworkName,
            Status=status,
            CompliantControls=sum(1 for c in controls if c.Status == Compliance.COMPLIANT),
            NonCompliantControls=sum(1 for c in controls if c.Status == Compliance.NON_COMPLIANT),
            EvaluatedAt=now,
        )
    )
    return status
