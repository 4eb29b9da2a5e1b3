"""One contract, two tables: every test runs against the in-memory table and against DynamoDB (moto, with the
table the local bootstrap creates). The typed stores must behave the same on both."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import boto3
import pytest

from lambdas.domain.jobs import BackupJobState
from lambdas.domain.lifecycle import CalculatedLifecycle
from lambdas.domain.recovery_points import RecoveryPointStatus
from lambdas.domain.vaults import LockConfiguration
from tests.integration.builders import (
    REGION,
    T0,
    backup_job,
    plan,
    recovery_point,
    restore_job,
    rule,
    selection,
    vault,
)

TABLE = "strongroom-contract"


@pytest.fixture(params=["memory", "dynamodb"])
def table(request: pytest.FixtureRequest) -> Any:
    if request.param == "memory":
        from lambdas.store.memory_table import MemoryTable

        return MemoryTable()
    from lambdas.store.dynamodb_table import DynamoDbTable
    from local.bootstrap import table_definition

    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(**table_definition(TABLE))
    return DynamoDbTable(client, TABLE)


@pytest.fixture
def stores(table: Any) -> Any:
    from lambdas.store.stores import Stores

    return Stores.over(table)


def errors() -> Any:
    from lambdas.domain import errors

    return errors


def foreign_token(key: dict[str, Any]) -> str:
    """A NextToken that decodes, but that no listing of ours handed out."""
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


# Vaults


def test_given_a_vault_when_created_then_it_reads_back_equal(stores) -> None:
    created = vault("main", Tags={"team": "a"})

    stores.vaults.create(created)

    assert stores.vaults.get("main") == created


def test_given_a_vault_when_created_again_then_already_exists_and_the_first_is_kept(stores) -> None:
    stores.vaults.create(vault("main", Tags={"first": "yes"}))

    with pytest.raises(errors().AlreadyExistsException, match="main"):
        stores.vaults.create(vault("main", Tags={"second": "yes"}))
    assert stores.vaults.get("main").Tags == {"first": "yes"}


def test_given_no_vault_when_getting_it_then_resource_not_found(stores) -> None:
    with pytest.raises(errors().ResourceNotFoundException, match="nowhere"):
        stores.vaults.get("nowhere")
    assert stores.vaults.find("nowhere") is None


def test_given_five_vaults_when_paged_two_at_a_time_then_pages_continue_in_name_order(stores) -> None:
    for name in ("delta", "alpha", "echo", "charlie", "bravo"):
        stores.vaults.create(vault(name))

    first, token = stores.vaults.page(limit=2)
    second, token2 = stores.vaults.page(limit=2, token=token)
    third, token3 = stores.vaults.page(limit=2, token=token2)

    assert [v.BackupVaultName for v in first] == ["alpha", "bravo"]
    assert token is not None
    assert [v.BackupVaultName for v in second] == ["charlie", "delta"]
    assert [v.BackupVaultName for v in third] == ["echo"]
    assert token3 is None


def test_given_vaults_filling_pages_exactly_when_paged_to_the_end_then_each_appears_once(stores) -> None:
    names = [f"vault-{n:02d}" for n in range(6)]
    for name in names:
        stores.vaults.create(vault(name))

    seen: list[str] = []
    token: str | None = None
    for _ in range(10):
        page, token = stores.vaults.page(limit=3, token=token)
        assert len(page) <= 3
        seen.extend(v.BackupVaultName for v in page)
        if token is None:
            break

    assert token is None
    assert seen == names


def test_given_a_listing_in_progress_when_the_last_vault_seen_is_deleted_then_the_next_page_continues_after_it(
    stores,
) -> None:
    for name in ("alpha", "bravo", "charlie", "delta"):
        stores.vaults.create(vault(name))
    first, token = stores.vaults.page(limit=2)
    assert [v.BackupVaultName for v in first] == ["alpha", "bravo"]

    stores.vaults.delete("bravo")
    second, _ = stores.vaults.page(limit=2, token=token)

    # DynamoDB resumes after the key in the token whether or not that item still exists
    assert [v.BackupVaultName for v in second] == ["charlie", "delta"]


@pytest.mark.parametrize("token", ["%%%", foreign_token({"PK": "VAULT#x"}), foreign_token({"anything": 1})])
def test_given_a_next_token_we_did_not_hand_out_when_paging_then_invalid_parameter(stores, token) -> None:
    stores.vaults.create(vault("alpha"))
    stores.vaults.create(vault("bravo"))

    with pytest.raises(errors().InvalidParameterValueException, match="NextToken"):
        stores.vaults.page(limit=1, token=token)


def test_given_a_vault_read_twice_when_both_copies_are_saved_then_the_stale_save_is_a_conflict(stores) -> None:
    # Given one vault read by two requests
    stores.vaults.create(vault("main"))
    first, second = stores.vaults.get("main"), stores.vaults.get("main")

    # When the first puts a lock and the second, still holding the old copy, saves new tags
    locked = stores.vaults.save(first.model_copy(update={"Lock": LockConfiguration(MinRetentionDays=7)}))
    with pytest.raises(errors().ConflictException, match="main"):
        stores.vaults.save(second.model_copy(update={"Tags": {"team": "a"}}))

    # Then the lock stays: the stale copy overwrote nothing
    stored = stores.vaults.get("main")
    assert stored == locked and stored.Lock == LockConfiguration(MinRetentionDays=7) and stored.Tags == {}
    assert (first.Version, locked.Version) == (1, 2)


def test_given_a_saved_vault_when_the_copy_save_returned_is_saved_again_then_each_save_moves_the_version_on(
    stores,
) -> None:
    stores.vaults.create(vault("main"))

    once = stores.vaults.save(stores.vaults.get("main").model_copy(update={"Tags": {"n": "1"}}))
    twice = stores.vaults.save(once.model_copy(update={"Tags": {"n": "2"}}))

    assert (once.Version, twice.Version) == (2, 3)
    assert stores.vaults.get("main") == twice
    assert stores.vaults.page()[0] == [twice]


def test_given_a_vault_written_before_versions_when_read_and_saved_then_it_starts_versioning(stores, table) -> None:
    # Given a vault item as Strongroom wrote it before vaults had versions: no Version attribute, none in data
    legacy = vault("old")
    item = {
        "PK": "VAULT#old",
        "SK": "VAULT",
        "data": legacy.model_dump_json(exclude_none=True, exclude={"Version"}),
        "GSI1PK": "VAULTS",
        "GSI1SK": "old",
    }
    table.put(item)

    # When it is read and saved
    read = stores.vaults.get("old")
    saved = stores.vaults.save(read.model_copy(update={"Tags": {"team": "a"}}))

    # Then it read as version 0, and saves from then on are versioned
    assert (read.Version, saved.Version) == (0, 1)
    with pytest.raises(errors().ConflictException):
        stores.vaults.save(read.model_copy(update={"Tags": {"stale": "yes"}}))
    assert stores.vaults.get("old").Tags == {"team": "a"}


def test_given_no_vault_when_saving_one_then_resource_not_found(stores) -> None:
    with pytest.raises(errors().ResourceNotFoundException, match="ghost"):
        stores.vaults.save(vault("ghost"))


# Plans, versions, selections


def test_given_a_plan_when_created_then_it_reads_back_with_one_version(stores) -> None:
    created = plan("plan-1", version="v1")

    stores.plans.create(created)

    assert stores.plans.get("plan-1") == created
    assert stores.plans.versions("plan-1") == [created]


def test_given_a_plan_when_created_again_then_already_exists(stores) -> None:
    stores.plans.create(plan("plan-1", version="v1"))

    with pytest.raises(errors().AlreadyExistsException):
        stores.plans.create(plan("plan-1", version="v9"))
    assert stores.plans.get("plan-1").VersionId == "v1"


def test_given_a_plan_when_replaced_over_the_version_read_then_the_new_version_is_current_and_both_listed(
    stores,
) -> None:
    v1 = plan("plan-1", version="v1")
    stores.plans.create(v1)
    v2 = plan(
        "plan-1", version="v2", rules=[rule("rule-a", "daily", "cron(0 3 ? * * *)")], created=T0 + timedelta(days=1)
    )

    stores.plans.replace(v2, expected_version="v1")

    assert stores.plans.get("plan-1") == v2
    assert stores.plans.versions("plan-1") == [v1, v2]
    assert stores.plans.get("plan-1", "v1") == v1


def test_given_a_plan_changed_meanwhile_when_replaced_over_a_stale_version_then_conflict_and_nothing_changes(
    stores,
) -> None:
    v1 = plan("plan-1", version="v1")
    v2 = plan("plan-1", version="v2", created=T0 + timedelta(days=1))
    stores.plans.create(v1)
    stores.plans.replace(v2, expected_version="v1")
    stale = plan("plan-1", version="v3", name="renamed", created=T0 + timedelta(days=2))

    with pytest.raises(errors().ConflictException):
        stores.plans.replace(stale, expected_version="v1")

    assert stores.plans.get("plan-1") == v2
    assert [p.VersionId for p in stores.plans.versions("plan-1")] == ["v1", "v2"]
    assert [p.BackupPlanName for p in stores.plans.page()[0]] == ["daily"]


def test_given_a_plan_when_replaced_by_its_deleted_version_then_it_leaves_the_listing_but_keeps_its_versions(
    stores,
) -> None:
    v1 = plan("plan-1", version="v1")
    stores.plans.create(v1)
    stores.plans.create(plan("plan-2", version="w1", name="weekly"))
    deleted = plan("plan-1", version="v2", created=T0 + timedelta(days=1)).model_copy(
        update={"DeletionDate": T0 + timedelta(days=1)}
    )

    stores.plans.replace(deleted, expected_version="v1")

    assert [p.BackupPlanId for p in stores.plans.page()[0]] == ["plan-2"]
    with pytest.raises(errors().ResourceNotFoundException):
        stores.plans.get("plan-1")
    assert stores.plans.get("plan-1", "v1") == v1


def test_given_no_plan_when_getting_it_then_resource_not_found(stores) -> None:
    with pytest.raises(errors().ResourceNotFoundException, match="plan-404"):
        stores.plans.get("plan-404")


def test_given_selections_when_added_listed_and_one_deleted_then_the_other_remains(stores) -> None:
    stores.plans.create(plan("plan-1"))
    first = selection("plan-1", "sel-1")
    second = selection("plan-1", "sel-2", resources=["arn:aws:dynamodb:us-east-1:123456789012:table/orders"])
    stores.plans.add_selection(first)
    stores.plans.add_selection(second)
    assert stores.plans.selections("plan-1") == [first, second]

    stores.plans.delete_selection("plan-1", "sel-1")

    assert stores.plans.selections("plan-1") == [second]
    with pytest.raises(errors().ResourceNotFoundException):
        stores.plans.get_selection("plan-1", "sel-1")
    with pytest.raises(errors().ResourceNotFoundException):
        stores.plans.delete_selection("plan-1", "sel-1")
    # selections are not versions: the plan still has exactly one
    assert len(stores.plans.versions("plan-1")) == 1


def test_given_a_selection_when_added_again_then_already_exists(stores) -> None:
    stores.plans.create(plan("plan-1"))
    stores.plans.add_selection(selection("plan-1", "sel-1"))

    with pytest.raises(errors().AlreadyExistsException):
        stores.plans.add_selection(selection("plan-1", "sel-1"))


# Backup jobs


def test_given_a_backup_job_when_created_twice_then_the_second_returns_false_and_overwrites_nothing(stores) -> None:
    original = backup_job("JOB-1")
    assert stores.jobs.create_backup_job(original) is True

    duplicate = backup_job("JOB-1", state=BackupJobState.RUNNING, StatusMessage="a second delivery")
    assert stores.jobs.create_backup_job(duplicate) is False

    assert stores.jobs.get_backup_job("JOB-1") == original


def test_given_a_job_when_saved_with_the_wrong_expected_state_then_conflict_and_it_is_unchanged(stores) -> None:
    created = backup_job("JOB-1")
    stores.jobs.create_backup_job(created)
    running = created.transition(BackupJobState.RUNNING, PercentDone="10.0")

    with pytest.raises(errors().ConflictException, match="JOB-1"):
        stores.jobs.save_backup_job(running, expected_state="RUNNING")
    assert stores.jobs.get_backup_job("JOB-1") == created

    stores.jobs.save_backup_job(running, expected_state="CREATED")
    assert stores.jobs.get_backup_job("JOB-1") == running


def test_given_jobs_in_several_states_when_listing_open_jobs_then_a_completed_job_is_not_there(stores) -> None:
    for n in range(3):
        stores.jobs.create_backup_job(backup_job(f"JOB-{n}", created=T0 + timedelta(minutes=n)))
    running = stores.jobs.get_backup_job("JOB-1").transition(BackupJobState.RUNNING)
    stores.jobs.save_backup_job(running, expected_state="CREATED")
    done = stores.jobs.get_backup_job("JOB-2").transition(BackupJobState.RUNNING)
    stores.jobs.save_backup_job(done, expected_state="CREATED")
    stores.jobs.save_backup_job(done.transition(BackupJobState.COMPLETED), expected_state="RUNNING")

    open_jobs, token = stores.jobs.open_backup_jobs()

    assert [(job.BackupJobId, job.State) for job in open_jobs] == [
        ("JOB-0", BackupJobState.CREATED),
        ("JOB-1", BackupJobState.RUNNING),
    ]
    assert token is None
    assert [job.BackupJobId for job in stores.jobs.backup_jobs()[0]] == ["JOB-0", "JOB-1", "JOB-2"]


def test_given_more_than_25_jobs_when_written_in_one_batch_then_every_one_is_stored(stores) -> None:
    jobs = [backup_job(f"JOB-{n:03d}", created=T0 + timedelta(seconds=n)) for n in range(60)]

    stores.jobs.create_backup_jobs(jobs)

    listed, token = stores.jobs.backup_jobs()
    assert token is None
    assert [job.BackupJobId for job in listed] == [job.BackupJobId for job in jobs]
    assert len(stores.jobs.open_backup_jobs()[0]) == 60
    assert stores.jobs.get_backup_job("JOB-059") == jobs[-1]


def test_given_a_restore_job_when_created_twice_or_saved_over_a_stale_status_then_the_first_write_holds(
    stores,
) -> None:
    from lambdas.domain.jobs import RestoreJobStatus

    pending = restore_job("RESTORE-1")
    assert stores.jobs.create_restore_job(pending) is True
    assert stores.jobs.create_restore_job(restore_job("RESTORE-1", status=RestoreJobStatus.RUNNING)) is False
    running = pending.transition(RestoreJobStatus.RUNNING)

    with pytest.raises(errors().ConflictException):
        stores.jobs.save_restore_job(running, expected_status="RUNNING")
    assert stores.jobs.get_restore_job("RESTORE-1") == pending

    stores.jobs.save_restore_job(running, expected_status="PENDING")
    assert [job.Status for job in stores.jobs.restore_jobs()[0]] == [RestoreJobStatus.RUNNING]


def test_given_restore_jobs_when_the_sweep_asks_which_tests_to_follow_then_only_tests_whose_copy_is_there(
    stores,
) -> None:
    """The hourly restore-testing sweep reads its own sparse partition, not every restore job ever made."""
    from lambdas.domain.jobs import RestoreJobCreator, RestoreJobStatus

    plan_arn = f"arn:aws:backup:{REGION}:123456789012:restore-testing-plan:weekly-1"
    plan = RestoreJobCreator(RestoreTestingPlanArn=plan_arn)
    # Given an ordinary restore and two restore tests, all still running
    ordinary = restore_job("RESTORE-USER", status=RestoreJobStatus.RUNNING)
    tested, cleaned = (restore_job(i, status=RestoreJobStatus.RUNNING).model_copy(update={"CreatedBy": plan})
                       for i in ("RESTORE-T1", "RESTORE-T2"))  # fmt: skip
    for job in (ordinary, tested, cleaned):
        assert stores.jobs.create_restore_job(job) is True
    assert stores.jobs.restore_tests_to_follow()[0] == []
    # When all three complete, and the second test's copy is then deleted
    for job in (ordinary, tested, cleaned):
        stores.jobs.save_restore_job(job.transition(RestoreJobStatus.COMPLETED), expected_status="RUNNING")
    gone = stores.jobs.get_restore_job("RESTORE-T2").model_copy(update={"DeletionStatus": "SUCCESSFUL"})
    stores.jobs.save_restore_job(gone, expected_status="COMPLETED")
    # Then only the first test is left to follow: the ordinary restore never was, the cleaned one left
    assert [job.RestoreJobId for job in stores.jobs.restore_tests_to_follow()[0]] == ["RESTORE-T1"]


# Recovery points


def test_given_points_with_and_without_deletion_dates_when_asking_what_is_due_then_only_due_ones_in_date_order(
    stores,
) -> None:
    now = T0 + timedelta(days=30)
    points = {
        "later": now + timedelta(seconds=1),
        "oldest": now - timedelta(days=2),
        "exactly-now": now,
        "yesterday": now - timedelta(days=1),
        "next-week": now + timedelta(days=7),
        "forever": None,
    }
    for name, delete_at in points.items():
        assert stores.recovery_points.create(recovery_point(name, delete_at=delete_at)) is True

    due, token = stores.recovery_points.due(now)

    assert [p.NativeBackupId for p in due] == ["snap-oldest", "snap-yesterday", "snap-exactly-now"]
    assert token is None
    assert [p.CalculatedLifecycle.DeleteAt for p in due] == [points["oldest"], points["yesterday"], now]


def test_given_a_point_when_saved_as_deleted_then_it_leaves_the_vault_listing_and_the_expiry_index(stores) -> None:
    due_at = T0 + timedelta(days=1)
    kept = recovery_point("kept", delete_at=due_at)
    gone = recovery_point("gone", delete_at=due_at, created=T0 + timedelta(minutes=1))
    stores.recovery_points.create(kept)
    stores.recovery_points.create(gone)
    assert len(stores.recovery_points.in_vault("main")[0]) == 2

    stores.recovery_points.save(gone.model_copy(update={"StorageClass": "DELETED"}), expected_status="COMPLETED")

    assert stores.recovery_points.in_vault("main")[0] == [kept]
    assert stores.recovery_points.count_in_vault("main") == 1
    assert stores.recovery_points.due(T0 + timedelta(days=2)) == ([kept], None)
    assert stores.recovery_points.of_resource(kept.ResourceArn) == [kept]
    with pytest.raises(errors().ResourceNotFoundException):
        stores.recovery_points.get(gone.RecoveryPointArn)


def test_given_a_point_when_created_twice_then_false_and_the_first_is_kept(stores) -> None:
    first = recovery_point("one", BackupSizeInBytes=1)
    assert stores.recovery_points.create(first) is True

    assert stores.recovery_points.create(recovery_point("one", BackupSizeInBytes=2)) is False
    assert stores.recovery_points.get(first.RecoveryPointArn) == first


def test_given_a_point_when_saved_over_a_stale_status_then_conflict(stores) -> None:
    point = recovery_point("one")
    stores.recovery_points.create(point)

    with pytest.raises(errors().ConflictException):
        stores.recovery_points.save(point.model_copy(update={"StorageClass": "COLD"}), expected_status="EXPIRED")
    assert stores.recovery_points.get(point.RecoveryPointArn).StorageClass == "WARM"


def test_given_a_warm_point_with_a_cold_move_then_it_is_due_at_its_move_and_once_cold_at_its_deletion(stores) -> None:
    # Given a WARM point that moves to cold storage on day 10 and is deleted on day 110
    lifecycle = CalculatedLifecycle(MoveToColdStorageAt=T0 + timedelta(days=10), DeleteAt=T0 + timedelta(days=110))
    warm = recovery_point("warm").model_copy(update={"CalculatedLifecycle": lifecycle})
    stores.recovery_points.create(warm)

    # Then it is due at its move, not before
    assert stores.recovery_points.due(T0 + timedelta(days=10) - timedelta(seconds=1)) == ([], None)
    assert stores.recovery_points.due(T0 + timedelta(days=10)) == ([warm], None)

    # When it is saved COLD, it is due again only at its deletion
    cold = warm.model_copy(update={"StorageClass": "COLD"})
    stores.recovery_points.save(cold, expected_status="COMPLETED")
    assert stores.recovery_points.due(T0 + timedelta(days=109)) == ([], None)
    assert stores.recovery_points.due(T0 + timedelta(days=110)) == ([cold], None)


def test_given_a_point_with_a_retry_time_then_it_is_due_no_earlier_and_behind_points_that_waited_longer(
    stores,
) -> None:
    # Given a point whose deletion failed on day 1 and is retried from day 5, and one due on day 3
    retried = recovery_point("retried", delete_at=T0 + timedelta(days=1)).model_copy(
        update={"Status": RecoveryPointStatus.EXPIRED, "LifecycleRetryAt": T0 + timedelta(days=5)}
    )
    waiting = recovery_point("waiting", delete_at=T0 + timedelta(days=3))
    stores.recovery_points.create(retried)
    stores.recovery_points.create(waiting)

    # Then on day 4 only the other is due, and on day 6 the retried one comes after it
    assert stores.recovery_points.due(T0 + timedelta(days=4)) == ([waiting], None)
    assert stores.recovery_points.due(T0 + timedelta(days=6)) == ([waiting, retried], None)


def test_given_more_due_points_than_a_page_when_paged_and_changed_meanwhile_then_each_comes_once_in_order(
    stores,
) -> None:
    # Given seven due points
    names = [f"p{n}" for n in range(7)]
    for n, name in enumerate(names):
        stores.recovery_points.create(recovery_point(name, delete_at=T0 + timedelta(hours=n)))
    now = T0 + timedelta(days=1)

    # When they are read three at a time, each page's points marked EXPIRED (as a failed deletion does)
    # before the next page is asked for
    seen: list[str] = []
    token: str | None = None
    for _ in range(5):
        page, token = stores.recovery_points.due(now, limit=3, token=token)
        for point in page:
            expired = point.model_copy(update={"Status": RecoveryPointStatus.EXPIRED})
            stores.recovery_points.save(expired, expected_status="COMPLETED")
        seen.extend(point.NativeBackupId for point in page)
        if token is None:
            break

    # Then every point came exactly once, in due order, and the listing ended
    assert token is None
    assert seen == [f"snap-{name}" for name in names]


# Legal holds


def legal_hold(hold_id: str, *, created: Any = T0, status: str = "ACTIVE") -> Any:
    from lambdas.domain.legal_holds import LegalHold, RecoveryPointSelection, legal_hold_arn

    return LegalHold(
        LegalHoldId=hold_id,
        LegalHoldArn=legal_hold_arn(REGION, "123456789012", hold_id),
        Title=f"title {hold_id}",
        Description="kept for the court",
        Status=status,
        CreationDate=created,
        RecoveryPointSelection=RecoveryPointSelection(VaultNames=["main"]),
        Tags={"case": hold_id},
    )


def held(hold_id: str, *points: Any) -> list[Any]:
    from lambdas.domain.legal_holds import HeldRecoveryPoint

    return [HeldRecoveryPoint.of(hold_id, point) for point in points]


def test_given_a_legal_hold_when_created_twice_then_false_and_the_first_is_kept(stores) -> None:
    first = legal_hold("hold-1")
    assert stores.legal_holds.create(first) is True

    assert stores.legal_holds.create(first.model_copy(update={"Title": "other"})) is False
    assert stores.legal_holds.get("hold-1") == first
    with pytest.raises(errors().ResourceNotFoundException, match="nowhere"):
        stores.legal_holds.get("nowhere")


def test_given_a_legal_hold_when_saved_over_a_stale_status_then_conflict_and_it_is_unchanged(stores) -> None:
    hold = legal_hold("hold-1", status="CREATING")
    stores.legal_holds.create(hold)

    with pytest.raises(errors().ConflictException):
        stores.legal_holds.save(legal_hold("hold-1", status="CANCELED"), expected_status="ACTIVE")
    assert stores.legal_holds.get("hold-1").Status == "CREATING"


def test_given_holds_some_canceled_when_listed_and_counted_then_newest_first_and_only_open_ones_count(stores) -> None:
    for n in range(5):
        stores.legal_holds.create(legal_hold(f"hold-{n}", created=T0 + timedelta(minutes=n)))
    canceled = legal_hold("hold-3", created=T0 + timedelta(minutes=3), status="CANCELED")
    stores.legal_holds.save(canceled, expected_status="ACTIVE")

    first, token = stores.legal_holds.page(limit=2)
    second, token2 = stores.legal_holds.page(limit=2, token=token)
    third, token3 = stores.legal_holds.page(limit=2, token=token2)
    open_only, _ = stores.legal_holds.page(limit=10, keep=lambda hold: hold.Status != "CANCELED")

    assert [h.LegalHoldId for h in first + second + third] == [f"hold-{n}" for n in (4, 3, 2, 1, 0)]
    assert token3 is None
    assert [h.LegalHoldId for h in open_only] == ["hold-4", "hold-2", "hold-1", "hold-0"]
    assert stores.legal_holds.count_open(at_most=50) == 4
    assert stores.legal_holds.count_open(at_most=3) == 3


def test_given_points_held_by_two_holds_when_read_then_each_hold_pages_its_points_and_each_point_knows_its_holds(
    stores,
) -> None:
    points = [recovery_point(name) for name in ("c", "a", "b")]
    for point in points:
        stores.recovery_points.create(point)

    stores.legal_holds.hold_points(held("hold-1", *points))
    stores.legal_holds.hold_points(held("hold-2", points[0]))
    stores.legal_holds.hold_points(held("hold-1", points[1]))  # a retried application rewrites the same item

    first, token = stores.legal_holds.points_of("hold-1", limit=2)
    rest, end = stores.legal_holds.points_of("hold-1", limit=2, token=token)
    assert [p.RecoveryPointArn for p in first + rest] == sorted(p.RecoveryPointArn for p in points)
    assert end is None
    assert rest[0].model_dump(exclude={"RecoveryPointArn"}) == {
        "LegalHoldId": "hold-1",
        "ResourceArn": points[0].ResourceArn,
        "ResourceType": "EBS",
        "BackupVaultName": "main",
    }
    assert [p.RecoveryPointArn for p in stores.legal_holds.points_of("hold-2")[0]] == [points[0].RecoveryPointArn]
    assert stores.legal_holds.points_of("hold-3") == ([], None)
    assert sorted(stores.legal_holds.holds_on(points[0].RecoveryPointArn)) == ["hold-1", "hold-2"]
    assert stores.legal_holds.holds_on(points[1].RecoveryPointArn) == ["hold-1"]
    assert stores.legal_holds.holds_on("arn:aws:ec2:us-east-1::snapshot/snap-none") == []


def test_given_held_points_when_the_recovery_point_store_reads_them_then_the_memberships_are_invisible_to_it(
    stores,
) -> None:
    # The memberships live in the points' own partitions: every recovery point read must ignore them
    due_at = T0 + timedelta(days=1)
    point = recovery_point("held", delete_at=due_at)
    stores.recovery_points.create(point)
    stores.legal_holds.hold_points(held("hold-1", point) + held("hold-2", point))

    assert stores.recovery_points.get(point.RecoveryPointArn) == point
    assert stores.recovery_points.in_vault("main") == ([point], None)
    assert stores.recovery_points.search(vault_name="main") == ([point], None)
    assert stores.recovery_points.count_in_vault("main") == 1
    assert stores.recovery_points.of_resource(point.ResourceArn) == [point]
    stores.recovery_points.save(point.model_copy(update={"StorageClass": "DELETED"}), expected_status="COMPLETED")
    assert stores.recovery_points.in_vault("main") == ([], None)
    assert len(stores.legal_holds.holds_on(point.RecoveryPointArn)) == 2


# The item-level contract underneath


def test_given_no_item_when_put_expecting_an_attribute_absent_then_the_write_succeeds(table) -> None:
    # DynamoDB: attribute_not_exists(x) holds on an item that does not exist at all
    item = {"PK": "THING#1", "SK": "THING", "State": "NEW", "data": "{}"}

    table.put(item, expect={"Lock": None})

    assert table.get("THING#1", "THING") == item


# Keep-the-newest writes (protected resources): one conditional write, no read


def test_given_a_newer_value_when_put_with_newer_then_it_lands_and_an_older_one_does_not(table) -> None:
    from lambdas.store.table import ConditionFailed

    item = {"PK": "P#1", "SK": "S", "At": "2026-01-02", "data": "second"}
    table.put(item, newer=("At", "2026-01-02"))  # no item yet: lands
    with pytest.raises(ConditionFailed):
        table.put({**item, "At": "2026-01-01", "data": "older"}, newer=("At", "2026-01-01"))
    with pytest.raises(ConditionFailed):
        table.put({**item, "data": "same moment"}, newer=("At", "2026-01-02"))
    table.put({**item, "At": "2026-01-03", "data": "third"}, newer=("At", "2026-01-03"))
    assert table.get("P#1", "S")["data"] == "third"


def test_given_points_recorded_out_of_order_then_the_protected_resource_keeps_the_newest(stores) -> None:
    from tests.integration.builders import T0, recovery_point

    newer = recovery_point("new", created=T0 + timedelta(days=1))
    older = recovery_point("old", created=T0)
    stores.protected.record(newer)
    stores.protected.record(older)
    assert stores.protected.get(newer.ResourceArn).LastRecoveryPointArn == newer.RecoveryPointArn


# Transactions: many conditional writes in one call, all or none


def test_given_new_items_when_written_in_one_transaction_then_all_land(table) -> None:
    from lambdas.store.table import Put

    table.transact([Put({"PK": f"T#{n}", "SK": "S", "State": "CREATED"}, if_absent=True) for n in range(100)])
    assert all(table.get(f"T#{n}", "S") for n in range(100))


def test_given_one_condition_that_fails_when_a_transaction_is_written_then_nothing_is(table) -> None:
    from lambdas.store.table import ConditionFailed, Put

    table.put({"PK": "T#3", "SK": "S", "State": "RUNNING"})
    with pytest.raises(ConditionFailed):
        table.transact(
            [Put({"PK": f"T#{n}", "SK": "S", "State": "COMPLETED"}, expect={"State": "RUNNING"}) for n in (3, 4)]
        )
    assert table.get("T#3", "S")["State"] == "RUNNING" and table.get("T#4", "S") is None


# Reading many keys at once


def test_given_150_items_when_read_with_missing_keys_among_them_then_exactly_the_existing_ones_come_back(
    table,
) -> None:
    table.put_many([{"PK": f"G#{n}", "SK": "S", "N": n} for n in range(150)])
    keys = [(f"G#{n}", "S") for n in range(0, 200, 1)] + [("G#0", "S")]  # past BatchGetItem's 100, a repeat
    found = table.get_many(keys)
    assert sorted(item["N"] for item in found) == list(range(150))


# One backup of a resource at a time: claims written with the RUNNING state, released when the job ends


def running_until(job_id: str, complete_by: Any) -> Any:
    running = backup_job(job_id, state=BackupJobState.RUNNING, HoldsClaim=True)
    return running.model_copy(update={"CompleteBy": complete_by})


def test_given_a_running_job_when_another_job_of_the_resource_starts_then_its_claim_is_refused(stores) -> None:
    first = running_until("JOB-1", T0 + timedelta(hours=8))
    second = running_until("JOB-2", T0 + timedelta(hours=9))
    stores.jobs.create_backup_jobs([backup_job("JOB-1"), backup_job("JOB-2")])
    # Given the first job saved RUNNING with its claim
    assert stores.start_backups([first], "CREATED", T0)
    assert stores.running.held([first.ResourceArn], T0 + timedelta(hours=1))[first.ResourceArn].job_id == "JOB-1"
    # When the second job of the same resource is saved RUNNING, then nothing of it is written
    assert not stores.start_backups([second], "CREATED", T0 + timedelta(hours=1))
    assert stores.jobs.get_backup_job("JOB-2").State == BackupJobState.CREATED
    # When the first job is released, the second may start at once
    stores.running.release(first)
    assert stores.running.held([first.ResourceArn], T0 + timedelta(hours=1)) == {}
    assert stores.start_backups([second], "CREATED", T0 + timedelta(hours=1))


def test_given_a_claim_past_its_jobs_completion_window_then_it_no_longer_holds(stores) -> None:
    first = running_until("JOB-1", T0 + timedelta(hours=8))
    stores.jobs.create_backup_jobs([backup_job("JOB-1"), backup_job("JOB-2")])
    assert stores.start_backups([first], "CREATED", T0)
    later = T0 + timedelta(hours=8, seconds=1)
    assert stores.running.held([first.ResourceArn], later) == {}
    second = running_until("JOB-2", later + timedelta(hours=8))
    assert stores.start_backups([second], "CREATED", later)


def test_given_another_jobs_claim_when_a_job_releases_then_the_claim_stays(stores) -> None:
    first = running_until("JOB-1", T0 + timedelta(hours=8))
    stores.jobs.create_backup_jobs([backup_job("JOB-1")])
    assert stores.start_backups([first], "CREATED", T0)
    stores.running.release(backup_job("JOB-OTHER"))
    assert stores.running.held([first.ResourceArn], T0)[first.ResourceArn].job_id == "JOB-1"


# The vault's recovery point counter: ListBackupVaults must not read every point of every vault.


class _CountingTable:
    """The table, counting the queries a read makes."""

    def __init__(self, table: Any) -> None:
        self._table = table
        self.queries = 0

    def query(self, query: Any) -> Any:
        self.queries += 1
        return self._table.query(query)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)


def test_given_points_recorded_and_deleted_when_vaults_are_counted_then_no_point_is_read(table) -> None:
    """Given two vaults, points recorded one by one and together with their jobs, one deleted (twice, as a retry
    would), when both vaults are counted, then the counts are exact, the bytes summed, and no query ran."""
    from lambdas.store.stores import Stores

    stores = Stores.over(table)
    stores.vaults.create(vault("main"))
    stores.vaults.create(vault("other"))
    for n in range(3):
        assert stores.recovery_points.create(recovery_point(f"p{n}", BackupSizeInBytes=100))
    together = [
        (
            recovery_point(f"t{n}", vault_name="other", BackupSizeInBytes=10).model_copy(
                update={"ResourceArn": f"arn:aws:ec2:{REGION}:1:volume/v{n}"}
            ),
            backup_job(f"J{n}", state=BackupJobState.COMPLETED, resource_arn=f"arn:aws:ec2:{REGION}:1:volume/v{n}"),
        )
        for n in range(2)
    ]
    jobs_running = [(point, job.model_copy(update={"State": BackupJobState.RUNNING})) for point, job in together]
    for _, job in jobs_running:
        stores.jobs.create_backup_job(job)
    assert stores.complete_backups(together, BackupJobState.RUNNING.value, T0)
    deleted = recovery_point("p0", BackupSizeInBytes=100).model_copy(update={"StorageClass": "DELETED"})
    stores.recovery_points.save(deleted, expected_status="COMPLETED")
    stores.recovery_points.save(deleted, expected_status="COMPLETED")

    counting = _CountingTable(table)
    counts = Stores.over(counting).recovery_points.counts_in_vaults(["main", "other"])

    assert counts == {"main": 2, "other": 2}
    assert counting.queries == 0
    assert table.get("VAULT#main", "COUNTS")["Bytes"] == 200
    assert table.get("VAULT#other", "COUNTS")["Bytes"] == 20


def test_given_a_vault_from_before_the_counter_when_counted_then_its_points_are_queried(stores, table) -> None:
    """Given a vault stored before vaults had a counter (its points still add to one, which is then not exact),
    when it is counted, then the points are counted by a query, as before."""
    stores.vaults.create(vault("old"))
    table.delete("VAULT#old", "COUNTS")
    for n in range(2):
        stores.recovery_points.create(recovery_point(f"o{n}", vault_name="old"))
    table.delete("VAULT#old", "COUNTS")
    stores.recovery_points.create(recovery_point("o2", vault_name="old"))

    assert stores.recovery_points.count_in_vault("old") == 3


def test_given_a_vault_deleted_when_created_again_then_its_counter_starts_at_zero(stores) -> None:
    stores.vaults.create(vault("again"))
    point = recovery_point("a", vault_name="again")
    stores.recovery_points.create(point)
    stores.recovery_points.save(point.model_copy(update={"StorageClass": "DELETED"}), expected_status="COMPLETED")
    stores.vaults.delete("again")

    stores.vaults.create(vault("again"))

    assert stores.recovery_points.count_in_vault("again") == 0


def test_given_no_open_jobs_marker_when_read_then_jobs_may_be_open(stores) -> None:
    # A table written before the marker existed: open jobs may be there, so the tracker must look
    assert not stores.jobs.open_marker.read().nothing_open


def test_given_two_empty_findings_when_read_then_nothing_open_until_a_job_is_opened(stores) -> None:
    marker = stores.jobs.open_marker
    # Given a job opened, and the tracker finding none open twice (reading the marker before each time)
    marker.opening()
    marker.found_none(marker.read())
    assert not marker.read().nothing_open  # once is not enough: the index may not show a new job yet
    marker.found_none(marker.read())
    assert marker.read().nothing_open
    # When a job is opened
    marker.opening()
    # Then the marker says jobs may be open again
    assert not marker.read().nothing_open


def test_given_a_job_opened_after_the_tracker_read_the_marker_when_it_reports_none_then_the_report_is_dropped(
    stores,
) -> None:
    marker = stores.jobs.open_marker
    marker.opening()
    marker.found_none(marker.read())
    # Given the tracker read the marker, then a job was opened before it reported finding none
    read = marker.read()
    marker.opening()
    marker.found_none(read)
    # Then nothing says "nothing open", now or after one more empty finding
    assert not marker.read().nothing_open
    marker.found_none(marker.read())
    assert not marker.read().nothing_open
