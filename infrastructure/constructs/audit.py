"""Audit Manager in the stack: what its two functions may do (the engine builds them from constants.AUDIT_EVALUATE
and constants.AUDIT_REPORTS; their schedules are in constants.FIXED_SCHEDULES), and the report writes the Api
makes for StartReportJob.

AuditEvaluate reads: the resources every type lists and describes (the same reads a plan's selection needs),
the tagging API, and the catalog table; it writes compliance results to the table and compliance change events
to Strongroom's bus. AuditReports writes report files. Report buckets are the user's, named at run time in a
report plan: the write is s3:PutObject on any object, only with the ACL AWS's own report bucket policy requires
(s3:x-amz-acl bucket-owner-full-control), and the bucket's own policy must allow it (docs/audit-manager.md). A
bucket encrypted with a customer managed key needs kms:GenerateDataKey and kms:Encrypt through S3.
"""

from __future__ import annotations

from collections.abc import Mapping

from infrastructure import constants
from infrastructure.constructs.arns import Arns
from infrastructure.constructs.resource_access import Statements, allow, via

REPORT_ACL = "bucket-owner-full-control"


def deliver_reports(arns: Arns) -> Statements:
    return [
        allow("WriteAuditReports", ["s3:PutObject"], [arns.objects], StringEquals={"s3:x-amz-acl": REPORT_ACL}),
        allow("EncryptAuditReports", ["kms:GenerateDataKey", "kms:Encrypt"], ["*"], StringEquals=via("s3")),
    ]


def publish_compliance_events(arns: Arns, bus_name: str) -> Statements:
    bus = arns.stack.format_arn(service="events", resource="event-bus", resource_name=bus_name)
    return [allow("PublishComplianceChanges", ["events:PutEvents"], [bus])]


def evaluate_compliance(arns: Arns, environment: Mapping[str, str]) -> Statements:
    # permissions imports this module: its helpers are imported when the statements are made.
    from infrastructure.constructs.permissions import compose, find_resources, find_tagged_resources

    bus_name = environment[constants.ENV_EVENT_BUS_NAME]
    return compose(arns, find_resources(arns), find_tagged_resources(), publish_compliance_events(arns, bus_name))


def write_reports(arns: Arns, environment: Mapping[str, str]) -> Statements:
    return deliver_reports(arns)
