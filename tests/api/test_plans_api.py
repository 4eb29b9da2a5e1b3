"""Backup plans, their versions, templates and JSON documents, and their resource selections, through boto3's
own `backup` client against the local runtime: shapes, errors and side effects (schedules, nothing written
on bad input) as a user of AWS Backup meets them."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local.runtime import LocalRuntime
from tests.api.conftest import ROLE

SCHEDULE_GROUP = "strongroom-plans"
VOLUME = "arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0"


def error_of(call: Callable[..., Any], **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    error = raised.value.response
    return error["Error"]["Code"], error["Error"]["Message"], error["ResponseMetadata"]["HTTPStatusCode"]


def rule(name: str = "daily", vault: str = "plans-vault", **fields: Any) -> dict[str, Any]:
    return {"RuleName": name, "TargetBackupVaultName": vault, **fields}


def plan(name: str, *rules: dict[str, Any]) -> dict[str, Any]:
    return {"BackupPlanName": name, "Rules": list(rules) or [rule(Lifecycle={"DeleteAfterDays": 35})]}


def selection(name: str = "volumes", **fields: Any) -> dict[str, Any]:
    return {"SelectionName": name, "IamRoleArn": ROLE, **(fields or {"Resources": [VOLUME]})}


def all_plans(backup: Any, **kwargs: Any) -> list[dict[str, Any]]:
    plans: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = backup.list_backup_plans(**kwargs, **({"NextToken": token} if token else {}))
        plans += page["BackupPlansList"]
        token = page.get("NextToken")
        if not token:
            return plans


def schedule_names(runtime: LocalRuntime) -> set[str]:
    listed = runtime.client("scheduler").list_schedules(GroupName=SCHEDULE_GROUP)["Schedules"]
    return {schedule["Name"] for schedule in listed}


def without_rule_ids(document: dict[str, Any]) -> dict[str, Any]:
    return {**document, "Rules": [{k: v for k, v in r.items() if k != "RuleId"} for r in document["Rules"]]}


@pytest.fixture(scope="module", autouse=True)
def vaults(backup: Any) -> None:
    for name in ("plans-vault", "Default"):
        backup.create_backup_vault(BackupVaultName=name)


# Create, read, update, delete -------------------------------------------------------------------------------------


def test_given_a_vault_when_a_plan_is_created_then_get_returns_it_with_rule_ids_tags_and_a_schedule(
    backup: Any, runtime: LocalRuntime
) -> None:
    created = backup.create_backup_plan(
        BackupPlan=plan("crud-create", rule("daily", ScheduleExpression="cron(0 3 ? * * *)")),
        BackupPlanTags={"team": "storage"},
    )

    got = backup.get_backup_plan(BackupPlanId=created["BackupPlanId"])

    assert created["BackupPlanArn"] == f"arn:aws:backup:us-east-1:123456789012:backup-plan:{created['BackupPlanId']}"
    assert (got["BackupPlanArn"], got["VersionId"]) == (created["BackupPlanArn"], created["VersionId"])
    assert got["CreationDate"] == created["CreationDate"] == runtime.clock.now()
    assert got["CreatorRequestId"]  # boto3 fills the idempotency token in
    [saved] = got["BackupPlan"]["Rules"]
    assert saved["RuleId"]
    assert (saved["ScheduleExpression"], saved["ScheduleExpressionTimezone"]) == ("cron(0 3 ? * * *)", "Etc/UTC")
    assert (saved["StartWindowMinutes"], saved["CompletionWindowMinutes"]) == (480, 10080)
    assert "DeletionDate" not in got
    # the tags are kept with the plan, for ListTags on its ARN
    assert runtime.services().stores.plans.get(created["BackupPlanId"]).Tags == {"team": "storage"}
    # and the rule is on EventBridge Scheduler, ready to fire
    assert f"rule-{saved['RuleId']}" in schedule_names(runtime)


def test_given_a_create_retried_with_its_creator_request_id_then_the_same_plan_comes_back(backup: Any) -> None:
    document = plan("crud-idempotent")
    first = backup.create_backup_plan(BackupPlan=document, CreatorRequestId="retry-me-1")

    again = backup.create_backup_plan(BackupPlan=document, CreatorRequestId="retry-me-1")

    assert (again["BackupPlanId"], again["VersionId"]) == (first["BackupPlanId"], first["VersionId"])
    assert [p["BackupPlanName"] for p in all_plans(backup)].count("crud-idempotent") == 1
    # the same token with another document is a conflict, not a second plan
    other = plan("crud-idempotent-2")
    code, message, _ = error_of(backup.create_backup_plan, BackupPlan=other, CreatorRequestId="retry-me-1")
    assert code == "AlreadyExistsException"
    assert "different plan document" in message


def test_given_a_plan_when_the_same_document_is_created_again_then_already_exists(backup: Any) -> None:
    backup.create_backup_plan(BackupPlan=plan("crud-twin"))

    code, message, status = error_of(backup.create_backup_plan, BackupPlan=plan("crud-twin"))

    assert (code, status) == ("AlreadyExistsException", 400)
    assert message == "Backup plan with the same plan document already exists"


def test_given_a_plan_when_updated_then_the_version_changes_and_the_old_version_stays_readable(
    backup: Any, runtime: LocalRuntime
) -> None:
    created = backup.create_backup_plan(BackupPlan=plan("crud-update", rule("daily")))
    daily_id = backup.get_backup_plan(BackupPlanId=created["BackupPlanId"])["BackupPlan"]["Rules"][0]["RuleId"]
    runtime.clock.advance(timedelta(minutes=1))  # versions made at one frozen instant have no order

    updated = backup.update_backup_plan(
        BackupPlanId=created["BackupPlanId"],
        BackupPlan=plan(
            "crud-update",
            rule("daily", ScheduleExpression="cron(0 1 ? * * *)"),
            rule("monthly", ScheduleExpression="cron(0 2 1 * ? *)", Lifecycle={"DeleteAfterDays": 365}),
        ),
    )

    assert updated["VersionId"] != created["VersionId"]
    assert updated["BackupPlanArn"] == created["BackupPlanArn"]
    current = backup.get_backup_plan(BackupPlanId=created["BackupPlanId"])
    assert current["VersionId"] == updated["VersionId"]
    daily, monthly = current["BackupPlan"]["Rules"]
    assert (daily["RuleId"], daily["ScheduleExpression"]) == (daily_id, "cron(0 1 ? * * *)")
    old = backup.get_backup_plan(BackupPlanId=created["BackupPlanId"], VersionId=created["VersionId"])
    assert [r["ScheduleExpression"] for r in old["BackupPlan"]["Rules"]] == ["cron(0 5 ? * * *)"]
    versions = backup.list_backup_plan_versions(BackupPlanId=created["BackupPlanId"])["BackupPlanVersionsList"]
    assert [v["VersionId"] for v in versions] == [updated["VersionId"], created["VersionId"]]  # newest first
    assert {f"rule-{daily_id}", f"rule-{monthly['RuleId']}"} <= schedule_names(runtime)
    code, _, _ = error_of(backup.get_backup_plan, BackupPlanId=created["BackupPlanId"], VersionId="nope")
    assert code == "ResourceNotFoundException"


def test_given_a_plan_when_deleted_then_it_leaves_the_list_and_its_schedules_go(
    backup: Any, runtime: LocalRuntime
) -> None:
    created = backup.create_backup_plan(BackupPlan=plan("crud-delete"))
    rule_id = backup.get_backup_plan(BackupPlanId=created["BackupPlanId"])["BackupPlan"]["Rules"][0]["RuleId"]

    deleted = backup.delete_backup_plan(BackupPlanId=created["BackupPlanId"])

    assert deleted["BackupPlanId"] == created["BackupPlanId"]
    assert deleted["DeletionDate"] == runtime.clock.now()
    assert created["BackupPlanId"] not in {p["BackupPlanId"] for p in all_plans(backup)}
    [listed] = [p for p in all_plans(backup, IncludeDeleted=True) if p["BackupPlanId"] == created["BackupPlanId"]]
    assert listed["DeletionDate"] == deleted["DeletionDate"]
    assert backup.get_backup_plan(BackupPlanId=created["BackupPlanId"])["DeletionDate"] == deleted["DeletionDate"]
    # "Deleting a backup plan deletes the current version": no new version; the created one reads as deleted
    assert deleted["VersionId"] == created["VersionId"]
    by_version = backup.get_backup_plan(BackupPlanId=created["BackupPlanId"], VersionId=created["VersionId"])
    assert by_version["DeletionDate"] == deleted["DeletionDate"]
    assert f"rule-{rule_id}" not in schedule_names(runtime)
    code, _, _ = error_of(backup.update_backup_plan, BackupPlanId=created["BackupPlanId"], BackupPlan=plan("x"))
    assert code == "ResourceNotFoundException"


def test_given_more_plans_than_a_page_when_listed_with_max_results_then_next_token_walks_them_all(
    backup: Any,
) -> None:
    for n in range(3):
        backup.create_backup_plan(BackupPlan=plan(f"page-{n}"))

    first = backup.list_backup_plans(MaxResults=1)
    second = backup.list_backup_plans(MaxResults=1, NextToken=first["NextToken"])
    everything = all_plans(backup, MaxResults=1)

    assert len(first["BackupPlansList"]) == len(second["BackupPlansList"]) == 1
    assert first["BackupPlansList"][0]["BackupPlanId"] != second["BackupPlansList"][0]["BackupPlanId"]
    ids = [p["BackupPlanId"] for p in everything]
    assert len(ids) == len(set(ids))
    assert {f"page-{n}" for n in range(3)} <= {p["BackupPlanName"] for p in everything}
    assert {p["BackupPlanId"] for p in everything} == {p["BackupPlanId"] for p in all_plans(backup)}
    assert {"BackupPlanArn", "VersionId", "CreationDate", "CreatorRequestId"} <= set(everything[0])


def test_given_an_unknown_plan_id_then_every_plan_operation_answers_resource_not_found(backup: Any) -> None:
    unknown = "00000000-0000-0000-0000-000000000000"
    calls: list[tuple[Callable[..., Any], dict[str, Any]]] = [
        (backup.get_backup_plan, {}),
        (backup.update_backup_plan, {"BackupPlan": plan("ghost")}),
        (backup.delete_backup_plan, {}),
        (backup.list_backup_plan_versions, {}),
        (backup.export_backup_plan_template, {}),
        (backup.list_backup_selections, {}),
    ]
    for call, extra in calls:
        code, message, status = error_of(call, BackupPlanId=unknown, **extra)
        assert (code, status) == ("ResourceNotFoundException", 404), call
        assert unknown in message
    # CreateBackupSelection's model has no ResourceNotFoundException: there an unknown plan is an invalid parameter
    code, message, status = error_of(backup.create_backup_selection, BackupPlanId=unknown, BackupSelection=selection())
    assert (code, status, unknown in message) == ("InvalidParameterValueException", 400, True)


def test_given_a_plan_when_a_preview_is_asked_then_the_next_runs_come_in_order(
    backup: Any, runtime: LocalRuntime
) -> None:
    created = backup.create_backup_plan(
        BackupPlan=plan(
            "preview",
            rule("at-one", ScheduleExpression="cron(0 1 ? * * *)"),
            rule("at-two", ScheduleExpression="cron(0 2 ? * * *)"),
        )
    )

    got = backup.get_backup_plan(BackupPlanId=created["BackupPlanId"], MaxScheduledRunsPreview=3)

    runs = got["ScheduledRunsPreview"]
    assert len(runs) == 3
    assert [r["ExecutionTime"] for r in runs] == sorted(r["ExecutionTime"] for r in runs)
    assert all(r["ExecutionTime"] > runtime.clock.now() and r["RuleExecutionType"] == "SNAPSHOTS" for r in runs)


def test_given_advanced_backup_settings_when_created_then_they_come_back_and_unknown_options_are_refused(
    backup: Any,
) -> None:
    # WindowsVSS "disabled" is what Strongroom does; "enabled" is refused (docs/api-refusals.md)
    settings = [{"ResourceType": "EC2", "BackupOptions": {"WindowsVSS": "disabled"}}]
    created = backup.create_backup_plan(BackupPlan={**plan("advanced"), "AdvancedBackupSettings": settings})

    assert created["AdvancedBackupSettings"] == settings
    assert backup.get_backup_plan(BackupPlanId=created["BackupPlanId"])["AdvancedBackupSettings"] == settings
    bad = [{"ResourceType": "EC2", "BackupOptions": {"WindowsVSS": "sometimes"}}]
    code, message, _ = error_of(
        backup.create_backup_plan, BackupPlan={**plan("advanced-bad"), "AdvancedBackupSettings": bad}
    )
    assert code == "InvalidParameterValueException"
    assert "WindowsVSS" in message
    vss = [{"ResourceType": "EC2", "BackupOptions": {"WindowsVSS": "enabled"}}]
    code, message, _ = error_of(
        backup.create_backup_plan, BackupPlan={**plan("advanced-vss"), "AdvancedBackupSettings": vss}
    )
    assert code == "InvalidParameterValueException" and "WindowsVSS" in message and "does not carry it out" in message


# Bad input: AWS Backup's error, and nothing written ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "code", "words"),
    [
        (
            plan("bad-lifecycle", rule(Lifecycle={"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 60})),
            "InvalidParameterValueException",
            "at least 90 days after MoveToColdStorageAfterDays",
        ),
        (
            plan("bad-vault", rule(vault="no-such-vault")),
            "InvalidParameterValueException",
            "no-such-vault does not exist",
        ),
        (
            plan("bad-eleven", *[rule(f"rule-{n}") for n in range(11)]),
            "InvalidParameterValueException",
            "at most 10 rules",
        ),
        (plan("bad-twins", rule("same"), rule("same")), "InvalidParameterValueException", "repeated: same"),
        (
            plan("bad-cron", rule(ScheduleExpression="cron(0/30 * ? * * *)")),
            "InvalidParameterValueException",
            "more often than once an hour",
        ),
        (
            plan("bad-window", rule(StartWindowMinutes=30)),
            "InvalidParameterValueException",
            "StartWindowMinutes must be at least 60",
        ),
        (
            plan("bad-copy", rule(CopyActions=[{"DestinationBackupVaultArn": "arn:aws:s3:::bucket"}])),
            "InvalidParameterValueException",
            "is not a backup vault ARN",
        ),
        (
            plan("bad-continuous", rule(EnableContinuousBackup=True, Lifecycle={"DeleteAfterDays": 90})),
            "InvalidParameterValueException",
            "EnableContinuousBackup is set, but Strongroom does not carry it out yet",
        ),
    ],
    ids=[
        "lifecycle",
        "unknown-vault",
        "eleven-rules",
        "duplicate-rule-names",
        "too-frequent",
        "window",
        "copy",
        "pitr",
    ],
)
def test_given_an_invalid_plan_when_created_then_refused_and_nothing_is_written(
    backup: Any, runtime: LocalRuntime, document: dict[str, Any], code: str, words: str
) -> None:
    plans_before, schedules_before = all_plans(backup, IncludeDeleted=True), schedule_names(runtime)

    error_code, message, status = error_of(backup.create_backup_plan, BackupPlan=document)

    assert (error_code, status) == (code, 400)
    assert words in message
    assert all_plans(backup, IncludeDeleted=True) == plans_before
    assert schedule_names(runtime) == schedules_before


def test_given_bad_plan_tags_when_created_then_refused_and_nothing_is_written(backup: Any) -> None:
    before = all_plans(backup, IncludeDeleted=True)

    code, message, _ = error_of(backup.create_backup_plan, BackupPlan=plan("bad-tags"), BackupPlanTags={"aws:x": "y"})

    assert code == "InvalidParameterValueException"
    assert "reserved prefix aws:" in message
    assert all_plans(backup, IncludeDeleted=True) == before


def test_given_an_invalid_update_when_applied_then_refused_and_the_plan_is_unchanged(backup: Any) -> None:
    created = backup.create_backup_plan(BackupPlan=plan("update-bad"))

    code, _, _ = error_of(
        backup.update_backup_plan,
        BackupPlanId=created["BackupPlanId"],
        BackupPlan=plan("update-bad", rule(Lifecycle={"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 20})),
    )

    assert code == "InvalidParameterValueException"
    assert backup.get_backup_plan(BackupPlanId=created["BackupPlanId"])["VersionId"] == created["VersionId"]
    versions = backup.list_backup_plan_versions(BackupPlanId=created["BackupPlanId"])["BackupPlanVersionsList"]
    assert len(versions) == 1


# Templates and JSON documents -------------------------------------------------------------------------------------


def test_given_aws_templates_when_listed_then_the_usual_four_are_there(backup: Any) -> None:
    listed = backup.list_backup_plan_templates()["BackupPlanTemplatesList"]

    assert [t["BackupPlanTemplateName"] for t in listed] == [
        "Daily-35day-Retention",
        "Daily-Monthly-1yr-Retention",
        "Daily-Weekly-Monthly-5YR-Retention",
        "Daily-Weekly-Monthly-7YR-Retention",
    ]
    first = backup.list_backup_plan_templates(MaxResults=1)
    rest = backup.list_backup_plan_templates(NextToken=first["NextToken"])
    assert [t["BackupPlanTemplateId"] for t in first["BackupPlanTemplatesList"] + rest["BackupPlanTemplatesList"]] == [
        t["BackupPlanTemplateId"] for t in listed
    ]
    assert "NextToken" not in rest


def test_given_a_template_when_turned_into_a_plan_then_that_document_creates_a_plan(backup: Any) -> None:
    listed = backup.list_backup_plan_templates()["BackupPlanTemplatesList"]
    [five_year] = [t for t in listed if t["BackupPlanTemplateName"] == "Daily-Weekly-Monthly-5YR-Retention"]

    document = backup.get_backup_plan_from_template(BackupPlanTemplateId=five_year["BackupPlanTemplateId"])[
        "BackupPlanDocument"
    ]
    created = backup.create_backup_plan(BackupPlan={**document, "BackupPlanName": "from-template"})

    rules = {r["RuleName"]: r for r in document["Rules"]}
    assert set(rules) == {"DailyBackups", "WeeklyBackups", "MonthlyBackups"}
    assert {r["TargetBackupVaultName"] for r in rules.values()} == {"Default"}
    assert rules["DailyBackups"]["Lifecycle"] == {"DeleteAfterDays": 35}
    assert rules["MonthlyBackups"]["Lifecycle"] == {"MoveToColdStorageAfterDays": 90, "DeleteAfterDays": 1825}
    saved = backup.get_backup_plan(BackupPlanId=created["BackupPlanId"])["BackupPlan"]
    assert without_rule_ids(saved)["Rules"] == document["Rules"]
    code, _, status = error_of(backup.get_backup_plan_from_template, BackupPlanTemplateId="no-such-template")
    assert (code, status) == ("ResourceNotFoundException", 404)


def test_given_a_plan_when_exported_then_its_json_reads_back_as_the_same_plan(backup: Any) -> None:
    document = plan(
        "export-me",
        rule("daily", Lifecycle={"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 120}),
        rule("weekly", ScheduleExpression="cron(0 5 ? * SAT *)", RecoveryPointTags={"kind": "weekly"}),
    )
    created = backup.create_backup_plan(BackupPlan=document)

    exported = backup.export_backup_plan_template(BackupPlanId=created["BackupPlanId"])["BackupPlanTemplateJson"]
    parsed = backup.get_backup_plan_from_json(BackupPlanTemplateJson=exported)["BackupPlan"]

    assert json.loads(exported)["BackupPlanName"] == "export-me"
    saved = backup.get_backup_plan(BackupPlanId=created["BackupPlanId"])["BackupPlan"]
    assert parsed == without_rule_ids(saved)


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("{not json", "InvalidParameterValueException", "not valid JSON"),
        ("[1, 2]", "InvalidParameterValueException", "must be a JSON object"),
        ('{"BackupPlanName": "x"}', "MissingParameterValueException", "Rules"),
        (
            json.dumps(plan("x", rule(Lifecycle={"MoveToColdStorageAfterDays": 5, "DeleteAfterDays": 6}))),
            "InvalidParameterValueException",
            "at least 90 days after",
        ),
        (json.dumps(plan("x", rule("a"), rule("a"))), "InvalidParameterValueException", "repeated: a"),
    ],
    ids=["malformed", "not-an-object", "no-rules", "lifecycle", "duplicate-rules"],
)
def test_given_a_bad_json_document_when_read_then_aws_backup_errors(
    backup: Any, text: str, code: str, words: str
) -> None:
    error_code, message, _ = error_of(backup.get_backup_plan_from_json, BackupPlanTemplateJson=text)

    assert error_code == code
    assert words in message


# Selections -------------------------------------------------------------------------------------------------------


def test_given_a_plan_when_a_selection_is_created_then_it_reads_lists_and_deletes(backup: Any) -> None:
    plan_id = backup.create_backup_plan(BackupPlan=plan("selections-crud"))["BackupPlanId"]
    chosen = selection(
        "tagged",
        ListOfTags=[{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "daily"}],
        NotResources=[VOLUME],
    )

    created = backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=chosen)
    got = backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=created["SelectionId"])
    listed = backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]

    assert created["BackupPlanId"] == plan_id
    assert got["BackupSelection"]["ListOfTags"] == chosen["ListOfTags"]
    assert got["BackupSelection"]["NotResources"] == [VOLUME]
    assert (got["BackupSelection"]["SelectionName"], got["BackupSelection"]["IamRoleArn"]) == ("tagged", ROLE)
    assert got["CreationDate"] == created["CreationDate"]
    assert [(s["SelectionId"], s["SelectionName"], s["IamRoleArn"]) for s in listed] == [
        (created["SelectionId"], "tagged", ROLE)
    ]
    assert listed[0]["CreatorRequestId"] == got["CreatorRequestId"]

    backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=created["SelectionId"])

    assert backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"] == []
    code, _, _ = error_of(backup.get_backup_selection, BackupPlanId=plan_id, SelectionId=created["SelectionId"])
    assert code == "ResourceNotFoundException"


def test_given_a_selection_retried_with_its_creator_request_id_then_it_is_created_once(backup: Any) -> None:
    plan_id = backup.create_backup_plan(BackupPlan=plan("selections-retry"))["BackupPlanId"]

    first = backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=selection(), CreatorRequestId="s-1")
    again = backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=selection(), CreatorRequestId="s-1")

    assert again["SelectionId"] == first["SelectionId"]
    assert len(backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]) == 1


@pytest.mark.parametrize(
    ("chosen", "words"),
    [
        ({**selection(), "IamRoleArn": "not-a-role"}, "is not an IAM role ARN"),
        ({**selection(), "IamRoleArn": "arn:aws:iam::123456789012:user/alice"}, "is not an IAM role ARN"),
        (selection(Resources=["arn:aws:sqs:us-east-1:123456789012:queue"]), "not supported"),
        ({"SelectionName": "empty", "IamRoleArn": ROLE}, "must be non-empty"),
    ],
    ids=["not-an-arn", "a-user-not-a-role", "unsupported-resource", "selects-nothing"],
)
def test_given_a_bad_selection_when_created_then_refused_and_nothing_is_written(
    backup: Any, request: pytest.FixtureRequest, chosen: dict[str, Any], words: str
) -> None:
    name = f"selections-bad-{request.node.callspec.id}"
    plan_id = backup.create_backup_plan(BackupPlan=plan(name))["BackupPlanId"]

    code, message, status = error_of(backup.create_backup_selection, BackupPlanId=plan_id, BackupSelection=chosen)

    assert (code, status) == ("InvalidParameterValueException", 400)
    assert words in message
    assert backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"] == []


def test_given_a_plan_with_a_selection_when_deleted_then_refused_until_the_selection_goes(
    backup: Any, runtime: LocalRuntime
) -> None:
    plan_id = backup.create_backup_plan(BackupPlan=plan("delete-guarded"))["BackupPlanId"]
    selection_id = backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=selection())["SelectionId"]

    code, message, status = error_of(backup.delete_backup_plan, BackupPlanId=plan_id)

    assert (code, status) == ("InvalidRequestException", 400)
    assert "still has resource selections" in message
    assert "DeletionDate" not in backup.get_backup_plan(BackupPlanId=plan_id)
    backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)
    assert backup.delete_backup_plan(BackupPlanId=plan_id)["DeletionDate"] == runtime.clock.now()


def test_given_a_plan_at_its_selection_quota_when_one_more_is_created_then_limit_exceeded(
    backup: Any, runtime: LocalRuntime
) -> None:
    plan_id = backup.create_backup_plan(BackupPlan=plan("selections-quota"))["BackupPlanId"]
    stores = runtime.services().stores
    template = stores.plans.get_selection(
        plan_id, backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=selection("s0"))["SelectionId"]
    )
    for n in range(1, 99):  # the quota is 100; fill it quickly behind the API's back
        stores.plans.add_selection(template.model_copy(update={"SelectionId": f"seeded-{n:03d}"}))
    backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=selection("s99"))

    # botocore retries LimitExceededException as throttling; one attempt is enough to see it
    once = runtime.session().client("backup", endpoint_url=runtime.endpoint, config=Config(retries={"max_attempts": 1}))
    code, message, status = error_of(
        once.create_backup_selection, BackupPlanId=plan_id, BackupSelection=selection("one-more")
    )

    assert (code, status) == ("LimitExceededException", 400)
    assert "100 resource selections" in message
    first = backup.list_backup_selections(BackupPlanId=plan_id, MaxResults=60)
    rest = backup.list_backup_selections(BackupPlanId=plan_id, NextToken=first["NextToken"])
    assert len(first["BackupSelectionsList"]) == 60
    assert len({s["SelectionId"] for s in first["BackupSelectionsList"] + rest["BackupSelectionsList"]}) == 100
