"""The web console in headless Chromium against `serve`: every page loads with the API's numbers, a backup goes
from the button to COMPLETED and a restore from the recovery point's form to COMPLETED, and an unprotected
resource is protected from the overview. Screenshots of each page land in test-output/console/."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.browser.conftest import ConsolePage
from tests.e2e.serve_process import ServeProcess

pytestmark = pytest.mark.e2e

ROLE = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"
VAULT = "console-vault"
TERMINAL = {"COMPLETED", "FAILED", "ABORTED", "EXPIRED", "PARTIAL"}


def _estate(serve: ServeProcess) -> dict[str, Any]:
    """Given a vault, a daily 05:00 plan selecting tag backup=daily, a tagged volume `app` and an untagged one
    (named, so the Tagging API lists it, as AWS lists a resource that has any tag) `loose`."""
    backup, ec2 = serve.client("backup"), serve.client("ec2")
    backup.create_backup_vault(BackupVaultName=VAULT)
    plan = backup.create_backup_plan(
        BackupPlan={
            "BackupPlanName": "daily",
            "Rules": [
                {
                    "RuleName": "at-five",
                    "TargetBackupVaultName": VAULT,
                    "ScheduleExpression": "cron(0 5 ? * * *)",
                    "Lifecycle": {"DeleteAfterDays": 35},
                }
            ],
        }
    )
    backup.create_backup_selection(
        BackupPlanId=plan["BackupPlanId"],
        BackupSelection={
            "SelectionName": "tagged",
            "IamRoleArn": ROLE,
            "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "daily"}],
        },
    )
    volumes = {}
    for name, tags in (("app", [{"Key": "backup", "Value": "daily"}]), ("loose", [])):
        volume = ec2.create_volume(
            AvailabilityZone="us-east-1a",
            Size=8,
            TagSpecifications=[{"ResourceType": "volume", "Tags": [*tags, {"Key": "Name", "Value": name}]}],
        )
        volumes[name] = f"arn:aws:ec2:us-east-1:123456789012:volume/{volume['VolumeId']}"
    return {"plan_id": plan["BackupPlanId"], **volumes}


def _follow_to_the_end(console: ConsolePage, serve: ServeProcess, seconds: float = 60) -> str:
    """The job page refreshes itself; the virtual clock is moved on so the tracking schedules fire."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = console.page.inner_text("#state")
        if state in TERMINAL:
            console.loaded()  # and no refresh on the way showed an error
            return state
        serve.control("advance", {"minutes": 5})
        time.sleep(0.5)
    raise AssertionError(f"the job page still says {console.page.inner_text('#state')} after {seconds:g}s")


def _signed_service(headers: dict[str, str]) -> list[str]:
    """[service] from a SigV4 Authorization header's Credential=key/date/region/service/aws4_request; [] unsigned."""
    credential = (headers.get("authorization") or "").partition("Credential=")[2].split(",")[0]
    parts = credential.split("/")
    return [parts[3]] if len(parts) == 5 else []


def _virtual_now(serve: ServeProcess) -> datetime:
    return datetime.fromisoformat(serve.control("clock")["now"])


def test_every_page_shows_the_apis_numbers(console: ConsolePage, serve: ServeProcess) -> None:
    # Given an estate of two volumes, one covered by a daily plan
    _estate(serve)
    backup = serve.client("backup")

    # When a person opens the overview
    console.open("#/overview")

    # Then its counts are the API's: two resources, one (50%) covered by no plan, nothing backed up yet
    assert console.count("estate") == 2
    assert console.count("uncovered") == 1
    assert console.count("uncovered-share") == 50
    assert console.count("protected") == len(backup.list_protected_resources()["Results"]) == 0
    since = _virtual_now(serve) - timedelta(hours=24)
    assert console.count("jobs-24h") == len(backup.list_backup_jobs(ByCreatedAfter=since)["BackupJobs"])
    assert console.count("failed") == len(backup.list_backup_jobs(ByState="FAILED")["BackupJobs"])
    assert console.page.locator("canvas").count() == 3  # backups per day, storage by vault and tier, RPO
    console.screenshot("overview")

    # And the plans page gives the rule's schedule in words and its next run at 05:00 UTC
    plans = console.go("#/plans")
    assert "every day at 05:00 (UTC)" in plans.inner_text(".rules")
    next_run = (_virtual_now(serve) + timedelta(days=1)).replace(hour=5, minute=0)
    if _virtual_now(serve).hour < 5:
        next_run -= timedelta(days=1)
    assert next_run.strftime("%Y-%m-%d 05:00 UTC") in plans.inner_text(".rules")
    assert "tag backup=daily" in plans.inner_text(".selections")
    console.screenshot("plans")

    # When the person creates a plan from the first template AWS Backup lists, into the vault
    template = backup.list_backup_plan_templates()["BackupPlanTemplatesList"][0]
    plans.select_option("#from-template select[name=template]", template["BackupPlanTemplateId"])
    plans.fill("#from-template input[name=name]", "from-template")
    plans.select_option("#from-template select[name=vault]", VAULT)
    plans.evaluate("document.querySelector('main').dataset.loaded = 'false'")
    plans.click("#from-template button")
    console.loaded()
    # Then the API has it with the template's rules, each into the vault, and the page lists it
    document = backup.get_backup_plan_from_template(BackupPlanTemplateId=template["BackupPlanTemplateId"])
    created = next(p for p in backup.list_backup_plans()["BackupPlansList"] if p["BackupPlanName"] == "from-template")
    rules = backup.get_backup_plan(BackupPlanId=created["BackupPlanId"])["BackupPlan"]["Rules"]
    assert [r["RuleName"] for r in rules] == [r["RuleName"] for r in document["BackupPlanDocument"]["Rules"]]
    assert {r["TargetBackupVaultName"] for r in rules} == {VAULT}
    assert plans.locator(f"[data-plan='{created['BackupPlanId']}']").count() == 1

    # And the vaults page and a vault's page show the vault's recovery points as the API counts them
    vaults = console.go("#/vaults")
    listed = {v["BackupVaultName"]: v["NumberOfRecoveryPoints"] for v in backup.list_backup_vaults()["BackupVaultList"]}
    assert int(vaults.inner_text(f"[data-vault-points='{VAULT}']")) == listed[VAULT]
    console.screenshot("vaults")
    console.go(f"#/vaults/{VAULT}")
    assert "Locked: no" in console.page.inner_text("main")
    console.screenshot("vault")

    # And the jobs page lists as many jobs as ListBackupJobs
    console.go("#/jobs")
    assert console.count("jobs") == len(backup.list_backup_jobs()["BackupJobs"])
    console.screenshot("jobs")


def test_backup_from_the_button_and_restore_from_the_form_both_complete(
    console: ConsolePage, serve: ServeProcess
) -> None:
    # Given the estate, and the console's overview
    estate = _estate(serve)
    backup = serve.client("backup")
    overview = console.open("#/overview")

    # When the person backs up the `app` volume with the button on its row
    overview.click(f"form[data-backup='{estate['app']}'] button")
    overview.wait_for_selector("#state")

    # Then the job page follows the job to COMPLETED, as DescribeBackupJob says
    assert _follow_to_the_end(console, serve) == "COMPLETED"
    job_id = overview.url.rsplit("/", 1)[1]
    assert backup.describe_backup_job(BackupJobId=job_id)["State"] == "COMPLETED"
    console.screenshot("backup-job")

    # And the overview now counts the volume as protected, with its RPO met, as ListProtectedResources says
    console.go("#/overview")
    assert console.count("protected") == len(backup.list_protected_resources()["Results"]) == 1
    assert console.page.inner_text(f"[data-rpo='{estate['app']}']") == "met"
    assert console.count("jobs-24h") == 1
    console.screenshot("overview-after-backup")

    # When the person keeps the new point 40 days with the vault page's lifecycle form
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName=VAULT)["RecoveryPoints"]
    assert len(points) == 1
    point_arn = points[0]["RecoveryPointArn"]
    console.go(f"#/vaults/{VAULT}")
    assert console.page.locator("#recovery-points tbody tr").count() == 1
    lifecycle_form = f"form[data-lifecycle='{point_arn}']"
    console.page.fill(f"{lifecycle_form} input[name=delete]", "40")
    console.page.evaluate("document.querySelector('main').dataset.loaded = 'false'")
    console.page.click(f"{lifecycle_form} button")
    console.loaded()
    # Then the API has that lifecycle, and the page shows the delete date the API calculated
    point = backup.describe_recovery_point(BackupVaultName=VAULT, RecoveryPointArn=point_arn)
    assert point["Lifecycle"]["DeleteAfterDays"] == 40
    delete_at = point["CalculatedLifecycle"]["DeleteAt"].astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    assert f"delete {delete_at}" in console.page.inner_text(f"[data-calculated='{point_arn}']")

    # And a lifecycle AWS Backup refuses (deleted 30 days after the cold move, under its 90) shows AWS's error
    # and changes nothing
    console.page.fill(f"{lifecycle_form} input[name=cold]", "30")
    console.page.fill(f"{lifecycle_form} input[name=delete]", "60")
    console.expect_refusal("InvalidParameterValueException")
    console.page.click(f"{lifecycle_form} button")
    console.page.wait_for_selector("#vault-error:not([hidden])")
    assert console.page.inner_text("#vault-error").startswith("InvalidParameterValueException: ")
    unchanged = backup.describe_recovery_point(BackupVaultName=VAULT, RecoveryPointArn=point_arn)["Lifecycle"]
    assert unchanged == {"DeleteAfterDays": 40}

    # When the person restores from the vault's recovery point with the form its restore metadata built
    console.page.click("#recovery-points a:text('Restore')")
    console.page.wait_for_selector("#restore")
    console.loaded()
    metadata = backup.get_recovery_point_restore_metadata(BackupVaultName=VAULT, RecoveryPointArn=point_arn)[
        "RestoreMetadata"
    ]
    for key, value in metadata.items():
        assert console.page.input_value(f"input[name='meta:{key}']") == value
    console.screenshot("restore-form")
    console.page.click("#restore button")
    console.page.wait_for_selector("#state")

    # Then the restore job reaches COMPLETED on the page and in DescribeRestoreJob
    assert _follow_to_the_end(console, serve) == "COMPLETED"
    restore_id = console.page.url.rsplit("/", 1)[1]
    assert backup.describe_restore_job(RestoreJobId=restore_id)["Status"] == "COMPLETED"
    console.screenshot("restore-job")

    # And the jobs page, filtered with its form, counts what ListBackupJobs and ListRestoreJobs count
    console.go("#/jobs")
    console.page.select_option("#filters select[name=state]", "COMPLETED")
    console.page.evaluate("document.querySelector('main').dataset.loaded = 'false'")
    console.page.click("#filters button")
    console.loaded()
    assert "state=COMPLETED" in console.page.url
    assert console.count("jobs") == len(backup.list_backup_jobs(ByState="COMPLETED")["BackupJobs"]) == 1
    console.go("#/jobs?type=restore")
    assert console.count("jobs") == len(backup.list_restore_jobs()["RestoreJobs"]) == 1


def test_protecting_an_uncovered_resource_adds_it_to_the_plan(console: ConsolePage, serve: ServeProcess) -> None:
    # Given the `loose` volume, which no plan covers
    estate = _estate(serve)
    backup = serve.client("backup")
    overview = console.open("#/overview")
    assert console.count("uncovered") == 1

    # When the person protects it with the daily plan
    overview.evaluate("document.querySelector('main').dataset.loaded = 'false'")
    overview.click(f"form[data-protect='{estate['loose']}'] button")
    console.loaded()

    # Then the plan has a selection naming its ARN, and the overview finds nothing uncovered
    selections = backup.list_backup_selections(BackupPlanId=estate["plan_id"])["BackupSelectionsList"]
    chosen = [
        backup.get_backup_selection(BackupPlanId=estate["plan_id"], SelectionId=s["SelectionId"])["BackupSelection"]
        for s in selections
    ]
    assert [s["Resources"] for s in chosen if s.get("Resources")] == [[estate["loose"]]]
    assert console.count("uncovered") == 0


def test_signed_for_execute_api_as_a_deployed_strongroom_takes_it(console: ConsolePage, serve: ServeProcess) -> None:
    # Given a config.json that names `execute-api` as the signing service, as a deployment's would
    config = {"region": "us-east-1", "local": True, "signingName": "execute-api"}
    config["credentials"] = {"accessKeyId": "test", "secretAccessKey": "test"}
    console.page.route("**/console/config.json", lambda route: route.fulfill(json=config))
    scopes: list[str] = []  # the service each signed request's credential scope names
    console.page.on("request", lambda request: scopes.extend(_signed_service(request.headers)))
    _estate(serve)

    # When the person opens the overview
    console.open("#/overview")

    # Then every Backup API call was signed for execute-api (the Tagging API's for its own service), and answered
    assert console.count("estate") == 2
    assert "execute-api" in scopes and "backup" not in scopes
