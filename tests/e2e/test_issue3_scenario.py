"""Issue 3's "Done when", the way a newcomer does it: start `python -m local serve`, then with nothing but the
AWS CLI (`--endpoint-url`), and separately with nothing but boto3 (`endpoint_url`), create a vault, a plan
from an AWS template and a tag-based selection, create an EBS volume and a DynamoDB table with items through
the same endpoint, back both up on demand, list the recovery points, read their restore metadata, restore
both, and see the restored table hold the source's items and every job COMPLETED.

The served runtime follows real time and runs track-jobs on every scheduler tick (2 s), so the scenario
polls with deadlines rather than moving a clock."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import boto3
import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
ROLE = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"
TEMPLATE = "Daily-35day-Retention"
FINAL_BACKUP = {"COMPLETED", "FAILED", "ABORTED", "EXPIRED", "PARTIAL"}
FINAL_RESTORE = {"COMPLETED", "FAILED", "ABORTED"}
DEADLINE_SECONDS = 120


# The server, as a newcomer starts it


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m local serve --port N` with no AWS settings in its environment; stopped (exit 0) at the end."""
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "local", "serve", "--port", str(port)],
            cwd=ROOT,
            env={**env, "PYTHONPATH": str(ROOT)},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_strongroom/clock", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None, f"the runtime exited: {log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"the runtime did not come up: {log.read_text()[-3000:]}"
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        code = server.wait(timeout=30)
    assert code == 0, log.read_text()[-3000:]
    assert "serving at" in log.read_text()


def wait_until(what: str, read: Callable[[], Any], done: Callable[[Any], bool]) -> Any:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        value = read()
        if done(value):
            return value
        assert time.monotonic() < deadline, f"{what} not done after {DEADLINE_SECONDS}s: {value}"
        time.sleep(1)


def by_key(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: item["pk"]["S"])


ITEMS = [{"pk": {"S": f"order-{n}"}, "total": {"N": str(n * 10)}, "note": {"S": f"item {n}"}} for n in range(5)]


# With only the AWS CLI


class Aws:
    """`aws <service> ... --endpoint-url URL --output json`, with the test credentials and nothing else."""

    def __init__(self, endpoint: str, home: Path) -> None:
        self._endpoint = endpoint
        found = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")
        if found is None:
            pytest.fail("the AWS CLI is missing: pip install -r requirements-dev.txt (it pins awscli)")
        self._command = found
        self._env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": str(home / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
            "AWS_PAGER": "",
        }

    def __call__(self, service: str, *args: str) -> Any:
        command = [self._command, service, *args, "--endpoint-url", self._endpoint, "--output", "json"]
        done = subprocess.run(command, env=self._env, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, f"aws {service} {' '.join(args)} failed: {done.stderr}"
        return json.loads(done.stdout) if done.stdout.strip() else {}


def test_with_only_the_aws_cli_a_newcomer_backs_up_and_restores_a_volume_and_a_table(
    endpoint: str, tmp_path: Path
) -> None:
    aws = Aws(endpoint, tmp_path)
    run = uuid.uuid4().hex[:8]
    vault, tag = f"newcomer-cli-{run}", f"cli-{run}"
    account = aws("sts", "get-caller-identity")["Account"]

    # A vault, a plan from AWS's daily template (its rules retargeted to the vault), a tag-based selection
    aws("backup", "create-backup-vault", "--backup-vault-name", vault)
    templates = aws("backup", "list-backup-plan-templates")["BackupPlanTemplatesList"]
    [template_id] = [t["BackupPlanTemplateId"] for t in templates if t["BackupPlanTemplateName"] == TEMPLATE]
    plan = aws("backup", "get-backup-plan-from-template", "--backup-plan-template-id", template_id)[
        "BackupPlanDocument"
    ]
    plan["BackupPlanName"] = f"newcomer-cli-{run}"
    for rule in plan["Rules"]:
        rule["TargetBackupVaultName"] = vault
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan))
    plan_id = aws("backup", "create-backup-plan", "--backup-plan", f"file://{plan_file}")["BackupPlanId"]
    selection = {
        "SelectionName": "tagged",
        "IamRoleArn": ROLE,
        "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": tag}],
    }
    aws("backup", "create-backup-selection", "--backup-plan-id", plan_id, "--backup-selection", json.dumps(selection))
    [listed] = aws("backup", "list-backup-selections", "--backup-plan-id", plan_id)["BackupSelectionsList"]
    assert listed["SelectionName"] == "tagged"

    # An EBS volume and a DynamoDB table with items, made through the same endpoint, both tagged for the plan
    volume_id = aws(
        "ec2",
        "create-volume",
        "--availability-zone",
        "us-east-1a",
        "--size",
        "8",
        "--tag-specifications",
        f"ResourceType=volume,Tags=[{{Key=backup,Value={tag}}}]",
    )["VolumeId"]
    volume_arn = f"arn:aws:ec2:us-east-1:{account}:volume/{volume_id}"
    table = f"orders-cli-{run}"
    table_arn = aws(
        "dynamodb",
        "create-table",
        "--table-name",
        table,
        "--key-schema",
        "AttributeName=pk,KeyType=HASH",
        "--attribute-definitions",
        "AttributeName=pk,AttributeType=S",
        "--billing-mode",
        "PAY_PER_REQUEST",
        "--tags",
        f"Key=backup,Value={tag}",
    )["TableDescription"]["TableArn"]
    for item in ITEMS:
        aws("dynamodb", "put-item", "--table-name", table, "--item", json.dumps(item))

    # On-demand backups of both, polled until COMPLETED
    jobs = [
        aws(
            "backup",
            "start-backup-job",
            "--backup-vault-name",
            vault,
            "--resource-arn",
            arn,
            "--iam-role-arn",
            ROLE,
        )["BackupJobId"]
        for arn in (volume_arn, table_arn)
    ]
    for job_id in jobs:
        job = wait_until(
            f"backup job {job_id}",
            partial(aws, "backup", "describe-backup-job", "--backup-job-id", job_id),
            lambda job: job["State"] in FINAL_BACKUP,
        )
        assert job["State"] == "COMPLETED", job.get("StatusMessage")

    # The recovery points are listed, and their restore metadata read
    points = aws("backup", "list-recovery-points-by-backup-vault", "--backup-vault-name", vault)["RecoveryPoints"]
    by_resource = {point["ResourceArn"]: point["RecoveryPointArn"] for point in points}
    assert set(by_resource) == {volume_arn, table_arn}
    assert {point["Status"] for point in points} == {"COMPLETED"}
    metadata = {
        arn: aws(
            "backup",
            "get-recovery-point-restore-metadata",
            "--backup-vault-name",
            vault,
            "--recovery-point-arn",
            point,
        )
        for arn, point in by_resource.items()
    }
    assert metadata[volume_arn]["ResourceType"] == "EBS"
    assert metadata[table_arn]["ResourceType"] == "DynamoDB"

    # Both are restored: the volume from its metadata, the table under a new name
    restored_table = f"orders-cli-restored-{run}"
    table_metadata = {**metadata[table_arn]["RestoreMetadata"], "targetTableName": restored_table}
    restores = [
        aws(
            "backup",
            "start-restore-job",
            "--recovery-point-arn",
            by_resource[arn],
            "--metadata",
            json.dumps(restore_metadata),
            "--iam-role-arn",
            ROLE,
        )["RestoreJobId"]
        for arn, restore_metadata in (
            (volume_arn, metadata[volume_arn]["RestoreMetadata"]),
            (table_arn, table_metadata),
        )
    ]
    for restore_id in restores:
        restore = wait_until(
            f"restore job {restore_id}",
            partial(aws, "backup", "describe-restore-job", "--restore-job-id", restore_id),
            lambda job: job["Status"] in FINAL_RESTORE,
        )
        assert restore["Status"] == "COMPLETED", restore.get("StatusMessage")

    # The restored table holds the source's items
    source = aws("dynamodb", "scan", "--table-name", table)["Items"]
    restored = aws("dynamodb", "scan", "--table-name", restored_table)["Items"]
    assert by_key(restored) == by_key(source) == by_key(ITEMS)

    # And every backup job into the vault, and every restore job of its points, is COMPLETED
    backup_jobs = wait_until(
        "the vault's backup jobs",
        lambda: aws("backup", "list-backup-jobs", "--by-backup-vault-name", vault)["BackupJobs"],
        lambda listed: all(job["State"] in FINAL_BACKUP for job in listed),
    )
    assert set(jobs) <= {job["BackupJobId"] for job in backup_jobs}
    assert {job["State"] for job in backup_jobs} == {"COMPLETED"}
    restore_jobs = [
        job
        for arn in (volume_arn, table_arn)
        for job in aws("backup", "list-restore-jobs-by-protected-resource", "--resource-arn", arn)["RestoreJobs"]
    ]
    assert sorted(job["RestoreJobId"] for job in restore_jobs) == sorted(restores)
    assert {job["Status"] for job in restore_jobs} == {"COMPLETED"}


# With only boto3


def test_with_only_boto3_a_newcomer_backs_up_and_restores_a_volume_and_a_table(endpoint: str) -> None:
    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    backup, ec2, dynamodb = (session.client(name, endpoint_url=endpoint) for name in ("backup", "ec2", "dynamodb"))
    run = uuid.uuid4().hex[:8]
    vault, tag = f"newcomer-sdk-{run}", f"sdk-{run}"
    account = session.client("sts", endpoint_url=endpoint).get_caller_identity()["Account"]

    # A vault, a plan from AWS's daily template (its rules retargeted to the vault), a tag-based selection
    backup.create_backup_vault(BackupVaultName=vault)
    templates = backup.list_backup_plan_templates()["BackupPlanTemplatesList"]
    [template_id] = [t["BackupPlanTemplateId"] for t in templates if t["BackupPlanTemplateName"] == TEMPLATE]
    plan = backup.get_backup_plan_from_template(BackupPlanTemplateId=template_id)["BackupPlanDocument"]
    plan["BackupPlanName"] = f"newcomer-sdk-{run}"
    for rule in plan["Rules"]:
        rule["TargetBackupVaultName"] = vault
    plan_id = backup.create_backup_plan(BackupPlan=plan)["BackupPlanId"]
    backup.create_backup_selection(
        BackupPlanId=plan_id,
        BackupSelection={
            "SelectionName": "tagged",
            "IamRoleArn": ROLE,
            "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": tag}],
        },
    )
    [listed] = backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
    assert listed["SelectionName"] == "tagged"

    # An EBS volume and a DynamoDB table with items, made through the same endpoint, both tagged for the plan
    tags = [{"Key": "backup", "Value": tag}]
    volume_id = ec2.create_volume(
        AvailabilityZone="us-east-1a", Size=8, TagSpecifications=[{"ResourceType": "volume", "Tags": tags}]
    )["VolumeId"]
    volume_arn = f"arn:aws:ec2:us-east-1:{account}:volume/{volume_id}"
    table = f"orders-sdk-{run}"
    table_arn = dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=tags,
    )["TableDescription"]["TableArn"]
    for item in ITEMS:
        dynamodb.put_item(TableName=table, Item=item)

    # On-demand backups of both, polled until COMPLETED
    jobs = [
        backup.start_backup_job(BackupVaultName=vault, ResourceArn=arn, IamRoleArn=ROLE)["BackupJobId"]
        for arn in (volume_arn, table_arn)
    ]
    for job_id in jobs:
        job = wait_until(
            f"backup job {job_id}",
            partial(backup.describe_backup_job, BackupJobId=job_id),
            lambda job: job["State"] in FINAL_BACKUP,
        )
        assert job["State"] == "COMPLETED", job.get("StatusMessage")

    # The recovery points are listed, and their restore metadata read
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName=vault)["RecoveryPoints"]
    by_resource = {point["ResourceArn"]: point["RecoveryPointArn"] for point in points}
    assert set(by_resource) == {volume_arn, table_arn}
    assert {point["Status"] for point in points} == {"COMPLETED"}
    metadata = {
        arn: backup.get_recovery_point_restore_metadata(BackupVaultName=vault, RecoveryPointArn=point)
        for arn, point in by_resource.items()
    }
    assert metadata[volume_arn]["ResourceType"] == "EBS"
    assert metadata[table_arn]["ResourceType"] == "DynamoDB"

    # Both are restored: the volume from its metadata, the table under a new name
    restored_table = f"orders-sdk-restored-{run}"
    restores = [
        backup.start_restore_job(
            RecoveryPointArn=by_resource[volume_arn],
            Metadata=metadata[volume_arn]["RestoreMetadata"],
            IamRoleArn=ROLE,
        )["RestoreJobId"],
        backup.start_restore_job(
            RecoveryPointArn=by_resource[table_arn],
            Metadata={**metadata[table_arn]["RestoreMetadata"], "targetTableName": restored_table},
            IamRoleArn=ROLE,
        )["RestoreJobId"],
    ]
    for restore_id in restores:
        restore = wait_until(
            f"restore job {restore_id}",
            partial(backup.describe_restore_job, RestoreJobId=restore_id),
            lambda job: job["Status"] in FINAL_RESTORE,
        )
        assert restore["Status"] == "COMPLETED", restore.get("StatusMessage")

    # The restored table holds the source's items
    source = dynamodb.scan(TableName=table)["Items"]
    restored = dynamodb.scan(TableName=restored_table)["Items"]
    assert by_key(restored) == by_key(source) == by_key(ITEMS)

    # And every backup job into the vault, and every restore job of its points, is COMPLETED
    backup_jobs = wait_until(
        "the vault's backup jobs",
        lambda: backup.list_backup_jobs(ByBackupVaultName=vault)["BackupJobs"],
        lambda listed: all(job["State"] in FINAL_BACKUP for job in listed),
    )
    assert set(jobs) <= {job["BackupJobId"] for job in backup_jobs}
    assert {job["State"] for job in backup_jobs} == {"COMPLETED"}
    restore_jobs = [
        job
        for arn in (volume_arn, table_arn)
        for job in backup.list_restore_jobs_by_protected_resource(ResourceArn=arn)["RestoreJobs"]
    ]
    assert sorted(job["RestoreJobId"] for job in restore_jobs) == sorted(restores)
    assert {job["Status"] for job in restore_jobs} == {"COMPLETED"}
