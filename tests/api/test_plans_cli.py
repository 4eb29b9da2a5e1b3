"""Backup plans and selections through the real AWS CLI (`aws backup ...`) pointed at the local runtime's
edge: what a user types is what is tested, from argument parsing and SigV4 to the JSON the CLI prints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local.runtime import LocalRuntime
from tests.api.cli import Cli
from tests.api.conftest import ROLE

VAULT = "cli-vault"


@pytest.fixture(scope="module")
def aws(runtime: LocalRuntime, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    cli = Cli(runtime.endpoint, tmp_path_factory.mktemp("aws-home"))
    cli("create-backup-vault", "--backup-vault-name", VAULT)
    return cli


def document(name: str, **rule: Any) -> str:
    return json.dumps(
        {
            "BackupPlanName": name,
            "Rules": [
                {"RuleName": "daily", "TargetBackupVaultName": VAULT, "Lifecycle": {"DeleteAfterDays": 35}, **rule}
            ],
        }
    )


def plan_names(aws: Cli, *flags: str) -> list[str]:
    return [p["BackupPlanName"] for p in aws("list-backup-plans", *flags)["BackupPlansList"]]


def test_given_the_cli_when_a_plan_is_created_then_get_and_list_show_it_and_its_schedule_exists(
    aws: Cli, runtime: LocalRuntime
) -> None:
    created = aws(
        "create-backup-plan",
        "--backup-plan",
        document("cli-plan", ScheduleExpression="cron(0 2 ? * * *)"),
        "--backup-plan-tags",
        "team=storage",
    )

    got = aws("get-backup-plan", "--backup-plan-id", created["BackupPlanId"])

    assert got["BackupPlanArn"] == created["BackupPlanArn"]
    [rule] = got["BackupPlan"]["Rules"]
    assert (rule["RuleName"], rule["ScheduleExpression"], rule["Lifecycle"]) == (
        "daily",
        "cron(0 2 ? * * *)",
        {"DeleteAfterDays": 35},
    )
    assert "cli-plan" in plan_names(aws)
    assert runtime.services().stores.plans.get(created["BackupPlanId"]).Tags == {"team": "storage"}
    schedules = runtime.client("scheduler").list_schedules(GroupName="strongroom-plans")["Schedules"]
    assert f"rule-{rule['RuleId']}" in {s["Name"] for s in schedules}


def test_given_a_plan_when_updated_with_the_cli_then_both_versions_are_listed_and_readable(
    aws: Cli, runtime: LocalRuntime
) -> None:
    from datetime import timedelta

    created = aws("create-backup-plan", "--backup-plan", document("cli-update"))
    runtime.clock.advance(timedelta(minutes=1))

    updated = aws(
        "update-backup-plan",
        "--backup-plan-id",
        created["BackupPlanId"],
        "--backup-plan",
        document("cli-update", ScheduleExpression="cron(0 1 ? * * *)"),
    )
    versions = aws("list-backup-plan-versions", "--backup-plan-id", created["BackupPlanId"])
    old = aws("get-backup-plan", "--backup-plan-id", created["BackupPlanId"], "--version-id", created["VersionId"])

    assert updated["VersionId"] != created["VersionId"]
    assert [v["VersionId"] for v in versions["BackupPlanVersionsList"]] == [updated["VersionId"], created["VersionId"]]
    assert old["BackupPlan"]["Rules"][0]["ScheduleExpression"] == "cron(0 5 ? * * *)"


def test_given_an_aws_template_when_fetched_with_the_cli_then_its_document_creates_a_plan(
    aws: Cli, tmp_path: Path
) -> None:
    templates = aws("list-backup-plan-templates")["BackupPlanTemplatesList"]
    [daily] = [t for t in templates if t["BackupPlanTemplateName"] == "Daily-35day-Retention"]
    template = aws("get-backup-plan-from-template", "--backup-plan-template-id", daily["BackupPlanTemplateId"])
    plan = template["BackupPlanDocument"]
    plan["BackupPlanName"] = "cli-from-template"
    for rule in plan["Rules"]:
        rule["TargetBackupVaultName"] = VAULT  # the template targets Default; this account keeps cli-vault
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))

    created = aws("create-backup-plan", "--backup-plan", f"file://{path}")

    got = aws("get-backup-plan", "--backup-plan-id", created["BackupPlanId"])
    [rule] = got["BackupPlan"]["Rules"]
    assert (rule["RuleName"], rule["ScheduleExpression"], rule["Lifecycle"]) == (
        "DailyBackups",
        "cron(0 5 ? * * *)",
        {"DeleteAfterDays": 35},
    )


def test_given_a_plan_when_exported_with_the_cli_then_get_from_json_reads_the_same_plan(aws: Cli) -> None:
    created = aws("create-backup-plan", "--backup-plan", document("cli-export"))

    exported = aws("export-backup-plan-template", "--backup-plan-id", created["BackupPlanId"])
    parsed = aws("get-backup-plan-from-json", "--backup-plan-template-json", exported["BackupPlanTemplateJson"])

    assert parsed["BackupPlan"]["BackupPlanName"] == "cli-export"
    assert parsed["BackupPlan"]["Rules"][0]["Lifecycle"] == {"DeleteAfterDays": 35}
    assert "not valid JSON" in aws.fails("get-backup-plan-from-json", "--backup-plan-template-json", "{oops")


def test_given_an_invalid_lifecycle_when_created_with_the_cli_then_refused_and_the_list_is_unchanged(
    aws: Cli,
) -> None:
    before = plan_names(aws, "--include-deleted")

    stderr = aws.fails(
        "create-backup-plan",
        "--backup-plan",
        document("cli-bad", Lifecycle={"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 60}),
    )

    assert "InvalidParameterValueException" in stderr
    assert "at least 90 days after" in stderr
    assert plan_names(aws, "--include-deleted") == before


def test_given_plans_when_listed_a_page_at_a_time_then_the_cli_follows_next_token_through_all(aws: Cli) -> None:
    for n in range(2):
        aws("create-backup-plan", "--backup-plan", document(f"cli-page-{n}"))

    paged = plan_names(aws, "--page-size", "1")

    assert {"cli-page-0", "cli-page-1"} <= set(paged)
    assert sorted(paged) == sorted(plan_names(aws))


def test_given_a_selection_when_managed_with_the_cli_then_the_plan_cannot_go_until_it_does(aws: Cli) -> None:
    plan_id = aws("create-backup-plan", "--backup-plan", document("cli-selections"))["BackupPlanId"]
    chosen = {"SelectionName": "everything", "IamRoleArn": ROLE, "Resources": ["*"]}

    selection_id = aws(
        "create-backup-selection", "--backup-plan-id", plan_id, "--backup-selection", json.dumps(chosen)
    )["SelectionId"]

    listed = aws("list-backup-selections", "--backup-plan-id", plan_id)["BackupSelectionsList"]
    assert [(s["SelectionId"], s["SelectionName"]) for s in listed] == [(selection_id, "everything")]
    got = aws("get-backup-selection", "--backup-plan-id", plan_id, "--selection-id", selection_id)
    assert got["BackupSelection"]["Resources"] == ["*"]
    assert "InvalidRequestException" in aws.fails("delete-backup-plan", "--backup-plan-id", plan_id)
    bad = json.dumps({**chosen, "IamRoleArn": "role/backup"})
    stderr = aws.fails("create-backup-selection", "--backup-plan-id", plan_id, "--backup-selection", bad)
    assert "InvalidParameterValueException" in stderr
    aws("delete-backup-selection", "--backup-plan-id", plan_id, "--selection-id", selection_id)
    assert "DeletionDate" in aws("delete-backup-plan", "--backup-plan-id", plan_id)


def test_given_an_unknown_plan_id_when_read_with_the_cli_then_resource_not_found(aws: Cli) -> None:
    stderr = aws.fails("get-backup-plan", "--backup-plan-id", "00000000-0000-0000-0000-000000000000")

    assert "ResourceNotFoundException" in stderr
