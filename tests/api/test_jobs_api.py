"""Backup and restore jobs through boto3's `backup` client: start, describe, list with every filter, page,
stop, restore EBS volumes and DynamoDB tables, and count jobs in the summaries.

The runtime is shared by the module, so every test makes its own vault, volumes and tables and filters by
them; counts that cover the whole account (the summaries) are compared before and after."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from botocore.config import Config

from local.runtime import LocalRuntime
from tests.api.conftest import ROLE
from tests.api.helpers import ACCOUNT, let_track_jobs_run, new_table, new_volume, unique
from tests.api.helpers import new_vault as _new_vault

GIB = 1024**3


# Helpers


def new_vault(backup: Any) -> str:
    return _new_vault(backup, "jobs")


def table_name(table_arn: str) -> str:
    return table_arn.rsplit("/", 1)[1]


def items_of(runtime: LocalRuntime, name: str) -> list[dict[str, Any]]:
    return sorted(runtime.client("dynamodb").scan(TableName=name)["Items"], key=lambda item: item["pk"]["S"])


def start(backup: Any, vault: str, resource_arn: str, **extra: Any) -> str:
    return str(
        backup.start_backup_job(BackupVaultName=vault, ResourceArn=resource_arn, IamRoleArn=ROLE, **extra)[
            "BackupJobId"
        ]
    )


def job_ids(backup: Any, **filters: Any) -> set[str]:
    return {job["BackupJobId"] for job in all_backup_jobs(backup, **filters)}


def all_backup_jobs(backup: Any, **filters: Any) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = backup.list_backup_jobs(**filters, **({"NextToken": token} if token else {}))
        jobs.extend(page["BackupJobs"])
        token = page.get("NextToken")
        if not token:
            return jobs


def wait_for_restore(backup: Any, restore_job_id: str, seconds: float = 60) -> dict[str, Any]:
    """The restore workflow runs in the background (Step Functions): poll until the job is final."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = backup.describe_restore_job(RestoreJobId=restore_job_id)
        if job["Status"] in ("COMPLETED", "FAILED", "ABORTED"):
            return dict(job)
        time.sleep(0.2)
    raise AssertionError(f"restore job {restore_job_id} still {job['Status']} after {seconds}s")


def summary_counts(rows: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for row in rows:
        counts[(row["State"], row["ResourceType"])] += row["Count"]
    return counts


# Starting and describing


def test_given_a_volume_and_a_table_when_backed_up_on_demand_then_both_jobs_run_and_complete_with_a_recovery_point(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given a vault, an 8 GiB volume and a table with items
    vault = new_vault(backup)
    volume, table = new_volume(runtime), new_table(runtime, 3)
    created = runtime.clock.now()

    # When both are backed up on demand with a 7-day retention
    started = {
        arn: backup.start_backup_job(
            BackupVaultName=vault, ResourceArn=arn, IamRoleArn=ROLE, Lifecycle={"DeleteAfterDays": 7}
        )
        for arn in (volume, table)
    }

    # Then each answer names the job, its recovery point and when it was made, and the job runs
    for arn, answer in started.items():
        assert answer["BackupJobId"] and answer["RecoveryPointArn"] and answer["IsParent"] is False
        assert answer["CreationDate"] == created
        job = backup.describe_backup_job(BackupJobId=answer["BackupJobId"])
        assert (job["State"], job["ResourceArn"], job["BackupVaultName"]) == ("RUNNING", arn, vault)
        assert job["AccountId"] == ACCOUNT and job["IamRoleArn"] == ROLE
        assert job["StartBy"] == created + timedelta(hours=8)
        assert job["ExpectedCompletionDate"] == created + timedelta(days=7)
        assert job["RecoveryPointLifecycle"] == {"DeleteAfterDays": 7}
        assert job["RecoveryPointArn"] == answer["RecoveryPointArn"]

    # When track-jobs runs
    let_track_jobs_run(runtime)

    # Then both jobs are COMPLETED, sized, and their recovery points are in the vault
    ebs = backup.describe_backup_job(BackupJobId=started[volume]["BackupJobId"])
    dynamo = backup.describe_backup_job(BackupJobId=started[table]["BackupJobId"])
    assert (ebs["State"], ebs["ResourceType"], ebs["PercentDone"]) == ("COMPLETED", "EBS", "100.0")
    assert ebs["BackupSizeInBytes"] == 8 * GIB and ebs["CompletionDate"] > ebs["CreationDate"]
    assert (dynamo["State"], dynamo["ResourceType"]) == ("COMPLETED", "DynamoDB")
    assert dynamo["ResourceName"] == table_name(table)
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName=vault)["RecoveryPoints"]
    assert {p["RecoveryPointArn"] for p in points} == {a["RecoveryPointArn"] for a in started.values()}


def test_given_an_idempotency_token_when_the_same_backup_is_started_twice_then_one_job_and_one_snapshot(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given a vault and a volume
    vault, volume = new_vault(backup), new_volume(runtime)
    token = unique("token")

    # When StartBackupJob is sent twice with the same IdempotencyToken
    first = start(backup, vault, volume, IdempotencyToken=token)
    second = start(backup, vault, volume, IdempotencyToken=token)

    # Then it is one job with one snapshot
    assert first == second
    assert job_ids(backup, ByBackupVaultName=vault) == {first}
    snapshots = runtime.client("ec2").describe_snapshots(
        OwnerIds=["self"], Filters=[{"Name": "tag:strongroom:backup-job-id", "Values": [first]}]
    )["Snapshots"]
    assert len(snapshots) == 1


# Listing


def test_given_jobs_of_two_types_at_two_times_when_listed_with_each_filter_then_each_filter_keeps_only_its_jobs(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given a volume job and a table job that complete, then (later) a second volume job still running
    vault = new_vault(backup)
    volume, table = new_volume(runtime), new_table(runtime, 1)
    first_volume_job, table_job = start(backup, vault, volume), start(backup, vault, table)
    first_created = runtime.clock.now()
    let_track_jobs_run(runtime)
    completed = backup.describe_backup_job(BackupJobId=first_volume_job)["CompletionDate"]
    second_volume_job = start(backup, vault, volume)
    everything = {first_volume_job, table_job, second_volume_job}
    just_after_first = first_created + timedelta(seconds=1)

    # Then the vault filter finds exactly these three, and each further filter narrows them
    assert job_ids(backup, ByBackupVaultName=vault) == everything
    assert job_ids(backup, ByResourceArn=volume) == {first_volume_job, second_volume_job}
    assert job_ids(backup, ByResourceArn=table) == {table_job}
    assert job_ids(backup, ByBackupVaultName=vault, ByResourceType="EBS") == {first_volume_job, second_volume_job}
    assert job_ids(backup, ByBackupVaultName=vault, ByResourceType="DynamoDB") == {table_job}
    assert job_ids(backup, ByBackupVaultName=vault, ByState="COMPLETED") == {first_volume_job, table_job}
    assert job_ids(backup, ByBackupVaultName=vault, ByState="RUNNING") == {second_volume_job}
    assert job_ids(backup, ByResourceArn=volume, ByState="RUNNING") == {second_volume_job}
    assert job_ids(backup, ByBackupVaultName=vault, ByState="FAILED") == set()
    assert job_ids(backup, ByBackupVaultName=vault, ByCreatedAfter=just_after_first) == {second_volume_job}
    assert job_ids(backup, ByBackupVaultName=vault, ByCreatedBefore=just_after_first) == {first_volume_job, table_job}
    assert job_ids(backup, ByResourceArn=volume, ByCreatedAfter=just_after_first) == {second_volume_job}
    assert job_ids(backup, ByResourceArn=volume, ByCreatedBefore=just_after_first) == {first_volume_job}
    assert job_ids(
        backup,
        ByBackupVaultName=vault,
        ByCreatedAfter=first_created - timedelta(seconds=1),
        ByCreatedBefore=just_after_first,
    ) == {first_volume_job, table_job}
    assert job_ids(backup, ByBackupVaultName=vault, ByCompleteAfter=completed - timedelta(seconds=1)) == {
        first_volume_job,
        table_job,
    }
    assert job_ids(backup, ByBackupVaultName=vault, ByCompleteBefore=completed - timedelta(seconds=1)) == set()
    assert job_ids(backup, ByBackupVaultName=vault, ByCompleteBefore=completed + timedelta(seconds=1)) == {
        first_volume_job,
        table_job,
    }
    assert job_ids(backup, ByBackupVaultName=vault, ByAccountId=ACCOUNT) == everything
    assert job_ids(backup, ByBackupVaultName=vault, ByAccountId="210987654321") == set()
    assert job_ids(backup, ByBackupVaultName=unique("no-such-vault")) == set()

    # And a listed job carries the same fields DescribeBackupJob gives
    (listed,) = all_backup_jobs(backup, ByResourceArn=table)
    described = backup.describe_backup_job(BackupJobId=table_job)
    for field in ("State", "BackupVaultArn", "RecoveryPointArn", "CreationDate", "CompletionDate", "ResourceType"):
        assert listed[field] == described[field]


def test_given_more_jobs_than_a_page_when_paging_with_filters_then_every_job_comes_exactly_once(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given five volume jobs in one vault, interleaved with jobs of another vault
    vault, other = new_vault(backup), new_vault(backup)
    volumes = [new_volume(runtime, size=1) for _ in range(5)]
    mine = set()
    for volume in volumes:
        mine.add(start(backup, vault, volume))
        start(backup, other, new_volume(runtime, size=1))
    shared_volume_jobs = {start(backup, vault, volumes[0]) for _ in range(2)} | {
        job for job in mine if backup.describe_backup_job(BackupJobId=job)["ResourceArn"] == volumes[0]
    }

    # When the vault's jobs are listed two at a time
    pages: list[list[str]] = []
    token: str | None = None
    while True:
        page = backup.list_backup_jobs(ByBackupVaultName=vault, MaxResults=2, **({"NextToken": token} if token else {}))
        pages.append([job["BackupJobId"] for job in page["BackupJobs"]])
        token = page.get("NextToken")
        if not token:
            break

    # Then no page holds more than two, no job is lost or repeated, and the last page ends the listing
    listed = [job for page in pages for job in page]
    assert all(len(page) <= 2 for page in pages)
    assert sorted(listed) == sorted(mine | shared_volume_jobs)
    assert len(pages) == 4

    # And a resource's jobs (read from its own index) page the same way, newest first
    first = backup.list_backup_jobs(ByResourceArn=volumes[0], MaxResults=2)
    rest = backup.list_backup_jobs(ByResourceArn=volumes[0], MaxResults=2, NextToken=first["NextToken"])
    assert len(first["BackupJobs"]) == 2 and len(rest["BackupJobs"]) == 1 and "NextToken" not in rest
    both = first["BackupJobs"] + rest["BackupJobs"]
    assert {job["BackupJobId"] for job in both} == shared_volume_jobs
    assert [job["CreationDate"] for job in both] == sorted((job["CreationDate"] for job in both), reverse=True)


def test_given_bad_listing_parameters_when_listing_jobs_then_invalid_parameter_value(backup: Any) -> None:
    with pytest.raises(backup.exceptions.InvalidParameterValueException, match="ByState"):
        backup.list_backup_jobs(ByState="DONE")
    with pytest.raises(backup.exceptions.InvalidParameterValueException, match="MaxResults"):
        backup.list_backup_jobs(MaxResults=1001)
    with pytest.raises(backup.exceptions.InvalidParameterValueException, match="NextToken"):
        backup.list_backup_jobs(NextToken="not-a-token")
    with pytest.raises(backup.exceptions.InvalidParameterValueException, match="ByStatus"):
        backup.list_restore_jobs(ByStatus="DONE")


# Stopping


def test_given_a_running_backup_when_stopped_then_it_is_aborted_its_snapshot_deleted_and_no_point_recorded(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given a running backup job of a volume
    vault, volume = new_vault(backup), new_volume(runtime)
    job_id = start(backup, vault, volume)
    assert backup.describe_backup_job(BackupJobId=job_id)["State"] == "RUNNING"

    # When it is stopped
    backup.stop_backup_job(BackupJobId=job_id)

    # Then it is ABORTED with a reason, its snapshot is gone, and tracking does not revive it
    job = backup.describe_backup_job(BackupJobId=job_id)
    assert job["State"] == "ABORTED" and "StopBackupJob" in job["StatusMessage"]
    assert job["CompletionDate"] == runtime.clock.now()
    snapshots = runtime.client("ec2").describe_snapshots(
        OwnerIds=["self"], Filters=[{"Name": "tag:strongroom:backup-job-id", "Values": [job_id]}]
    )["Snapshots"]
    assert snapshots == []
    let_track_jobs_run(runtime)
    assert backup.describe_backup_job(BackupJobId=job_id)["State"] == "ABORTED"
    assert backup.list_recovery_points_by_backup_vault(BackupVaultName=vault)["RecoveryPoints"] == []
    assert job_ids(backup, ByBackupVaultName=vault, ByState="ABORTED") == {job_id}

    # And a finished job cannot be stopped, nor can one that does not exist
    with pytest.raises(backup.exceptions.InvalidRequestException, match="ABORTED"):
        backup.stop_backup_job(BackupJobId=job_id)
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.stop_backup_job(BackupJobId=str(uuid.uuid4()).upper())


# Bad input


def test_given_bad_backup_requests_then_aws_backup_errors_and_no_job_is_written(
    runtime: LocalRuntime, backup: Any
) -> None:
    vault, volume = new_vault(backup), new_volume(runtime)

    # An unknown vault
    with pytest.raises(backup.exceptions.ResourceNotFoundException, match="vault"):
        backup.start_backup_job(BackupVaultName=unique("missing"), ResourceArn=volume, IamRoleArn=ROLE)
    # A resource type AWS Backup cannot protect (an SQS queue)
    with pytest.raises(backup.exceptions.InvalidParameterValueException, match="not supported"):
        backup.start_backup_job(
            BackupVaultName=vault, ResourceArn=f"arn:aws:sqs:us-east-1:{ACCOUNT}:queue", IamRoleArn=ROLE
        )
    # A volume that does not exist
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.start_backup_job(
            BackupVaultName=vault, ResourceArn=f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-0000000000", IamRoleArn=ROLE
        )
    # A start window shorter than an hour
    with pytest.raises(backup.exceptions.InvalidParameterValueException, match="StartWindowMinutes"):
        backup.start_backup_job(BackupVaultName=vault, ResourceArn=volume, IamRoleArn=ROLE, StartWindowMinutes=10)
    # A job that does not exist
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.describe_backup_job(BackupJobId=str(uuid.uuid4()).upper())

    assert job_ids(backup, ByBackupVaultName=vault) == set()
    assert job_ids(backup, ByResourceArn=volume) == set()


# Restores


def test_given_backups_of_a_volume_and_a_table_when_restored_then_both_complete_and_the_data_comes_back(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given completed backups of a volume and of a table with items
    vault = new_vault(backup)
    volume, table = new_volume(runtime, size=4), new_table(runtime, 5)
    volume_point = backup.describe_backup_job(BackupJobId=start(backup, vault, volume))["RecoveryPointArn"]
    table_point = backup.describe_backup_job(BackupJobId=start(backup, vault, table))["RecoveryPointArn"]
    let_track_jobs_run(runtime)
    source_items = items_of(runtime, table_name(table))
    runtime.client("dynamodb").put_item(TableName=table_name(table), Item={"pk": {"S": "written-after-the-backup"}})
    summaries_before = summary_counts(
        backup.list_restore_job_summaries(AggregationPeriod="FOURTEEN_DAYS")["RestoreJobSummaries"]
    )
    restores_started = runtime.clock.now()

    # When the volume is restored with its restore metadata, and the table to a new name
    metadata = backup.get_recovery_point_restore_metadata(BackupVaultName=vault, RecoveryPointArn=volume_point)
    volume_restore = backup.start_restore_job(
        RecoveryPointArn=volume_point, Metadata=metadata["RestoreMetadata"], IamRoleArn=ROLE
    )["RestoreJobId"]
    target = unique("restored")
    table_restore = backup.start_restore_job(
        RecoveryPointArn=table_point, Metadata={"targetTableName": target}, IamRoleArn=ROLE, ResourceType="DynamoDB"
    )["RestoreJobId"]

    # Then both restore jobs complete
    restored_volume = wait_for_restore(backup, volume_restore)
    restored_table = wait_for_restore(backup, table_restore)
    assert restored_volume["Status"] == "COMPLETED", restored_volume.get("StatusMessage")
    assert restored_table["Status"] == "COMPLETED", restored_table.get("StatusMessage")

    # And the restored table holds the source's items as they were at the backup
    assert restored_table["CreatedResourceArn"].endswith(f":table/{target}")
    assert items_of(runtime, target) == source_items

    # And the restored volume is a new volume of the same size, made from the snapshot
    new_volume_id = restored_volume["CreatedResourceArn"].rsplit("/", 1)[1]
    (made,) = runtime.client("ec2").describe_volumes(VolumeIds=[new_volume_id])["Volumes"]
    assert made["Size"] == 4 and made["SnapshotId"] == volume_point.rsplit("/", 1)[1]
    assert made["AvailabilityZone"] == metadata["RestoreMetadata"]["availabilityZone"]

    # And the jobs describe what was restored, from where
    assert restored_table["SourceResourceArn"] == table and restored_table["RecoveryPointArn"] == table_point
    assert restored_table["ResourceType"] == "DynamoDB" and restored_table["PercentDone"] == "100.0"
    assert restored_table["BackupVaultArn"].endswith(f":backup-vault:{vault}")
    assert restored_table["IamRoleArn"] == ROLE and restored_table["AccountId"] == ACCOUNT
    assert backup.get_restore_job_metadata(RestoreJobId=table_restore)["Metadata"]["targetTableName"] == target
    assert backup.describe_recovery_point(BackupVaultName=vault, RecoveryPointArn=table_point)["LastRestoreTime"]

    # And the listings find them by resource, status, type and time, and leave out what does not match
    def restore_ids(**filters: Any) -> set[str]:
        return {job["RestoreJobId"] for job in backup.list_restore_jobs(**filters)["RestoreJobs"]}

    by_table = backup.list_restore_jobs_by_protected_resource(ResourceArn=table)["RestoreJobs"]
    assert [job["RestoreJobId"] for job in by_table] == [table_restore]
    assert backup.list_restore_jobs_by_protected_resource(ResourceArn=table, ByStatus="FAILED")["RestoreJobs"] == []
    assert (
        backup.list_restore_jobs_by_protected_resource(
            ResourceArn=table, ByRecoveryPointCreationDateAfter=restores_started
        )["RestoreJobs"]
        == []
    )
    assert {volume_restore, table_restore} <= restore_ids(ByStatus="COMPLETED")
    volume_restores = restore_ids(ByResourceType="EBS")
    assert volume_restore in volume_restores and table_restore not in volume_restores
    recent = restore_ids(ByCreatedAfter=restores_started - timedelta(seconds=1))
    assert {volume_restore, table_restore} <= recent
    assert not {volume_restore, table_restore} & restore_ids(ByCreatedBefore=restores_started - timedelta(seconds=1))
    assert not {volume_restore, table_restore} & restore_ids(ByCompleteBefore=restores_started - timedelta(seconds=1))
    assert {volume_restore, table_restore} <= restore_ids(ByCompleteAfter=restores_started - timedelta(seconds=1))
    assert not {volume_restore, table_restore} & restore_ids(ByAccountId="210987654321")
    assert not {volume_restore, table_restore} & restore_ids(ByStatus="PENDING")

    # And the restore summaries count one more completed restore of each type
    after = summary_counts(backup.list_restore_job_summaries(AggregationPeriod="FOURTEEN_DAYS")["RestoreJobSummaries"])
    assert after - summaries_before == Counter({("COMPLETED", "EBS"): 1, ("COMPLETED", "DynamoDB"): 1})


def test_given_bad_restore_requests_then_aws_backup_errors_and_no_restore_job_is_written(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given a completed backup of a table
    vault, table = new_vault(backup), new_table(runtime, 1)
    point = backup.describe_backup_job(BackupJobId=start(backup, vault, table))["RecoveryPointArn"]
    let_track_jobs_run(runtime)

    # An empty target table name
    with pytest.raises(backup.exceptions.InvalidParameterValueException, match="targetTableName"):
        backup.start_restore_job(RecoveryPointArn=point, Metadata={"targetTableName": ""}, IamRoleArn=ROLE)
    # A resource type that is not the point's
    with pytest.raises(backup.exceptions.InvalidParameterValueException, match="ResourceType"):
        backup.start_restore_job(
            RecoveryPointArn=point, Metadata={"targetTableName": unique("t")}, IamRoleArn=ROLE, ResourceType="EBS"
        )
    # A recovery point that does not exist
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.start_restore_job(
            RecoveryPointArn=f"arn:aws:ec2:us-east-1::snapshot/snap-{uuid.uuid4().hex[:17]}",
            Metadata={"availabilityZone": "us-east-1a"},
        )
    # No Metadata at all (botocore would refuse to send it, so this client does not check)
    unchecked = runtime.session().client(
        "backup", endpoint_url=runtime.endpoint, config=Config(parameter_validation=False)
    )
    with pytest.raises(unchecked.exceptions.MissingParameterValueException, match="Metadata"):
        unchecked.start_restore_job(RecoveryPointArn=point)

    assert backup.list_restore_jobs_by_protected_resource(ResourceArn=table)["RestoreJobs"] == []
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.describe_restore_job(RestoreJobId=str(uuid.uuid4()).upper())
    with pytest.raises(backup.exceptions.ResourceNotFoundException):
        backup.get_restore_job_metadata(RestoreJobId=str(uuid.uuid4()).upper())


# Summaries


def test_given_new_jobs_when_summarized_then_the_counts_grow_by_exactly_those_jobs(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given the counts so far
    def counts(**filters: Any) -> Counter[tuple[str, str]]:
        answer = backup.list_backup_job_summaries(**filters)
        return summary_counts(answer["BackupJobSummaries"])

    before = counts(AggregationPeriod="FOURTEEN_DAYS")
    before_total = sum(before.values())

    # When two volumes and a table are backed up, and one more volume backup is stopped
    vault = new_vault(backup)
    for resource in (new_volume(runtime, 1), new_volume(runtime, 1), new_table(runtime, 1)):
        start(backup, vault, resource)
    backup.stop_backup_job(BackupJobId=start(backup, vault, new_volume(runtime, 1)))
    let_track_jobs_run(runtime)

    # Then each (state, type) count grows by what happened, and by nothing else
    after = counts(AggregationPeriod="FOURTEEN_DAYS")
    assert after - before == Counter({("COMPLETED", "EBS"): 2, ("COMPLETED", "DynamoDB"): 1, ("ABORTED", "EBS"): 1})

    # And filters keep their state or type; AGGREGATE_ALL sums across them
    completed = backup.list_backup_job_summaries(AggregationPeriod="FOURTEEN_DAYS", State="COMPLETED")
    assert {row["State"] for row in completed["BackupJobSummaries"]} == {"COMPLETED"}
    dynamo = backup.list_backup_job_summaries(AggregationPeriod="FOURTEEN_DAYS", ResourceType="DynamoDB")
    assert {row["ResourceType"] for row in dynamo["BackupJobSummaries"]} == {"DynamoDB"}
    (total,) = backup.list_backup_job_summaries(
        AggregationPeriod="FOURTEEN_DAYS", State="AGGREGATE_ALL", ResourceType="AGGREGATE_ALL"
    )["BackupJobSummaries"]
    assert total["Count"] == before_total + 4 and total["Region"] == "us-east-1" and total["AccountId"] == ACCOUNT
    assert total["EndTime"] == runtime.clock.now() and total["StartTime"] == runtime.clock.now() - timedelta(days=14)
    assert backup.list_backup_job_summaries(AccountId="210987654321")["BackupJobSummaries"] == []

    # And the daily view covers the same jobs in whole UTC days, newest day ending now
    daily = backup.list_backup_job_summaries(AggregationPeriod="ONE_DAY")
    assert daily["AggregationPeriod"] == "ONE_DAY"
    assert sum(summary_counts(daily["BackupJobSummaries"]).values()) == total["Count"]
    for row in daily["BackupJobSummaries"]:
        start_time: datetime = row["StartTime"]
        assert (start_time.hour, start_time.minute) == (0, 0) and row["EndTime"] <= runtime.clock.now()

    # And pages of summaries add up to the whole
    first = backup.list_backup_job_summaries(AggregationPeriod="FOURTEEN_DAYS", MaxResults=1)
    rows = list(first["BackupJobSummaries"])
    token = first.get("NextToken")
    while token:
        page = backup.list_backup_job_summaries(AggregationPeriod="FOURTEEN_DAYS", MaxResults=1, NextToken=token)
        rows.extend(page["BackupJobSummaries"])
        token = page.get("NextToken")
    assert summary_counts(rows) == after

    with pytest.raises(backup.exceptions.InvalidParameterValueException, match="AggregationPeriod"):
        backup.list_backup_job_summaries(AggregationPeriod="ONE_WEEK")
    with pytest.raises(backup.exceptions.InvalidParameterValueException, match="State"):
        backup.list_restore_job_summaries(State="EXPIRED")
