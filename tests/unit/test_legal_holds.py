"""Legal holds: the points a hold selects, and the deletions it stops (expiry, DeleteRecoveryPoint,
DisassociateRecoveryPoint) until it is canceled."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from lambdas.domain.errors import (
    InvalidParameterValueException,
    InvalidRequestException,
    InvalidResourceStateException,
    LimitExceededException,
    MissingParameterValueException,
    ResourceNotFoundException,
)
from lambdas.domain.legal_holds import DateRange, LegalHoldStatus, RecoveryPointSelection
from lambdas.domain.recovery_points import RecoveryPointStatus
from lambdas.services import backup_service, legal_hold_service, recovery_point_service, vault_service
from lambdas.services.lifecycle_service import run_lifecycle
from lambdas.services.tracking_service import track_jobs
from tests.fakes import ROLE, T0, World, volume_arn

# Helpers


def new_vault(world: World, name: str) -> str:
    vault_service.create_vault(world.ctx, {"BackupVaultName": name}, T0)
    return name


def back_up(world: World, vault: str, volume: int, at: datetime = T0, keep_days: int = 35) -> str:
    """Given a completed on-demand backup of volume `volume` into `vault`, started at `at`: its point's ARN."""
    arn = world.ebs.add_volume(volume)
    request = {
        "BackupVaultName": vault,
        "ResourceArn": arn,
        "IamRoleArn": ROLE,
        "Lifecycle": {"DeleteAfterDays": keep_days},
    }
    job = backup_service.start_backup_job(world.ctx, request, at)
    track_jobs(world.ctx, at + timedelta(minutes=5))
    assert job.RecoveryPointArn and world.ctx.stores.recovery_points.get(job.RecoveryPointArn)
    return job.RecoveryPointArn


def hold(world: World, now: datetime, title: str = "litigation", **selection: Any) -> str:
    request: dict[str, Any] = {"Title": title, "Description": f"{title} of record"}
    if selection:
        request["RecoveryPointSelection"] = selection
    created = legal_hold_service.create(world.ctx, request, now)
    assert created.Status == LegalHoldStatus.ACTIVE
    return created.LegalHoldId


def cancel(world: World, hold_id: str, now: datetime, **extra: Any) -> None:
    legal_hold_service.cancel(world.ctx, {"LegalHoldId": hold_id, "CancelDescription": "case closed", **extra}, now)


def held_points(world: World, hold_id: str, now: datetime = T0 + timedelta(days=1)) -> set[str]:
    points, _ = legal_hold_service.list_points(world.ctx, hold_id, 1000, None, now)
    return {point.RecoveryPointArn for point in points}


def snapshot_of(arn: str) -> str:
    return arn.rsplit("/", 1)[1]


# Expiry


def test_given_a_held_point_past_its_deletion_date_when_lifecycle_runs_then_it_stays_until_the_hold_is_canceled(
    world: World,
) -> None:
    # Given a point kept 7 days, under a legal hold made on day 1
    vault = new_vault(world, "main")
    arn = back_up(world, vault, 1, keep_days=7)
    hold_id = hold(world, T0 + timedelta(days=1), VaultNames=[vault])

    # When the lifecycle runs on days 8 and 30
    for day in (8, 30):
        result = run_lifecycle(world.ctx, T0 + timedelta(days=day))

        # Then the point and its snapshot stay, and that is no failure
        assert (result.deleted, result.failed) == ([], [])
        point = world.ctx.stores.recovery_points.get(arn)
        assert (point.Status, point.StorageClass, point.DeletionAttempts) == (RecoveryPointStatus.COMPLETED, "WARM", 0)
        assert snapshot_of(arn) in world.ebs.snapshots

    # When the hold is canceled on day 31, the first lifecycle run after it deletes the point
    cancel(world, hold_id, T0 + timedelta(days=31))
    result = run_lifecycle(world.ctx, T0 + timedelta(days=31, hours=1))
    assert result.deleted == [arn]
    assert world.ebs.snapshots == {}
    assert world.ctx.stores.recovery_points.in_vault(vault)[0] == []


def test_given_a_point_under_two_holds_when_one_is_canceled_then_it_stays_until_the_other_is_too(world: World) -> None:
    # Given a point past its deletion date under two holds
    vault = new_vault(world, "main")
    arn = back_up(world, vault, 1, keep_days=7)
    first = hold(world, T0 + timedelta(days=1), "first", VaultNames=[vault])
    second = hold(world, T0 + timedelta(days=2), "second", ResourceIdentifiers=[volume_arn(1)])

    # When the first is canceled, the point is still refused to DeleteRecoveryPoint (naming the second) and to expiry
    cancel(world, first, T0 + timedelta(days=10))
    with pytest.raises(InvalidRequestException, match=second) as refused:
        recovery_point_service.delete(
            world.ctx, {"BackupVaultName": vault, "RecoveryPointArn": arn}, T0 + timedelta(days=10)
        )
    assert first not in refused.value.message
    assert run_lifecycle(world.ctx, T0 + timedelta(days=11)).deleted == []
    assert snapshot_of(arn) in world.ebs.snapshots

    # When the second is canceled as well, the next run deletes it
    cancel(world, second, T0 + timedelta(days=12))
    assert run_lifecycle(world.ctx, T0 + timedelta(days=12, hours=1)).deleted == [arn]
    assert world.ebs.snapshots == {}


def test_given_a_point_whose_deletion_failed_when_a_hold_is_placed_then_the_retries_stop(world: World) -> None:
    # Given a point whose deletion failed on day 8: it is EXPIRED and would be retried every hour
    vault = new_vault(world, "main")
    arn = back_up(world, vault, 1, keep_days=7)
    world.ebs.fail_delete = True
    assert run_lifecycle(world.ctx, T0 + timedelta(days=8)).failed == [arn]
    world.ebs.fail_delete = False

    # When a hold is placed on it before the next run
    hold_id = hold(world, T0 + timedelta(days=8, minutes=30), VaultNames=[vault])

    # Then the next run keeps it: the EXPIRED point is held like any other
    assert held_points(world, hold_id) == {arn}
    result = run_lifecycle(world.ctx, T0 + timedelta(days=8, hours=1))
    assert (result.deleted, result.failed) == ([], [])
    assert snapshot_of(arn) in world.ebs.snapshots


# DeleteRecoveryPoint and DisassociateRecoveryPoint


def test_given_a_held_point_when_deleted_or_disassociated_by_hand_then_refused_naming_the_hold_and_nothing_changes(
    world: World,
) -> None:
    # Given a completed point under a hold
    vault = new_vault(world, "main")
    arn = back_up(world, vault, 1)
    hold_id = hold(world, T0 + timedelta(hours=1), "audit 2026", VaultNames=[vault])
    before = world.ctx.stores.recovery_points.get(arn)
    request = {"BackupVaultName": vault, "RecoveryPointArn": arn}

    # When it is deleted, or disassociated, by hand
    for action in (recovery_point_service.delete, recovery_point_service.disassociate):
        with pytest.raises(InvalidRequestException, match=f"legal hold {hold_id} \\('audit 2026'\\)"):
            action(world.ctx, request, T0 + timedelta(hours=2))

    # Then nothing changed: the point, its listing and its snapshot are all there
    assert world.ctx.stores.recovery_points.get(arn) == before
    assert [p.RecoveryPointArn for p in world.ctx.stores.recovery_points.in_vault(vault)[0]] == [arn]
    assert snapshot_of(arn) in world.ebs.snapshots

    # And once the hold is canceled, the same deletion goes through
    cancel(world, hold_id, T0 + timedelta(hours=3))
    recovery_point_service.delete(world.ctx, request, T0 + timedelta(hours=4))
    assert world.ebs.snapshots == {}


# Which points a hold selects


def test_given_points_in_two_vaults_of_three_volumes_over_three_days_when_held_then_each_selection_takes_its_own(
    world: World,
) -> None:
    # Given points of volumes 1 and 2 in vault-a and of volume 3 in vault-b, on days 0, 1 and 2
    a, b = new_vault(world, "vault-a"), new_vault(world, "vault-b")
    day = [T0, T0 + timedelta(days=1), T0 + timedelta(days=2)]
    a1, a2, b3 = back_up(world, a, 1, day[0]), back_up(world, a, 2, day[1]), back_up(world, b, 3, day[2])
    volume = {n: volume_arn(n) for n in (1, 2, 3)}
    now = T0 + timedelta(days=3)

    # When holds select by vault, by resource, by date range, by all three, and by nothing
    by_vault = hold(world, now, VaultNames=[a])
    by_resources = hold(world, now, ResourceIdentifiers=[volume[1], volume[3]])
    by_dates = hold(world, now, DateRange={"FromDate": day[1], "ToDate": day[2]})  # both ends inclusive
    narrow = hold(
        world,
        now,
        VaultNames=[a, b],
        ResourceIdentifiers=[volume[2], volume[3]],
        DateRange={"FromDate": day[0], "ToDate": day[1]},
    )
    everything = hold(world, now)
    nothing = hold(world, now, VaultNames=["no-such-vault"])

    # Then each holds exactly the points it names
    assert held_points(world, by_vault, now) == {a1, a2}
    assert held_points(world, by_resources, now) == {a1, b3}
    assert held_points(world, by_dates, now) == {a2, b3}
    assert held_points(world, narrow, now) == {a2}
    assert held_points(world, everything, now) == {a1, a2, b3}
    assert held_points(world, nothing, now) == set()


def test_given_a_hold_when_a_new_point_falls_inside_its_selection_later_then_it_does_not_join(world: World) -> None:
    # Given a hold over vault "main" with one point in it
    vault = new_vault(world, "main")
    old = back_up(world, vault, 1)
    hold_id = hold(world, T0 + timedelta(hours=1), VaultNames=[vault])

    # When a new point is made in that vault, kept one day
    new = back_up(world, vault, 2, T0 + timedelta(hours=2), keep_days=1)

    # Then only the point that existed when the hold was made is held; the new one expires on time
    assert held_points(world, hold_id) == {old}
    assert run_lifecycle(world.ctx, T0 + timedelta(days=1, hours=3)).deleted == [new]


def test_the_selection_rule_on_its_own() -> None:
    from tests.integration.builders import recovery_point

    point = recovery_point("one", vault_name="main")
    created = point.CreationDate
    assert RecoveryPointSelection().selects(point)
    assert RecoveryPointSelection(VaultNames=["main", "other"]).selects(point)
    assert not RecoveryPointSelection(VaultNames=["other"]).selects(point)
    assert RecoveryPointSelection(ResourceIdentifiers=[point.ResourceArn]).selects(point)
    assert not RecoveryPointSelection(ResourceIdentifiers=[point.ResourceArn + "x"]).selects(point)
    assert RecoveryPointSelection(DateRange=DateRange(FromDate=created, ToDate=created)).selects(point)
    later = DateRange(FromDate=created + timedelta(microseconds=1), ToDate=created + timedelta(days=1))
    assert not RecoveryPointSelection(DateRange=later).selects(point)
    assert not RecoveryPointSelection().selects(point.model_copy(update={"StorageClass": "DELETED"}))


# Create, get, cancel, list


def test_given_the_same_idempotency_token_when_created_twice_then_one_hold(world: World) -> None:
    vault = new_vault(world, "main")
    arn = back_up(world, vault, 1)
    request = {
        "Title": "t",
        "Description": "d",
        "IdempotencyToken": "case-42",
        "RecoveryPointSelection": {"VaultNames": [vault]},
    }

    first = legal_hold_service.create(world.ctx, request, T0 + timedelta(hours=1))
    again = legal_hold_service.create(world.ctx, request, T0 + timedelta(hours=2))

    assert again == first
    assert [h.LegalHoldId for h in legal_hold_service.list_holds(world.ctx, 10, None, T0 + timedelta(hours=3))[0]] == [
        first.LegalHoldId
    ]
    assert held_points(world, first.LegalHoldId) == {arn}


def test_given_a_creation_cut_short_when_retried_with_its_token_then_the_hold_is_finished(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a hold whose creation died after the hold was written, before it was applied
    vault = new_vault(world, "main")
    arn = back_up(world, vault, 1)
    request = {
        "Title": "t",
        "Description": "d",
        "IdempotencyToken": "retry-me",
        "RecoveryPointSelection": {"VaultNames": [vault]},
    }

    def dies(*args: Any) -> Any:
        raise RuntimeError("the function died here")

    with monkeypatch.context() as patched:
        patched.setattr(legal_hold_service, "_apply", dies)
        with pytest.raises(RuntimeError):
            legal_hold_service.create(world.ctx, request, T0 + timedelta(hours=1))
    (creating,), _ = legal_hold_service.list_holds(world.ctx, 10, None, T0 + timedelta(hours=1))
    assert creating.Status == LegalHoldStatus.CREATING

    # When the caller retries with the same token, the hold is applied and becomes ACTIVE: no second hold
    finished = legal_hold_service.create(world.ctx, request, T0 + timedelta(hours=2))
    assert (finished.LegalHoldId, finished.Status) == (creating.LegalHoldId, LegalHoldStatus.ACTIVE)
    assert held_points(world, finished.LegalHoldId) == {arn}
    assert len(legal_hold_service.list_holds(world.ctx, 10, None, T0 + timedelta(hours=2))[0]) == 1


def test_given_a_hold_when_canceled_then_it_records_why_and_until_when_and_a_second_cancel_is_refused(
    world: World,
) -> None:
    hold_id = hold(world, T0)
    canceled_at = T0 + timedelta(days=1)

    cancel(world, hold_id, canceled_at, RetainRecordInDays=30)

    got = legal_hold_service.get(world.ctx, hold_id, canceled_at)
    assert (got.Status, got.CancelDescription, got.CancellationDate) == (
        LegalHoldStatus.CANCELED,
        "case closed",
        canceled_at,
    )
    assert got.RetainRecordUntil == canceled_at + timedelta(days=30)
    with pytest.raises(InvalidResourceStateException, match="canceled already"):
        cancel(world, hold_id, canceled_at + timedelta(hours=1))
    # Its record is read until RetainRecordUntil, then it is gone
    assert [
        h.LegalHoldId for h in legal_hold_service.list_holds(world.ctx, 10, None, canceled_at + timedelta(days=29))[0]
    ] == [hold_id]
    gone = canceled_at + timedelta(days=30)
    assert legal_hold_service.list_holds(world.ctx, 10, None, gone)[0] == []
    with pytest.raises(ResourceNotFoundException):
        legal_hold_service.get(world.ctx, hold_id, gone)


@pytest.mark.parametrize(
    ("request_fields", "error", "message"),
    [
        ({"Description": "d"}, MissingParameterValueException, "Title"),
        ({"Title": "", "Description": "d"}, InvalidParameterValueException, "Title"),
        (
            {"Title": "t", "Description": "d", "RecoveryPointSelection": {"VaultNames": ["bad name!"]}},
            InvalidParameterValueException,
            "backup vault name",
        ),
        (
            {"Title": "t", "Description": "d", "RecoveryPointSelection": {"ResourceIdentifiers": ["vol-1"]}},
            InvalidParameterValueException,
            "resource ARN",
        ),
        (
            {
                "Title": "t",
                "Description": "d",
                "RecoveryPointSelection": {"DateRange": {"FromDate": T0, "ToDate": T0 - timedelta(days=1)}},
            },
            InvalidParameterValueException,
            "must not be after ToDate",
        ),
        (
            {
                "Title": "t",
                "Description": "d",
                "RecoveryPointSelection": {"DateRange": {"FromDate": T0, "ToDate": T0 + timedelta(days=2)}},
            },
            InvalidParameterValueException,
            "future",
        ),
    ],
)
def test_given_bad_input_when_creating_then_refused_and_nothing_written(
    world: World, request_fields: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        legal_hold_service.create(world.ctx, request_fields, T0 + timedelta(days=1))
    assert legal_hold_service.list_holds(world.ctx, 10, None, T0 + timedelta(days=1))[0] == []


def test_given_bad_input_when_canceling_then_refused_and_the_hold_stays_active(world: World) -> None:
    hold_id = hold(world, T0)
    with pytest.raises(MissingParameterValueException, match="CancelDescription"):
        legal_hold_service.cancel(world.ctx, {"LegalHoldId": hold_id}, T0)
    with pytest.raises(InvalidParameterValueException, match="RetainRecordInDays"):
        cancel(world, hold_id, T0, RetainRecordInDays=-1)
    with pytest.raises(ResourceNotFoundException, match="no-such-hold"):
        cancel(world, "no-such-hold", T0)
    assert legal_hold_service.get(world.ctx, hold_id, T0).Status == LegalHoldStatus.ACTIVE


def test_given_fifty_holds_not_canceled_when_one_more_is_created_then_limit_exceeded_until_one_is_canceled(
    world: World,
) -> None:
    ids = [hold(world, T0 + timedelta(seconds=n), f"hold-{n}") for n in range(50)]

    with pytest.raises(LimitExceededException, match="50"):
        legal_hold_service.create(world.ctx, {"Title": "51st", "Description": "d"}, T0 + timedelta(minutes=1))

    cancel(world, ids[0], T0 + timedelta(minutes=2))
    assert hold(world, T0 + timedelta(minutes=3), "51st")
