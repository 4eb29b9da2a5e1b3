"""Legal holds through boto3's `backup` client and the AWS CLI: create, get, cancel, list, list the points of a
hold; a held point refused to DeleteRecoveryPoint and DisassociateRecoveryPoint and kept past its deletion
date until the hold is canceled; bad input; paging.

The runtime is shared by the module and legal holds are account-wide: every hold here selects only its own
test's vault, so no hold reaches another test's points, and the tests cancel what they create."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from local.runtime import LocalRuntime
from tests.api.cli import Cli, error_code
from tests.api.conftest import ROLE
from tests.api.helpers import ACCOUNT, let_track_jobs_run, new_vault, new_volume, unique

# Helpers


def back_up(runtime: LocalRuntime, backup: Any, vault: str, count: int = 1, keep_days: int = 35) -> list[str]:
    """Backs up `count` new volumes into the vault on demand, lets the jobs complete: the points' ARNs."""
    jobs = [
        backup.start_backup_job(
            BackupVaultName=vault,
            ResourceArn=new_volume(runtime),
            IamRoleArn=ROLE,
            Lifecycle={"DeleteAfterDays": keep_days},
        )["BackupJobId"]
        for _ in range(count)
    ]
    let_track_jobs_run(runtime)
    described = [backup.describe_backup_job(BackupJobId=job) for job in jobs]
    assert {job["State"] for job in described} == {"COMPLETED"}
    return [job["RecoveryPointArn"] for job in described]


def points_of(backup: Any, hold_id: str, **paging: Any) -> list[dict[str, Any]]:
    pages = backup.get_paginator("list_recovery_points_by_legal_hold").paginate(
        LegalHoldId=hold_id, PaginationConfig=paging
    )
    return [point for page in pages for point in page["RecoveryPoints"]]


def in_vault(backup: Any, vault: str) -> set[str]:
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName=vault)["RecoveryPoints"]
    return {point["RecoveryPointArn"] for point in points}


def snapshot_exists(runtime: LocalRuntime, snapshot_arn: str) -> bool:
    snapshot_id = snapshot_arn.rsplit("/", 1)[1]
    try:
        runtime.client("ec2").describe_snapshots(SnapshotIds=[snapshot_id])
    except ClientError as error:
        assert error.response["Error"]["Code"] == "InvalidSnapshot.NotFound"
        return False
    return True


def error_of(call: Any, **request: Any) -> ClientError:
    with pytest.raises(ClientError) as caught:
        call(**request)
    return caught.value


def code(error: ClientError) -> str:
    return str(error.response["Error"]["Code"])


# The whole story


def test_given_held_points_when_deleted_disassociated_or_expired_then_kept_until_the_hold_is_canceled(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given two volume points kept one day, in a vault of their own
    vault = new_vault(backup, "held")
    first, second = back_up(runtime, backup, vault, count=2, keep_days=1)
    created = backup.describe_recovery_point(BackupVaultName=vault, RecoveryPointArn=first)["CreationDate"]
    now = runtime.clock.now()
    window = {"FromDate": (created - timedelta(hours=1)).replace(microsecond=0), "ToDate": now.replace(microsecond=0)}

    # When a legal hold is created over that vault and the hours the points were made in
    selection = {"VaultNames": [vault], "DateRange": window}
    answer = backup.create_legal_hold(
        Title="Case 2026-17",
        Description="Preserve the order volumes",
        RecoveryPointSelection=selection,
        Tags={"case": "2026-17"},
    )

    # Then it is ACTIVE, with an id and an ARN of AWS Backup's form, and it echoes the selection
    hold_id = answer["LegalHoldId"]
    assert answer["LegalHoldArn"] == f"arn:aws:backup:us-east-1:{ACCOUNT}:legal-hold:{hold_id}"
    assert (answer["Title"], answer["Description"], answer["Status"]) == (
        "Case 2026-17",
        "Preserve the order volumes",
        "ACTIVE",
    )
    assert answer["CreationDate"] == now
    assert answer["RecoveryPointSelection"] == selection
    got = backup.get_legal_hold(LegalHoldId=hold_id)
    assert {k: got[k] for k in answer if k != "ResponseMetadata"} == {
        k: answer[k] for k in answer if k != "ResponseMetadata"
    }
    assert "CancellationDate" not in got and "CancelDescription" not in got
    assert backup.list_tags(ResourceArn=answer["LegalHoldArn"])["Tags"] == {"case": "2026-17"}

    # And it lists both points, with their resource and vault
    held = points_of(backup, hold_id)
    assert sorted(p["RecoveryPointArn"] for p in held) == sorted([first, second])
    assert {(p["ResourceType"], p["BackupVaultName"]) for p in held} == {("EBS", vault)}
    assert all(p["ResourceArn"].startswith(f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-") for p in held)

    # When the first point is deleted, or disassociated, by hand: refused, naming the hold, and it stays
    for call in (backup.delete_recovery_point, backup.disassociate_recovery_point):
        refused = error_of(call, BackupVaultName=vault, RecoveryPointArn=first)
        assert code(refused) == "InvalidRequestException" and hold_id in str(refused)
    assert snapshot_exists(runtime, first)

    # When a day passes, past both points' deletion date, the hourly lifecycle runs keep them
    runtime.advance(timedelta(days=1))
    assert in_vault(backup, vault) == {first, second}
    assert snapshot_exists(runtime, first) and snapshot_exists(runtime, second)

    # When the hold is canceled, keeping its record 7 days
    canceled_at = runtime.clock.now()
    backup.cancel_legal_hold(LegalHoldId=hold_id, CancelDescription="Case settled", RetainRecordInDays=7)

    # Then it reads CANCELED, with why and until when its record is kept
    got = backup.get_legal_hold(LegalHoldId=hold_id)
    assert (got["Status"], got["CancelDescription"]) == ("CANCELED", "Case settled")
    assert got["CancellationDate"] == canceled_at
    assert got["RetainRecordUntil"] == canceled_at + timedelta(days=7)
    listed = [h for h in backup.list_legal_holds()["LegalHolds"] if h["LegalHoldId"] == hold_id]
    assert [(h["Status"], h["CancellationDate"]) for h in listed] == [("CANCELED", canceled_at)]

    # And the first lifecycle run after it deletes both points and their snapshots
    runtime.advance(timedelta(hours=1, minutes=5))
    assert in_vault(backup, vault) == set()
    assert not snapshot_exists(runtime, first) and not snapshot_exists(runtime, second)

    # And cancelling it again is refused
    again = error_of(backup.cancel_legal_hold, LegalHoldId=hold_id, CancelDescription="twice")
    assert code(again) == "InvalidResourceStateException"


def test_given_a_hold_on_one_vault_when_points_elsewhere_are_deleted_then_they_go(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given a point in a held vault and a point in another vault
    held_vault, free_vault = new_vault(backup, "held"), new_vault(backup, "free")
    (held,) = back_up(runtime, backup, held_vault)
    (free,) = back_up(runtime, backup, free_vault)
    hold_id = backup.create_legal_hold(Title="t", Description="d", RecoveryPointSelection={"VaultNames": [held_vault]})[
        "LegalHoldId"
    ]

    # When both are deleted: only the one outside the hold goes
    backup.delete_recovery_point(BackupVaultName=free_vault, RecoveryPointArn=free)
    with pytest.raises(backup.exceptions.InvalidRequestException):
        backup.delete_recovery_point(BackupVaultName=held_vault, RecoveryPointArn=held)
    assert (in_vault(backup, free_vault), in_vault(backup, held_vault)) == (set(), {held})
    assert [p["RecoveryPointArn"] for p in points_of(backup, hold_id)] == [held]
    backup.cancel_legal_hold(LegalHoldId=hold_id, CancelDescription="done")


# Bad input


def test_given_bad_input_when_calling_the_legal_hold_operations_then_aws_backups_errors(backup: Any) -> None:
    def every_hold() -> list[str]:
        pages = backup.get_paginator("list_legal_holds").paginate()
        return [hold["LegalHoldId"] for page in pages for hold in page["LegalHolds"]]

    before = every_hold()
    unknown = unique("no-such-hold")
    future = datetime(2100, 1, 1)
    cases = [
        (backup.create_legal_hold, {"Title": "", "Description": "d"}, "MissingParameterValueException", "Title"),
        (
            backup.create_legal_hold,
            {
                "Title": "t",
                "Description": "d",
                "RecoveryPointSelection": {"DateRange": {"FromDate": datetime(2020, 1, 1), "ToDate": future}},
            },
            "InvalidParameterValueException",
            "future",
        ),
        (
            backup.create_legal_hold,
            {"Title": "t", "Description": "d", "RecoveryPointSelection": {"ResourceIdentifiers": ["vol-1"]}},
            "InvalidParameterValueException",
            "vol-1",
        ),
        (backup.get_legal_hold, {"LegalHoldId": unknown}, "ResourceNotFoundException", unknown),
        (
            backup.cancel_legal_hold,
            {"LegalHoldId": unknown, "CancelDescription": "x"},
            "ResourceNotFoundException",
            unknown,
        ),
        # its model has no ResourceNotFoundException: there an unknown hold is an invalid parameter
        (
            backup.list_recovery_points_by_legal_hold,
            {"LegalHoldId": unknown},
            "InvalidParameterValueException",
            unknown,
        ),
        (backup.list_legal_holds, {"MaxResults": 1001}, "InvalidParameterValueException", "MaxResults"),
        (backup.list_legal_holds, {"NextToken": "not-a-token"}, "InvalidParameterValueException", "NextToken"),
    ]
    for call, request, expected, named in cases:
        error = error_of(call, **request)
        assert (code(error), named in str(error)) == (expected, True), request

    # boto3 itself refuses a call without a Title (the model marks it required) before it is sent
    with pytest.raises(ParamValidationError, match="Title"):
        backup.create_legal_hold(Description="d")

    # And none of those calls made a hold
    assert every_hold() == before


def test_given_a_hold_when_canceled_with_an_empty_description_then_missing_parameter(backup: Any) -> None:
    hold_id = backup.create_legal_hold(
        Title="t", Description="d", RecoveryPointSelection={"VaultNames": [unique("empty")]}
    )["LegalHoldId"]
    # boto3 lets an empty CancelDescription through; the service requires one, and the hold stays ACTIVE
    error = error_of(backup.cancel_legal_hold, LegalHoldId=hold_id, CancelDescription="")
    assert code(error) == "MissingParameterValueException" and "CancelDescription" in str(error)
    assert backup.get_legal_hold(LegalHoldId=hold_id)["Status"] == "ACTIVE"
    backup.cancel_legal_hold(LegalHoldId=hold_id, CancelDescription="done")


def test_given_the_same_idempotency_token_when_a_hold_is_created_twice_then_one_hold(backup: Any) -> None:
    request = {
        "Title": "t",
        "Description": "d",
        "IdempotencyToken": unique("token"),
        "RecoveryPointSelection": {"VaultNames": [unique("empty")]},
    }
    first = backup.create_legal_hold(**request)["LegalHoldId"]
    assert backup.create_legal_hold(**request)["LegalHoldId"] == first
    holds = [h for page in backup.get_paginator("list_legal_holds").paginate() for h in page["LegalHolds"]]
    assert [h["LegalHoldId"] for h in holds].count(first) == 1
    backup.cancel_legal_hold(LegalHoldId=first, CancelDescription="done")


# Paging


def test_given_holds_and_held_points_when_listed_a_page_at_a_time_then_each_appears_once(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given three holds, the last over a vault of three points
    vault = new_vault(backup, "paged")
    points = back_up(runtime, backup, vault, count=3)
    hold_ids = [
        backup.create_legal_hold(Title=f"paged {n}", Description="d", RecoveryPointSelection={"VaultNames": [vault]})[
            "LegalHoldId"
        ]
        for n in range(3)
    ]

    # When the holds are listed one per page
    first_page = backup.list_legal_holds(MaxResults=1)
    assert len(first_page["LegalHolds"]) == 1 and first_page["NextToken"]
    pages = list(backup.get_paginator("list_legal_holds").paginate(PaginationConfig={"PageSize": 1}))
    holds = [h for page in pages for h in page["LegalHolds"]]
    listed = [h["LegalHoldId"] for h in holds]

    # Then every hold appears once, newest first
    assert all(len(page["LegalHolds"]) <= 1 for page in pages)
    assert len(listed) == len(set(listed)) and set(hold_ids) <= set(listed)
    created = [h["CreationDate"] for h in holds]
    assert created == sorted(created, reverse=True)

    # When a hold's points are listed two per page, each appears once, in ARN order
    page = backup.list_recovery_points_by_legal_hold(LegalHoldId=hold_ids[0], MaxResults=2)
    assert len(page["RecoveryPoints"]) == 2 and page["NextToken"]
    assert [p["RecoveryPointArn"] for p in points_of(backup, hold_ids[0], PageSize=2)] == sorted(points)

    for hold_id in hold_ids:
        backup.cancel_legal_hold(LegalHoldId=hold_id, CancelDescription="done")


# The AWS CLI


@pytest.fixture(scope="module")
def aws(runtime: LocalRuntime, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    return Cli(runtime.endpoint, tmp_path_factory.mktemp("aws-home"))


def test_given_the_cli_when_a_hold_is_created_read_listed_and_canceled_then_it_answers_as_aws_backup(
    runtime: LocalRuntime, backup: Any, aws: Cli
) -> None:
    # Given a vault with one point (made with boto3: setup, not what is tested)
    vault = new_vault(backup, "cli-held")
    (point,) = back_up(runtime, backup, vault)

    # When a hold over the vault is created with the CLI
    created = aws(
        "create-legal-hold",
        "--title",
        "CLI case",
        "--description",
        "kept for review",
        "--recovery-point-selection",
        f'{{"VaultNames": ["{vault}"]}}',
    )
    hold_id = created["LegalHoldId"]
    assert (created["Status"], created["RecoveryPointSelection"]) == ("ACTIVE", {"VaultNames": [vault]})

    # Then get, list and list-recovery-points show it
    got, listed, held = aws.all(
        ("get-legal-hold", "--legal-hold-id", hold_id),
        ("list-legal-holds",),
        ("list-recovery-points-by-legal-hold", "--legal-hold-id", hold_id),
    )
    assert (got["Title"], got["Status"], got["LegalHoldArn"]) == ("CLI case", "ACTIVE", created["LegalHoldArn"])
    assert hold_id in [h["LegalHoldId"] for h in listed["LegalHolds"]]
    assert [p["RecoveryPointArn"] for p in held["RecoveryPoints"]] == [point]

    # And deleting the point is refused
    refused = aws.fails("delete-recovery-point", "--backup-vault-name", vault, "--recovery-point-arn", point)
    assert error_code(refused) == "InvalidRequestException" and hold_id in refused

    # When it is canceled, it reads CANCELED; a second cancel and an unknown id are refused
    aws("cancel-legal-hold", "--legal-hold-id", hold_id, "--cancel-description", "reviewed")
    assert aws("get-legal-hold", "--legal-hold-id", hold_id)["Status"] == "CANCELED"
    twice, unknown = aws.errors(
        ("cancel-legal-hold", "--legal-hold-id", hold_id, "--cancel-description", "again"),
        ("get-legal-hold", "--legal-hold-id", unique("no-such-hold")),
    )
    assert error_code(twice) == "InvalidResourceStateException"
    assert error_code(unknown) == "ResourceNotFoundException"

    # And the point can be deleted now
    aws("delete-recovery-point", "--backup-vault-name", vault, "--recovery-point-arn", point)
    assert in_vault(backup, vault) == set()
