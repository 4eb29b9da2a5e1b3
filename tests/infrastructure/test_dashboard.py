"""The dashboard: each widget draws a metric that something really publishes (the engine's own, by the names in
lambdas/, or an AWS service's for the stack's own resources), the job and recovery point counts under AWS Backup's
own names; and the alarms on failed jobs and RPO misses, pinned by name and dimension, alert the topic."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from infrastructure import constants
from infrastructure.constructs.dashboard import ALARMED_FAILURES, RPO_MISS_METRIC
from lambdas.services import backup_metrics
from tests.infrastructure import reading

LAMBDAS = Path(__file__).resolve().parents[2] / "lambdas"
# AWS Backup's metrics in AWS/Backup, from AWS's "AWS Backup metrics with Amazon CloudWatch" page.
AWS_BACKUP_METRICS = {
    *(f"NumberOfBackupJobs{s}" for s in ("Created", "Pending", "Running", "Aborted", "Completed", "Failed", "Expired")),
    *(f"NumberOfCopyJobs{s}" for s in ("Created", "Running", "Completed", "Failed")),
    *(f"NumberOfRestoreJobs{s}" for s in ("Pending", "Running", "Completed", "Failed")),
    *(f"NumberOfRecoveryPoints{s}" for s in ("Completed", "Partial", "Expired", "Deleting", "Cold")),
    "NumberOfBackupJobsPartial",  # in CloudWatch's list of AWS/Backup metrics, not in AWS Backup's guide
}
# What AWS services publish for the stack's resources, per namespace.
SERVICE_METRICS = {
    "AWS/Lambda": {"Errors", "Throttles"},
    "AWS/States": {"ExecutionTime", "ExecutionsSucceeded", "ExecutionsFailed"},
    "AWS/SQS": {"ApproximateAgeOfOldestMessage"},
    "AWS/S3": {"BucketSizeBytes"},
}


def emitted_by_the_engine() -> set[str]:
    """Every metric name the code under lambdas/ adds: literal names, and AWS Backup's names the engine counts."""
    names: set[str] = set()
    for source in LAMBDAS.rglob("*.py"):
        names |= set(re.findall(r'add_metric\(\s*name="(\w+)"', source.read_text(encoding="utf-8")))
    return names | set(backup_metrics.ALL_METRICS)


def test_the_engine_counts_only_aws_backups_own_metric_names() -> None:
    # Given every name backup_metrics counts jobs and recovery points under
    # Then each is one AWS Backup publishes in AWS/Backup: no name of Strongroom's own passes for one of AWS's
    assert set(backup_metrics.ALL_METRICS) <= AWS_BACKUP_METRICS


def _body(template: dict[str, Any]) -> dict[str, Any]:
    """The dashboard's JSON with each CloudFormation token (a Ref, a GetAtt) as the logical id it names."""
    (dashboard,) = reading.resources(template, "AWS::CloudWatch::Dashboard").values()
    body = dashboard["Properties"]["DashboardBody"]
    parts = body["Fn::Join"][1] if isinstance(body, dict) else [body]
    text = "".join(part if isinstance(part, str) else _token(part) for part in parts)
    return dict(json.loads(text))


def _token(value: dict[str, Any]) -> str:
    if "Ref" in value:
        return f"REF:{value['Ref']}"
    if "Fn::GetAtt" in value:
        return f"ATT:{value['Fn::GetAtt'][0]}.{value['Fn::GetAtt'][1]}"
    return "TOKEN"


def _metrics(body: dict[str, Any]) -> list[tuple[str, str, str, dict[str, str], dict[str, Any]]]:
    """(widget title, namespace, name, dimensions, options) of every metric line of every widget."""
    found = []
    for widget in body["widgets"]:
        for line in widget["properties"].get("metrics", []):
            options = line[-1] if isinstance(line[-1], dict) else {}
            namespace, name, *rest = [item for item in line if not isinstance(item, dict)]
            found.append(
                (widget["properties"]["title"], namespace, name, dict(zip(rest[::2], rest[1::2], strict=True)), options)
            )
    return found


def test_every_strongroom_metric_on_the_dashboard_is_one_the_engine_emits(template: dict[str, Any]) -> None:
    # Given the dashboard's metrics in Strongroom's namespace
    ours = [m for m in _metrics(_body(template)) if m[1] == constants.METRICS_NAMESPACE]
    assert ours, "the dashboard draws none of Strongroom's metrics"
    emitted = emitted_by_the_engine()
    for title, _, name, dimensions, _options in ours:
        # Then each is a name the engine adds, with the `service` dimension Powertools publishes it under
        assert name in emitted, f"{title}: {name} is emitted nowhere under lambdas/"
        assert dimensions == {"service": constants.SERVICE_NAME}


def test_job_counts_carry_aws_backups_metric_names(template: dict[str, Any]) -> None:
    # Given the "Jobs by state" widget
    jobs = [m for m in _metrics(_body(template)) if m[0] == "Jobs by state"]
    labels = {m[4].get("label") for m in jobs}
    # Then every line is one of AWS Backup's own metric names, backup, copy and restore alike, in Strongroom's
    # namespace, labelled with its name
    assert labels <= AWS_BACKUP_METRICS
    assert {"NumberOfBackupJobsCompleted", "NumberOfBackupJobsFailed", "NumberOfRestoreJobsCompleted"} <= labels
    for _, namespace, name, _, options in jobs:
        assert (namespace, options["label"]) == (constants.METRICS_NAMESPACE, name)


def test_aws_service_metrics_are_of_the_stacks_own_resources(template: dict[str, Any]) -> None:
    metrics = [m for m in _metrics(_body(template)) if m[1] != constants.METRICS_NAMESPACE]
    (machine_id,) = reading.resources(template, "AWS::StepFunctions::StateMachine")
    functions = set(reading.resources(template, "AWS::Lambda::Function"))
    queues = {
        logical_id
        for logical_id, queue in reading.resources(template, "AWS::SQS::Queue").items()
        if queue["Properties"].get("QueueName") == constants.BACKUP_BATCH_QUEUE.name
    }
    buckets = set(reading.resources(template, "AWS::S3::Bucket"))
    seen = set()
    for title, namespace, name, dimensions, _ in metrics:
        assert name in SERVICE_METRICS[namespace], f"{title}: {namespace} publishes no {name}"
        seen.add(namespace)
        if namespace == "AWS/Lambda":
            assert dimensions["FunctionName"].removeprefix("REF:") in functions
        elif namespace == "AWS/States":
            assert dimensions == {"StateMachineArn": f"REF:{machine_id}"}
        elif namespace == "AWS/SQS":
            assert dimensions["QueueName"].removeprefix("ATT:").removesuffix(".QueueName") in queues
        else:
            assert dimensions["BucketName"].removeprefix("REF:") in buckets
            assert dimensions["StorageType"] in {"StandardStorage", "GlacierInstantRetrievalStorage"}
    assert seen == set(SERVICE_METRICS)
    # And each function's errors and throttles are drawn
    for title, name in (("Function errors", "Errors"), ("Function throttles", "Throttles")):
        drawn = {m[3]["FunctionName"].removeprefix("REF:") for m in metrics if m[0] == title and m[2] == name}
        assert {reading.function_id(template, spec) for spec in constants.FUNCTIONS} <= drawn


def test_failed_jobs_and_rpo_misses_alarm_the_alerts_topic(template: dict[str, Any]) -> None:
    alarms = [a["Properties"] for a in reading.resources(template, "AWS::CloudWatch::Alarm").values()]
    (topic_id,) = reading.resources(template, "AWS::SNS::Topic")
    assert (*ALARMED_FAILURES, RPO_MISS_METRIC) == (
        "NumberOfBackupJobsFailed",
        "NumberOfCopyJobsFailed",
        "NumberOfBackupJobsExpired",
    )
    for aws_name in (*ALARMED_FAILURES, RPO_MISS_METRIC):
        # Given the alarm on the deployment's total of AWS Backup's metric
        (alarm,) = [a for a in alarms if a.get("MetricName") == aws_name]
        # Then one such job in five minutes alerts the topic
        assert alarm["Namespace"] == constants.METRICS_NAMESPACE
        assert alarm["Dimensions"] == [{"Name": "service", "Value": constants.SERVICE_NAME}]
        assert (alarm["Statistic"], alarm["Period"], alarm["Threshold"]) == ("Sum", 300, 1)
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["AlarmActions"] == [{"Ref": topic_id}]
