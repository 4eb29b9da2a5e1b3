"""Restore testing on fakes: plans and selections made, read, changed, listed and deleted with AWS's errors and
nothing written on bad input; a run restores the point its algorithm picks, marked as the plan's; the sweep
validates the copy against what the backup recorded, keeps it ValidationWindowHours, deletes it, and retries and
alerts on a deletion that fails."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import pytest

from infrastructure.constants import FAILURE_EVENT_PATTERNS
from lambdas.api.operations import load_all
from lambdas.domain.errors import (
    AlreadyExistsException,
    InvalidParameterValueException,
    InvalidRequestException,
    MissingParameterValueException,
    ResourceNotFoundException,
)
from lambdas.domain.jobs import RestoreJob, RestoreJobStatus
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.domain.restore_testing.checks import Verdict
from lambdas.domain.restore_testing.picking import pick_point, restored_name, vault_matches
from lambdas.domain.restore_testing.plans import PointSelection, RestoreTestingPlan
from lambdas.services import backup_service, job_queries, restore_service, vault_service
from lambdas.services.event_details import restore_job_detail
from lambdas.services.restore_testing_checks import RestoreChecks
from lambdas.services.restore_testing_runs import run_plan
from lambdas.services.restore_testing_validation import NOTHING_RECORDED, sweep
from lambdas.services.tracking_service import track_jobs
from tests.fakes import ROLE, T0, World, make_world, volume_arn

OPS = load_all()
WEEKLY = "cron(0 3 ? * SUN *)"
VOLUMES = {"RestoreTestingPlanName": "weekly", "RestoreTestingSelectionName": "volumes"}


@dataclass
class VolumeCheck:
    """A data check for the fake EBS volumes: records a volume's `data` tag, compares the restored copy's."""

    world: World
    resource_type: str = "EBS"
    restored_data: dict[str, str] = field(default_factory=dict)  # restored arn -> its data (tampered if set)
    deleted: list[str] = field(default_factory=list)
    failing_deletes: int = 0

    def record(self, resource_arn: str) -> dict[str, str]:
        return {"data": self.world.ebs.volumes[resource_arn].get("data", "")}

    def test_metadata(self, metadata: dict[str, str], run_id: str) -> dict[str, str]:
        return {**metadata, "name": restored_name("vol", run_id, 64)}

    def check(self, recorded: dict[str, str], restored_arn: str) -> Verdict:
        found = self.restored_data.get(restored_arn, recorded["data"])
        if found != recorded["data"]:
            return Verdict(False, f"data is {found!r}, the backup recorded {recorded['data']!r}")
        return Verdict(True, "data matches")

    def delete(self, restored_arn: str) -> bool:
        if self.failing_deletes:
            self.failing_deletes -= 1
            raise RuntimeError("VolumeInUse")
        self.deleted.append(restored_arn)
        return True


@dataclass
class RecordingRestoreScheduler:
    schedules: dict[str, tuple[str, str]] = field(default_factory=dict)  # plan -> (cron, time zone)

    def sync(self, plan: RestoreTestingPlan) -> None:
        self.schedules[plan.RestoreTestingPlanName] = (plan.ScheduleExpression, plan.ScheduleExpressionTimezone)

    def remove(self, plan_name: str) -> None:
        self.schedules.pop(plan_name, None)


@pytest.fixture
def tested() -> tuple[World, VolumeCheck]:
    world = make_world()
    check = VolumeCheck(world)
    world.ctx = replace(
        world.ctx, restore_checks=RestoreChecks([check]), restore_test_scheduler=RecordingRestoreScheduler()
    )
    return world, check


def schedules_of(world: World) -> dict[str, tuple[str, str]]:
    scheduler = world.ctx.restore_test_scheduler
    assert isinstance(scheduler, RecordingRestoreScheduler)
    return scheduler.schedules


def call(world: World, name: str, request: dict[str, Any], when: Any = T0) -> dict[str, Any]:
    return OPS[name](world.ctx, request, when)


def plan_request(name: str = "weekly", **selection: Any) -> dict[str, Any]:
    return {
        "RestoreTestingPlan": {
            "RestoreTestingPlanName": name,
            "ScheduleExpression": WEEKLY,
            "ScheduleExpressionTimezone": "Europe/Paris",
            "RecoveryPointSelection": {
                "Algorithm": "LATEST_WITHIN_WINDOW",
                "IncludeVaults": ["*"],
                "RecoveryPointTypes": ["SNAPSHOT"],
                "SelectionWindowDays": 7,
                **selection,
            },
        },
        "CreatorRequestId": "req-1",
        "Tags": {"team": "ops"},
    }


def selection_request(plan: str = "weekly", **given: Any) -> dict[str, Any]:
    return {
        "RestoreTestingPlanName": plan,
        "RestoreTestingSelection": {
            "RestoreTestingSelectionName": "volumes",
            "ProtectedResourceType": "EBS",
            "IamRoleArn": ROLE,
            "ProtectedResourceArns": ["*"],
            "ValidationWindowHours": 2,
            **given,
        },
    }


def backed_up(world: World, n: int, data: str, when: Any = T0) -> RecoveryPoint:
    arn = volume_arn(n)
    if arn not in world.ebs.volumes:
        world.ebs.add_volume(n)
    world.ebs.volumes[arn]["data"] = data
    if world.ctx.stores.vaults.find("main") is None:
        vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    job = backup_service.start_backup_job(
        world.ctx, {"BackupVaultName": "main", "ResourceArn": arn, "IamRoleArn": ROLE}, when
    )
    track_jobs(world.ctx, when + timedelta(minutes=5))
    assert job.RecoveryPointArn
    return world.ctx.stores.recovery_points.get(job.RecoveryPointArn)


def finish_restores(world: World, when: Any) -> list[RestoreJob]:
    """The restore workflow's three steps, as Step Functions runs them, for every started restore."""
    done = []
    for job_id in world.workflow.started:
        restore_service.begin_restore(world.ctx, job_id, when)
        job = world.ctx.stores.jobs.get_restore_job(job_id)
        assert job.NativeRestoreId
        world.ebs.restores[job.NativeRestoreId]["state"] = "available"
        restore_service.poll_restore(world.ctx, job_id)
        done.append(restore_service.finalize_restore(world.ctx, job_id, RestoreJobStatus.COMPLETED, None, when))
    world.workflow.started.clear()
    return done


# Plans and selections


def test_a_plan_and_its_selection_are_created_read_updated_listed_and_deleted_with_its_schedule(
    tested: tuple[World, VolumeCheck],
) -> None:
    world, _ = tested
    # Given a weekly plan in Paris time
    created = call(world, "CreateRestoreTestingPlan", plan_request())
    assert created["RestoreTestingPlanArn"].split(":restore-testing-plan:")[1].startswith("weekly-")
    assert schedules_of(world) == {"weekly": (WEEKLY, "Europe/Paris")}
    # When it is read, every member comes back with AWS's defaults filled in
    got = call(world, "GetRestoreTestingPlan", {"RestoreTestingPlanName": "weekly"})["RestoreTestingPlan"]
    assert got["ScheduleExpressionTimezone"] == "Europe/Paris" and got["StartWindowHours"] == 24
    assert got["RecoveryPointSelection"]["SelectionWindowDays"] == 7
    assert got["RecoveryPointSelection"]["ExcludeVaults"] == [] and got["CreatorRequestId"] == "req-1"
    # And the same request retried answers the same plan, while another request with the name is refused
    assert (
        call(world, "CreateRestoreTestingPlan", plan_request())["RestoreTestingPlanArn"]
        == created["RestoreTestingPlanArn"]
    )
    with pytest.raises(AlreadyExistsException):
        call(world, "CreateRestoreTestingPlan", {**plan_request(), "CreatorRequestId": "other"})
    # When a selection is added, updated and listed
    call(world, "CreateRestoreTestingSelection", selection_request())
    call(
        world,
        "UpdateRestoreTestingSelection",
        {
            "RestoreTestingPlanName": "weekly",
            "RestoreTestingSelectionName": "volumes",
            "RestoreTestingSelection": {"ValidationWindowHours": 5, "RestoreMetadataOverrides": {"volumeType": "gp3"}},
        },
    )
    selection = call(
        world,
        "GetRestoreTestingSelection",
        {"RestoreTestingPlanName": "weekly", "RestoreTestingSelectionName": "volumes"},
    )["RestoreTestingSelection"]
    assert selection["ValidationWindowHours"] == 5 and selection["RestoreMetadataOverrides"] == {"volumeType": "gp3"}
    listed = call(world, "ListRestoreTestingSelections", {"RestoreTestingPlanName": "weekly"})
    assert [s["RestoreTestingSelectionName"] for s in listed["RestoreTestingSelections"]] == ["volumes"]
    # Then the plan cannot be deleted while it has the selection
    with pytest.raises(InvalidRequestException, match="still has selections"):
        call(world, "DeleteRestoreTestingPlan", {"RestoreTestingPlanName": "weekly"})
    # And once the selection is gone, the plan goes with its schedule
    call(
        world,
        "DeleteRestoreTestingSelection",
        {"RestoreTestingPlanName": "weekly", "RestoreTestingSelectionName": "volumes"},
    )
    call(
        world,
        "UpdateRestoreTestingPlan",
        {"RestoreTestingPlanName": "weekly", "RestoreTestingPlan": {"ScheduleExpression": "cron(0 4 ? * SAT *)"}},
    )
    assert schedules_of(world) == {"weekly": ("cron(0 4 ? * SAT *)", "Europe/Paris")}
    call(world, "DeleteRestoreTestingPlan", {"RestoreTestingPlanName": "weekly"})
    assert call(world, "ListRestoreTestingPlans", {})["RestoreTestingPlans"] == [] and schedules_of(world) == {}
    with pytest.raises(ResourceNotFoundException):
        call(world, "GetRestoreTestingPlan", {"RestoreTestingPlanName": "weekly"})


@pytest.mark.parametrize(
    ("change", "error", "says"),
    [
        ({"ScheduleExpression": "rate(7 days)"}, InvalidParameterValueException, "cron"),
        ({"ScheduleExpression": "cron(0 3 ? * FOO *)"}, InvalidParameterValueException, "ScheduleExpression"),
        ({"ScheduleExpressionTimezone": "Mars/Olympus"}, InvalidParameterValueException, "time zone"),
        ({"StartWindowHours": 169}, InvalidParameterValueException, "StartWindowHours"),
        ({"RestoreTestingPlanName": "has-dash"}, InvalidParameterValueException, "RestoreTestingPlanName"),
        ({"RecoveryPointSelection": {"Algorithm": "LATEST_WITHIN_WINDOW", "RecoveryPointTypes": ["SNAPSHOT"]}},
         MissingParameterValueException, "IncludeVaults"),
        ({"RecoveryPointSelection": {"Algorithm": "LATEST_WITHIN_WINDOW", "IncludeVaults": ["*"],
                                     "RecoveryPointTypes": ["CONTINUOUS"]}},
         InvalidParameterValueException, "CONTINUOUS"),
        ({"RecoveryPointSelection": {"Algorithm": "LATEST_WITHIN_WINDOW", "IncludeVaults": ["*"],
                                     "RecoveryPointTypes": ["SNAPSHOT"], "SelectionWindowDays": 366}},
         InvalidParameterValueException, "SelectionWindowDays"),
    ],
)  # fmt: skip
def test_a_bad_plan_is_refused_with_the_models_error_and_nothing_is_written(
    tested: tuple[World, VolumeCheck], change: dict[str, Any], error: type[Exception], says: str
) -> None:
    world, _ = tested
    request = plan_request()
    request["RestoreTestingPlan"] = {**request["RestoreTestingPlan"], **change}
    with pytest.raises(error, match=says):
        call(world, "CreateRestoreTestingPlan", request)
    assert call(world, "ListRestoreTestingPlans", {})["RestoreTestingPlans"] == []
    assert schedules_of(world) == {}


@pytest.mark.parametrize(
    ("given", "error", "says"),
    [
        ({"ProtectedResourceArns": ["arn:aws:ec2:eu-west-1:123456789012:volume/vol-1", "*"]},
         InvalidParameterValueException, "not both"),
        ({"ProtectedResourceArns": [f"arn:aws:ec2:eu-west-1:123456789012:volume/vol-{n}" for n in range(31)]},
         InvalidParameterValueException, "at most 30"),
        ({"ProtectedResourceArns": ["arn:aws:ec2:eu-west-1:123456789012:volume/vol-1"],
          "ProtectedResourceConditions": {"StringEquals": [{"Key": "a", "Value": "b"}]}},
         InvalidParameterValueException, "cannot be combined"),
        ({"ProtectedResourceType": "Kinesis"}, InvalidParameterValueException, "not supported"),
        ({"ValidationWindowHours": 169}, InvalidParameterValueException, "ValidationWindowHours"),
        ({"IamRoleArn": "not-a-role"}, InvalidParameterValueException, "IamRoleArn"),
    ],
)  # fmt: skip
def test_a_bad_selection_is_refused_and_nothing_is_written(
    tested: tuple[World, VolumeCheck], given: dict[str, Any], error: type[Exception], says: str
) -> None:
    world, _ = tested
    call(world, "CreateRestoreTestingPlan", plan_request())
    with pytest.raises(error, match=says):
        call(world, "CreateRestoreTestingSelection", selection_request(**given))
    assert (
        call(world, "ListRestoreTestingSelections", {"RestoreTestingPlanName": "weekly"})["RestoreTestingSelections"]
        == []
    )


def test_a_selection_in_a_missing_plan_is_not_found(tested: tuple[World, VolumeCheck]) -> None:
    world, _ = tested
    with pytest.raises(ResourceNotFoundException, match="nowhere"):
        call(world, "CreateRestoreTestingSelection", selection_request(plan="nowhere"))


# Picking a recovery point


def _point(arn: str, vault: str, days_ago: float) -> RecoveryPoint:
    return RecoveryPoint(
        RecoveryPointArn=arn,
        BackupVaultName=vault,
        BackupVaultArn=f"arn:aws:backup:eu-west-1:123456789012:backup-vault:{vault}",
        ResourceArn="arn:aws:ec2:eu-west-1:123456789012:volume/vol-1",
        ResourceType="EBS",
        CreationDate=T0 - timedelta(days=days_ago),
        NativeBackupId=arn,
    )


def test_latest_within_window_picks_the_newest_point_in_an_included_vault_and_window() -> None:
    points = [_point("old", "prod-a", 10), _point("new", "prod-a", 1), _point("newest", "scratch", 0.5)]
    selection = PointSelection.model_validate(
        {"Algorithm": "LATEST_WITHIN_WINDOW", "IncludeVaults": ["arn:aws:backup:*:*:backup-vault:prod-*"],
         "RecoveryPointTypes": ["SNAPSHOT"], "SelectionWindowDays": 7}
    )  # fmt: skip
    picked = pick_point(points, selection, T0, random.Random(1))
    assert picked is not None and picked.RecoveryPointArn == "new"
    # And a vault excluded by name is never picked, leaving nothing in the window
    excluded = selection.model_copy(update={"ExcludeVaults": ["prod-a"]})
    assert pick_point(points, excluded, T0, random.Random(1)) is None


def test_random_within_window_picks_among_the_eligible_and_the_same_seed_picks_the_same() -> None:
    points = [_point(f"p{n}", "main", n) for n in range(6)]  # p6 and older would be outside 5 days
    selection = PointSelection.model_validate(
        {"Algorithm": "RANDOM_WITHIN_WINDOW", "IncludeVaults": ["*"], "RecoveryPointTypes": ["SNAPSHOT"],
         "SelectionWindowDays": 5}
    )  # fmt: skip
    picks = {pick_point(points, selection, T0, random.Random(seed)).RecoveryPointArn for seed in range(40)}  # type: ignore[union-attr]
    assert picks == {"p0", "p1", "p2", "p3", "p4", "p5"}
    first = pick_point(list(reversed(points)), selection, T0, random.Random("x"))
    assert first == pick_point(points, selection, T0, random.Random("x"))
    assert vault_matches(["*"], "arn", "any") and not vault_matches(["other"], "arn:x", "main")


def test_restored_names_never_equal_the_source_and_fit_the_services_limit() -> None:
    long_name = "t" * 300
    assert restored_name(long_name, "ABCDEF123456789", 255).endswith("-rt-abcdef123456")
    assert len(restored_name(long_name, "ABCDEF123456789", 255)) == 255
    assert restored_name("orders", "run1", 255) != "orders"


# Runs, validation, cleanup


def test_a_run_restores_each_selected_resource_marked_as_the_plans_and_a_second_delivery_starts_nothing(
    tested: tuple[World, VolumeCheck],
) -> None:
    world, _ = tested
    # Given two volumes backed up twice each, and a plan testing every volume
    for n in (1, 2):
        backed_up(world, n, "v1", T0 - timedelta(days=3))
        backed_up(world, n, "v2", T0 - timedelta(days=1))
    arn = call(world, "CreateRestoreTestingPlan", plan_request())["RestoreTestingPlanArn"]
    call(world, "CreateRestoreTestingSelection", selection_request())
    # When its schedule fires
    result = run_plan(world.ctx, "weekly", T0, T0)
    # Then one restore per volume starts, of the newest point, marked as the plan's, with a name of its own
    assert len(result.started) == 2 and world.workflow.started == result.started
    jobs = [world.ctx.stores.jobs.get_restore_job(job_id) for job_id in result.started]
    assert {j.CreatedBy.RestoreTestingPlanArn for j in jobs if j.CreatedBy} == {arn}
    assert all(j.RecoveryPointCreationDate == T0 - timedelta(days=1) for j in jobs)
    assert all(j.Metadata["name"].startswith("vol-rt-") for j in jobs)
    # And ListRestoreJobs finds them by the plan's ARN, and not by another's
    listed, _ = job_queries.list_jobs(world.ctx, job_queries.JobKind.RESTORE, {"ByRestoreTestingPlanArn": arn}, 100)
    assert sorted(j.job_id for j in listed) == sorted(result.started)
    assert job_queries.list_jobs(world.ctx, job_queries.JobKind.RESTORE, {"ByRestoreTestingPlanArn": "x"}, 100)[0] == []
    # When the same firing is delivered again, no restore starts twice
    again = run_plan(world.ctx, "weekly", T0, T0 + timedelta(minutes=1))
    assert sorted(again.started) == sorted(result.started) and len(world.workflow.started) == 2
    # And a delivery after the start window starts nothing
    assert run_plan(world.ctx, "weekly", T0 - timedelta(days=2), T0).started == []


def test_the_sweep_validates_keeps_the_copy_for_the_window_then_deletes_it(
    tested: tuple[World, VolumeCheck],
) -> None:
    world, check = tested
    call(world, "CreateRestoreTestingPlan", plan_request())
    call(world, "CreateRestoreTestingSelection", selection_request())
    backed_up(world, 1, "orders", T0 - timedelta(days=1))  # covered by the selection: its backup is recorded
    run_plan(world.ctx, "weekly", T0, T0)
    (job,) = finish_restores(world, T0 + timedelta(minutes=10))
    # When the sweep runs, the copy is checked against the record and passes
    sweep(world.ctx, T0 + timedelta(hours=1))
    validated = world.ctx.stores.jobs.get_restore_job(job.RestoreJobId)
    assert (validated.ValidationStatus, validated.ValidationStatusMessage) == ("SUCCESSFUL", "data matches")
    assert validated.DeletionStatus is None and check.deleted == []
    # And it is kept for ValidationWindowHours (2), then deleted
    sweep(world.ctx, T0 + timedelta(hours=2))
    assert check.deleted == []
    sweep(world.ctx, T0 + timedelta(hours=3, minutes=1))
    cleaned = world.ctx.stores.jobs.get_restore_job(job.RestoreJobId)
    assert check.deleted == [job.CreatedResourceArn] and cleaned.DeletionStatus == "SUCCESSFUL"


def test_a_tampered_copy_fails_validation_saying_what_differs(tested: tuple[World, VolumeCheck]) -> None:
    world, check = tested
    call(world, "CreateRestoreTestingPlan", plan_request())
    call(world, "CreateRestoreTestingSelection", selection_request())
    backed_up(world, 1, "orders", T0 - timedelta(days=1))  # covered by the selection: its backup is recorded
    run_plan(world.ctx, "weekly", T0, T0)
    (job,) = finish_restores(world, T0)
    assert job.CreatedResourceArn
    check.restored_data[job.CreatedResourceArn] = "ord"  # the data changed behind the recovery point
    sweep(world.ctx, T0 + timedelta(hours=1))
    failed = world.ctx.stores.jobs.get_restore_job(job.RestoreJobId)
    assert failed.ValidationStatus == "FAILED"
    assert failed.ValidationStatusMessage == "data is 'ord', the backup recorded 'orders'"
    # And its event carries the verdict the alerting rule matches (infrastructure/constants.py)
    (event,) = [e for e in world.events.restore if e.ValidationStatus == "FAILED"]
    detail = restore_job_detail(event)
    rule = FAILURE_EVENT_PATTERNS["strongroom-restore-test-validation-failures"]["detail"]
    assert isinstance(rule, dict) and detail["validationStatus"] in rule["validationStatus"]
    assert detail["validationStatusMessage"] == failed.ValidationStatusMessage
    assert detail["restoreTestingPlanArn"].split(":restore-testing-plan:")[1].startswith("weekly-")


def test_only_resources_a_selection_covers_are_recorded_and_an_older_point_is_tested_saying_so(
    tested: tuple[World, VolumeCheck],
) -> None:
    world, _ = tested
    records = world.ctx.stores.recovery_points
    # Given a plan whose selection keeps the volumes tagged tier=gold, and volume 1 so tagged
    call(world, "CreateRestoreTestingPlan", plan_request())
    gold = {"ProtectedResourceConditions": {"StringEquals": [{"Key": "tier", "Value": "gold"}]}}
    call(world, "CreateRestoreTestingSelection", selection_request(**gold))
    world.ebs.add_volume(1, tier="gold")
    # When volume 1 and the untagged volume 2 are backed up
    covered = backed_up(world, 1, "orders", T0 - timedelta(days=2))
    uncovered = backed_up(world, 2, "logs", T0 - timedelta(days=2))
    # Then only the covered one's backup took the check's record (the other's source was never read for it)
    assert records.get(covered.RecoveryPointArn).ValidationRecord == {"data": "orders"}
    assert records.get(uncovered.RecoveryPointArn).ValidationRecord == {}
    # When volume 2 is added to the plan by its ARN, its next backup is recorded
    call(world, "CreateRestoreTestingSelection", selection_request(
        RestoreTestingSelectionName="logs", ProtectedResourceArns=[volume_arn(2)]))  # fmt: skip
    later = backed_up(world, 2, "logs", T0 - timedelta(days=1))
    assert records.get(later.RecoveryPointArn).ValidationRecord == {"data": "logs"}
    # And a test of its older point checks only that the restore completed, and says so
    selection = {"Algorithm": "RANDOM_WITHIN_WINDOW", "SelectionWindowDays": 7}
    call(world, "CreateRestoreTestingPlan", plan_request("older", **selection) | {"CreatorRequestId": "req-2"})
    call(world, "CreateRestoreTestingSelection", selection_request(
        "older", RestoreTestingSelectionName="logs", ProtectedResourceArns=[volume_arn(2)]))  # fmt: skip
    run_plan(world.ctx, "older", T0 - timedelta(days=1, hours=12), T0 - timedelta(days=1, hours=12))
    (job,) = finish_restores(world, T0 - timedelta(days=1, hours=12))
    assert job.RecoveryPointArn == uncovered.RecoveryPointArn
    sweep(world.ctx, T0)
    tested_old = world.ctx.stores.jobs.get_restore_job(job.RestoreJobId)
    assert (tested_old.ValidationStatus, tested_old.ValidationStatusMessage) == ("SUCCESSFUL", NOTHING_RECORDED)


def test_a_deletion_that_fails_is_recorded_alerted_and_retried_until_it_succeeds(
    tested: tuple[World, VolumeCheck],
) -> None:
    world, check = tested
    backed_up(world, 1, "orders", T0 - timedelta(days=1))
    call(world, "CreateRestoreTestingPlan", plan_request())
    call(world, "CreateRestoreTestingSelection", selection_request(ValidationWindowHours=0))
    run_plan(world.ctx, "weekly", T0, T0)
    (job,) = finish_restores(world, T0)
    check.failing_deletes = 2
    first = sweep(world.ctx, T0 + timedelta(hours=1))
    assert first.deletion_failures == [job.RestoreJobId]
    failed = world.ctx.stores.jobs.get_restore_job(job.RestoreJobId)
    assert failed.DeletionStatus == "FAILED" and "VolumeInUse" in (failed.DeletionStatusMessage or "")
    assert world.events.restore[-1].DeletionStatus == "FAILED"
    rule = FAILURE_EVENT_PATTERNS["strongroom-restore-test-deletion-failures"]["detail"]
    assert (
        isinstance(rule, dict)
        and restore_job_detail(world.events.restore[-1])["deletionStatus"] in rule["deletionStatus"]
    )
    sweep(world.ctx, T0 + timedelta(hours=2))
    last = sweep(world.ctx, T0 + timedelta(hours=3))
    assert last.deleted == [job.RestoreJobId] and check.deleted == [job.CreatedResourceArn]


def test_a_users_verdict_is_recorded_and_the_copy_kept_for_the_window(tested: tuple[World, VolumeCheck]) -> None:
    world, check = tested
    backed_up(world, 1, "orders", T0 - timedelta(days=1))
    call(world, "CreateRestoreTestingPlan", plan_request())
    call(world, "CreateRestoreTestingSelection", selection_request(ValidationWindowHours=6))
    run_plan(world.ctx, "weekly", T0, T0)
    (job,) = finish_restores(world, T0)
    # Given the user's validation under way: the window of 6 hours starts
    call(world, "PutRestoreValidationResult", {"RestoreJobId": job.RestoreJobId, "ValidationStatus": "VALIDATING"})
    sweep(world.ctx, T0 + timedelta(hours=5))
    assert check.deleted == []
    # When the user gives the verdict, it is recorded
    call(
        world,
        "PutRestoreValidationResult",
        {"RestoreJobId": job.RestoreJobId, "ValidationStatus": "SUCCESSFUL", "ValidationStatusMessage": "app ok"},
        T0 + timedelta(hours=5),
    )
    judged = world.ctx.stores.jobs.get_restore_job(job.RestoreJobId)
    assert (judged.ValidationStatus, judged.ValidationStatusMessage) == ("SUCCESSFUL", "app ok")
    # And the copy goes when the window ends
    sweep(world.ctx, T0 + timedelta(hours=6))
    assert check.deleted == [job.CreatedResourceArn]
    # And an ordinary restore job takes no verdict
    with pytest.raises(ResourceNotFoundException):
        call(world, "PutRestoreValidationResult", {"RestoreJobId": "nope", "ValidationStatus": "FAILED"})


def test_a_validation_left_under_way_times_out_and_the_copy_is_deleted(tested: tuple[World, VolumeCheck]) -> None:
    world, check = tested
    backed_up(world, 1, "orders", T0 - timedelta(days=1))
    call(world, "CreateRestoreTestingPlan", plan_request())
    call(world, "CreateRestoreTestingSelection", selection_request(ValidationWindowHours=2))
    run_plan(world.ctx, "weekly", T0, T0)
    (job,) = finish_restores(world, T0)
    call(world, "PutRestoreValidationResult", {"RestoreJobId": job.RestoreJobId, "ValidationStatus": "VALIDATING"})
    # When the window ends with no verdict
    sweep(world.ctx, T0 + timedelta(hours=2))
    # Then the validation TIMED_OUT and the copy is deleted (a copy left behind costs money)
    ended = world.ctx.stores.jobs.get_restore_job(job.RestoreJobId)
    assert ended.ValidationStatus == "TIMED_OUT" and ended.DeletionStatus == "SUCCESSFUL"
    assert check.deleted == [job.CreatedResourceArn]
    # And a job no plan started takes no verdict
    plain = restore_service.start_restore_job(
        world.ctx,
        {"RecoveryPointArn": job.RecoveryPointArn, "Metadata": {"name": "by-hand"}, "IamRoleArn": ROLE},
        T0,
    )
    with pytest.raises(InvalidRequestException, match="not started by a restore testing plan"):
        call(world, "PutRestoreValidationResult", {"RestoreJobId": plain.RestoreJobId, "ValidationStatus": "FAILED"})
