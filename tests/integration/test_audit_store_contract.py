"""The audit store keeps the same contract on DynamoDB (moto) and in memory: frameworks by name, report jobs
newest first and by plan, current compliance results, and the history that answers for a past moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from lambdas.domain.audit.frameworks import Framework, FrameworkControl
from lambdas.domain.audit.report_plans import ReportJob, ReportJobStatus
from lambdas.domain.audit.results import Compliance, ResourceResult

REGION, TABLE = "us-east-1", "strongroom-audit-contract"
T0 = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture(params=["memory", "dynamodb"])
def audit(request: pytest.FixtureRequest) -> Any:
    from lambdas.store.audit_store import AuditStore

    if request.param == "memory":
        from lambdas.store.memory_table import MemoryTable

        return AuditStore(MemoryTable())
    from lambdas.store.dynamodb_table import DynamoDbTable
    from local.bootstrap import table_definition

    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(**table_definition(TABLE))
    return AuditStore(DynamoDbTable(client, TABLE))


def framework(name: str) -> Framework:
    return Framework(
        FrameworkName=name,
        FrameworkArn=f"arn:aws:backup:{REGION}:123456789012:framework:{name}-1",
        FrameworkControls=[FrameworkControl(ControlName="BACKUP_RECOVERY_POINT_ENCRYPTED")],
        CreationTime=T0,
    )


def result(status: Compliance, since: datetime) -> ResourceResult:
    return ResourceResult(
        FrameworkName="core",
        ControlIndex=0,
        ControlName="BACKUP_RECOVERY_POINT_ENCRYPTED",
        ResourceId="arn:aws:ec2:us-east-1::snapshot/snap-1",
        ResourceType="EBS",
        Status=status,
        Since=since,
        EvaluatedAt=since,
    )


def test_frameworks_are_unique_by_name_and_listed_in_name_order(audit: Any) -> None:
    assert audit.create_framework(framework("zeta")) and audit.create_framework(framework("alpha"))
    assert not audit.create_framework(framework("alpha"))
    page, token = audit.framework_page(1, None)
    assert [f.FrameworkName for f in page] == ["alpha"] and token
    assert [f.FrameworkName for f in audit.framework_page(10, token)[0]] == ["zeta"]


def test_report_jobs_newest_first_by_plan_and_status(audit: Any) -> None:
    for n, plan in enumerate(["a", "b", "a"]):
        audit.save_report_job(
            ReportJob(
                ReportJobId=f"job-{n}",
                ReportPlanArn=f"arn:{plan}",
                ReportPlanName=plan,
                ReportTemplate="BACKUP_JOB_REPORT",
                CreationTime=T0 + timedelta(hours=n),
                Status=ReportJobStatus.COMPLETED if n else ReportJobStatus.FAILED,
                S3BucketName="b",
            )
        )
    assert [j.ReportJobId for j in audit.report_jobs(10, None)[0]] == ["job-2", "job-1", "job-0"]
    assert [j.ReportJobId for j in audit.report_jobs(10, None, plan_name="a")[0]] == ["job-2", "job-0"]
    assert [j.ReportJobId for j in audit.report_jobs(10, None, status="FAILED")[0]] == ["job-0"]


def test_history_answers_for_a_past_moment(audit: Any) -> None:
    audit.record_changes([result(Compliance.NON_COMPLIANT, T0)], [])
    audit.record_changes([result(Compliance.COMPLIANT, T0 + timedelta(days=2))], [])
    args = ("core", 0, "BACKUP_RECOVERY_POINT_ENCRYPTED", "arn:aws:ec2:us-east-1::snapshot/snap-1")
    assert audit.result_at(*args, T0 - timedelta(seconds=1)) is None
    assert audit.result_at(*args, T0 + timedelta(days=1)).Status == Compliance.NON_COMPLIANT
    assert audit.result_at(*args, T0 + timedelta(days=3)).Status == Compliance.COMPLIANT
    (current,) = audit.current_results("core").values()
    assert current.Status == Compliance.COMPLIANT
    audit.record_changes([], [current])
    assert audit.current_results("core") == {}
