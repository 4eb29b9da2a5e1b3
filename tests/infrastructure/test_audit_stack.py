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


def test_functions_that_change_compliance_may_ask_for_an_evaluation_through_one_schedule_only(
    template: dict[str, Any],
) -> None:
    # Given the functions that make and expire recovery points
    for spec in (constants.TRACK_JOBS, constants.LIFECYCLE):
        request = _statement(template, spec, "RequestComplianceEvaluation")
        # Then they may create, read and move the one evaluation schedule of the plan group, never delete any
        assert sorted(reading.as_list(request["Action"])) == [
            "scheduler:CreateSchedule",
            "scheduler:GetSchedule",
            "scheduler:UpdateSchedule",
        ]
        assert str(request["Resource"]).count(":schedule/") == 1
        assert "/audit-evaluate-soon" in str(request["Resource"])
        # And pass the scheduler role to Scheduler only
        passing = _statement(template, spec, "PassSchedulerRoleToScheduler")
        assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}
        # And they are told which function the schedule invokes: AuditEvaluate
        _, properties = reading.function(template, spec)
        told = properties["Environment"]["Variables"][constants.ENV_AUDIT_EVALUATE_FUNCTION_ARN]
        assert reading.mentions(told, reading.function_id(template, constants.AUDIT_EVALUATE))
