"""Audit Manager's items: frameworks, report plans, report jobs, and compliance results with their history.

A framework: PK FRAMEWORK#name, SK FRAMEWORK; GSI1 FRAMEWORKS by name. A report plan: PK REPORTPLAN#name,
SK PLAN; GSI1 REPORTPLANS by name. A report job: PK REPORTJOB#id, SK JOB; GSI1 REPORTJOBS and GSI2
REPORTJOBS#plan, both by creation time.

Compliance, per framework (PK COMPLIANCE#framework): the current status of each resource under each control
(SK NOW#control#resource) and each control's summary (SK CONTROL#control). History lives in its own partition
per resource and control (PK HISTORY#framework#control#resource, SK the moment of a change), written only when
the status changes, so "what was it on 1 March" is one query (the newest change at or before that moment) and
an evaluation that changes nothing writes nothing per resource.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from lambdas.domain.audit.frameworks import Framework
from lambdas.domain.audit.report_plans import ReportJob, ReportPlan
from lambdas.domain.audit.results import ControlResult, FrameworkResult, ResourceResult
from lambdas.domain.errors import ConflictException
from lambdas.store.codec import decode_token, encode_token, from_item, sortable, to_item
from lambdas.store.job_store import Slice, newest_first
from lambdas.store.table import ConditionFailed, Query, Table

FRAMEWORKS, REPORT_PLANS, REPORT_JOBS = "FRAMEWORKS", "REPORTPLANS", "REPORTJOBS"


def _control_key(index: int, name: str) -> str:
    return f"{index:03d}#{name}"


def _history_pk(framework: str, index: int, name: str, resource_id: str) -> str:
    return f"HISTORY#{framework}#{_control_key(index, name)}#{resource_id}"


def _framework_item(framework: Framework) -> dict[str, object]:
    return to_item(
        f"FRAMEWORK#{framework.FrameworkName}",
        "FRAMEWORK",
        framework,
        GSI1PK=FRAMEWORKS,
        GSI1SK=framework.FrameworkName,
        Arn=framework.FrameworkArn,
    )


class AuditStore:
    def __init__(self, table: Table) -> None:
        self._table = table

    # Frameworks
    def create_framework(self, framework: Framework) -> bool:
        """False when a framework of that name exists: nothing written."""
        item = _framework_item(framework)
        try:
            self._table.put(item, if_absent=True)
        except ConditionFailed:
            return False
        return True

    def save_framework(self, framework: Framework, expected_arn: str) -> None:
        """Replaces the framework only if it is still the one read (a deleted and re-created one is not)."""
        item = _framework_item(framework)
        try:
            self._table.put(item, expect={"Arn": expected_arn})
        except ConditionFailed:
            raise ConflictException(f"Framework {framework.FrameworkName} changed meanwhile") from None

    def find_framework(self, name: str) -> Framework | None:
        item = self._table.get(f"FRAMEWORK#{name}", "FRAMEWORK")
        return from_item(Framework, item) if item else None

    def delete_framework(self, name: str) -> None:
        self._table.delete(f"FRAMEWORK#{name}", "FRAMEWORK")

    def framework_page(self, limit: int, token: str | None) -> tuple[list[Framework], str | None]:
        page = self._table.query(Query(FRAMEWORKS, index="GSI1", limit=limit, start_after=decode_token(token)))
        return [from_item(Framework, item) for item in page.items], encode_token(page.next_key)

    def every_framework(self) -> Iterator[Framework]:
        token: str | None = None
        while True:
            frameworks, token = self.framework_page(1000, token)
            yield from frameworks
            if token is None:
                return

    # Report plans
    def create_report_plan(self, plan: ReportPlan) -> bool:
        try:
            self._table.put(self._plan_item(plan), if_absent=True)
        except ConditionFailed:
            return False
        return True

    @staticmethod
    def _plan_item(plan: ReportPlan) -> dict[str, object]:
        return to_item(
            f"REPORTPLAN#{plan.ReportPlanName}", "PLAN", plan, GSI1PK=REPORT_PLANS, GSI1SK=plan.ReportPlanName
        )

    def save_report_plan(self, plan: ReportPlan) -> None:
        self._table.put(self._plan_item(plan))

    def find_report_plan(self, name: str) -> ReportPlan | None:
        item = self._table.get(f"REPORTPLAN#{name}", "PLAN")
        return from_item(ReportPlan, item) if item else None

    def delete_report_plan(self, name: str) -> None:
        self._table.delete(f"REPORTPLAN#{name}", "PLAN")

    def report_plan_page(self, limit: int, token: str | None) -> tuple[list[ReportPlan], str | None]:
        page = self._table.query(Query(REPORT_PLANS, index="GSI1", limit=limit, start_after=decode_token(token)))
        return [from_item(ReportPlan, item) for item in page.items], encode_token(page.next_key)

    def count_report_plans(self, at_most: int) -> int:
        return len(self._table.query(Query(REPORT_PLANS, index="GSI1", limit=at_most)).items)

    # Report jobs
    def save_report_job(self, job: ReportJob) -> None:
        order = f"{sortable(job.CreationTime)}#{job.ReportJobId}"
        item = to_item(
            f"REPORTJOB#{job.ReportJobId}",
            "JOB",
            job,
            GSI1PK=REPORT_JOBS,
            GSI1SK=order,
            GSI2PK=f"{REPORT_JOBS}#{job.ReportPlanName}",
            GSI2SK=order,
        )
        self._table.put(item)

    def find_report_job(self, job_id: str) -> ReportJob | None:
        item = self._table.get(f"REPORTJOB#{job_id}", "JOB")
        return from_item(ReportJob, item) if item else None

    def report_jobs(
        self,
        limit: int,
        token: str | None,
        plan_name: str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        status: str | None = None,
    ) -> tuple[list[ReportJob], str | None]:
        where = (
            Slice(f"{REPORT_JOBS}#{plan_name}", "GSI2", "", created_after, created_before)
            if plan_name
            else Slice(REPORT_JOBS, "GSI1", "", created_after, created_before)
        )
        keep = (lambda job: job.Status == status) if status else None
        return newest_first(self._table, ReportJob, where, keep, limit, token)

    # Compliance
    def current_results(self, framework: str) -> dict[tuple[int, str], ResourceResult]:
        """Every resource's current result under each control of the framework: (control index, id) -> result."""
        found: dict[tuple[int, str], ResourceResult] = {}
        start = None
        while True:
            page = self._table.query(Query(f"COMPLIANCE#{framework}", sort_prefix="NOW#", start_after=start))
            for item in page.items:
                result = from_item(ResourceResult, item)
                found[(result.ControlIndex, result.ResourceId)] = result
            if page.next_key is None:
                return found
            start = page.next_key

    def record_changes(self, changed: list[ResourceResult], gone: list[ResourceResult]) -> None:
        """Changed results become current and join their history; results of resources no longer in scope go."""
        items = []
        for result in changed:
            key = _control_key(result.ControlIndex, result.ControlName)
            items.append(to_item(f"COMPLIANCE#{result.FrameworkName}", f"NOW#{key}#{result.ResourceId}", result))
            history_pk = _history_pk(result.FrameworkName, result.ControlIndex, result.ControlName, result.ResourceId)
            items.append(to_item(history_pk, sortable(result.Since), result))
        if items:
            self._table.put_many(items)
        for result in gone:
            key = _control_key(result.ControlIndex, result.ControlName)
            self._table.delete(f"COMPLIANCE#{result.FrameworkName}", f"NOW#{key}#{result.ResourceId}")

    def save_control_results(self, results: list[ControlResult]) -> None:
        self._table.put_many(
            [
                to_item(
                    f"COMPLIANCE#{result.FrameworkName}",
                    f"CONTROL#{_control_key(result.ControlIndex, result.ControlName)}",
                    result,
                )
                for result in results
            ]
        )

    def save_framework_result(self, result: FrameworkResult) -> None:
        self._table.put(to_item(f"COMPLIANCE#{result.FrameworkName}", "SUMMARY", result))

    def framework_result(self, framework: str) -> FrameworkResult | None:
        item = self._table.get(f"COMPLIANCE#{framework}", "SUMMARY")
        return from_item(FrameworkResult, item) if item else None

    def control_results(self, framework: str) -> list[ControlResult]:
        page = self._table.query(Query(f"COMPLIANCE#{framework}", sort_prefix="CONTROL#"))
        return [from_item(ControlResult, item) for item in page.items]

    def result_at(
        self, framework: str, index: int, control: str, resource_id: str, moment: datetime
    ) -> ResourceResult | None:
        """The resource's status under the control as it stood at `moment` (None: not evaluated by then)."""
        page = self._table.query(
            Query(
                _history_pk(framework, index, control, resource_id),
                sort_at_most=sortable(moment),
                descending=True,
                limit=1,
            )
        )
        return from_item(ResourceResult, page.items[0]) if page.items else None

    def forget_framework(self, framework: str) -> None:
        """A deleted framework's current results go (its history stays, for the audit trail)."""
        page = self._table.query(Query(f"COMPLIANCE#{framework}"))
        for item in page.items:
            self._table.delete(item["PK"], item["SK"])
