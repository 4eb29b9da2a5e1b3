"""Least privilege, read from the synthesized template as a reviewer would (issue #11, item 4).

The cross-account copy role trusts only the source accounts' copying roles and can share, delete or read
nothing beyond a copy; no role publishes to every topic; restores never write recovery points; TrackJobs may
discard what a failed copy wrote; vault keys are usable by the roles that read vault storage.
"""

from __future__ import annotations

import fnmatch
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from infrastructure import constants
from infrastructure.constructs.copy_destination import LIFECYCLE_MARKER_KEY, READS_KEYS, WRITES_KEYS
from infrastructure.constructs.findings import wildcard_kind
from infrastructure.constructs.resource_access import VAULT_KEY_TAG
from tests.infrastructure import reading
from tests.infrastructure.contexts import COPY_SOURCES

SOURCES = COPY_SOURCES
ITEM_ACTIONS = {
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:Query",
    "dynamodb:Scan",
}


def _destination_role(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    [found] = [
        (logical_id, role)
        for logical_id, role in reading.resources(template, "AWS::IAM::Role").items()
        if constants.COPY_DESTINATION_ROLE_PREFIX in json.dumps(role["Properties"].get("RoleName", ""))
    ]
    return found


def _destination_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    return reading.statements_of_role(template, _destination_role(template)[0])


def _all_role_statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        statement
        for logical_id in reading.resources(template, "AWS::IAM::Role")
        for statement in reading.statements_of_role(template, logical_id)
    ]


def _resolved(value: Any, region: str = "eu-west-1") -> str:
    """A Fn::Join of strings and pseudo parameters, as CloudFormation would resolve it in `region`."""
    pseudo = {"AWS::Partition": "aws", "AWS::Region": region, "AWS::AccountId": "999999999999"}
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return pseudo.get(value["Ref"], f"<{value['Ref']}>")
    if "Fn::GetAtt" in value:
        return "<{}.{}>".format(*value["Fn::GetAtt"])
    delimiter, parts = value["Fn::Join"]
    return str(delimiter).join(_resolved(part, region) for part in parts)


def _allows(statement: dict[str, Any], action: str) -> bool:
    return statement["Effect"] == "Allow" and any(
        fnmatch.fnmatch(action, pattern) for pattern in reading.as_list(statement["Action"])
    )


# The copy destination role


def test_the_copy_destination_role_is_named_per_region_as_the_source_side_assumes_it(with_sources: Any) -> None:
    """Given a deployment accepting copies, when deployed in eu-west-1, then its role has the name the source side
    derives for eu-west-1 (IAM names are account-wide: a second Region gets a second role, not a clash)."""
    from lambdas.services.copy_destinations import copy_destination_role_arn

    template, _ = with_sources
    _, role = _destination_role(template)
    name = _resolved(role["Properties"]["RoleName"], "eu-west-1")
    assert copy_destination_role_arn("999999999999", "eu-west-1").endswith(f":role/{name}")
    assert _resolved(role["Properties"]["RoleName"], "us-east-1") != name


def test_the_copy_destination_role_trusts_only_the_source_accounts_copying_roles(with_sources: Any) -> None:
    """Given two source accounts, the trust policy names each account AND requires the caller to be one of their
    roles under the copying path: another principal of those accounts cannot assume it."""
    template, _ = with_sources
    _, role = _destination_role(template)
    trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    principals = {_resolved(p) for statement in trust for p in reading.as_list(statement["Principal"]["AWS"])}
    assert principals == {f"arn:aws:iam::{account}:root" for account in SOURCES}
    for statement in trust:
        patterns = {_resolved(p) for p in statement["Condition"]["ArnLike"]["aws:PrincipalArn"]}
        assert patterns == {f"arn:aws:iam::{account}:role{constants.COPY_SOURCE_ROLE_PATH}*" for account in SOURCES}


def test_only_the_roles_that_run_copies_sit_under_the_trusted_path(template: dict[str, Any]) -> None:
    """The source side: TrackJobs and the Api run copy jobs, so only their roles carry the path trusted above."""
    pathed = {
        spec.key
        for spec in constants.FUNCTIONS
        if template["Resources"][reading.role_id(template, spec)]["Properties"].get("Path")
        == constants.COPY_SOURCE_ROLE_PATH
    }
    assert pathed == {constants.TRACK_JOBS.key, constants.API.key}


def test_the_copy_destination_role_can_share_delete_or_make_public_nothing(with_sources: Any) -> None:
    template, _ = with_sources
    forbidden = [
        "ec2:ModifySnapshotAttribute",
        "ec2:ModifyImageAttribute",
        "rds:ModifyDBSnapshotAttribute",
        "rds:ModifyDBClusterSnapshotAttribute",
        "ec2:DeleteSnapshot",
        "ec2:DeregisterImage",
        "rds:DeleteDBSnapshot",
        "s3:DeleteObject",
        "s3:PutBucketPolicy",
        "dynamodb:DeleteItem",
        "kms:PutKeyPolicy",
    ]
    statements = _destination_statements(template)
    granted = [(action, s["Sid"]) for s in statements for action in forbidden if _allows(s, action)]
    assert granted == []


def test_the_copy_destination_role_touches_catalog_items_only_by_their_partition_key(with_sources: Any) -> None:
    """Every item-level DynamoDB grant carries dynamodb:LeadingKeys: reads of vaults, points and protected
    resources; writes of points, protected resources and leftovers only (no plan, job, lock or legal hold)."""
    template, _ = with_sources
    item_statements = [s for s in _destination_statements(template) if ITEM_ACTIONS & set(reading.as_list(s["Action"]))]
    assert {a for s in item_statements for a in reading.as_list(s["Action"])} == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    }
    keys = {
        (
            reading.as_list(s["Action"])[0],
            frozenset(s["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]),
            frozenset(s["Condition"].get("ForAllValues:StringEquals", {}).get("dynamodb:Attributes", [])),
        )
        for s in item_statements
    }
    # And the only updates are counters: the vault's recovery point counter (no other attribute of a vault item),
    # and Lifecycle's count of changes that may give it work
    assert keys == {
        ("dynamodb:GetItem", frozenset(READS_KEYS), frozenset()),
        ("dynamodb:PutItem", frozenset(WRITES_KEYS), frozenset()),
        ("dynamodb:UpdateItem", frozenset({"VAULT#*"}), frozenset({"PK", "SK", "Points", "Bytes"})),
        ("dynamodb:UpdateItem", frozenset({LIFECYCLE_MARKER_KEY}), frozenset({"PK", "SK", "Changes"})),
    }


def test_the_leading_keys_cover_exactly_what_recording_a_copy_writes() -> None:
    """Given the stores a copy uses in the destination, when a copy is recorded there (point, protected resource,
    leftover), then every item written has a partition key the role may write, and a vault's may not be written."""
    from lambdas.domain.recovery_points import RecoveryPoint
    from lambdas.store.leftover_store import Leftover
    from lambdas.store.memory_table import MemoryTable
    from lambdas.store.recovery_point_store import COUNTS_SK
    from lambdas.store.stores import Stores

    table = MemoryTable()
    stores = Stores.over(table)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    point = RecoveryPoint(
        RecoveryPointArn="arn:aws:ec2:eu-west-1::snapshot/snap-1",
        BackupVaultName="vault",
        BackupVaultArn="arn:aws:backup:eu-west-1:999999999999:backup-vault:vault",
        ResourceArn="arn:aws:ec2:eu-west-1:999999999999:volume/vol-1",
        ResourceType="EBS",
        IamRoleArn="arn:aws:iam::999999999999:role/backup",
        CreationDate=now,
        NativeBackupId="snap-1",
    )
    stores.recovery_points.create(point)
    stores.protected.record(point)
    stores.leftovers.add(
        Leftover(ResourceType="EBS", NativeBackupId="snap-2", RecoveryPointArn="x", Reason="r", Since=now)
    )
    written = {(pk, sk) for pk, sk in table._items}
    # Then every item put has a key the role may put; the vault's only item touched is its counter, which the
    # role may update (its counter attributes only: test_the_copy_destination_role_touches_catalog_items...)
    counters = {(pk, sk) for pk, sk in written if pk.startswith("VAULT#") or pk == LIFECYCLE_MARKER_KEY}
    put = {pk for pk, sk in written if (pk, sk) not in counters}
    assert put and all(any(fnmatch.fnmatch(pk, k) for k in WRITES_KEYS) for pk in put)
    assert counters == {("VAULT#vault", COUNTS_SK), (LIFECYCLE_MARKER_KEY, "MARKER")}
    assert set(table._items[(LIFECYCLE_MARKER_KEY, "MARKER")]) == {"PK", "SK", "Changes"}
    assert not any(fnmatch.fnmatch("VAULT#vault", k) for k in WRITES_KEYS)


def test_the_copy_destination_role_reads_objects_only_of_the_source_accounts(with_sources: Any) -> None:
    """No S3 read on every object of every bucket: reads are of the source deployments' vault buckets by name, or
    of object versions in buckets that a source account owns (s3:ResourceAccount)."""
    template, _ = with_sources
    for statement in _destination_statements(template):
        if not any(a.startswith("s3:Get") for a in reading.as_list(statement["Action"])):
            continue
        for resource in reading.as_list(statement["Resource"]):
            arn = _resolved(resource)
            if arn == "arn:aws:s3:::*/*":
                assert statement["Condition"] == {"StringEquals": {"s3:ResourceAccount": SOURCES}}
            else:
                assert "/recovery-points/*" in arn, arn


def test_the_copy_destination_role_uses_keys_only_through_the_copying_services(with_sources: Any) -> None:
    """Every KMS grant names keys (never "*") and holds only through EC2, RDS or S3; this account's keys other
    than the default vault key only when tagged as vault keys."""
    template, _ = with_sources
    kms = [
        s for s in _destination_statements(template) if any(a.startswith("kms:") for a in reading.as_list(s["Action"]))
    ]
    assert kms
    for statement in kms:
        resources = [_resolved(r) for r in reading.as_list(statement["Resource"])]
        assert "*" not in resources
        conditions = json.dumps(statement["Condition"])
        assert "kms:ViaService" in conditions
        if "arn:aws:kms:eu-west-1:999999999999:key/*" in resources and "CreateGrant" not in json.dumps(
            statement["Action"]
        ):
            assert statement["Condition"]["StringEquals"][f"aws:ResourceTag/{VAULT_KEY_TAG}"] == "true"


# Every role


def test_no_role_publishes_to_every_topic(template: dict[str, Any]) -> None:
    publishing = [s for s in _all_role_statements(template) if _allows(s, "sns:Publish")]
    assert publishing
    for statement in publishing:
        for resource in reading.as_list(statement["Resource"]):
            assert resource != "*"
            assert _resolved(resource) == "arn:aws:sns:eu-west-1:999999999999:*" or "Ref" in json.dumps(resource)


def _vault_bucket_id(template: dict[str, Any]) -> str:
    [bucket_id] = [
        logical_id
        for logical_id, bucket in reading.resources(template, "AWS::S3::Bucket").items()
        if "vault" in logical_id.lower()
    ]
    return bucket_id


def _on_vault_bucket(resource: Any, bucket_id: str, prefix: str) -> bool:
    text = json.dumps(resource)
    return bucket_id in text and prefix in text


def test_restore_poll_cannot_write_the_vault_buckets_recovery_points(template: dict[str, Any]) -> None:
    """RestorePoll copies object versions into any customer bucket, so an explicit Deny keeps it off the vault
    bucket's recovery points; its only allowed write there is its own cursor under restores/."""
    bucket_id = _vault_bucket_id(template)
    statements = reading.statements_of_role(template, reading.role_id(template, constants.RESTORE_POLL))
    [deny] = [s for s in statements if s["Effect"] == "Deny"]
    assert "s3:PutObject" in reading.as_list(deny["Action"])
    assert all(_on_vault_bucket(r, bucket_id, "recovery-points/*") for r in reading.as_list(deny["Resource"]))
    vault_writes = [
        r
        for s in statements
        if _allows(s, "s3:PutObject")
        for r in reading.as_list(s["Resource"])
        if bucket_id in json.dumps(r)
    ]
    assert vault_writes and all(_on_vault_bucket(r, bucket_id, "restores/*") for r in vault_writes)


def test_track_jobs_may_delete_exactly_what_a_failed_copy_discards(template: dict[str, Any]) -> None:
    bucket_id = _vault_bucket_id(template)
    statements = reading.statements_of_role(template, reading.role_id(template, constants.TRACK_JOBS))
    deletes = [r for s in statements if _allows(s, "s3:DeleteObject") for r in reading.as_list(s["Resource"])]
    prefixes = sorted(json.dumps(r).split(bucket_id)[1].split('"')[2] for r in deletes)
    assert prefixes == sorted(
        f"/recovery-points/{kind}/*/{part}/*" for kind in ("s3", "efs") for part in ("data", "manifest")
    )


@pytest.mark.parametrize("spec", constants.FUNCTIONS, ids=lambda spec: spec.key)
def test_roles_that_read_vault_storage_may_decrypt_with_vault_keys(
    template: dict[str, Any], spec: constants.FunctionSpec
) -> None:
    """Copies and EFS data are encrypted with their vault's own key: a role that reads vault storage can decrypt
    with the keys tagged as vault keys, through S3 only."""
    bucket_id = _vault_bucket_id(template)
    statements = reading.statements_of_role(template, reading.role_id(template, spec))
    reads = any(_allows(s, "s3:GetObject") and bucket_id in json.dumps(s["Resource"]) for s in statements)
    tagged = [
        s
        for s in statements
        if _allows(s, "kms:Decrypt") and f"aws:ResourceTag/{VAULT_KEY_TAG}" in json.dumps(s.get("Condition", {}))
    ]
    assert bool(tagged) == reads
    for statement in tagged:
        assert "kms:ViaService" in json.dumps(statement["Condition"])


# cdk-nag: one reason per kind of wildcard


def test_each_wildcard_reason_explains_one_kind_of_wildcard(with_sources: Any) -> None:
    """Given every IAM5 finding acknowledged in the stack, a reason is never pasted on wildcards of different
    kinds (snapshots, tables, keys, vault prefixes...): each says why THAT wildcard is there."""
    _, report = with_sources
    (plugin,) = [p for p in report["pluginReports"] if p["pluginName"] == "AwsSolutions"]
    assert plugin["violations"] == []
    kinds_by_reason: dict[str, set[tuple[str, ...]]] = {}
    for suppressed in plugin["suppressedViolations"]:
        if suppressed["ruleName"].startswith("AwsSolutions-IAM5["):
            kinds_by_reason.setdefault(suppressed["reason"], set()).add(
                wildcard_kind(suppressed["ruleName"].split("[", 1)[1][:-1])
            )
    assert len(kinds_by_reason) > 10
    shared = {reason[:60]: kinds for reason, kinds in kinds_by_reason.items() if len(kinds) > 1}
    assert shared == {}
