"""Issue 15's "Done when", through boto3's `backup` client on the local runtime: one resource of every type
Strongroom backs up, backed up every Saturday, and a restore testing plan with a selection per type that tests
them every Sunday, run for a simulated month. For each type, every Sunday's restore job COMPLETED, was validated,
was cleaned up, and recorded its recovery time, which DescribeProtectedResource and the next restore's
ExpectedCompletionTimeMinutes then answer.

What "validated" and "cleaned up" mean follows the type's data check: a type with a check (its own
lambdas/resources/<type>/validation.py) is validated SUCCESSFUL by it and its restored copy is deleted and gone
from the emulated service; a type without one yet is validated by its restore completing and its copy is left
for its owner (DeletionStatus FAILED, saying so), as docs/restore-testing.md says. The test reads which types
have a check from the code, so a type that gains one is held to the check from then on."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from lambdas.resources.types import TYPES
from lambdas.services.restore_testing_checks import build_restore_checks
from local.runtime import LocalRuntime
from tests.e2e.test_restore_testing_every_type import PASSED, SOURCES, exists
from tests.e2e.waiting import wait_for_restore_job

pytestmark = pytest.mark.e2e
ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole"
ALERTS_TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:strongroom-alerts"
SUNDAYS_IN_MAY = 5  # the runtime starts on Friday 2026-05-01
CHECKED = set(build_restore_checks(lambda service: lambda: None).supported_types())
# The types whose restore metadata names the restored resource after its source (an identifier unique in the
# account): a type's check renames it for each test (RestoreCheck.test_metadata); without a check the name stays
# the source's, and the run refuses the restore as colliding with the source rather than start it.
NAMED_AFTER_SOURCE = {
    "RDS": "DBInstanceIdentifier",
    "Aurora": "DBClusterIdentifier",
    "DocumentDB": "DBClusterIdentifier",
    "Neptune": "DBClusterIdentifier",
    "Redshift": "ClusterIdentifier",
}
REFUSED = set(NAMED_AFTER_SOURCE) - CHECKED


def _tail(arn: str) -> str:
    return arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def listen_to_alerts(rt: LocalRuntime) -> str:
    """An SQS queue subscribed to the stack's alerts topic (strongroom-alerts): its URL."""
    sqs = rt.client("sqs")
    url = str(sqs.create_queue(QueueName="alerts-listener")["QueueUrl"])
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rt.client("sns").subscribe(TopicArn=ALERTS_TOPIC, Protocol="sqs", Endpoint=queue_arn)
    return url


def alerts(rt: LocalRuntime, url: str) -> list[dict[str, Any]]:
    """The events the alerts topic delivered (SNS wraps each EventBridge event in its Message)."""
    found: list[dict[str, Any]] = []
    while messages := rt.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        found += [json.loads(json.loads(m["Body"])["Message"]) for m in messages]
        rt.client("sqs").delete_message_batch(
            QueueUrl=url, Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)]
        )
    return found


def protect_every_type(rt: LocalRuntime, backup: Any) -> dict[str, str]:
    """Given one source of each type, backed up every Saturday at 05:00 UTC into the vault `main`."""
    sources = {kind: make(rt, f"month-{kind.lower().replace(' ', '-')}") for kind, make in SOURCES.items()}
    backup.create_backup_vault(BackupVaultName="main")
    rule = {"RuleName": "saturdays", "TargetBackupVaultName": "main", "ScheduleExpression": "cron(0 5 ? * SAT *)",
            "Lifecycle": {"DeleteAfterDays": 35}}  # fmt: skip
    plan_id = backup.create_backup_plan(BackupPlan={"BackupPlanName": "weekly", "Rules": [rule]})["BackupPlanId"]
    backup.create_backup_selection(
        BackupPlanId=plan_id,
        BackupSelection={"SelectionName": "every-type", "IamRoleArn": ROLE, "Resources": list(sources.values())},
    )
    return sources


def test_every_type_restore_tested_weekly_for_a_month_completes_validates_cleans_up_and_is_timed(
    runtime: LocalRuntime,
) -> None:
    backup = runtime.client("backup")
    # Given the registry's every type, each with a source backed up weekly
    assert set(SOURCES) == {spec.resource_type for spec in TYPES}
    sources = protect_every_type(runtime, backup)
    alerts_queue = listen_to_alerts(runtime)
    # And a plan that tests every type on Sundays at 08:00 UTC, from the last week's points
    point_selection = {"Algorithm": "LATEST_WITHIN_WINDOW", "IncludeVaults": ["*"], "RecoveryPointTypes": ["SNAPSHOT"],
                       "SelectionWindowDays": 7}  # fmt: skip
    plan_arn = backup.create_restore_testing_plan(
        RestoreTestingPlan={
            "RestoreTestingPlanName": "every_type",
            "ScheduleExpression": "cron(0 8 ? * SUN *)",
            "RecoveryPointSelection": point_selection,
        }
    )["RestoreTestingPlanArn"]
    for n, resource_type in enumerate(SOURCES):
        backup.create_restore_testing_selection(
            RestoreTestingPlanName="every_type",
            RestoreTestingSelection={
                "RestoreTestingSelectionName": f"type_{n}",
                "ProtectedResourceType": resource_type,
                "IamRoleArn": ROLE,
                "ProtectedResourceArns": ["*"],
                "ValidationWindowHours": 1,
            },
        )

    # When a month goes by a week at a time: to each Sunday at 08:00, where the clock stays while that Sunday's
    # restores run (the workflow runs in real time beside the virtual clock), then on to the next
    runtime.advance(timedelta(days=2, hours=8))  # Friday 00:00 -> Sunday 08:00
    for week in range(SUNDAYS_IN_MAY):
        for job in backup.list_restore_jobs(ByRestoreTestingPlanArn=plan_arn)["RestoreJobs"]:
            wait_for_restore_job(backup, job["RestoreJobId"], seconds=120)
        if week == SUNDAYS_IN_MAY - 1:
            # (and on the last Sunday the user's own validation finds the restored table wrong, before the check)
            tables = backup.list_restore_jobs(ByRestoreTestingPlanArn=plan_arn, ByResourceType="DynamoDB")
            user_failed = max(tables["RestoreJobs"], key=lambda j: j["CreationDate"])
            backup.put_restore_validation_result(
                RestoreJobId=user_failed["RestoreJobId"],
                ValidationStatus="FAILED",
                ValidationStatusMessage="the orders do not add up",
            )
        runtime.advance(timedelta(days=7) if week < SUNDAYS_IN_MAY - 1 else timedelta(hours=3))
    # (the last Sunday's hourly sweeps: check, validation window, delete)

    # Then every type was restore tested every Sunday, but those a test without a check cannot rename
    jobs = backup.list_restore_jobs(ByRestoreTestingPlanArn=plan_arn)["RestoreJobs"]
    by_type: dict[str, list[dict[str, Any]]] = {}
    for job in jobs:
        by_type.setdefault(job["ResourceType"], []).append(job)
    assert {t: len(js) for t, js in by_type.items()} == dict.fromkeys(set(SOURCES) - REFUSED, SUNDAYS_IN_MAY)
    for resource_type in REFUSED:
        # (whose inferred metadata, which a run restores with, names the source itself)
        (point, *_) = backup.list_recovery_points_by_resource(ResourceArn=sources[resource_type])["RecoveryPoints"]
        inferred = backup.get_restore_testing_inferred_metadata(
            BackupVaultName="main", RecoveryPointArn=point["RecoveryPointArn"]
        )["InferredMetadata"]
        assert inferred[NAMED_AFTER_SOURCE[resource_type]] == _tail(sources[resource_type])
    for resource_type, type_jobs in by_type.items():
        for job in type_jobs:
            context = (resource_type, job.get("StatusMessage"), job.get("ValidationStatusMessage"))
            # And each restore COMPLETED, from the type's source, marked as the plan's
            assert job["Status"] == "COMPLETED", context
            assert job["SourceResourceArn"] == sources[resource_type]
            assert job["CreatedBy"] == {"RestoreTestingPlanArn": plan_arn}
            # And was validated: by the type's data check, or by its restore completing where there is none (but
            # for the one the user judged first)
            if job["RestoreJobId"] == user_failed["RestoreJobId"]:
                verdict = (job["ValidationStatus"], job["ValidationStatusMessage"])
                assert verdict == ("FAILED", "the orders do not add up")
                assert job["DeletionStatus"] == "SUCCESSFUL"
                continue
            assert job["ValidationStatus"] == "SUCCESSFUL", context
            restored = job["CreatedResourceArn"]
            if resource_type in CHECKED:
                assert job["ValidationStatusMessage"].startswith(PASSED[resource_type]), context
                # And cleaned up: deleted, and gone from the emulated service
                assert job["DeletionStatus"] == "SUCCESSFUL", (resource_type, job.get("DeletionStatusMessage"))
                assert not exists(runtime, resource_type, restored), context
            else:
                assert job["ValidationStatusMessage"] == (
                    f"The restore completed; Strongroom has no data check for {resource_type}"
                )
                assert job["DeletionStatus"] == "FAILED"
                assert job["DeletionStatusMessage"] == (
                    f"Strongroom cannot delete a restored {resource_type} resource yet: delete {restored} yourself"
                )
        # And the sources themselves are untouched
        assert exists(runtime, resource_type, sources[resource_type]), resource_type

    # And the failed validation alerted through the stack's alerts topic, as a Restore Job State Change event: the
    # verdict itself, and again each later event of that job (its copy's deletion), which still carries it
    alerted = [a for a in alerts(runtime, alerts_queue) if a["detail"].get("validationStatus") == "FAILED"]
    assert {(a["detail-type"], a["detail"]["restoreJobId"]) for a in alerted} == {
        ("Restore Job State Change", user_failed["RestoreJobId"])
    }
    verdicts = [a["detail"] for a in alerted if "deletionStatus" not in a["detail"]]
    assert [(d["validationStatusMessage"], d["restoreTestingPlanArn"]) for d in verdicts] == [
        ("the orders do not add up", plan_arn)
    ]

    # And each type's recovery time is measured. The virtual clock stood at Sunday 08:00 while the restores ran, so
    # each took 0 virtual minutes from request to usable resource: the source's latest restore says so, and every
    # restore after a type's first expected what the earlier ones took (the first had no history to go by)
    for resource_type, source in sources.items():
        if resource_type in REFUSED:
            continue
        described = backup.describe_protected_resource(ResourceArn=source)
        newest = max(by_type[resource_type], key=lambda j: j["CreationDate"])
        assert described["LatestRestoreJobCreationDate"] == newest["CreationDate"]
        assert described["LatestRestoreRecoveryPointCreationDate"] == newest["RecoveryPointCreationDate"]
        assert described["LatestRestoreExecutionTimeMinutes"] == 0, resource_type
        oldest_first = sorted(by_type[resource_type], key=lambda j: j["CreationDate"])
        assert "ExpectedCompletionTimeMinutes" not in oldest_first[0]
        assert [j["ExpectedCompletionTimeMinutes"] for j in oldest_first[1:]] == [0] * (SUNDAYS_IN_MAY - 1)
        assert backup.describe_restore_job(RestoreJobId=newest["RestoreJobId"])["ExpectedCompletionTimeMinutes"] == 0
