"""The local runtime as a test suite uses it (as LocalStack or moto's server): served with its clock following
real time and the scheduler ticking beside the edge, as `serve` runs it, and driven only over HTTP: the
Backup API through boto3, the control endpoints through plain requests."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.runtime import LocalRuntime, LocalSettings
from local.serving import Ticker

pytestmark = pytest.mark.e2e
ROLE = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"
DAILY_AT_FIVE = "cron(0 5 ? * * *)"


@pytest.fixture
def served() -> Iterator[tuple[LocalRuntime, Ticker]]:
    with LocalRuntime(LocalSettings(follow_real_time=True)) as runtime:
        ticker = Ticker(runtime.scheduler, tick_seconds=0.2)
        thread = ticker.start_thread()
        try:
            yield runtime, ticker
        finally:
            ticker.stop()
            thread.join(timeout=60)


def control(runtime: LocalRuntime, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    data = json.dumps(body).encode() if body is not None else b""
    method = "GET" if body is None and path.endswith(("health", "clock")) else "POST"
    request = urllib.request.Request(f"{runtime.endpoint}/_strongroom/{path}", data=data or None, method=method)
    with urllib.request.urlopen(request, timeout=300) as answer:
        return dict(json.loads(answer.read()))


def protect_tagged_volumes(backup: Any, ec2: Any, vault: str = "main") -> str:
    backup.create_backup_vault(BackupVaultName=vault)
    plan = backup.create_backup_plan(
        BackupPlan={
            "BackupPlanName": f"daily-{vault}",
            "Rules": [{"RuleName": "daily", "TargetBackupVaultName": vault, "ScheduleExpression": DAILY_AT_FIVE}],
        }
    )
    backup.create_backup_selection(
        BackupPlanId=plan["BackupPlanId"],
        BackupSelection={
            "SelectionName": "tagged",
            "IamRoleArn": ROLE,
            "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "yes"}],
        },
    )
    ec2.create_volume(
        AvailabilityZone="us-east-1a",
        Size=8,
        TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "backup", "Value": "yes"}]}],
    )
    return str(plan["BackupPlanId"])


def test_given_a_daily_rule_when_two_days_are_advanced_over_http_then_each_firing_makes_its_job_on_time(
    served: tuple[LocalRuntime, Ticker],
) -> None:
    runtime, _ = served
    backup, ec2 = runtime.client("backup"), runtime.client("ec2")
    # Given a daily 05:00 rule over a tagged volume, on a runtime serving in real time
    protect_tagged_volumes(backup, ec2)
    before = datetime.fromisoformat(control(runtime, "clock")["now"])
    # When a test advances the clock two days through the control endpoint
    moved = control(runtime, "advance", {"days": 2})
    # Then the clock moved on two days
    assert datetime.fromisoformat(moved["now"]) >= before + timedelta(days=2)
    # And the rule fired at each 05:00 on the way, the engine's "now" being that moment: two jobs, each created
    # at its firing and COMPLETED in its window (not both at the end of the jump, one EXPIRED)
    jobs = sorted(backup.list_backup_jobs()["BackupJobs"], key=lambda job: job["CreationDate"])
    created = [job["CreationDate"].astimezone(UTC) for job in jobs]
    assert len(jobs) == 2, jobs
    assert [(moment.hour, moment.minute) for moment in created] == [(5, 0), (5, 0)]
    # (to the second: serving, the clock follows real time from each firing on while the firing runs)
    assert abs(created[1] - created[0] - timedelta(days=1)) < timedelta(seconds=1)
    assert [job["State"] for job in jobs] == ["COMPLETED", "COMPLETED"]


def test_given_state_in_every_service_when_reset_then_all_is_fresh_and_usable(
    served: tuple[LocalRuntime, Ticker],
) -> None:
    from local.fakes.storagegateway import backend_for

    runtime, _ = served
    backup, ec2, scheduler = runtime.client("backup"), runtime.client("ec2"), runtime.client("scheduler")
    fresh_schedules = len(scheduler.list_schedules()["Schedules"])
    # Given vaults, plans (with their schedules), a volume, EFS files, a Storage Gateway tag and a moved clock
    protect_tagged_volumes(backup, ec2)
    (runtime.efs_directory("fs-12345678") / "data.txt").write_text("kept?")
    backend_for("us-east-1", "123456789012").tags["arn:aws:storagegateway:us-east-1:123456789012:gateway/sgw-1"] = {
        "a": "1"
    }
    control(runtime, "advance", {"days": 1})
    assert backup.list_backup_jobs()["BackupJobs"]
    # When the test suite resets the runtime between two tests
    answer = control(runtime, "reset", {})
    # Then it says so (how long it takes is benchmarks/reset.py's to print, not a test's to assert)
    assert answer["reset"] is True, answer
    # And every service is as right after bootstrap: the catalog, moto's services, the stand-ins, the clock
    assert backup.list_backup_vaults()["BackupVaultList"] == []
    assert backup.list_backup_plans()["BackupPlansList"] == []
    assert backup.list_backup_jobs()["BackupJobs"] == []
    assert ec2.describe_volumes()["Volumes"] == []
    assert len(scheduler.list_schedules()["Schedules"]) == fresh_schedules
    assert not (runtime.efs_directory("fs-12345678") / "data.txt").exists()
    assert backend_for("us-east-1", "123456789012").tags == {}
    assert datetime.fromisoformat(answer["now"]) < datetime.now(UTC) + timedelta(minutes=1)
    # And the fresh runtime works: a plan made after the reset fires and completes
    protect_tagged_volumes(backup, ec2, vault="again")
    control(runtime, "advance", {"days": 1})
    assert [job["State"] for job in backup.list_backup_jobs()["BackupJobs"]] == ["COMPLETED"]


def test_soak_given_plans_created_and_deleted_while_the_scheduler_ticks_then_serve_answers_and_nothing_leaks(
    served: tuple[LocalRuntime, Ticker],
) -> None:
    """The churn that killed `serve` (issue 12): a plan deleted while the tick reads its schedule. Bounded to
    20 seconds of churn, with the scheduler ticking every 0.2 s meanwhile."""
    runtime, ticker = served
    backup, scheduler = runtime.client("backup"), runtime.client("scheduler")
    backup.create_backup_vault(BackupVaultName="churn")
    fresh_schedules = len(scheduler.list_schedules()["Schedules"])
    threads_before = threading.active_count()
    ticks_before = ticker.ticks
    cycles = 0
    errors: list[Exception] = []
    deadline = time.monotonic() + 20

    # When two clients create and delete plans as fast as they can
    def churn(client_number: int) -> None:
        nonlocal cycles
        while time.monotonic() < deadline and not errors:
            rules = [
                {"RuleName": f"r{n}", "TargetBackupVaultName": "churn", "ScheduleExpression": "cron(0 * ? * * *)"}
                for n in range(3)
            ]
            try:
                plan = backup.create_backup_plan(
                    BackupPlan={"BackupPlanName": f"churn-{client_number}", "Rules": rules}
                )
                backup.delete_backup_plan(BackupPlanId=plan["BackupPlanId"])
            except Exception as error:  # noqa: BLE001 - the test fails on it below, with the error
                errors.append(error)
                return
            cycles += 1

    clients = [threading.Thread(target=churn, args=(n,)) for n in range(2)]
    for client in clients:
        client.start()
    for client in clients:
        client.join(timeout=120)
    time.sleep(1)  # a few more ticks over the settled state
    # Then serve still answers, and the scheduler ticked throughout without a single tick failing
    health = control(runtime, "health")
    assert health["ready"] is True
    assert errors == []
    assert cycles > 10, cycles
    assert ticker.ticks - ticks_before > 5
    assert ticker.tick_errors == 0
    # And nothing leaked: no plan, no schedule of a deleted plan, no thread left behind
    assert backup.list_backup_plans()["BackupPlansList"] == []
    assert len(scheduler.list_schedules()["Schedules"]) == fresh_schedules
    assert threading.active_count() <= threads_before + 2
