"""Every field of a plan document is either carried out or refused by name, never stored and ignored: each
member AWS Backup's model gives a plan, a rule, a lifecycle, a copy action and an advanced setting is classified
here, so a member a newer model adds fails this test until someone decides; each refused field is listed in
docs/api-refusals.md; and S3's advanced options are refused where the S3 adapter does not do what they ask."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lambdas.api.dispatcher import dispatch
from lambdas.domain.access_policy import Caller
from lambdas.services import vault_service
from tests.fakes import ACCOUNT, T0, World

ROOT = Path(__file__).resolve().parents[2]
MODEL = json.loads((ROOT / "lambdas/api/model/backup-2018-11-15.json").read_text())["shapes"]
REFUSALS_DOC = (ROOT / "docs/api-refusals.md").read_text()
CALLER = Caller(arn=f"arn:aws:iam::{ACCOUNT}:root", account=ACCOUNT)

# Member -> where Strongroom carries it out (the schedule, the jobs, the lifecycle, ...).
CARRIED_OUT = {
    "BackupPlanInput": {
        "BackupPlanName": "stored and shown",
        "Rules": "each rule is scheduled",
        "AdvancedBackupSettings": "EC2 WindowsVSS disabled, S3 options as the adapter does them (else refused)",
    },
    "BackupRuleInput": {
        "RuleName": "names the rule's jobs",
        "TargetBackupVaultName": "the jobs' vault",
        "ScheduleExpression": "the rule's schedule",
        "ScheduleExpressionTimezone": "the schedule's time zone",
        "StartWindowMinutes": "the job's start window",
        "CompletionWindowMinutes": "the job's completion window",
        "Lifecycle": "the point's lifecycle",
        "RecoveryPointTags": "tags on the points",
        "CopyActions": "copy jobs after each backup",
    },
    "Lifecycle": {"MoveToColdStorageAfterDays": "cold tier", "DeleteAfterDays": "expiry"},
    "CopyAction": {"Lifecycle": "the copy's lifecycle", "DestinationBackupVaultArn": "the copy's vault"},
    "AdvancedBackupSetting": {"ResourceType": "which type the options are for", "BackupOptions": "see above"},
}
# Member -> the name the refusal and docs/api-refusals.md use for it.
REFUSED = {
    "BackupPlanInput": {"ScanSettings": "ScanSettings"},
    "BackupRuleInput": {
        "EnableContinuousBackup": "EnableContinuousBackup",
        "IndexActions": "IndexActions",
        "ScanActions": "ScanActions",
        "TargetLogicallyAirGappedBackupVaultArn": "TargetLogicallyAirGappedBackupVaultArn",
    },
    "Lifecycle": {"OptInToArchiveForSupportedResources": "OptInToArchiveForSupportedResources"},
}
NOT_AN_INPUT = {"Lifecycle": {"DeleteAfterEvent"}}  # "Not valid as an input" in the model: refused as input
BACKUP_OPTIONS_REFUSED = ["WindowsVSS", "BackupACLs", "BackupObjectTags"]


@pytest.mark.parametrize("shape", sorted(CARRIED_OUT))
def test_given_the_models_plan_shapes_when_classified_then_every_member_is_carried_out_or_refused(shape: str) -> None:
    # Given each member the vendored model gives this part of a plan document
    members = set(MODEL[shape]["members"])
    # When set against what Strongroom carries out, refuses, or takes as output only
    known = set(CARRIED_OUT[shape]) | set(REFUSED.get(shape, {})) | NOT_AN_INPUT.get(shape, set())
    # Then nothing is left over: no member Strongroom would store and ignore
    assert members - known == set(), f"classify these {shape} members: carry them out or refuse them"
    assert known - members == set(), f"these {shape} members are not in the model any more"


@pytest.mark.parametrize(
    "field", sorted({f for fields in REFUSED.values() for f in fields.values()} | set(BACKUP_OPTIONS_REFUSED))
)
def test_given_a_refused_plan_field_when_the_refusals_page_is_read_then_its_table_lists_it(field: str) -> None:
    table = REFUSALS_DOC.split("## Fields Strongroom does not carry out yet", 1)[1].split("\n\n", 2)[2]
    assert f"{field}`" in table.split("\n\n", 1)[0]


def call(world: World, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    status, headers, text = dispatch(lambda: world.ctx, "PUT", "/backup/plans/", {}, {}, json.dumps(body), T0, CALLER)
    return status, {**json.loads(text), "code": headers.get("x-amzn-ErrorType")}


def s3_plan(options: dict[str, str]) -> dict[str, Any]:
    rule = {"RuleName": "daily", "TargetBackupVaultName": "main"}
    settings = [{"ResourceType": "S3", "BackupOptions": options}]
    return {"BackupPlan": {"BackupPlanName": "site", "Rules": [rule], "AdvancedBackupSettings": settings}}


@pytest.fixture
def vaulted(world: World) -> World:
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    return world


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"BackupACLs": "enabled"}, "BackupACLs"),
        ({"BackupACLs": "disabled", "BackupObjectTags": "disabled"}, "BackupObjectTags"),
    ],
    ids=["acls-enabled", "tags-disabled"],
)
def test_given_an_s3_option_the_adapter_does_not_do_when_a_plan_asks_for_it_then_refused_and_nothing_written(
    vaulted: World, options: dict[str, str], field: str
) -> None:
    # Given a plan asking S3 backups to keep ACLs (restores copy objects without them) or to leave tags out
    # (restores copy objects with them)
    items_before = dict(vaulted.table._items)
    # When it is created
    status, answer = call(vaulted, s3_plan(options))
    # Then InvalidParameterValueException naming the option, and no plan written
    assert (status, answer["code"]) == (400, "InvalidParameterValueException")
    assert f"BackupOptions.{field}" in answer["Message"] and "does not carry it out yet" in answer["Message"]
    assert vaulted.table._items == items_before


def test_given_s3_options_that_ask_for_what_the_adapter_does_when_a_plan_has_them_then_accepted(
    vaulted: World,
) -> None:
    # Given ACLs left out and tags kept, which is what an S3 backup and restore here does
    status, answer = call(vaulted, s3_plan({"BackupACLs": "disabled", "BackupObjectTags": "enabled"}))
    # Then the plan is created
    assert status == 200 and answer["BackupPlanId"]


@pytest.mark.parametrize("options", [{"BackupACLs": "enabled"}, {"BackupObjectTags": "disabled"}], ids=["acls", "tags"])
def test_given_an_on_demand_s3_backup_asking_what_the_adapter_does_not_do_when_started_then_refused_and_no_job(
    vaulted: World, options: dict[str, str]
) -> None:
    # Given StartBackupJob for a bucket with an S3 option the adapter does not carry out (refused before the
    # bucket is looked up, so no bucket is needed)
    body = {
        "BackupVaultName": "main",
        "ResourceArn": "arn:aws:s3:::site",
        "IamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/backup",
        "BackupOptions": options,
    }
    items_before = dict(vaulted.table._items)
    # When it is sent
    status, headers, text = dispatch(lambda: vaulted.ctx, "PUT", "/backup-jobs", {}, {}, json.dumps(body), T0, CALLER)
    # Then refused naming the option, and no job written
    assert (status, headers.get("x-amzn-ErrorType")) == (400, "InvalidParameterValueException")
    assert f"BackupOptions.{next(iter(options))}" in json.loads(text)["Message"]
    assert vaulted.table._items == items_before
