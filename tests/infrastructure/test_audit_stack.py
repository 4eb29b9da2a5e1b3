"""Audit Manager in the stack: the report writes go out only with the ACL AWS's report bucket policy requires, and
only through S3 for keys; the evaluation's events go only to Strongroom's bus; both run on their schedules."""

from __future__ import annotations

from typing import Any

from infrastructure import constants
from tests.infrastructure import reading


def _statement(template: dict[str, Any], spec: constants.FunctionSpec, sid: str) -> dict[str, Any]:
    (found,) = [s for s in reading.statements_of_role(template, reading.role_id(template, spec)) if s.get("Sid") == sid]
    return found


def test_reports_are_written_only_with_the_bucket_owner_full_control_acl(template: dict[str, Any]) -> None:
    # Given the roles that write reports (the daily run, and the Api for StartReportJob)
    for spec in (constants.AUDIT_REPORTS, constants.API):
        write = _statement(template, spec, "WriteAuditReports")
        # Then PutObject needs the ACL the documented bucket policy asks for
        assert reading.as_list(write["Action"]) == ["s3:PutObject"]
        assert write["Condition"] == {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}
    keys = _statement(template, constants.AUDIT_REPORTS, "EncryptAuditReports")
    assert "kms:ViaService" in keys["Condition"]["StringEquals"]


def test_compliance_events_go_only_to_strongrooms_bus(template: dict[str, Any]) -> None:
    events = _statement(template, constants.AUDIT_EVALUATE, "PublishComplianceChanges")
    assert reading.as_list(events["Action"]) == ["events:PutEvents"]
    assert "event-bus/" in str(events["Resource"])


def test_evaluation_and_reports_run_on_their_schedules(template: dict[str, Any]) -> None:
    schedules = {
        s["Properties"]["Name"]: s["Properties"]["ScheduleExpression"]
        for s in reading.resources(template, "AWS::Scheduler::Schedule").values()
    }
    assert schedules["strongroom-audit-evaluate"] == constants.AUDIT_EVALUATE_SCHEDULE == "rate(1 hour)"
    assert schedules["strongroom-audit-reports"] == constants.AUDIT_REPORTS_SCHEDULE == "cron(0 1 * * ? *)"
