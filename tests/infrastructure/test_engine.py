"""Engine: one function per spec, its environment, its asset, and its own least-privilege role."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import cx_api

from infrastructure import constants
from tests.infrastructure import reading

SPECS = pytest.mark.parametrize("spec", constants.FUNCTIONS, ids=lambda spec: spec.key)

JOB_EVENTS = {"events:PutEvents", "sns:Publish"}
# Customer keys used through EC2 and DynamoDB while they snapshot and back up (kms:ViaService).
KEYS_VIA_EC2_AND_DYNAMODB = {"kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey", "kms:CreateGrant"}
# Every function: recovery points' data and restores' state in the vault bucket, under its default key.
VAULT_STORAGE = {"s3:GetObject", "s3:PutObject", "s3:ListBucket", "kms:Decrypt", "kms:GenerateDataKey"}
VAULT_STORAGE_DELETE = {"s3:ListBucketVersions", "s3:DeleteObject", "s3:DeleteObjectVersion"}
EFS_MOVERS = {"lambda:GetFunction", "lambda:InvokeFunction"}

# What each resource type needs to start native backups (StartBackups, TrackJobs, Api), from lambdas/resources/.
START_BACKUP = {
    "EBS": {"ec2:DescribeSnapshots", "ec2:DescribeVolumes", "ec2:CreateSnapshot", "ec2:CreateTags"},
    "DynamoDB": {
        "dynamodb:ListTables",
        "dynamodb:ListBackups",
        "dynamodb:CreateBackup",
        "dynamodb:DescribeTable",
        "dynamodb:ListTagsOfResource",
        "dynamodb:DescribeBackup",
    },
    "EC2": {
        "ec2:DescribeInstances",
        "ec2:DescribeVolumes",
        "ec2:DescribeImages",
        "ec2:DescribeSnapshots",
        "ec2:CreateImage",
        "ec2:CreateTags",
    },
    "RDS and clusters": {
        "rds:DescribeDBInstances",
        "rds:DescribeDBSnapshots",
        "rds:CreateDBSnapshot",
        "rds:DescribeDBClusters",
        "rds:DescribeDBClusterSnapshots",
        "rds:CreateDBClusterSnapshot",
        "rds:AddTagsToResource",
        "rds:DescribeAccountAttributes",  # the manual snapshot quotas
    },
    "S3": {
        "s3:ListAllMyBuckets",
        "s3:GetBucketLocation",
        "s3:GetBucketTagging",
        "s3:GetEncryptionConfiguration",
        "s3:GetBucketVersioning",
    },
    "EFS": {"elasticfilesystem:DescribeFileSystems", *EFS_MOVERS},
    "FSx": {"fsx:CreateBackup", "fsx:DescribeBackups", "fsx:DescribeFileSystems", "fsx:TagResource"},
    "Storage Gateway": {
        "storagegateway:ListGateways",
        "storagegateway:ListVolumes",
        "storagegateway:DescribeCachediSCSIVolumes",
        "storagegateway:DescribeStorediSCSIVolumes",
        "storagegateway:ListTagsForResource",
        "storagegateway:CreateSnapshot",
        "ec2:DescribeSnapshots",
    },
    "Redshift": {
        "redshift:DescribeClusters",
        "redshift:DescribeClusterSnapshots",
        "redshift:CreateClusterSnapshot",
        "redshift:CreateTags",
    },
}
BACK_UP = set().union(*START_BACKUP.values(), KEYS_VIA_EC2_AND_DYNAMODB)
FIND_RESOURCES = {action for action in BACK_UP if action.split(":", 1)[1].startswith(("Describe", "List", "Get"))}
# TrackJobs also lists an S3 backup's versions and reads a gateway's description for the restore metadata.
TRACK = {"s3:ListBucketVersions", "storagegateway:DescribeGatewayInformation"}

DELETE_NATIVELY = {
    "ec2:DescribeImages",
    "ec2:DeregisterImage",
    "ec2:DescribeSnapshots",
    "ec2:DeleteSnapshot",
    "dynamodb:DeleteBackup",
    "dynamodb:DescribeBackup",
    "rds:DescribeDBSnapshots",
    "rds:DeleteDBSnapshot",
    "rds:DescribeDBClusterSnapshots",
    "rds:DeleteDBClusterSnapshot",
    "fsx:DeleteBackup",
    "redshift:DescribeClusterSnapshots",
    "redshift:DeleteClusterSnapshot",
}

# StartRestoreJob refuses a restore that cannot work before writing the job.
CHECK_RESTORES = {
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "dynamodb:DescribeTable",
    "rds:DescribeDBInstances",
    "rds:DescribeDBClusters",
    "rds:DescribeDBClusterSnapshots",
    "s3:ListBucket",
    "elasticfilesystem:DescribeFileSystems",
    *EFS_MOVERS,
    "storagegateway:DescribeGatewayInformation",
    "redshift:DescribeClusters",
}

RESTORE_NATIVELY = {
    *CHECK_RESTORES,
    # EBS volumes (and Storage Gateway snapshots restored to EBS)
    "ec2:DescribeSnapshots",
    "ec2:DescribeVolumes",
    "ec2:CreateVolume",
    "ec2:CreateTags",
    # DynamoDB tables
    "dynamodb:RestoreTableFromBackup",
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:UpdateItem",
    "dynamodb:DescribeBackup",
    # EC2 instances
    "ec2:DescribeInstances",
    "ec2:RunInstances",
    "iam:PassRole",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncrypt*",
    # RDS instances and clusters
    "rds:RestoreDBInstanceFromDBSnapshot",
    "rds:RestoreDBClusterFromSnapshot",
    "rds:AddTagsToResource",
    # S3 buckets
    "s3:CreateBucket",
    "s3:PutBucketTagging",
    "s3:PutBucketVersioning",
    "s3:GetBucketTagging",
    # EFS file systems
    "elasticfilesystem:CreateFileSystem",
    "elasticfilesystem:TagResource",
    # FSx file systems
    "fsx:CreateFileSystemFromBackup",
    "fsx:DescribeFileSystems",
    "fsx:TagResource",
    # Storage Gateway volumes
    "storagegateway:ListVolumes",
    "storagegateway:DescribeCachediSCSIVolumes",
    "storagegateway:DescribeStorediSCSIVolumes",
    "storagegateway:ListTagsForResource",
    "storagegateway:CreateCachediSCSIVolume",
    "storagegateway:CreateStorediSCSIVolume",
    "storagegateway:AddTagsToResource",
    # Redshift clusters
    "redshift:RestoreFromClusterSnapshot",
    "redshift:CreateTags",
    # Customer keys, through the service creating the resource
    *KEYS_VIA_EC2_AND_DYNAMODB,
}

POLL_RESTORES = {
    "ec2:DescribeInstances",
    "ec2:DescribeVolumes",
    "dynamodb:DescribeTable",
    "rds:DescribeDBInstances",
    "rds:DescribeDBClusters",
    # S3: copy each recorded version into the destination
    "s3:ListBucket",
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:GetObjectVersionTagging",
    "s3:PutObject",
    "s3:PutObjectTagging",
    "kms:Decrypt",
    "kms:GenerateDataKey",
    # EFS: wait for the file system, run its mover
    "elasticfilesystem:DescribeFileSystems",
    *EFS_MOVERS,
    "fsx:DescribeFileSystems",
    "storagegateway:ListVolumes",
    "storagegateway:DescribeCachediSCSIVolumes",
    "storagegateway:DescribeStorediSCSIVolumes",
    "storagegateway:ListTagsForResource",
    "redshift:DescribeClusters",
}

# Copy jobs: share a native backup with another account, copy one into any Region (re-encrypted with the
# destination vault's key), reach the destination's catalog, and assume another account's copy role.
COPY_BACKUPS = {
    "ec2:DescribeSnapshots",
    "ec2:DescribeImages",
    "ec2:ModifySnapshotAttribute",
    "ec2:ModifyImageAttribute",
    "ec2:CopySnapshot",
    "ec2:CopyImage",
    "ec2:CreateTags",
    "rds:DescribeDBSnapshots",
    "rds:DescribeDBClusterSnapshots",
    "rds:ModifyDBSnapshotAttribute",
    "rds:ModifyDBClusterSnapshotAttribute",
    "rds:CopyDBSnapshot",
    "rds:CopyDBClusterSnapshot",
    "rds:AddTagsToResource",
    "fsx:DescribeBackups",
    "fsx:CopyBackup",
    "fsx:TagResource",
    "s3:GetObject",
    "s3:PutObject",
    "s3:PutObjectTagging",
    "s3:ListBucket",
    "s3:GetObjectVersion",
    "s3:GetObjectVersionTagging",
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
    "kms:CreateGrant",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
    "dynamodb:BatchWriteItem",
    "sts:AssumeRole",
}

# What each role may do beyond the catalog table, its own log group and X-Ray. Exact on purpose:
# a permission added or lost shows up here.
QUEUE_SEND = {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}
QUEUE_CONSUME = {
    "sqs:ReceiveMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueUrl",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
}
# Ask for a compliance evaluation soon after a change (services/audit_trigger.py): one schedule, the scheduler role.
REQUEST_EVALUATION = {"scheduler:CreateSchedule", "scheduler:GetSchedule", "scheduler:UpdateSchedule", "iam:PassRole"}
# Restore testing (infrastructure/constructs/restore_testing.py): a completed backup records its data check's
# inputs; the RestoreTesting function checks and starts restores, then reads and deletes the restored copies.
RECORD_DATA_CHECKS = {"dynamodb:Scan", "s3:ListBucketVersions"}
EXPECTED_ACTIONS: dict[str, set[str]] = {
    # Resolves the selection (tags, exact ARNs described, wildcards listed) and queues its batches: it starts no
    # backup, so it may only read the protected resources, and sends no job event
    constants.START_BACKUPS.key: {"tag:GetResources", *FIND_RESOURCES, *QUEUE_SEND},
    constants.START_BACKUP_BATCH.key: {*BACK_UP, *VAULT_STORAGE, *JOB_EVENTS, *QUEUE_CONSUME},
    # A failed S3 or EFS copy discards the data it copied (only those parts: test_least_privilege.py).
    constants.TRACK_JOBS.key: {
        *BACK_UP,
        *TRACK,
        *VAULT_STORAGE,
        *VAULT_STORAGE_DELETE,
        *JOB_EVENTS,
        *COPY_BACKUPS,
        *REQUEST_EVALUATION,
        *RECORD_DATA_CHECKS,
    },
    # Expiry, and cold storage moves (EBS snapshots to the archive tier)
    constants.LIFECYCLE.key: {
        *DELETE_NATIVELY,
        *VAULT_STORAGE,
        *VAULT_STORAGE_DELETE,
        *JOB_EVENTS,
        "ec2:ModifySnapshotTier",
        *REQUEST_EVALUATION,
    },
    # A snapshot in the archive tier is restored from it before a volume is made of it.
    constants.RESTORE_START.key: {
        *RESTORE_NATIVELY,
        *VAULT_STORAGE,
        "ec2:RestoreSnapshotTier",
        "ec2:DescribeSnapshotTierStatus",
        *JOB_EVENTS,  # RESTORE_JOB_STARTED
    },
    constants.RESTORE_POLL.key: {*POLL_RESTORES, *VAULT_STORAGE, *JOB_EVENTS},  # S3_RESTORE_OBJECT_FAILED
    constants.RESTORE_FINALIZE.key: {*VAULT_STORAGE, *JOB_EVENTS},
    # StartBackupJob (what StartBackups does), DeleteRecoveryPoint, plan rule schedules, StartRestoreJob.
    constants.API.key: {
        "tag:GetResources",
        *BACK_UP,
        *DELETE_NATIVELY,
        *CHECK_RESTORES,
        *COPY_BACKUPS,
        *VAULT_STORAGE,
        *VAULT_STORAGE_DELETE,
        "scheduler:CreateSchedule",
        "scheduler:UpdateSchedule",
        "scheduler:DeleteSchedule",
        "scheduler:GetSchedule",
        "iam:PassRole",
        "states:StartExecution",
        *JOB_EVENTS,
    },
}

# The import of backups services made themselves: find the protected resources (by tag too) and read their
# native backups, for every type the selection resolver may meet. Read-only: no vault storage, no job events.
CATALOG_NATIVE_BACKUPS = {
    "tag:GetResources",
    "ec2:DescribeVolumes",
    "ec2:DescribeSnapshots",
    "ec2:DescribeInstances",
    "ec2:DescribeImages",  # an instance's AMIs
    "dynamodb:ListTables",
    "dynamodb:ListBackups",
    "dynamodb:DescribeTable",
    "dynamodb:ListTagsOfResource",
    "dynamodb:DescribeBackup",
    "rds:DescribeDBInstances",
    "rds:DescribeDBClusters",
    "rds:DescribeDBSnapshots",
    "rds:DescribeDBClusterSnapshots",
    "s3:ListAllMyBuckets",
    "s3:GetBucketLocation",
    "s3:GetBucketTagging",
    "s3:GetEncryptionConfiguration",
    "s3:GetBucketVersioning",
    "elasticfilesystem:DescribeFileSystems",
    "fsx:DescribeFileSystems",
    "fsx:DescribeBackups",
    "storagegateway:ListGateways",
    "storagegateway:ListVolumes",
    "storagegateway:DescribeCachediSCSIVolumes",
    "storagegateway:DescribeStorediSCSIVolumes",
    "storagegateway:ListTagsForResource",
    "redshift:DescribeClusters",
    "redshift:DescribeClusterSnapshots",
}
EXPECTED_ACTIONS[constants.IMPORT_NATIVE_BACKUPS.key] = CATALOG_NATIVE_BACKUPS

# Plan rule schedules back in line with the catalog (on deploy and hourly): the plan group and its schedules,
# passing the scheduler role to them. No vault storage, no job events.
EXPECTED_ACTIONS[constants.RECONCILE_SCHEDULES.key] = {
    "scheduler:CreateSchedule",
    "scheduler:UpdateSchedule",
    "scheduler:DeleteSchedule",
    "scheduler:GetSchedule",
    "scheduler:ListSchedules",
    "scheduler:GetScheduleGroup",
    "scheduler:CreateScheduleGroup",
    "iam:PassRole",
}
# Audit Manager (infrastructure/constructs/audit.py): the evaluation reads what selections read and sends compliance
# change events; the daily reports write report files (the bucket-owner-full-control ACL only: test_audit_stack.py).
EXPECTED_ACTIONS[constants.AUDIT_EVALUATE.key] = {"tag:GetResources", *FIND_RESOURCES, "events:PutEvents"}
EXPECTED_ACTIONS[constants.AUDIT_REPORTS.key] = {"s3:PutObject", "kms:GenerateDataKey", "kms:Encrypt"}
# Every type's restored copies, deleted after their validation window (only copies: test_restore_testing_stack.py)
CLEAN_UP_RESTORE_TESTS = {
    "dynamodb:DeleteTable",
    "s3:DeleteObjectVersion",
    "s3:DeleteBucket",
    "ec2:TerminateInstances",
    "ec2:CreateTags",
    "ec2:DeleteVolume",
    "rds:DeleteDBInstance",
    "rds:DeleteDBCluster",
    "redshift:DeleteCluster",
    "elasticfilesystem:DeleteMountTarget",
    "elasticfilesystem:DeleteFileSystem",
    "fsx:DeleteFileSystem",
    "storagegateway:DeleteVolume",
}
EXPECTED_ACTIONS[constants.RESTORE_TESTING.key] = {
    *FIND_RESOURCES,
    *CHECK_RESTORES,
    "iam:GetInstanceProfile",
    "states:StartExecution",
    *RECORD_DATA_CHECKS,
    "dynamodb:DescribeTable",
    *CLEAN_UP_RESTORE_TESTS,
    # Each type's check reads the restored copy (lambdas/resources/<type>/validation.py)
    "elasticfilesystem:DescribeMountTargets",
    *JOB_EVENTS,
}
# Locks that hold outside the API (infrastructure/constructs/locks.py, docs/locks.md): EBS snapshot lock and its
# Recycle Bin tag for the functions that lock or unlock native backups; S3 Object Lock for those that reach the
# vault bucket.
SNAPSHOT_LOCKS = {
    "ec2:LockSnapshot",
    "ec2:UnlockSnapshot",
    "ec2:DescribeLockedSnapshots",
    "ec2:CreateTags",
    "ec2:DeleteTags",
}
OBJECT_LOCKS = {
    "s3:PutObjectRetention",
    "s3:PutObjectLegalHold",
    "s3:GetObjectRetention",
    "s3:GetObjectLegalHold",
    "s3:BypassGovernanceRetention",
    "s3:ListBucketVersions",
}
# Per-operation authorization and the restore's instance profile check (docs/authorization.md).
EXPECTED_ACTIONS[constants.API.key] = EXPECTED_ACTIONS[constants.API.key] | {
    "iam:SimulatePrincipalPolicy",
    "iam:GetRole",
    "iam:GetInstanceProfile",
}
EXPECTED_ACTIONS[constants.RESTORE_START.key] = EXPECTED_ACTIONS[constants.RESTORE_START.key] | {
    "iam:GetInstanceProfile"
}
for _key in ("Api", "TrackJobs", "Lifecycle", "ImportNativeBackups"):
    EXPECTED_ACTIONS[_key] = EXPECTED_ACTIONS[_key] | SNAPSHOT_LOCKS
for _key in ("Api", "TrackJobs", "Lifecycle"):
    EXPECTED_ACTIONS[_key] = EXPECTED_ACTIONS[_key] | OBJECT_LOCKS

# Who may destroy a recovery point: expiry, and DeleteRecoveryPoint (which honours vault locks and legal holds).
DELETERS = {constants.LIFECYCLE.key, constants.API.key}


def _catalog_table_id(template: dict[str, Any]) -> str:
    (table_id,) = reading.resources(template, "AWS::DynamoDB::Table")
    return table_id


def _own_statements(template: dict[str, Any], spec: constants.FunctionSpec) -> list[dict[str, Any]]:
    """The role's Allow statements, less those on the catalog table, on the log group, and X-Ray."""
    function = reading.function(template, spec)[1]
    log_group_id = function["LoggingConfig"]["LogGroup"]["Ref"]
    table_id = _catalog_table_id(template)
    return [
        statement
        for statement in reading.statements_of_role(template, reading.role_id(template, spec))
        if statement["Effect"] == "Allow"
        and not reading.mentions(statement["Resource"], table_id)
        and not reading.mentions(statement["Resource"], log_group_id)
        and not all(action.startswith("xray:") for action in reading.as_list(statement["Action"]))
    ]


@SPECS
def test_function_is_built_from_its_spec(template: dict[str, Any], spec: constants.FunctionSpec) -> None:
    # Given a function spec shared with the local runtime
    # When we find the function with that handler in the template
    _, function = reading.function(template, spec)
    # Then runtime, architecture, limits, description and tracing follow the spec and the design
    assert function["Runtime"] == constants.LAMBDA_RUNTIME
    assert function["Architectures"] == ["arm64"]
    assert function["Timeout"] == spec.timeout_seconds
    assert function["MemorySize"] == spec.memory_mb
    assert function["Description"] == spec.description
    assert function["TracingConfig"] == {"Mode": "Active"}


@SPECS
def test_function_environment_has_exactly_its_spec_keys(template: dict[str, Any], spec: constants.FunctionSpec) -> None:
    # Given a function spec
    # When we read the function's environment
    variables = reading.function(template, spec)[1]["Environment"]["Variables"]
    # Then it holds exactly the spec's keys (lambdas/common/config.py reads nothing else)...
    assert set(variables) == set(spec.env_keys)
    # ...with the values the runtime expects
    expected_constants = {
        constants.ENV_POWERTOOLS_SERVICE_NAME: constants.SERVICE_NAME,
        constants.ENV_POWERTOOLS_METRICS_NAMESPACE: constants.METRICS_NAMESPACE,
    }
    for key, value in expected_constants.items():
        if key in spec.env_keys:
            assert variables[key] == value
    if constants.ENV_TABLE_NAME in spec.env_keys:
        assert variables[constants.ENV_TABLE_NAME] == {"Ref": _catalog_table_id(template)}
    if constants.ENV_EVENT_BUS_NAME in spec.env_keys:
        (bus_id,) = reading.resources(template, "AWS::Events::EventBus")
        assert variables[constants.ENV_EVENT_BUS_NAME] == {"Ref": bus_id}


@SPECS
def test_dependencies_come_from_the_powertools_v3_arm64_layer(
    template: dict[str, Any], spec: constants.FunctionSpec
) -> None:
    # Given a function whose code is only the lambdas/ package
    layers = reading.function(template, spec)[1]["Layers"]
    # Then its one layer is the public Powertools v3 layer for python3.12 on ARM64 of the release the tests run,
    # as Powertools publishes it in the deployment's Region and partition (an SSM parameter resolved at deploy time)
    from aws_lambda_powertools.shared.version import VERSION

    assert len(layers) == 1
    parameter = template["Parameters"][layers[0]["Ref"]]
    assert parameter["Type"] == "AWS::SSM::Parameter::Value<String>"
    assert parameter["Default"] == f"/aws/service/powertools/python/arm64/python3.12/{VERSION}"


def test_lambda_asset_holds_only_the_lambdas_package(template: dict[str, Any], assembly: cx_api.CloudAssembly) -> None:
    # Given the functions share one code asset
    keys = {reading.function(template, spec)[1]["Code"]["S3Key"] for spec in constants.FUNCTIONS}
    assert len(keys) == 1
    (key,) = keys
    # When we open the staged asset directory in the cloud assembly
    manifest = json.loads((Path(assembly.directory) / "Strongroom.assets.json").read_text())
    source = manifest["files"][key.removesuffix(".zip")]["source"]
    staged = Path(assembly.directory) / source["path"]
    # Then it contains the lambdas/ package and nothing else: no .venv, tests, local, cdk.out, byte code
    assert sorted(path.name for path in staged.iterdir()) == ["lambdas"]
    assert (staged / "lambdas" / "__init__.py").is_file()
    # And the Api's botocore model of the `backup` service ships in it (not the Lambda runtime's older one)
    assert (staged / "lambdas" / "api" / "model" / "backup-2018-11-15.json").is_file()
    assert not [path for path in staged.rglob("*") if path.name == "__pycache__" or path.suffix == ".pyc"]


def test_each_function_has_its_own_role_assumed_only_by_lambda(template: dict[str, Any]) -> None:
    # Given all engine functions
    role_ids = [reading.role_id(template, spec) for spec in constants.FUNCTIONS]
    # Then no two share a role
    assert len(set(role_ids)) == len(constants.FUNCTIONS)
    # And each role trusts the Lambda service only, with no managed policy attached
    roles = reading.resources(template, "AWS::IAM::Role")
    for role_id in role_ids:
        properties = roles[role_id]["Properties"]
        principals = [s["Principal"] for s in properties["AssumeRolePolicyDocument"]["Statement"]]
        assert principals == [{"Service": "lambda.amazonaws.com"}]
        assert "ManagedPolicyArns" not in properties


@SPECS
def test_role_may_do_exactly_what_its_function_needs(template: dict[str, Any], spec: constants.FunctionSpec) -> None:
    # Given a function's role
    # When we list what it may do beyond the catalog table, its logs and X-Ray
    granted = reading.actions(_own_statements(template, spec))
    # Then that is exactly the function's job, nothing more, nothing less
    assert granted == EXPECTED_ACTIONS[spec.key]


@SPECS
def test_every_function_reads_and_writes_the_catalog_table_and_its_indexes(
    template: dict[str, Any], spec: constants.FunctionSpec
) -> None:
    table_id = _catalog_table_id(template)
    statements = reading.statements_of_role(template, reading.role_id(template, spec))
    on_table = [s for s in statements if reading.mentions(s["Resource"], table_id)]
    assert {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"} <= reading.actions(on_table)
    assert any("/index/*" in json.dumps(s["Resource"]) for s in on_table)


@pytest.mark.parametrize(
    "destructive",
    [
        "ec2:DeleteSnapshot",
        "ec2:DeregisterImage",
        "dynamodb:DeleteBackup",
        "rds:DeleteDBSnapshot",
        "rds:DeleteDBClusterSnapshot",
        "fsx:DeleteBackup",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
    ],
)
def test_only_lifecycle_and_the_api_may_delete_recovery_points(template: dict[str, Any], destructive: str) -> None:
    # Given the action that destroys a recovery point
    # When we look for the roles that may perform it
    allowed = {
        spec.key
        for spec in constants.FUNCTIONS
        if destructive
        in reading.actions(
            [s for s in reading.statements_of_role(template, reading.role_id(template, spec)) if s["Effect"] == "Allow"]
        )
    }
    # Then only Lifecycle and the Api may (StartBackups, TrackJobs and the restore tasks never delete a backup);
    # TrackJobs deletes vault bucket objects only to discard a failed copy's parts (test_least_privilege.py)
    discards = {constants.TRACK_JOBS.key} if destructive.startswith("s3:") else set()
    # RestoreTesting deletes object versions only in restored copies' buckets (test_restore_testing_stack.py)
    cleans = {constants.RESTORE_TESTING.key} if destructive == "s3:DeleteObjectVersion" else set()
    assert allowed == DELETERS | discards | cleans


@pytest.mark.parametrize("key", sorted(DELETERS))
def test_snapshot_deletion_is_scoped_to_snapshots(template: dict[str, Any], key: str) -> None:
    (spec,) = [spec for spec in constants.FUNCTIONS if spec.key == key]
    statements = _own_statements(template, spec)
    deleting = [s for s in statements if "ec2:DeleteSnapshot" in reading.as_list(s["Action"])]
    assert deleting
    for statement in deleting:
        for resource in reading.as_list(statement["Resource"]):
            assert resource != "*"
            assert ":snapshot/*" in json.dumps(resource)


@SPECS
def test_keys_are_usable_only_through_the_service_that_needs_them(
    template: dict[str, Any], spec: constants.FunctionSpec
) -> None:
    # Given the statements that grant KMS actions (vault keys and resource keys are the user's choice)
    kms = [
        s
        for s in _own_statements(template, spec)
        if any(action.startswith("kms:") for action in reading.as_list(s["Action"]))
    ]
    # Then each is conditioned on kms:ViaService naming one AWS service in the stack's region, so a stolen
    # function credential cannot decrypt anything directly
    for statement in kms:
        if statement["Sid"] == "TellAwsManagedKeys":
            # kms:DescribeKey alone, which reads a key's metadata and never its material: a copy job must tell
            # an AWS managed key (which cannot cross accounts) from a customer managed one
            assert reading.as_list(statement["Action"]) == ["kms:DescribeKey"]
            continue
        if "StringLike" in statement["Condition"]:
            # copies: through one service, in the Region the copy goes to (known only at run time)
            via = statement["Condition"]["StringLike"]["kms:ViaService"]
            assert via.endswith(".*.amazonaws.com") and via.count("*") == 1, statement["Sid"]
            continue
        via = json.dumps(statement["Condition"]["StringEquals"]["kms:ViaService"])
        assert "AWS::Region" in via and ".amazonaws.com" in via, statement["Sid"]
    # And grants may only be created for AWS resources (a volume, a database, a file system being made)
    for statement in kms:
        if "kms:CreateGrant" in reading.as_list(statement["Action"]):
            assert statement["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}, statement["Sid"]


@SPECS
def test_no_role_grants_a_wildcard_action_or_iam(template: dict[str, Any], spec: constants.FunctionSpec) -> None:
    granted = reading.actions(reading.statements_of_role(template, reading.role_id(template, spec)))
    assert "*" not in granted
    assert not [action for action in granted if action.endswith(":*")]
    # The only IAM action anywhere: the Api and ReconcileSchedules passing the scheduler role to plan rule schedules
    # (test_api.py, test_reconcile_schedules_stack.py), TrackJobs and Lifecycle passing it to the one schedule that
    # asks for a compliance evaluation (test_audit_stack.py), and RestoreStart passing an instance profile's role to
    # EC2 (test_resource_permissions.py).
    # Beyond that, reads for authorization: the Api simulates its caller's policies (lambdas/api/authorization.py)
    # and RestoreStart checks an instance profile's role is marked for restores (test_api.py).
    passers = (
        constants.API,
        constants.RESTORE_START,
        constants.RECONCILE_SCHEDULES,
        constants.TRACK_JOBS,
        constants.LIFECYCLE,
    )
    readers = {
        constants.API.key: {"iam:SimulatePrincipalPolicy", "iam:GetRole", "iam:GetInstanceProfile"},
        constants.RESTORE_START.key: {"iam:GetInstanceProfile"},
        constants.RESTORE_TESTING.key: {"iam:GetInstanceProfile"},  # checks a restore as StartRestoreJob does
    }
    iam_actions = {action for action in granted if action.startswith("iam:")}
    assert iam_actions == ({"iam:PassRole"} if spec in passers else set()) | readers.get(spec.key, set())


def test_restored_table_item_writes_are_scoped_to_tables(template: dict[str, Any]) -> None:
    statements = _own_statements(template, constants.RESTORE_START)
    writes = [s for s in statements if "dynamodb:PutItem" in reading.as_list(s["Action"])]
    assert writes
    for statement in writes:
        assert ":table/*" in json.dumps(statement["Resource"])
