"""Vaults, jobs, recovery points, restores, tags and account settings through the real AWS CLI (`aws backup ...`)
pointed at the local runtime's edge, the way a user types them: every implemented operation that
test_plans_cli.py does not drive, good input and bad.

Each CLI call is a process (~0.5 s), so the tests are few and long, and independent calls run side by side.
The runtime is shared by the module: every test makes its own vault, volumes and tables. EBS volumes and
DynamoDB tables are made with boto3 against the same edge: that is setup, not what is tested."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from local.runtime import LocalRuntime
from tests.api.cli import Cli, error_code, parallel
from tests.api.conftest import ROLE
from tests.api.helpers import ACCOUNT, let_track_jobs_run, new_table, new_volume, unique

GIB = 1024**3


@pytest.fixture(scope="module")
def aws(runtime: LocalRuntime, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    return Cli(runtime.endpoint, tmp_path_factory.mktemp("aws-home"))


# Helpers (volumes and tables are made with boto3 against the same edge: tests.api.helpers)


def new_vault(aws: Cli) -> str:
    name = unique("cli")
    aws("create-backup-vault", "--backup-vault-name", name)
    return name


def items_of(runtime: LocalRuntime, table: str) -> list[dict[str, Any]]:
    return sorted(runtime.client("dynamodb").scan(TableName=table)["Items"], key=lambda item: item["pk"]["S"])


def iso(epoch: float) -> str:
    """The CLI prints timestamps as epoch seconds; filters take ISO 8601."""
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def start_backup(aws: Cli, vault: str, resource_arn: str, *extra: str) -> dict[str, Any]:
    return dict(
        aws(
            "start-backup-job",
            "--backup-vault-name",
            vault,
            "--resource-arn",
            resource_arn,
            "--iam-role-arn",
            ROLE,
            *extra,
        )
    )


def backup_job_ids(answer: dict[str, Any]) -> set[str]:
    return {job["BackupJobId"] for job in answer["BackupJobs"]}


def point_arns(answer: dict[str, Any]) -> set[str]:
    return {point["RecoveryPointArn"] for point in answer["RecoveryPoints"]}


def wait_for_restore(aws: Cli, restore_job_id: str, seconds: float = 60) -> dict[str, Any]:
    """The restore workflow runs in the background (Step Functions): poll until the job is final."""
    deadline = time.monotonic() + seconds
    while True:
        job = aws("describe-restore-job", "--restore-job-id", restore_job_id)
        if job["Status"] in ("COMPLETED", "FAILED", "ABORTED") or time.monotonic() > deadline:
            return dict(job)
        time.sleep(0.2)


def deny(action: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": action, "Resource": "*"}],
        }
    )


# Vaults


def test_given_the_cli_when_vaults_are_managed_then_every_vault_operation_answers_as_aws_backup(
    aws: Cli, runtime: LocalRuntime
) -> None:
    """Five stories, each on its own vault, run side by side; within a story the calls are in order."""
    topic = runtime.client("sns").create_topic(Name=unique("vault-events"))["TopicArn"]

    def create_describe_list_tag_and_delete() -> None:
        # Given a new vault, created with a tag
        vault = unique("cli-vault")
        created = aws("create-backup-vault", "--backup-vault-name", vault, "--backup-vault-tags", "team=core")
        vault_arn = created["BackupVaultArn"]
        assert vault_arn == f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:{vault}"
        # Then describe and list (one page at a time, the CLI following NextToken) show it
        described = aws("describe-backup-vault", "--backup-vault-name", vault)
        assert (described["BackupVaultArn"], described["NumberOfRecoveryPoints"]) == (vault_arn, 0)
        assert described["EncryptionKeyArn"].startswith("arn:aws:kms:us-east-1:") and described["Locked"] is False
        listed = aws("list-backup-vaults", "--page-size", "1")["BackupVaultList"]
        assert vault in [v["BackupVaultName"] for v in listed]
        # And creating it again is refused, naming it
        again = aws.fails("create-backup-vault", "--backup-vault-name", vault)
        assert error_code(again) == "AlreadyExistsException" and vault in again
        # When tags are added and removed, list-tags follows
        aws("tag-resource", "--resource-arn", vault_arn, "--tags", "cost=low,owner=ops")
        aws("untag-resource", "--resource-arn", vault_arn, "--tag-key-list", "team", "owner")
        assert aws("list-tags", "--resource-arn", vault_arn)["Tags"] == {"cost": "low"}
        # When the (empty) vault is deleted, it is gone
        aws("delete-backup-vault", "--backup-vault-name", vault)
        assert error_code(aws.fails("describe-backup-vault", "--backup-vault-name", vault)) == (
            "ResourceNotFoundException"
        )

    def notifications_put_read_and_deleted() -> None:
        vault = new_vault(aws)
        events = ["BACKUP_JOB_COMPLETED", "RESTORE_JOB_COMPLETED"]
        aws(
            "put-backup-vault-notifications",
            "--backup-vault-name",
            vault,
            "--sns-topic-arn",
            topic,
            "--backup-vault-events",
            *events,
        )
        notifications = aws("get-backup-vault-notifications", "--backup-vault-name", vault)
        assert (notifications["SNSTopicArn"], notifications["BackupVaultEvents"]) == (topic, events)
        assert notifications["BackupVaultArn"].endswith(f":backup-vault:{vault}")
        aws("delete-backup-vault-notifications", "--backup-vault-name", vault)
        gone = aws.fails("get-backup-vault-notifications", "--backup-vault-name", vault)
        assert error_code(gone) == "ResourceNotFoundException"

    def a_policy_denies_describe_until_it_goes() -> None:
        vault = new_vault(aws)
        aws(
            "put-backup-vault-access-policy",
            "--backup-vault-name",
            vault,
            "--policy",
            deny("backup:DescribeBackupVault"),
        )
        policy = aws("get-backup-vault-access-policy", "--backup-vault-name", vault)
        assert json.loads(policy["Policy"]) == json.loads(deny("backup:DescribeBackupVault"))
        refused = aws.fails("describe-backup-vault", "--backup-vault-name", vault)
        assert error_code(refused) == "AccessDeniedException" and "backup:DescribeBackupVault" in refused
        aws("delete-backup-vault-access-policy", "--backup-vault-name", vault)
        assert aws("describe-backup-vault", "--backup-vault-name", vault)["BackupVaultName"] == vault
        not_json = aws.fails("put-backup-vault-access-policy", "--backup-vault-name", vault, "--policy", "{nope")
        assert error_code(not_json) == "InvalidParameterValueException"

    def a_governance_lock_put_and_removed() -> None:
        vault = new_vault(aws)
        lock = ("put-backup-vault-lock-configuration", "--backup-vault-name", vault)
        aws(*lock, "--min-retention-days", "7", "--max-retention-days", "365")
        locked = aws("describe-backup-vault", "--backup-vault-name", vault)
        assert (locked["Locked"], locked["MinRetentionDays"], locked["MaxRetentionDays"]) == (True, 7, 365)
        min_above_max = aws.fails(*lock, "--min-retention-days", "30", "--max-retention-days", "7")
        assert error_code(min_above_max) == "InvalidParameterValueException" and "cannot exceed" in min_above_max
        aws("delete-backup-vault-lock-configuration", "--backup-vault-name", vault)
        unlocked = aws("describe-backup-vault", "--backup-vault-name", vault)
        assert unlocked["Locked"] is False and "MinRetentionDays" not in unlocked

    def bad_names_and_arns_refused() -> None:
        missing_arn = f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:{unique('gone')}"
        short, unknown, reserved, missing = aws.errors(
            ("create-backup-vault", "--backup-vault-name", "x"),
            ("describe-backup-vault", "--backup-vault-name", unique("no-such-vault")),
            ("tag-resource", "--resource-arn", missing_arn, "--tags", "aws:reserved=x"),
            ("list-tags", "--resource-arn", missing_arn),
        )
        assert error_code(short) == "InvalidParameterValueException"
        assert error_code(unknown) == "ResourceNotFoundException"
        assert error_code(reserved) == "InvalidParameterValueException" and "aws:" in reserved
        assert error_code(missing) == "ResourceNotFoundException"

    parallel(
        create_describe_list_tag_and_delete,
        notifications_put_read_and_deleted,
        a_policy_denies_describe_until_it_goes,
        a_governance_lock_put_and_removed,
        bad_names_and_arns_refused,
    )


def test_given_notifications_for_an_event_aws_backup_does_not_have_when_put_then_refused(aws: Cli) -> None:
    # AWS Backup's model lists the BackupVaultEvents values (BACKUP_JOB_STARTED, ...); AWS answers
    # InvalidParameterValueException for any other and keeps nothing.
    vault = new_vault(aws)

    stderr = aws.fails(
        "put-backup-vault-notifications",
        "--backup-vault-name",
        vault,
        "--sns-topic-arn",
        f"arn:aws:sns:us-east-1:{ACCOUNT}:vault-events",
        "--backup-vault-events",
        "NOT_AN_EVENT",
    )

    assert "InvalidParameterValueException" in stderr
    assert "ResourceNotFoundException" in aws.fails("get-backup-vault-notifications", "--backup-vault-name", vault)


# Backup jobs


def test_given_the_cli_when_backups_are_started_listed_and_stopped_then_jobs_and_summaries_follow(
    aws: Cli, runtime: LocalRuntime
) -> None:
    # Given a vault, two volumes and a table, and the job summaries so far
    volume, table, other_volume = (
        new_volume(runtime, size=3),
        new_table(runtime, prefix="cli-table"),
        new_volume(runtime, size=2),
    )
    vault, before = parallel(
        partial(new_vault, aws), partial(aws, "list-backup-job-summaries", "--aggregation-period", "FOURTEEN_DAYS")
    )

    def completed_tables(rows: list[dict[str, Any]]) -> int:
        return sum(r["Count"] for r in rows if (r["State"], r["ResourceType"]) == ("COMPLETED", "DynamoDB"))

    # When the volume is backed up twice with one idempotency token (7-day retention), and the table once
    token = unique("token")
    once = ("--lifecycle", "DeleteAfterDays=7", "--idempotency-token", token)
    first, table_answer = parallel(
        partial(start_backup, aws, vault, volume, *once), partial(start_backup, aws, vault, table)
    )
    repeat = start_backup(aws, vault, volume, *once)
    volume_job, table_job = first["BackupJobId"], table_answer["BackupJobId"]

    # Then it is one volume job, RUNNING, with what was asked
    assert repeat["BackupJobId"] == volume_job and repeat["RecoveryPointArn"] == first["RecoveryPointArn"]
    running = aws("describe-backup-job", "--backup-job-id", volume_job)
    assert (running["State"], running["ResourceArn"], running["BackupVaultName"]) == ("RUNNING", volume, vault)
    assert (running["ResourceType"], running["IamRoleArn"], running["AccountId"]) == ("EBS", ROLE, ACCOUNT)
    assert running["RecoveryPointLifecycle"] == {"DeleteAfterDays": 7}

    # When track-jobs runs, both complete; an hour later a backup of the other volume starts and is stopped
    let_track_jobs_run(runtime)
    later = start_backup(aws, vault, other_volume)["BackupJobId"]
    aws("stop-backup-job", "--backup-job-id", later)
    first_created = running["CreationDate"]
    just_after_first = iso(first_created + 1)
    at_creation = iso(first_created)  # every job here completed (or was stopped) after the first was created

    # Then describe, each list-backup-jobs filter (a page size of 1 still lists all) and the summaries agree
    everything = {volume_job, table_job, later}
    expected_by_filters: list[tuple[tuple[str, ...], set[str]]] = [
        (("--by-backup-vault-name", vault, "--page-size", "1"), everything),
        (("--by-backup-vault-name", vault, "--by-state", "COMPLETED"), {volume_job, table_job}),
        (("--by-backup-vault-name", vault, "--by-state", "ABORTED"), {later}),
        (("--by-backup-vault-name", vault, "--by-resource-type", "DynamoDB"), {table_job}),
        (("--by-resource-arn", volume), {volume_job}),
        (("--by-backup-vault-name", vault, "--by-created-after", just_after_first), {later}),
        (("--by-backup-vault-name", vault, "--by-created-before", just_after_first), {volume_job, table_job}),
        (("--by-backup-vault-name", vault, "--by-complete-after", at_creation), everything),
        (("--by-backup-vault-name", vault, "--by-complete-before", at_creation), set()),
        (("--by-backup-vault-name", vault, "--by-account-id", "210987654321"), set()),
    ]
    ebs, dynamo, stopped, dynamo_rows, totals, *listed = aws.all(
        ("describe-backup-job", "--backup-job-id", volume_job),
        ("describe-backup-job", "--backup-job-id", table_job),
        ("describe-backup-job", "--backup-job-id", later),
        ("list-backup-job-summaries", "--aggregation-period", "FOURTEEN_DAYS", "--resource-type", "DynamoDB"),
        ("list-backup-job-summaries", "--state", "AGGREGATE_ALL", "--resource-type", "AGGREGATE_ALL"),
        *(("list-backup-jobs", *filters) for filters, _ in expected_by_filters),
    )
    assert (ebs["State"], ebs["PercentDone"], ebs["BackupSizeInBytes"]) == ("COMPLETED", "100.0", 3 * GIB)
    assert ebs["CompletionDate"] > first_created
    assert (dynamo["State"], dynamo["ResourceType"], dynamo["ResourceName"]) == (
        "COMPLETED",
        "DynamoDB",
        table.rsplit("/", 1)[1],
    )
    assert stopped["State"] == "ABORTED" and "StopBackupJob" in stopped["StatusMessage"]
    for (filters, expected), answer in zip(expected_by_filters, listed, strict=True):
        assert backup_job_ids(answer) == expected, filters
    assert {row["ResourceType"] for row in dynamo_rows["BackupJobSummaries"]} == {"DynamoDB"}
    assert completed_tables(dynamo_rows["BackupJobSummaries"]) == completed_tables(before["BackupJobSummaries"]) + 1
    (total,) = totals["BackupJobSummaries"]
    assert total["Count"] >= 3 and total["AccountId"] == ACCOUNT and total["Region"] == "us-east-1"

    # And bad input gets AWS Backup's errors
    sqs = f"arn:aws:sqs:us-east-1:{ACCOUNT}:queue"
    no_job = str(uuid.uuid4()).upper()
    start = ("start-backup-job", "--iam-role-arn", ROLE, "--backup-vault-name")
    errors = aws.errors(
        ("stop-backup-job", "--backup-job-id", later),
        ("stop-backup-job", "--backup-job-id", no_job),
        ("describe-backup-job", "--backup-job-id", no_job),
        (*start, unique("missing"), "--resource-arn", volume),
        (*start, vault, "--resource-arn", sqs),
        (*start, vault, "--resource-arn", volume, "--start-window-minutes", "10"),
        ("list-backup-jobs", "--by-state", "DONE"),
        ("list-backup-job-summaries", "--aggregation-period", "ONE_WEEK"),
    )
    assert [error_code(error) for error in errors] == [
        "InvalidRequestException",
        "ResourceNotFoundException",
        "ResourceNotFoundException",
        "ResourceNotFoundException",
        "InvalidParameterValueException",
        "InvalidParameterValueException",
        "InvalidParameterValueException",
        "InvalidParameterValueException",
    ]
    assert "ABORTED" in errors[0] and "not supported" in errors[4]
    assert "StartWindowMinutes" in errors[5] and "ByState" in errors[6] and "AggregationPeriod" in errors[7]
    # and the refused starts wrote no job
    assert backup_job_ids(aws("list-backup-jobs", "--by-backup-vault-name", vault)) == everything


# Recovery points and restores


def test_given_cli_backups_of_a_volume_and_a_table_when_listed_restored_and_deleted_then_points_and_restores_follow(
    aws: Cli, runtime: LocalRuntime
) -> None:
    # Given completed CLI backups of a volume (kept 30 days) and of a table, in a new vault
    volume, table = new_volume(runtime, size=4), new_table(runtime, items=4, prefix="cli-table")
    vault, other_vault = parallel(partial(new_vault, aws), partial(new_vault, aws))
    volume_answer, table_answer = parallel(
        partial(start_backup, aws, vault, volume, "--lifecycle", "DeleteAfterDays=30"),
        partial(start_backup, aws, vault, table),
    )
    volume_point, table_point = volume_answer["RecoveryPointArn"], table_answer["RecoveryPointArn"]
    let_track_jobs_run(runtime)
    source_items = items_of(runtime, table.rsplit("/", 1)[1])

    # Then the points describe and list, by vault with its filters and by resource; the restore metadata
    # reads; and the resources are protected, listed for the account and for the vault
    in_vault = ("list-recovery-points-by-backup-vault", "--backup-vault-name", vault)
    point_in = ("--backup-vault-name", vault, "--recovery-point-arn")
    (
        described,
        everything,
        ebs_only,
        dynamo_only,
        of_volume,
        created_long_ago,
        by_resource,
        volume_metadata,
        table_metadata,
        protected,
        in_account,
        protected_in_vault,
    ) = aws.all(
        ("describe-recovery-point", *point_in, volume_point),
        (*in_vault, "--page-size", "1"),
        (*in_vault, "--by-resource-type", "EBS"),
        (*in_vault, "--by-resource-type", "DynamoDB"),
        (*in_vault, "--by-resource-arn", volume),
        (*in_vault, "--by-created-before", "2001-01-01T00:00:00Z"),
        ("list-recovery-points-by-resource", "--resource-arn", volume),
        ("get-recovery-point-restore-metadata", *point_in, volume_point),
        ("get-recovery-point-restore-metadata", *point_in, table_point),
        ("describe-protected-resource", "--resource-arn", volume),
        ("list-protected-resources", "--page-size", "1"),
        ("list-protected-resources-by-backup-vault", "--backup-vault-name", vault),
    )
    assert (described["Status"], described["ResourceType"], described["ResourceArn"]) == ("COMPLETED", "EBS", volume)
    assert described["BackupSizeInBytes"] == 4 * GIB and described["Lifecycle"] == {"DeleteAfterDays": 30}
    assert described["CalculatedLifecycle"]["DeleteAt"] == pytest.approx(described["CreationDate"] + 30 * 86400)
    assert point_arns(everything) == {volume_point, table_point}
    assert point_arns(ebs_only) == point_arns(of_volume) == {volume_point}
    assert point_arns(dynamo_only) == {table_point}
    assert point_arns(created_long_ago) == set()
    assert [(p["RecoveryPointArn"], p["BackupVaultName"]) for p in by_resource["RecoveryPoints"]] == [
        (volume_point, vault)
    ]
    assert by_resource["RecoveryPoints"][0]["BackupSizeBytes"] == 4 * GIB
    assert (volume_metadata["ResourceType"], volume_metadata["RestoreMetadata"]["volumeSize"]) == ("EBS", "4")
    assert volume_metadata["BackupVaultArn"].endswith(f":backup-vault:{vault}")
    assert table_metadata["ResourceType"] == "DynamoDB"
    assert table_metadata["RestoreMetadata"]["targetTableName"] == table.rsplit("/", 1)[1]
    assert protected["ResourceType"] == "EBS" and protected["LastBackupVaultArn"].endswith(f":backup-vault:{vault}")
    assert {volume, table} <= {r["ResourceArn"] for r in in_account["Results"]}
    assert {r["ResourceArn"] for r in protected_in_vault["Results"]} == {volume, table}

    # When both are restored: the volume with its restore metadata, the table under a new name
    target = unique("cli-restored")
    restore = ("start-restore-job", "--iam-role-arn", ROLE, "--recovery-point-arn")
    volume_restore, table_restore = (
        answer["RestoreJobId"]
        for answer in aws.all(
            (*restore, volume_point, "--metadata", json.dumps(volume_metadata["RestoreMetadata"])),
            (*restore, table_point, "--metadata", f"targetTableName={target}", "--resource-type", "DynamoDB"),
        )
    )

    # Then both restore jobs complete, and the table's items come back
    restored_volume, restored_table = parallel(
        partial(wait_for_restore, aws, volume_restore), partial(wait_for_restore, aws, table_restore)
    )
    assert restored_volume["Status"] == "COMPLETED", restored_volume.get("StatusMessage")
    assert restored_table["Status"] == "COMPLETED", restored_table.get("StatusMessage")
    assert restored_table["CreatedResourceArn"].endswith(f":table/{target}")
    assert restored_table["SourceResourceArn"] == table and restored_table["RecoveryPointArn"] == table_point
    assert restored_volume["CreatedResourceArn"].startswith("arn:aws:ec2:us-east-1:")
    assert items_of(runtime, target) == source_items

    # And the restore listings, the restore job's metadata and the summaries find them; a point's lifecycle
    # updates and it takes tags; bad recovery point and restore requests get AWS Backup's errors
    aws("tag-resource", "--resource-arn", volume_point, "--tags", "case=cli")
    lifecycle = ("update-recovery-point-lifecycle", *point_in, table_point, "--lifecycle")
    completed_dynamo, ebs_restores, of_table, of_table_failed, job_metadata, summaries, updated, tags = aws.all(
        ("list-restore-jobs", "--by-status", "COMPLETED", "--by-resource-type", "DynamoDB"),
        ("list-restore-jobs", "--by-resource-type", "EBS", "--by-account-id", ACCOUNT),
        ("list-restore-jobs-by-protected-resource", "--resource-arn", table),
        ("list-restore-jobs-by-protected-resource", "--resource-arn", table, "--by-status", "FAILED"),
        ("get-restore-job-metadata", "--restore-job-id", table_restore),
        ("list-restore-job-summaries", "--aggregation-period", "ONE_DAY", "--state", "COMPLETED"),
        (*lifecycle, "MoveToColdStorageAfterDays=10,DeleteAfterDays=200"),
        ("list-tags", "--resource-arn", volume_point),
    )
    elsewhere = ("--backup-vault-name", other_vault, "--recovery-point-arn")
    no_such_snapshot = f"arn:aws:ec2:us-east-1::snapshot/snap-{uuid.uuid4().hex[:17]}"
    no_such_job = str(uuid.uuid4()).upper()
    refusals: list[tuple[tuple[str, ...], str, str]] = [  # call, AWS Backup's error code, words of the message
        ((*lifecycle, "MoveToColdStorageAfterDays=10,DeleteAfterDays=50"), "InvalidParameterValueException", "90 days"),
        (("describe-recovery-point", *elsewhere, volume_point), "ResourceNotFoundException", ""),
        (("list-recovery-points-by-resource", "--resource-arn", "not-an-arn"), "InvalidParameterValueException", ""),
        (("get-recovery-point-restore-metadata", *elsewhere, table_point), "ResourceNotFoundException", ""),
        (
            (*restore, table_point, "--metadata", "targetTableName="),
            "InvalidParameterValueException",
            "targetTableName",
        ),
        ((*restore, no_such_snapshot, "--metadata", "availabilityZone=us-east-1a"), "ResourceNotFoundException", ""),
        (("describe-restore-job", "--restore-job-id", no_such_job), "ResourceNotFoundException", ""),
        (("get-restore-job-metadata", "--restore-job-id", no_such_job), "ResourceNotFoundException", ""),
        (("list-restore-jobs", "--by-status", "DONE"), "InvalidParameterValueException", "ByStatus"),
        (("delete-backup-vault", "--backup-vault-name", vault), "InvalidRequestException", "contains recovery points"),
    ]
    errors = aws.errors(*(call for call, _, _ in refusals))
    assert table_restore in {job["RestoreJobId"] for job in completed_dynamo["RestoreJobs"]}
    assert volume_restore not in {job["RestoreJobId"] for job in completed_dynamo["RestoreJobs"]}
    assert volume_restore in {job["RestoreJobId"] for job in ebs_restores["RestoreJobs"]}
    assert [job["RestoreJobId"] for job in of_table["RestoreJobs"]] == [table_restore]
    assert of_table_failed["RestoreJobs"] == []
    assert job_metadata["Metadata"]["targetTableName"] == target
    counted = {(row["State"], row["ResourceType"]) for row in summaries["RestoreJobSummaries"]}
    assert {("COMPLETED", "EBS"), ("COMPLETED", "DynamoDB")} <= counted
    assert updated["Lifecycle"] == {"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 200}
    assert set(updated["CalculatedLifecycle"]) == {"DeleteAt"}  # a table has no cold tier: the move is ignored
    assert tags["Tags"] == {"case": "cli"}
    for (call, code, words), stderr in zip(refusals, errors, strict=True):
        assert error_code(stderr) == code and words in stderr, (call, stderr)
    # and the refused restores started nothing; the refused lifecycle changed nothing
    of_table_after, table_point_after = aws.all(
        ("list-restore-jobs-by-protected-resource", "--resource-arn", table),
        ("describe-recovery-point", *point_in, table_point),
    )
    assert [job["RestoreJobId"] for job in of_table_after["RestoreJobs"]] == [table_restore]
    assert table_point_after["Lifecycle"] == {"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 200}

    # When the vault's policy denies DeleteRecoveryPoint, the CLI's delete is refused and the point stays
    aws("put-backup-vault-access-policy", "--backup-vault-name", vault, "--policy", deny("backup:DeleteRecoveryPoint"))
    refused = aws.fails("delete-recovery-point", *point_in, volume_point)
    assert error_code(refused) == "AccessDeniedException" and "backup:DeleteRecoveryPoint" in refused
    assert aws("describe-recovery-point", *point_in, volume_point)["Status"] == "COMPLETED"

    # When the policy goes, the volume point is deleted and the table point disassociated: the vault is empty
    aws("delete-backup-vault-access-policy", "--backup-vault-name", vault)
    aws.all(
        ("delete-recovery-point", *point_in, volume_point),
        ("disassociate-recovery-point", *point_in, table_point),
    )
    remaining, of_volume_after, emptied = aws.all(
        in_vault,
        ("list-recovery-points-by-resource", "--resource-arn", volume),
        ("describe-backup-vault", "--backup-vault-name", vault),
    )
    assert remaining["RecoveryPoints"] == [] and of_volume_after["RecoveryPoints"] == []
    assert emptied["NumberOfRecoveryPoints"] == 0
    assert error_code(aws.fails("delete-recovery-point", *point_in, volume_point)) == "ResourceNotFoundException"
    # the disassociated table backup is still DynamoDB's own
    description = runtime.client("dynamodb").describe_backup(BackupArn=table_point)["BackupDescription"]
    assert description["BackupDetails"]["BackupStatus"] == "AVAILABLE"


# Account settings


def test_given_the_cli_when_account_settings_are_read_and_changed_then_they_follow_and_bad_input_is_refused(
    aws: Cli, runtime: LocalRuntime
) -> None:
    supported, region, global_settings = aws.all(
        ("get-supported-resource-types",),
        ("describe-region-settings",),
        ("describe-global-settings",),
    )
    types = supported["ResourceTypes"]
    assert {"EBS", "DynamoDB"} <= set(types) and types == sorted(types)
    assert set(region["ResourceTypeOptInPreference"]) == set(types)
    assert isinstance(global_settings.get("GlobalSettings", {}), dict)

    aws("update-region-settings", "--resource-type-opt-in-preference", "DynamoDB=false")
    try:
        assert aws("describe-region-settings")["ResourceTypeOptInPreference"]["DynamoDB"] is False
    finally:
        aws("update-region-settings", "--resource-type-opt-in-preference", "DynamoDB=true")
    aws("update-global-settings", "--global-settings", "isCrossAccountBackupEnabled=true")
    settled, region_after = aws.all(("describe-global-settings",), ("describe-region-settings",))
    assert settled["GlobalSettings"]["isCrossAccountBackupEnabled"] == "true"
    assert region_after["ResourceTypeOptInPreference"]["DynamoDB"] is True

    unknown_type, unknown_setting, not_a_bool = aws.errors(
        ("update-region-settings", "--resource-type-opt-in-preference", "Timestream=true"),
        ("update-global-settings", "--global-settings", "colour=blue"),
        ("update-global-settings", "--global-settings", "isCrossAccountBackupEnabled=maybe"),
    )
    assert "InvalidParameterValueException" in unknown_type and "Timestream" in unknown_type
    assert "InvalidParameterValueException" in unknown_setting and "colour" in unknown_setting
    assert "InvalidParameterValueException" in not_a_bool
    assert aws("describe-global-settings")["GlobalSettings"]["isCrossAccountBackupEnabled"] == "true"


def test_given_a_cli_with_the_wrong_secret_then_the_edge_refuses_its_signature(
    runtime: LocalRuntime, tmp_path: Path
) -> None:
    stderr = Cli(runtime.endpoint, tmp_path, secret="wrong").fails("list-backup-vaults")

    assert "InvalidSignatureException" in stderr


def test_given_a_management_preference_for_a_type_aws_backup_does_not_know_when_updated_then_refused(
    aws: Cli,
) -> None:
    # ResourceTypeManagementPreference takes AWS Backup resource types (DynamoDB, EFS); AWS answers
    # InvalidParameterValueException for any other and stores nothing, as the opt-in preference already does.
    stderr = aws.fails("update-region-settings", "--resource-type-management-preference", "NotAType=true")

    assert error_code(stderr) == "InvalidParameterValueException" and "NotAType" in stderr
    assert "NotAType" not in aws("describe-region-settings")["ResourceTypeManagementPreference"]
