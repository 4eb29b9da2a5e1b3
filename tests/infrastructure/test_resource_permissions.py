"""What the resource adapters (lambdas/resources/) may do, function by function: each function can do its
job on every resource type, and nothing that belongs to another function's job."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import App, Stack

from infrastructure import constants, names
from infrastructure.constructs.permissions import Arns, compose
from infrastructure.constructs.resource_access import allow
from tests.infrastructure import reading

SPECS = pytest.mark.parametrize("spec", constants.FUNCTIONS, ids=lambda spec: spec.key)

# Actions IAM cannot scope to a resource (or that list every resource), and those scoped some other way.
UNSCOPED_VERBS = ("Describe", "List", "Get")
UNSCOPED_ACTIONS = {"tag:GetResources", "sns:Publish", "xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def _statements(template: dict[str, Any], spec: constants.FunctionSpec) -> list[dict[str, Any]]:
    return reading.statements_of_role(template, reading.role_id(template, spec))


def _granting(template: dict[str, Any], spec: constants.FunctionSpec, action: str) -> list[dict[str, Any]]:
    return [s for s in _statements(template, spec) if action in reading.as_list(s["Action"])]


def _may(template: dict[str, Any], spec: constants.FunctionSpec, action: str) -> bool:
    return bool(_granting(template, spec, action))


def _resource_text(statements: list[dict[str, Any]]) -> str:
    return json.dumps([reading.as_list(s["Resource"]) for s in statements])


@pytest.mark.parametrize(
    "destructive", ["ec2:DeregisterImage", "rds:DeleteDBClusterSnapshot", "rds:DeleteDBSnapshot", "fsx:DeleteBackup"]
)
def test_lifecycle_may_expire_amis_and_database_snapshots_but_backup_and_restore_tasks_may_not(
    template: dict[str, Any], destructive: str
) -> None:
    # Given an action that destroys an EC2, RDS/Aurora/DocumentDB/Neptune or FSx recovery point
    # Then Lifecycle (expiry) may perform it...
    assert _may(template, constants.LIFECYCLE, destructive)
    # ...and the functions that start, track or restore backups may not, whatever goes wrong in them
    for spec in (constants.START_BACKUPS, constants.TRACK_JOBS, constants.RESTORE_START, constants.RESTORE_POLL):
        assert not _may(template, spec, destructive), spec.key


def test_lifecycle_may_archive_snapshots_and_restore_start_may_bring_them_back_and_nothing_else_may(
    template: dict[str, Any],
) -> None:
    # Given the EBS snapshot archive tier (cold storage of EBS and Storage Gateway points)
    # Then Lifecycle may move snapshots there, only snapshots, and no other function may
    archiving = _granting(template, constants.LIFECYCLE, "ec2:ModifySnapshotTier")
    assert archiving and ":snapshot/" in _resource_text(archiving)
    # And RestoreStart may restore an archived snapshot from it before making a volume of it
    thawing = _granting(template, constants.RESTORE_START, "ec2:RestoreSnapshotTier")
    assert thawing and ":snapshot/" in _resource_text(thawing)
    for spec in constants.FUNCTIONS:
        if spec is not constants.LIFECYCLE:
            assert not _may(template, spec, "ec2:ModifySnapshotTier"), spec.key
        if spec is not constants.RESTORE_START:
            assert not _may(template, spec, "ec2:RestoreSnapshotTier"), spec.key


def test_restore_start_may_launch_instances_from_amis_into_the_network_the_restore_names(
    template: dict[str, Any],
) -> None:
    # Given RestoreStart's RunInstances statements
    statements = _granting(template, constants.RESTORE_START, "ec2:RunInstances")
    resources = _resource_text(statements)
    # Then it may launch from an AMI into a subnet, with its network interface, security groups and volumes
    for kind in (":image/*", ":instance/*", ":volume/*", ":subnet/*", ":network-interface/*", ":security-group/*"):
        assert kind in resources, kind
    assert '"*"' not in resources
    # And tag only the instances it launches, at launch
    (tagging,) = [
        s for s in _granting(template, constants.RESTORE_START, "ec2:CreateTags") if ":instance/*" in json.dumps(s)
    ]
    assert tagging["Condition"] == {"StringEquals": {"ec2:CreateAction": "RunInstances"}}
    # And no other function may launch an instance
    launchers = [spec.key for spec in constants.FUNCTIONS if _may(template, spec, "ec2:RunInstances")]
    assert launchers == [constants.RESTORE_START.key]


def test_restore_start_may_pass_roles_to_ec2_only(template: dict[str, Any]) -> None:
    # Given the restored instance's profile (IamInstanceProfileName in the restore metadata): its role is the user's
    (statement,) = _granting(template, constants.RESTORE_START, "iam:PassRole")
    # Then RestoreStart may pass only a role the user marked for restores (its path), and only to EC2: not to
    # Lambda, not to Scheduler; any other role of the account stays out of a restored instance
    assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
    assert ":iam::" in json.dumps(statement["Resource"])
    assert ":role/strongroom-restore/*" in json.dumps(statement["Resource"])
    # And the functions that check a restore's metadata may read instance profiles, to tell a marked role from others
    for spec in (constants.RESTORE_START, constants.API):
        (reads,) = _granting(template, spec, "iam:GetInstanceProfile")
        assert ":instance-profile/*" in json.dumps(reads["Resource"])
    assert reading.as_list(statement["Action"]) == ["iam:PassRole"]


@pytest.mark.parametrize("spec", [constants.START_BACKUPS, constants.API], ids=lambda spec: spec.key)
def test_functions_that_resolve_selections_may_find_tagged_resources(
    template: dict[str, Any], spec: constants.FunctionSpec
) -> None:
    # Given a plan selection by tag (StartBackups when a rule fires, the Api for StartBackupJob and previews)
    # Then the function may ask the Resource Groups Tagging API
    assert _may(template, spec, "tag:GetResources")


@SPECS
def test_resource_star_is_only_for_calls_iam_cannot_scope(
    template: dict[str, Any], spec: constants.FunctionSpec
) -> None:
    # Given the statements on Resource "*"
    on_everything = [s for s in _statements(template, spec) if "*" in reading.as_list(s["Resource"])]
    # Then each grants Describe/List/Get calls, tagging lookups, X-Ray or notifications, or key use that
    # kms:ViaService restricts to one service: never a create, delete or restore
    for statement in on_everything:
        for action in reading.as_list(statement["Action"]):
            verb = action.split(":", 1)[1]
            if action == "kms:DescribeKey" and statement.get("Sid") == "TellAwsManagedKeys":
                continue  # reads a key's metadata only: a copy refuses AWS managed keys across accounts
            if action.startswith("kms:"):
                conditions = {
                    **statement["Condition"].get("StringEquals", {}),
                    **statement["Condition"].get("StringLike", {}),
                }
                assert "kms:ViaService" in conditions, (statement.get("Sid"), action)
            else:
                assert verb.startswith(UNSCOPED_VERBS) or action in UNSCOPED_ACTIONS, (statement.get("Sid"), action)


@SPECS
def test_customer_buckets_are_reached_as_buckets_and_objects_not_as_anything(
    template: dict[str, Any], spec: constants.FunctionSpec
) -> None:
    # Given the function's S3 statements (customer buckets are whatever plans select and restores name)
    s3 = [s for s in _statements(template, spec) if any(a.startswith("s3:") for a in reading.as_list(s["Action"]))]
    # Then every one names S3 bucket or object ARNs, except ListAllMyBuckets, which IAM cannot scope
    for statement in s3:
        if reading.as_list(statement["Action"]) == ["s3:ListAllMyBuckets"]:
            continue
        for resource in reading.as_list(statement["Resource"]):
            assert ":s3:::" in json.dumps(resource), statement.get("Sid")


def test_efs_movers_are_the_only_functions_the_engine_may_invoke(template: dict[str, Any]) -> None:
    # Given the movers lambdas.resources.efs invokes, one per file system
    from lambdas.resources.efs.mover import MOVER_FUNCTION_PREFIX, mover_function_name

    assert names.EFS_MOVER_FUNCTION_PREFIX == MOVER_FUNCTION_PREFIX
    assert mover_function_name("fs-0123456789abcdef0").startswith(MOVER_FUNCTION_PREFIX)
    # Then every engine role's Lambda actions name those functions only, never "*" nor an engine function
    for spec in constants.FUNCTIONS:
        for statement in _statements(template, spec):
            if any(a.startswith("lambda:") for a in reading.as_list(statement["Action"])):
                assert set(reading.as_list(statement["Action"])) <= {"lambda:GetFunction", "lambda:InvokeFunction"}
                for resource in reading.as_list(statement["Resource"]):
                    assert f":function:{MOVER_FUNCTION_PREFIX}*" in json.dumps(resource), spec.key


def _services_adapters_call() -> set[str]:
    """The IAM service prefixes of every client the adapter catalog builds (lambdas/resources/catalog.py)."""
    from lambdas.resources.catalog import build_adapters

    asked: set[str] = set()

    def client(service: str) -> Callable[[], Any]:
        asked.add(service)
        return lambda: pytest.fail("no adapter may call AWS while it is built")

    build_adapters(client, "eu-west-1", "123456789012")
    prefixes = {"efs": "elasticfilesystem"}
    return {prefixes.get(service, service) for service in asked}


@pytest.mark.parametrize(
    "spec", [constants.START_BACKUPS, constants.START_BACKUP_BATCH, constants.API], ids=lambda spec: spec.key
)
def test_every_service_an_adapter_calls_is_granted_to_the_functions_that_start_backups(
    template: dict[str, Any], spec: constants.FunctionSpec
) -> None:
    # Given the AWS services the resource adapters use (a new adapter in the catalog adds its own), but IAM, which
    # only the EC2 restore check reads (instance profiles; see the restore tests below)
    services = _services_adapters_call() - {"iam"}
    assert {"ec2", "rds", "s3", "elasticfilesystem", "fsx", "storagegateway", "lambda"} <= services
    # Then the function that starts backups may call each of them: a type added without permissions fails here,
    # not on the first scheduled backup in the cloud
    granted = {action.split(":", 1)[0] for action in reading.actions(_statements(template, spec))}
    assert services <= granted, services - granted


def test_one_sid_asked_for_on_different_resources_is_refused() -> None:
    # Given two resource types asking for the same statement on different resources
    stack = Stack(App(), "Compose")
    arns = Arns(stack)
    first = [allow("DeleteThings", ["ec2:DeleteSnapshot"], [arns.ebs_snapshots])]
    second = [allow("DeleteThings", ["ec2:DeleteSnapshot"], [arns.ebs_volumes])]
    # Then composing them fails at synth, instead of silently widening one of them
    with pytest.raises(ValueError, match="DeleteThings"):
        compose(arns, first, second)
    # While the same statement asked twice becomes one, with the union of the actions
    (merged,) = compose(arns, first, [allow("DeleteThings", ["ec2:DescribeSnapshots"], [arns.ebs_snapshots])])
    assert merged.actions == ["ec2:DeleteSnapshot", "ec2:DescribeSnapshots"]


def test_a_types_grants_become_statements_in_the_stacks_partition_region_and_account() -> None:
    # Given a type whose IAM is data in its spec: a scoped grant with a key condition, for one job
    from infrastructure.constructs.resource_access import job_statements
    from lambdas.resources.grants import arn, use_keys
    from lambdas.resources.spec import ArnForm, Grant, TypeSpec

    widgets = TypeSpec(
        resource_type="Widgets",
        arn_forms=(ArnForm("widgets", "widget"),),
        tagging_filter="widgets:widget",
        summary="Widgets.",
        iam={
            "delete_backup": (
                Grant("DeleteWidgetBackups", ("widgets:DeleteBackup",), (arn("widgets", "backup/*"),)),
                use_keys("Widgets", "widgets", "Decrypt"),
            )
        },
    )
    stack = Stack(App(), "Turner")
    arns = Arns(stack)
    # When the stack turns that job's grants into statements
    delete, keys = (stack.resolve(s.to_statement_json()) for s in job_statements("delete_backup", arns, (widgets,)))
    # Then each grant is one statement, its templates filled with the stack's own partition, Region and account
    assert delete["Sid"] == "DeleteWidgetBackups" and delete["Action"] == "widgets:DeleteBackup"
    backups = stack.format_arn(service="widgets", resource="backup", resource_name="*")
    assert delete["Resource"] == stack.resolve(backups)
    assert keys["Condition"] == {
        "StringEquals": {"kms:ViaService": stack.resolve(f"widgets.{stack.region}.amazonaws.com")}
    }
    # And a job the type does not name gives nothing, and a job that does not exist is a mistake
    assert job_statements("copy_backup", arns, (widgets,)) == []
    with pytest.raises(ValueError, match="copy_backups"):
        job_statements("copy_backups", arns, (widgets,))


def test_the_vault_storage_grants_name_the_vault_bucket_the_stack_creates() -> None:
    # Given the copy grants of the types kept in the vault bucket (lambdas/resources/grants.py), which cannot import
    # the stack's names
    from lambdas.resources.grants import VAULT_BUCKETS

    # Then they name the buckets the stack creates, in any Region of this account
    stack_buckets = names.vault_bucket_name("{account}", "*")
    assert VAULT_BUCKETS.endswith(f":s3:::{stack_buckets}")
