"""Copy jobs through boto3's `backup` client and the AWS CLI: StartCopyJob, DescribeCopyJob, ListCopyJobs
(every filter) and ListCopyJobSummaries, bad input included."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.runtime import LocalRuntime
from tests.api.cli import Cli, error_code
from tests.api.conftest import ROLE
from tests.api.helpers import ACCOUNT, let_track_jobs_run, new_table, new_vault, new_volume


def vault_arn(name: str, region: str = "us-east-1") -> str:
    return f"arn:aws:backup:{region}:{ACCOUNT}:backup-vault:{name}"


def backed_up(runtime: LocalRuntime, backup: Any, vault: str, *resources: str) -> list[str]:
    started = [
        backup.start_backup_job(BackupVaultName=vault, ResourceArn=arn, IamRoleArn=ROLE)["RecoveryPointArn"]
        for arn in resources
    ]
    let_track_jobs_run(runtime)
    return started


def test_given_a_completed_point_when_copied_to_another_vault_then_the_copy_job_completes_and_the_copy_is_listed(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given an EBS recovery point in one vault and an empty second vault
    source, offsite = new_vault(backup, "source"), new_vault(backup, "offsite")
    [point] = backed_up(runtime, backup, source, new_volume(runtime, size=3))
    # When it is copied with a one-year lifecycle
    started = backup.start_copy_job(
        RecoveryPointArn=point,
        SourceBackupVaultName=source,
        DestinationBackupVaultArn=vault_arn(offsite),
        IamRoleArn=ROLE,
        Lifecycle={"DeleteAfterDays": 365},
    )
    assert started["CopyJobId"] and started["IsParent"] is False
    let_track_jobs_run(runtime)
    # Then the copy job is COMPLETED with AWS Backup's fields
    job = backup.describe_copy_job(CopyJobId=started["CopyJobId"])["CopyJob"]
    assert job["State"] == "COMPLETED", job.get("StatusMessage")
    assert (job["SourceRecoveryPointArn"], job["SourceBackupVaultArn"]) == (point, vault_arn(source))
    assert job["DestinationBackupVaultArn"] == vault_arn(offsite)
    assert (job["ResourceType"], job["AccountId"], job["IamRoleArn"]) == ("EBS", ACCOUNT, ROLE)
    assert job["BackupSizeInBytes"] == 3 * 1024**3 and job["CompletionDate"] >= job["CreationDate"]
    assert job["DestinationRecoveryPointLifecycle"] == {"DeleteAfterDays": 365}
    # and the copy is a recovery point of the offsite vault, a snapshot of its own under the vault's key
    copied = job["DestinationRecoveryPointArn"]
    assert copied != point and copied.startswith("arn:aws:ec2:us-east-1::snapshot/snap-")
    described = backup.describe_recovery_point(BackupVaultName=offsite, RecoveryPointArn=copied)
    assert described["SourceBackupVaultArn"] == vault_arn(source)
    assert described["EncryptionKeyArn"] == backup.describe_backup_vault(BackupVaultName=offsite)["EncryptionKeyArn"]
    source_point = backup.describe_recovery_point(BackupVaultName=source, RecoveryPointArn=point)
    assert described["CalculatedLifecycle"]["DeleteAt"] == source_point["CreationDate"] + timedelta(days=365)
    # and it can be restored like any other point
    metadata = backup.get_recovery_point_restore_metadata(BackupVaultName=offsite, RecoveryPointArn=copied)
    assert metadata["RestoreMetadata"]["availabilityZone"]


def test_given_copy_jobs_of_two_types_when_listed_with_each_filter_then_each_filter_keeps_only_its_jobs(
    runtime: LocalRuntime, backup: Any
) -> None:
    source, offsite = new_vault(backup, "source"), new_vault(backup, "offsite")
    volume, table = new_volume(runtime), new_table(runtime)
    ebs_point, table_point = backed_up(runtime, backup, source, volume, table)
    before = runtime.clock.now()
    ebs_copy = backup.start_copy_job(
        RecoveryPointArn=ebs_point,
        SourceBackupVaultName=source,
        DestinationBackupVaultArn=vault_arn(offsite),
        IamRoleArn=ROLE,
    )["CopyJobId"]
    # Strongroom cannot copy DynamoDB backups (AWS needs its advanced DynamoDB backups for that): that job FAILS
    table_copy = backup.start_copy_job(
        RecoveryPointArn=table_point,
        SourceBackupVaultName=source,
        DestinationBackupVaultArn=vault_arn(offsite),
        IamRoleArn=ROLE,
    )["CopyJobId"]
    let_track_jobs_run(runtime)

    def ids(**filters: Any) -> set[str]:
        pages = backup.get_paginator("list_copy_jobs").paginate(**filters, PaginationConfig={"PageSize": 1})
        return {job["CopyJobId"] for page in pages for job in page["CopyJobs"]} & {ebs_copy, table_copy}

    assert ids() == {ebs_copy, table_copy}
    assert ids(ByResourceArn=volume) == {ebs_copy}
    assert ids(ByResourceType="DynamoDB") == {table_copy}
    assert ids(ByState="COMPLETED") == {ebs_copy}
    assert ids(ByState="FAILED") == {table_copy}
    assert ids(ByDestinationVaultArn=vault_arn(offsite)) == {ebs_copy, table_copy}
    assert ids(ByDestinationVaultArn=vault_arn(source)) == set()
    assert ids(BySourceRecoveryPointArn=table_point) == {table_copy}
    assert ids(ByCreatedAfter=before - timedelta(seconds=1)) == {ebs_copy, table_copy}
    assert ids(ByCreatedBefore=before - timedelta(seconds=1)) == set()
    assert ids(ByCompleteAfter=before - timedelta(seconds=1)) == {ebs_copy, table_copy}
    assert ids(ByAccountId=ACCOUNT) == {ebs_copy, table_copy}
    assert ids(ByAccountId="999999999999") == set()
    failed = backup.describe_copy_job(CopyJobId=table_copy)["CopyJob"]
    assert "DynamoDB" in failed["StatusMessage"]


def test_given_copy_jobs_when_summarized_then_the_counts_grow_by_exactly_those_jobs(
    runtime: LocalRuntime, backup: Any
) -> None:
    def completed_ebs() -> int:
        rows = backup.list_copy_job_summaries(AggregationPeriod="FOURTEEN_DAYS", State="COMPLETED", ResourceType="EBS")[
            "CopyJobSummaries"
        ]
        return sum(row["Count"] for row in rows)

    before = completed_ebs()
    source, offsite = new_vault(backup, "source"), new_vault(backup, "offsite")
    points = backed_up(runtime, backup, source, new_volume(runtime), new_volume(runtime))
    for point in points:
        backup.start_copy_job(
            RecoveryPointArn=point,
            SourceBackupVaultName=source,
            DestinationBackupVaultArn=vault_arn(offsite),
            IamRoleArn=ROLE,
        )
    let_track_jobs_run(runtime)
    assert completed_ebs() == before + 2
    answer = backup.list_copy_job_summaries()
    assert answer["AggregationPeriod"] == "ONE_DAY"
    assert all(row["Region"] == "us-east-1" for row in answer["CopyJobSummaries"])


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"RecoveryPointArn": "arn:aws:ec2:us-east-1::snapshot/snap-0000000000000000"}, "ResourceNotFoundException"),
        ({"SourceBackupVaultName": "no-such-vault"}, "ResourceNotFoundException"),
        ({"DestinationBackupVaultArn": "arn:aws:s3:::not-a-vault"}, "InvalidParameterValueException"),
        ({"IamRoleArn": "not-a-role"}, "InvalidParameterValueException"),
        ({"Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 60}}, "InvalidParameterValueException"),
    ],
)
def test_given_bad_copy_requests_then_aws_backup_errors_and_no_copy_job_is_written(
    runtime: LocalRuntime, backup: Any, change: dict[str, Any], code: str
) -> None:
    source = new_vault(backup, "source")
    [point] = backed_up(runtime, backup, source, new_volume(runtime))
    before = {j["CopyJobId"] for j in backup.list_copy_jobs()["CopyJobs"]}
    request = {
        "RecoveryPointArn": point,
        "SourceBackupVaultName": source,
        "DestinationBackupVaultArn": vault_arn(new_vault(backup, "offsite")),
        "IamRoleArn": ROLE,
        **change,
    }
    with pytest.raises(ClientError) as raised:
        backup.start_copy_job(**request)
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["Error"]["Message"]
    assert {j["CopyJobId"] for j in backup.list_copy_jobs()["CopyJobs"]} == before


def test_given_bad_copy_queries_then_aws_backup_errors(backup: Any) -> None:
    with pytest.raises(ClientError) as missing:
        backup.describe_copy_job(CopyJobId="00000000-0000-0000-0000-000000000000")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    for call in (
        lambda: backup.list_copy_jobs(ByState="DONE"),
        lambda: backup.list_copy_job_summaries(State="DONE"),
        lambda: backup.list_copy_job_summaries(AggregationPeriod="ONE_YEAR"),
        lambda: backup.list_copy_jobs(MaxResults=1001),
    ):
        with pytest.raises(ClientError) as bad:
            call()
        assert bad.value.response["Error"]["Code"] == "InvalidParameterValueException"


@pytest.fixture(scope="module")
def aws(runtime: LocalRuntime, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    return Cli(runtime.endpoint, Path(tmp_path_factory.mktemp("aws-home")))


def test_given_the_cli_when_a_point_is_copied_then_start_describe_list_and_summaries_answer(
    runtime: LocalRuntime, backup: Any, aws: Cli
) -> None:
    source, offsite = new_vault(backup, "source"), new_vault(backup, "offsite")
    [point] = backed_up(runtime, backup, source, new_volume(runtime))
    started = aws(
        "start-copy-job",
        "--recovery-point-arn",
        point,
        "--source-backup-vault-name",
        source,
        "--destination-backup-vault-arn",
        vault_arn(offsite),
        "--iam-role-arn",
        ROLE,
        "--lifecycle",
        "DeleteAfterDays=30",
    )
    let_track_jobs_run(runtime)
    job = aws("describe-copy-job", "--copy-job-id", started["CopyJobId"])["CopyJob"]
    assert (job["State"], job["DestinationRecoveryPointLifecycle"]) == ("COMPLETED", {"DeleteAfterDays": 30})
    listed = aws("list-copy-jobs", "--by-source-recovery-point-arn", point, "--page-size", "1")["CopyJobs"]
    assert [j["CopyJobId"] for j in listed] == [started["CopyJobId"]]
    summaries = aws("list-copy-job-summaries", "--aggregation-period", "SEVEN_DAYS")
    assert summaries["AggregationPeriod"] == "SEVEN_DAYS" and summaries["CopyJobSummaries"]
    stderr = aws.fails("describe-copy-job", "--copy-job-id", "nope")
    assert error_code(stderr) == "ResourceNotFoundException"
    stderr = aws.fails(
        "start-copy-job",
        "--recovery-point-arn",
        point,
        "--source-backup-vault-name",
        source,
        "--destination-backup-vault-arn",
        "arn:aws:backup:us-east-1:123:vault",
        "--iam-role-arn",
        ROLE,
    )
    assert error_code(stderr) == "InvalidParameterValueException"
