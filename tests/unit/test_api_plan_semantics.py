"""Plan semantics as AWS Backup documents them, through the API's dispatcher over in-memory stores:
deleting a plan deletes its current version (no new version id), the plan document's bounds, and fields
Strongroom does not carry out refused by name instead of stored and ignored."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lambdas.api.dispatcher import dispatch
from lambdas.domain.access_policy import Caller
from lambdas.services import vault_service
from tests.fakes import ACCOUNT, T0, World

CALLER = Caller(arn=f"arn:aws:iam::{ACCOUNT}:root", account=ACCOUNT)  # authorization has its own tests


def call(world: World, method: str, path: str, body: dict[str, Any] | None = None, **query: str) -> tuple[int, Any]:
    status, headers, text = dispatch(
        lambda: world.ctx,
        method,
        path,
        {k: [v] for k, v in query.items()},
        {},
        json.dumps(body) if body is not None else None,
        T0,
        CALLER,
    )
    answer = json.loads(text)
    return status, {**answer, "code": headers.get("x-amzn-ErrorType")} if status >= 400 else answer


def rule(**fields: Any) -> dict[str, Any]:
    return {"RuleName": "daily", "TargetBackupVaultName": "main", **fields}


def plan(*rules: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"BackupPlan": {"BackupPlanName": "p", "Rules": list(rules) or [rule()], **fields}}


@pytest.fixture
def vaulted(world: World) -> World:
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    return world


def test_given_a_plan_when_deleted_then_its_current_version_carries_the_deletion_date(vaulted: World) -> None:
    # Given a plan created, then updated (two versions)
    _, created = call(vaulted, "PUT", "/backup/plans/", plan())
    plan_id = created["BackupPlanId"]
    _, updated = call(vaulted, "POST", f"/backup/plans/{plan_id}", plan(rule(RuleName="weekly")))

    # When it is deleted
    status, deleted = call(vaulted, "DELETE", f"/backup/plans/{plan_id}")

    # Then the answer names the version it deleted, the current one, and no new version exists
    assert status == 200 and deleted["VersionId"] == updated["VersionId"] and deleted["DeletionDate"]
    _, by_version = call(vaulted, "GET", f"/backup/plans/{plan_id}/", versionId=updated["VersionId"])
    assert by_version["DeletionDate"] == deleted["DeletionDate"]
    # And the earlier version still exists, as it was ("previous versions, if any, will still exist")
    _, first = call(vaulted, "GET", f"/backup/plans/{plan_id}/", versionId=created["VersionId"])
    assert "DeletionDate" not in first and first["VersionId"] == created["VersionId"]
    _, versions = call(vaulted, "GET", f"/backup/plans/{plan_id}/versions/")
    listed = {v["VersionId"] for v in versions["BackupPlanVersionsList"]}
    assert listed == {updated["VersionId"], created["VersionId"]}  # both at T0: their order is not the point


@pytest.mark.parametrize(
    ("document", "named"),
    [
        (plan(rule(Lifecycle={"DeleteAfterDays": 36501})), "DeleteAfterDays"),
        (plan(rule(Lifecycle={"MoveToColdStorageAfterDays": 36501})), "MoveToColdStorageAfterDays"),
        (plan(rule(Lifecycle={"DeleteAfterDays": 10**30})), "DeleteAfterDays"),
        (plan(rule(Lifecycle={"DeleteAfterEvent": "DELETE_AFTER_COPY"})), "DeleteAfterEvent"),
        (plan(rule(RuleName="no spaces allowed")), "RuleName"),
        (plan(*[rule(RuleName=f"r{n}") for n in range(11)]), "at most 10 rules"),
        (plan(rule(StartWindowMinutes=59)), "StartWindowMinutes"),
        (plan(rule(CompletionWindowMinutes=52_560_001)), "CompletionWindowMinutes"),
    ],
    ids=[
        "retention-over-100-years",
        "cold-over-100-years",
        "10**30",
        "output-only",
        "name",
        "11-rules",
        "window",
        "max",
    ],
)
def test_given_a_plan_outside_aws_bounds_when_created_then_refused_by_name_and_nothing_written(
    vaulted: World, document: dict[str, Any], named: str
) -> None:
    status, answer = call(vaulted, "PUT", "/backup/plans/", document)

    assert (status, answer["code"]) == (400, "InvalidParameterValueException")
    assert named in answer["Message"]
    assert vaulted.ctx.stores.plans.live() == []


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("PUT", "/backup/plans/", plan(rule(EnableContinuousBackup=True)), "EnableContinuousBackup"),
        ("PUT", "/backup/plans/", plan(rule(IndexActions=[{"ResourceTypes": ["EBS"]}])), "IndexActions"),
        ("PUT", "/backup/plans/", plan(rule(ScanActions=[{"MalwareScanner": "GUARDDUTY"}])), "ScanActions"),
        ("PUT", "/backup/plans/", plan(ScanSettings=[{"MalwareScanner": "GUARDDUTY"}]), "ScanSettings"),
        (
            "PUT",
            "/backup/plans/",
            plan(rule(TargetLogicallyAirGappedBackupVaultArn="arn:aws:backup:us-east-1:123456789012:backup-vault:x")),
            "TargetLogicallyAirGappedBackupVaultArn",
        ),
        (
            "PUT",
            "/backup/plans/",
            plan(AdvancedBackupSettings=[{"ResourceType": "EC2", "BackupOptions": {"WindowsVSS": "enabled"}}]),
            "WindowsVSS",
        ),
        (
            "PUT",
            "/backup/plans/",
            plan(rule(Lifecycle={"DeleteAfterDays": 200, "OptInToArchiveForSupportedResources": True})),
            "OptInToArchiveForSupportedResources",
        ),
        (
            "PUT",
            "/backup-jobs",
            {
                "BackupVaultName": "main",
                "ResourceArn": f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-0001",
                "IamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/backup",
                "Index": "ENABLED",
            },
            "Index",
        ),
        ("PUT", "/account-settings", {"ResourceTypeManagementPreference": {"DynamoDB": True}}, "DynamoDB"),
    ],
    ids=["pitr", "index", "scan", "scan-settings", "air-gapped", "vss", "archive", "job-index", "dynamodb-advanced"],
)
def test_given_a_field_strongroom_does_not_carry_out_when_sent_then_refused_naming_it_and_nothing_written(
    vaulted: World, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    vaulted.ebs.add_volume(1)
    items_before = dict(vaulted.table._items)

    status, answer = call(vaulted, method, path, body)

    assert (status, answer["code"]) == (400, "InvalidParameterValueException")
    assert field in answer["Message"] and "does not carry it out yet" in answer["Message"]
    assert vaulted.table._items == items_before


def test_given_fields_that_ask_for_nothing_when_a_plan_is_created_then_accepted(vaulted: World) -> None:
    # EnableContinuousBackup false, empty action lists and WindowsVSS disabled ask for what Strongroom does anyway
    document = plan(
        rule(EnableContinuousBackup=False, IndexActions=[], ScanActions=[]),
        AdvancedBackupSettings=[{"ResourceType": "EC2", "BackupOptions": {"WindowsVSS": "disabled"}}],
    )

    status, answer = call(vaulted, "PUT", "/backup/plans/", document)

    assert status == 200 and answer["BackupPlanId"]


def test_given_an_index_action_with_two_resource_types_when_read_from_json_then_refused(vaulted: World) -> None:
    # GetBackupPlanFromJSON validates the document without refusing unbuilt fields: one type per index action
    document = {"BackupPlanName": "p", "Rules": [rule(IndexActions=[{"ResourceTypes": ["EBS", "S3"]}])]}

    status, answer = call(
        vaulted, "POST", "/backup/template/json/toPlan", {"BackupPlanTemplateJson": json.dumps(document)}
    )

    assert (status, answer["code"]) == (400, "InvalidParameterValueException") and "ResourceTypes" in answer["Message"]
