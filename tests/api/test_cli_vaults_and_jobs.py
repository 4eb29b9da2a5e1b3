"""Vaults, jobs, recovery points, restores, tags and account settings through the real AWS CLI (`aws backup ...`)
pointed at the local runtime's edge, the way a user types them: every implemented operation that
test_plans_cli.py does not drive, good input and bad.

Each CLI call is a process (~0.5 s), so the tests are few and long, and independent calls run side by side.
The runtime is shared by the module: every test makes its own vault, volumes and tables. EBS volumes and
DynamoDB tables are made with boto3 against the same edge: that is setup, not what is tested."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from local.runtime import LocalRuntime
from tests.api.conftest import ROLE

ACCOUNT = "123456789012"
GIB = 1024**3


# The CLI


def _aws_command() -> str:
    found = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")
    if found is None:
        pytest.fail("the AWS CLI is missing: pip install -r requirements-dev.txt (it pins awscli)")
    return found


class Cli:
    """`aws backup ...` with only --endpoint-url and the test credentials: no other AWS setting leaks in."""

    def __init__(self, endpoint: str, home: Path, secret: str = "test") -> None:
        self._endpoint = endpoint
        self._command = _aws_command()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            {
                "AWS_ACCESS_KEY_ID": "test",
                "AWS_SECRET_ACCESS_KEY": secret,
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_CONFIG_FILE": str(home / "config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
                "AWS_MAX_ATTEMPTS": "1",
                "AWS_PAGER": "",
            }
        )
        self._env = env

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [self._command, "backup", *args, "--endpoint-url", self._endpoint, "--output", "json"]
        return subprocess.run(command, env=self._env, capture_output=True, text=True, timeout=120, check=False)

    def __call__(self, *args: str) -> Any:
        done = self.run(*args)
        assert done.returncode == 0, f"aws backup {' '.join(args)} failed: {done.stderr}"
        return json.loads(done.stdout) if done.stdout.strip() else {}

    def fails(self, *args: str) -> str:
        """Runs a call that must fail; returns its stderr, where the CLI names AWS Backup's error code."""
        done = self.run(*args)
        assert done.returncode != 0, f"aws backup {' '.join(args)} should have failed: {done.stdout}"
        return done.stderr

    def all(self, *calls: Sequence[str]) -> list[Any]:
        """Runs independent calls side by side; each must succeed. Answers come back in order."""
        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(lambda call: self(*call), calls))

    def errors(self, *calls: Sequence[str]) -> list[str]:
        """Runs independent calls that must each fail, side by side; returns their stderr in order."""
        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(lambda call: self.fails(*call), calls))


@pytest.fixture(scope="module")
def aws(runtime: LocalRuntime, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    return Cli(runtime.endpoint, tmp_path_factory.mktemp("aws-home"))


# Helpers (setup through boto3 against the same edge)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def new_vault(aws: Cli) -> str:
    name = unique("cli")
    aws("create-backup-vault", "--backup-vault-name", name)
    return name


def new_volume(runtime: LocalRuntime, size: int = 2) -> str:
    volume = runtime.client("ec2").create_volume(AvailabilityZone="us-east-1a", Size=size)
    return f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/{volume['VolumeId']}"


def new_table(runtime: LocalRuntime, items: int = 3) -> str:
    dynamodb = runtime.client("dynamodb")
    name = unique("cli-table")
    table = dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for n in range(items):
        dynamodb.put_item(TableName=name, Item={"pk": {"S": f"item-{n}"}, "n": {"N": str(n)}})
    return str(table["TableDescription"]["TableArn"])


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


def test_given_the_cli_when_a_vault_is_managed_end_to_end_then_every_vault_operation_answers_as_aws_backup(
    aws: Cli, runtime: LocalRuntime
) -> None:
    # Given a new vault, created with a tag
    vault = unique("cli-vault")
    created = aws("create-backup-vault", "--backup-vault-name", vault, "--backup-vault-tags", "team=core")
    vault_arn = created["BackupVaultArn"]
    assert vault_arn == f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:{vault}"

    # Then describe and list (one page at a time, the CLI following NextToken) show it
    described, listed = aws.all(
        ("describe-backup-vault", "--backup-vault-name", vault),
        ("list-backup-vaults", "--page-size", "1"),
    )
    assert (described["BackupVaultArn"], described["NumberOfRecoveryPoints"]) == (vault_arn, 0)
    assert described["EncryptionKeyArn"].startswith("arn:aws:kms:us-east-1:")
    assert described["Locked"] is False
    assert vault in [v["BackupVaultName"] for v in listed["BackupVaultList"]]

    # And bad input is refused with AWS Backup's error codes
    again, short, unknown = aws.errors(
        ("create-backup-vault", "--backup-vault-name", vault),
        ("create-backup-vault", "--backup-vault-name", "x"),
        ("describe-backup-vault", "--backup-vault-name", unique("no-such-vault")),
    )
    assert "AlreadyExistsException" in again and vault in again
    assert "InvalidParameterValueException" in short
    assert "ResourceNotFoundException" in unknown

    # When notifications are put, they read back; once deleted, there are none
    topic = runtime.client("sns").create_topic(Name=unique("vault-events"))["TopicArn"]
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
    assert notifications["BackupVaultArn"] == vault_arn
    aws("delete-backup-vault-notifications", "--backup-vault-name", vault)
    assert "ResourceNotFoundException" in aws.fails("get-backup-vault-notifications", "--backup-vault-name", vault)

    # When an access policy denies DescribeBackupVault, the CLI's describe is refused until the policy goes
    aws("put-backup-vault-access-policy", "--backup-vault-name", vault, "--policy", deny("backup:DescribeBackupVault"))
    policy = aws("get-backup-vault-access-policy", "--backup-vault-name", vault)
    assert json.loads(policy["Policy"]) == json.loads(deny("backup:DescribeBackupVault"))
    refused = aws.fails("describe-backup-vault", "--backup-vault-name", vault)
    assert "AccessDeniedException" in refused and "backup:DescribeBackupVault" in refused
    aws("delete-backup-vault-access-policy", "--backup-vault-name", vault)
    not_json = aws.fails("put-backup-vault-access-policy", "--backup-vault-name", vault, "--policy", "{nope")
    assert "InvalidParameterValueException" in not_json
    assert "ResourceNotFoundException" in aws.fails("get-backup-vault-access-policy", "--backup-vault-name", vault)

    # When a governance lock is put, the vault says locked with its limits; min above max is refused
    aws(
        "put-backup-vault-lock-configuration",
        "--backup-vault-name",
        vault,
        "--min-retention-days",
        "7",
        "--max-retention-days",
        "365",
    )
    locked = aws("describe-backup-vault", "--backup-vault-name", vault)
    assert (locked["Locked"], locked["MinRetentionDays"], locked["MaxRetentionDays"]) == (True, 7, 365)
    min_above_max = aws.fails(
        "put-backup-vault-lock-configuration",
        "--backup-vault-name",
        vault,
        "--min-retention-days",
        "30",
        "--max-retention-days",
        "7",
    )
    assert "InvalidParameterValueException" in min_above_max
    aws("delete-backup-vault-lock-configuration", "--backup-vault-name", vault)

    # When tags are added and removed, list-tags follows; reserved keys and unknown ARNs are refused
    aws("tag-resource", "--resource-arn", vault_arn, "--tags", "cost=low,owner=ops")
    aws("untag-resource", "--resource-arn", vault_arn, "--tag-key-list", "team", "owner")
    tags, unlocked = aws.all(
        ("list-tags", "--resource-arn", vault_arn),
        ("describe-backup-vault", "--backup-vault-name", vault),
    )
    assert tags["Tags"] == {"cost": "low"}
    assert unlocked["Locked"] is False and "MinRetentionDays" not in unlocked
    reserved, missing = aws.errors(
        ("tag-resource", "--resource-arn", vault_arn, "--tags", "aws:reserved=x"),
        ("list-tags", "--resource-arn", vault_arn.replace(vault, unique("gone"))),
    )
    assert "InvalidParameterValueException" in reserved
    assert "ResourceNotFoundException" in missing

    # When the (empty) vault is deleted, it is gone
    aws("delete-backup-vault", "--backup-vault-name", vault)
    assert "ResourceNotFoundException" in aws.fails("describe-backup-vault", "--backup-vault-name", vault)
    assert vault not in [v["BackupVaultName"] for v in aws("list-backup-vaults")["BackupVaultList"]]


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
    # Given a vault, a volume and a table
    vault = new_vault(aws)
    volume, table, other_volume = new_volume(runtime, size=3), new_table(runtime), new_volume(runtime)
    before = aws("list-backup-job-summaries", "--aggregation-period", "FOURTEEN_DAYS")["BackupJobSummaries"]
    completed_before = sum(r["Count"] for r in before if (r["State"], r["ResourceType"]) == ("COMPLETED", "DynamoDB"))

    # When the volume is backed up twice with one idempotency token, and the table once
    token = unique("token")
    first = start_backup(aws, vault, volume, "--lifecycle", "DeleteAfterDays=7", "--idempotency-token", token)
    repeat = start_backup(aws, vault, volume, "--lifecycle", "DeleteAfterDays=7", "--idempotency-token", token)
    table_job = start_backup(aws, vault, table)["BackupJobId"]
    volume_job = first["BackupJobId"]

    # Then it is one volume job, RUNNING, with what was asked
    assert repeat["BackupJobId"] == volume_job and repeat["RecoveryPointArn"] == first["RecoveryPointArn"]
    running = aws("describe-backup-job", "--backup-job-id", volume_job)
    assert (running["State"], running["ResourceArn"], running["BackupVaultName"]) == ("RUNNING", volume, vault)
    assert (running["ResourceType"], running["IamRoleArn"], running["AccountId"]) == ("EBS", ROLE, ACCOUNT)
    assert running["RecoveryPointLifecycle"] == {"DeleteAfterDays": 7}

    # When track-jobs runs, both complete; then a second volume backup starts and is stopped
    runtime.advance(timedelta(hours=1))
    later = start_backup(aws, vault, other_volume)["BackupJobId"]
    aws("stop-backup-job", "--backup-job-id", later)

    described = aws.all(*(("describe-backup-job", "--backup-job-id", job) for job in (volume_job, table_job, later)))
    ebs, dynamo, stopped = described
    assert (ebs["State"], ebs["PercentDone"], ebs["BackupSizeInBytes"]) == ("COMPLETED", "100.0", 3 * GIB)
    assert (dynamo["State"], dynamo["ResourceType"]) == ("COMPLETED", "DynamoDB")
    assert stopped["State"] == "ABORTED" and "StopBackupJob" in stopped["StatusMessage"]
    just_after_first = iso(ebs["CreationDate"] + 1)
    before_completion = iso(ebs["CompletionDate"] - 1)

    # Then each list-backup-jobs filter keeps exactly its jobs; a page size of 1 still lists all three
    filtered = aws.all(
        ("list-backup-jobs", "--by-backup-vault-name", vault, "--page-size", "1"),
        ("list-backup-jobs", "--by-backup-vault-name", vault, "--by-state", "COMPLETED"),
        ("list-backup-jobs", "--by-backup-vault-name", vault, "--by-state", "ABORTED"),
        ("list-backup-jobs", "--by-backup-vault-name", vault, "--by-resource-type", "DynamoDB"),
        ("list-backup-jobs", "--by-resource-arn", volume),
        ("list-backup-jobs", "--by-backup-vault-name", vault, "--by-created-after", just_after_first),
        ("list-backup-jobs", "--by-backup-vault-name", vault, "--by-created-before", just_after_first),
        ("list-backup-jobs", "--by-backup-vault-name", vault, "--by-complete-after", before_completion),
        ("list-backup-jobs", "--by-backup-vault-name", vault, "--by-complete-before", before_completion),
        ("list-backup-jobs", "--by-backup-vault-name", vault, "--by-account-id", ACCOUNT),
        ("list-backup-jobs", "--by-backup-vault-name", vault, "--by-account-id", "210987654321"),
    )
    assert [backup_job_ids(answer) for answer in filtered] == [
        {volume_job, table_job, later},
        {volume_job, table_job},
        {later},
        {table_job},
        {volume_job},
        {later},
        {volume_job, table_job},
        {volume_job, table_job, later},
        set(),
        {volume_job, table_job, later},
        set(),
    ]

    # And the summaries count the completed table backup; filters and AGGREGATE_ALL answer
    dynamo_rows, totals = aws.all(
        ("list-backup-job-summaries", "--aggregation-period", "FOURTEEN_DAYS", "--resource-type", "DynamoDB"),
        ("list-backup-job-summaries", "--state", "AGGREGATE_ALL", "--resource-type", "AGGREGATE_ALL"),
    )
    assert {row["ResourceType"] for row in dynamo_rows["BackupJobSummaries"]} == {"DynamoDB"}
    completed_after = sum(r["Count"] for r in dynamo_rows["BackupJobSummaries"] if r["State"] == "COMPLETED")
    assert completed_after == completed_before + 1
    (total,) = totals["BackupJobSummaries"]
    assert total["Count"] >= 3 and total["AccountId"] == ACCOUNT and total["Region"] == "us-east-1"

    # And bad input gets AWS Backup's errors
    sqs = f"arn:aws:sqs:us-east-1:{ACCOUNT}:queue"
    missing_volume = f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-0000000000"
    no_job = str(uuid.uuid4()).upper()
    errors = aws.errors(
        ("stop-backup-job", "--backup-job-id", later),
        ("stop-backup-job", "--backup-job-id", no_job),
        ("describe-backup-job", "--backup-job-id", no_job),
        ("start-backup-job", "--backup-vault-name", unique("missing"), "--resource-arn", volume, "--iam-role-arn", ROLE),
        ("start-backup-job", "--backup-vault-name", vault, "--resource-arn", sqs, "--iam-role-arn", ROLE),
        ("start-backup-job", "--backup-vault-name", vault, "--resource-arn", missing_volume, "--iam-role-arn", ROLE),
        (
            "start-backup-job",
            "--backup-vault-name",
            vault,
            "--resource-arn",
            volume,
            "--iam-role-arn",
            ROLE,
            "--start-window-minutes",
            "10",
        ),
        ("list-backup-jobs", "--by-state", "DONE"),
        ("list-backup-job-summaries", "--aggregation-period", "ONE_WEEK"),
    )
    assert [error.split("(", 1)[1].split(")", 1)[0] for error in errors] == [
        "InvalidRequestException",
        "ResourceNotFoundException",
        "ResourceNotFoundException",
        "ResourceNotFoundException",
        "InvalidParameterValueException",
        "ResourceNotFoundException",
        "InvalidParameterValueException",
        "InvalidParameterValueException",
        "InvalidParameterValueException",
    ]
    assert "StartWindowMinutes" in errors[6] and "ByState" in errors[7] and "AggregationPeriod" in errors[8]
    # and the refused starts wrote no job
    assert backup_job_ids(aws("list-backup-jobs", "--by-backup-vault-name", vault)) == {volume_job, table_job, later}


# Recovery points and restores


def test_given_cli_backups_of_a_volume_and_a_table_when_listed_restored_and_deleted_then_points_and_restores_follow(
    aws: Cli, runtime: LocalRuntime
) -> None:
    # Given completed CLI backups of a volume and a table in a new vault
    vault = new_vault(aws)
    volume, table = new_volume(runtime, size=4), new_table(runtime, items=4)
    volume_point = start_backup(aws, vault, volume, "--lifecycle", "DeleteAfterDays=30")["RecoveryPointArn"]
    table_point = start_backup(aws, vault, table)["RecoveryPointArn"]
    runtime.advance(timedelta(hours=1))
    source_items = items_of(runtime, table.rsplit("/", 1)[1])

    # Then the points describe and list, by vault with its filters and by resource
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
    ) = aws.all(
        ("describe-recovery-point", "--backup-vault-name", vault, "--recovery-point-arn", volume_point),
        ("list-recovery-points-by-backup-vault", "--backup-vault-name", vault, "--page-size", "1"),
        ("list-recovery-points-by-backup-vault", "--backup-vault-name", vault, "--by-resource-type", "EBS"),
        ("list-recovery-points-by-backup-vault", "--backup-vault-name", vault, "--by-resource-type", "DynamoDB"),
        ("list-recovery-points-by-backup-vault", "--backup-vault-name", vault, "--by-resource-arn", volume),
        ("list-recovery-points-by-backup-vault", "--backup-vault-name", vault, "--by-created-before", "2001-01-01"),
        ("list-recovery-points-by-resource", "--resource-arn", volume),
        ("get-recovery-point-restore-metadata", "--backup-vault-name", vault, "--recovery-point-arn", volume_point),
        ("get-recovery-point-restore-metadata", "--backup-vault-name", vault, "--recovery-point-arn", table_point),
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
    assert table_metadata["ResourceType"] == "DynamoDB"

    # And the volume is a protected resource, listed for the account and for the vault
    protected, in_account, in_vault = aws.all(
        ("describe-protected-resource", "--resource-arn", volume),
        ("list-protected-resources", "--page-size", "1"),
        ("list-protected-resources-by-backup-vault", "--backup-vault-name", vault),
    )
    assert protected["ResourceType"] == "EBS" and protected["LastBackupVaultArn"].endswith(f":backup-vault:{vault}")
    assert {volume, table} <= {r["ResourceArn"] for r in in_account["Results"]}
    assert {r["ResourceArn"] for r in in_vault["Results"]} == {volume, table}

    # When both are restored: the volume with its restore metadata, the table under a new name
    target = unique("cli-restored")
    volume_restore = aws(
        "start-restore-job",
        "--recovery-point-arn",
        volume_point,
        "--metadata",
        json.dumps(volume_metadata["RestoreMetadata"]),
        "--iam-role-arn",
        ROLE,
    )["RestoreJobId"]
    table_restore = aws(
        "start-restore-job",
        "--recovery-point-arn",
        table_point,
        "--metadata",
        f"targetTableName={target}",
        "--iam-role-arn",
        ROLE,
        "--resource-type",
        "DynamoDB",
    )["RestoreJobId"]

    # Then both restore jobs complete and the table's items come back
    restored_volume = wait_for_restore(aws, volume_restore)
    restored_table = wait_for_restore(aws, table_restore)
    assert restored_volume["Status"] == "COMPLETED", restored_volume.get("StatusMessage")
    assert restored_table["Status"] == "COMPLETED", restored_table.get("StatusMessage")
    assert restored_table["CreatedResourceArn"].endswith(f":table/{target}")
    assert restored_volume["CreatedResourceArn"].startswith("arn:aws:ec2:us-east-1:")
    assert items_of(runtime, target) == source_items

    # And the restore listings, the restore metadata and the summaries find them
    completed_dynamo, ebs_restores, of_table, of_table_failed, job_metadata, summaries = aws.all(
        ("list-restore-jobs", "--by-status", "COMPLETED", "--by-resource-type", "DynamoDB"),
        ("list-restore-jobs", "--by-resource-type", "EBS", "--by-account-id", ACCOUNT),
        ("list-restore-jobs-by-protected-resource", "--resource-arn", table),
        ("list-restore-jobs-by-protected-resource", "--resource-arn", table, "--by-status", "FAILED"),
        ("get-restore-job-metadata", "--restore-job-id", table_restore),
        ("list-restore-job-summaries", "--aggregation-period", "ONE_DAY", "--state", "COMPLETED"),
    )
    assert table_restore in {job["RestoreJobId"] for job in completed_dynamo["RestoreJobs"]}
    assert volume_restore not in {job["RestoreJobId"] for job in completed_dynamo["RestoreJobs"]}
    assert volume_restore in {job["RestoreJobId"] for job in ebs_restores["RestoreJobs"]}
    assert [job["RestoreJobId"] for job in of_table["RestoreJobs"]] == [table_restore]
    assert of_table_failed["RestoreJobs"] == []
    assert job_metadata["Metadata"]["targetTableName"] == target
    counted = {(row["State"], row["ResourceType"]) for row in summaries["RestoreJobSummaries"]}
    assert {("COMPLETED", "EBS"), ("COMPLETED", "DynamoDB")} <= counted

    # When a point's lifecycle is updated, the dates move; under 90 days after cold storage is refused
    updated = aws(
        "update-recovery-point-lifecycle",
        "--backup-vault-name",
        vault,
        "--recovery-point-arn",
        table_point,
        "--lifecycle",
        "MoveToColdStorageAfterDays=10,DeleteAfterDays=200",
    )
    assert updated["Lifecycle"] == {"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 200}
    assert set(updated["CalculatedLifecycle"]) == {"MoveToColdStorageAt", "DeleteAt"}

    # And a recovery point takes tags
    aws("tag-resource", "--resource-arn", volume_point, "--tags", "case=cli")
    assert aws("list-tags", "--resource-arn", volume_point)["Tags"] == {"case": "cli"}

    # And bad recovery point and restore requests get AWS Backup's errors, and start no restore
    errors = aws.errors(
        (
            "update-recovery-point-lifecycle",
            "--backup-vault-name",
            vault,
            "--recovery-point-arn",
            table_point,
            "--lifecycle",
            "MoveToColdStorageAfterDays=10,DeleteAfterDays=50",
        ),
        ("describe-recovery-point", "--backup-vault-name", unique("missing"), "--recovery-point-arn", volume_point),
        ("list-recovery-points-by-backup-vault", "--backup-vault-name", unique("missing")),
        ("list-recovery-points-by-resource", "--resource-arn", "not-an-arn"),
        ("get-recovery-point-restore-metadata", "--backup-vault-name", new_vault(aws), "--recovery-point-arn", table_point),
        ("start-restore-job", "--recovery-point-arn", table_point, "--metadata", "targetTableName=", "--iam-role-arn", ROLE),
        (
            "start-restore-job",
            "--recovery-point-arn",
            table_point,
            "--metadata",
            f"targetTableName={unique('t')}",
            "--iam-role-arn",
            ROLE,
            "--resource-type",
            "EBS",
        ),
        (
            "start-restore-job",
            "--recovery-point-arn",
            f"arn:aws:ec2:us-east-1::snapshot/snap-{uuid.uuid4().hex[:17]}",
            "--metadata",
            "availabilityZone=us-east-1a",
        ),
        ("describe-restore-job", "--restore-job-id", str(uuid.uuid4()).upper()),
        ("get-restore-job-metadata", "--restore-job-id", str(uuid.uuid4()).upper()),
        ("list-restore-jobs", "--by-status", "DONE"),
        ("delete-backup-vault", "--backup-vault-name", vault),
    )
    assert [error.split("(", 1)[1].split(")", 1)[0] for error in errors] == [
        "InvalidParameterValueException",
        "ResourceNotFoundException",
        "ResourceNotFoundException",
        "InvalidParameterValueException",
        "ResourceNotFoundException",
        "InvalidParameterValueException",
        "InvalidParameterValueException",
        "ResourceNotFoundException",
        "ResourceNotFoundException",
        "ResourceNotFoundException",
        "InvalidParameterValueException",
        "InvalidRequestException",
    ]
    assert "90 days" in errors[0] and "targetTableName" in errors[5] and "contains recovery points" in errors[11]
    assert [job["RestoreJobId"] for job in aws("list-restore-jobs-by-protected-resource", "--resource-arn", table)[
        "RestoreJobs"
    ]] == [table_restore]

    # When the vault's policy denies DeleteRecoveryPoint, the CLI's delete is refused and the point stays
    aws("put-backup-vault-access-policy", "--backup-vault-name", vault, "--policy", deny("backup:DeleteRecoveryPoint"))
    refused = aws.fails("delete-recovery-point", "--backup-vault-name", vault, "--recovery-point-arn", volume_point)
    assert "AccessDeniedException" in refused and "backup:DeleteRecoveryPoint" in refused
    assert aws("describe-recovery-point", "--backup-vault-name", vault, "--recovery-point-arn", volume_point)[
        "Status"
    ] == "COMPLETED"

    # When the policy goes, the volume point is deleted and the table point disassociated: the vault is empty
    aws("delete-backup-vault-access-policy", "--backup-vault-name", vault)
    aws("delete-recovery-point", "--backup-vault-name", vault, "--recovery-point-arn", volume_point)
    aws("disassociate-recovery-point", "--backup-vault-name", vault, "--recovery-point-arn", table_point)
    remaining, gone_volume, gone_table = aws.all(
        ("list-recovery-points-by-backup-vault", "--backup-vault-name", vault),
        ("list-recovery-points-by-resource", "--resource-arn", volume),
        ("describe-backup-vault", "--backup-vault-name", vault),
    )
    assert remaining["RecoveryPoints"] == [] and gone_volume["RecoveryPoints"] == []
    assert gone_table["NumberOfRecoveryPoints"] == 0
    deleted_again = aws.fails("delete-recovery-point", "--backup-vault-name", vault, "--recovery-point-arn", volume_point)
    assert "ResourceNotFoundException" in deleted_again
    # the disassociated table backup is still DynamoDB's own
    backup_arn = table_point
    assert runtime.client("dynamodb").describe_backup(BackupArn=backup_arn)["BackupDescription"]


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
        ("update-region-settings", "--resource-type-opt-in-preference", "Redshift=true"),
        ("update-global-settings", "--global-settings", "colour=blue"),
        ("update-global-settings", "--global-settings", "isCrossAccountBackupEnabled=maybe"),
    )
    assert "InvalidParameterValueException" in unknown_type and "Redshift" in unknown_type
    assert "InvalidParameterValueException" in unknown_setting and "colour" in unknown_setting
    assert "InvalidParameterValueException" in not_a_bool
    assert aws("describe-global-settings")["GlobalSettings"]["isCrossAccountBackupEnabled"] == "true"


def test_given_a_cli_with_the_wrong_secret_then_the_edge_refuses_its_signature(
    runtime: LocalRuntime, tmp_path: Path
) -> None:
    stderr = Cli(runtime.endpoint, tmp_path, secret="wrong").fails("list-backup-vaults")

    assert "InvalidSignatureException" in stderr
