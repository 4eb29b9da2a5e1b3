"""The vault storage bucket: where S3 and EFS recovery points keep their data (lambdas/resources/vault_storage.py).
Private, encrypted with the default vault key, TLS only, retained, and told to every function."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infrastructure import constants
from lambdas.resources.vault_storage import default_vault_bucket, recovery_point_prefix, restore_state_key
from tests.infrastructure import reading

SPECS = pytest.mark.parametrize("spec", constants.FUNCTIONS, ids=lambda spec: spec.key)
# The import of backups services made themselves catalogs native backups only: it never touches vault storage.
# Every function but those that only read: the import (native backups only) and StartBackups (it resolves
# selections and queues them; StartBackupBatch starts the backups), and ReconcileSchedules (plan schedules only).
VAULT_USERS = [
    spec
    for spec in constants.FUNCTIONS
    if spec
    not in (
        constants.IMPORT_NATIVE_BACKUPS,
        constants.START_BACKUPS,
        constants.RECONCILE_SCHEDULES,
        # Audit Manager reads the catalog and writes reports to the user's bucket, never the vault's.
        constants.AUDIT_EVALUATE,
        constants.AUDIT_REPORTS,
        # Restore testing starts restores through the workflow (whose functions reach the vault) and checks and
        # deletes the restored copies, never the vault's objects.
        constants.RESTORE_TESTING,
    )
]
USERS = pytest.mark.parametrize("spec", VAULT_USERS, ids=lambda spec: spec.key)


def _bucket(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    buckets = reading.resources(template, "AWS::S3::Bucket")
    assert len(buckets) == 1, "Strongroom keeps recovery point data in one bucket"
    return next(iter(buckets.items()))


def _key_id(template: dict[str, Any]) -> str:
    """The default vault key: the one the functions are told about."""
    variables = reading.function(template, constants.START_BACKUPS)[1]["Environment"]["Variables"]
    return str(variables[constants.ENV_DEFAULT_KEY_ARN]["Fn::GetAtt"][0])


def _bucket_statements(template: dict[str, Any], spec: constants.FunctionSpec) -> list[dict[str, Any]]:
    """The function's S3 statements that name the vault bucket."""
    bucket_id, _ = _bucket(template)
    return [
        statement
        for statement in reading.statements_of_role(template, reading.role_id(template, spec))
        if reading.mentions(statement["Resource"], bucket_id)
    ]


def _resources(statements: list[dict[str, Any]], action: str) -> list[str]:
    """The statements' resources that grant `action`, as the JSON of each (intrinsic) ARN."""
    return [
        json.dumps(resource)
        for statement in statements
        if action in reading.as_list(statement["Action"])
        for resource in reading.as_list(statement["Resource"])
    ]


def test_vault_bucket_is_encrypted_with_the_default_vault_key(template: dict[str, Any]) -> None:
    # Given the bucket that holds S3 manifests and EFS file data
    _, bucket = _bucket(template)
    (rule,) = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    # Then every object is encrypted by default with Strongroom's default vault key (not an AWS managed key),
    # with a bucket key so that thousands of EFS files do not mean thousands of KMS calls
    assert rule["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": reading.arn_of(_key_id(template)),
    }
    assert rule["BucketKeyEnabled"] is True


def test_vault_bucket_is_private_and_owned_by_the_account(template: dict[str, Any]) -> None:
    _, bucket = _bucket(template)
    properties = bucket["Properties"]
    # Then no ACL or policy can make any of it public...
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    # ...and ACLs are off: the account owns every object, whoever wrote it
    assert properties["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}


def test_vault_bucket_refuses_requests_without_tls(template: dict[str, Any]) -> None:
    # Given the vault bucket's policy
    bucket_id, _ = _bucket(template)
    (policy,) = [
        p
        for p in reading.resources(template, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    # Then any request over plain HTTP is denied, to everyone, on the bucket and every object
    denials = [
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    (denial,) = denials
    assert denial["Principal"] == {"AWS": "*"}
    assert denial["Action"] == "s3:*"
    resources = json.dumps(denial["Resource"])
    assert reading.mentions(denial["Resource"], bucket_id) and '"/*"' in resources
    # And the policy stays with the bucket when the stack is deleted
    assert policy["DeletionPolicy"] == "Retain"


def test_vault_bucket_outlives_the_stack_and_takes_object_lock(template: dict[str, Any]) -> None:
    _, bucket = _bucket(template)
    # Then deleting the stack keeps the recovery points' data (the retained catalog still lists them)...
    assert bucket["DeletionPolicy"] == "Retain"
    assert bucket["UpdateReplacePolicy"] == "Retain"
    # ...locked points' objects can be locked (Object Lock needs versioning)...
    assert bucket["Properties"]["ObjectLockEnabled"] is True
    assert bucket["Properties"]["ObjectLockConfiguration"] == {"ObjectLockEnabled": "Enabled"}
    assert bucket["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}
    # ...and versions left behind by rewrites do not linger
    rules = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert any(rule.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays") == 1 for rule in rules)


def test_vault_bucket_is_the_one_functions_derive_when_not_told(template: dict[str, Any]) -> None:
    # Given a function that does not read STRONGROOM_VAULT_BUCKET yet: it derives the name from account and Region
    _, bucket = _bucket(template)
    # Then the stack names the bucket the same way
    derived = default_vault_bucket("${AWS::AccountId}", "${AWS::Region}")
    name = "".join(
        part if isinstance(part, str) else "${" + part["Ref"] + "}"
        for part in bucket["Properties"]["BucketName"]["Fn::Join"][1]
    )
    assert name == derived


@SPECS
def test_every_function_is_told_the_vault_bucket(template: dict[str, Any], spec: constants.FunctionSpec) -> None:
    # Given a function's environment
    variables = reading.function(template, spec)[1]["Environment"]["Variables"]
    # Then STRONGROOM_VAULT_BUCKET names the vault bucket of this stack
    bucket_id, _ = _bucket(template)
    assert variables[constants.ENV_VAULT_BUCKET] == {"Ref": bucket_id}


@USERS
def test_every_function_reads_and_writes_recovery_points_and_restores_there(
    template: dict[str, Any], spec: constants.FunctionSpec
) -> None:
    # Given where the adapters keep data: recovery-points/<type>/<job>/... and restores/<job>.json
    assert recovery_point_prefix("s3", "job").startswith("recovery-points/")
    assert restore_state_key("job").startswith("restores/")
    statements = _bucket_statements(template, spec)
    # Then the function may read and write objects under exactly those two prefixes of the vault bucket
    for action in ("s3:GetObject", "s3:PutObject"):
        granted = _resources(statements, action)
        assert len(granted) == 2, action
        assert any('"/recovery-points/*"' in resource for resource in granted), action
        assert any('"/restores/*"' in resource for resource in granted), action
    # And list the bucket, so that a missing object is "not found" (404), not "access denied" (403)
    assert _resources(statements, "s3:ListBucket")


@USERS
def test_every_function_may_use_the_vault_key_only_through_s3(
    template: dict[str, Any], spec: constants.FunctionSpec
) -> None:
    # Given the statements on the default vault key itself
    key_arn = reading.arn_of(_key_id(template))
    on_key = [
        s
        for s in reading.statements_of_role(template, reading.role_id(template, spec))
        if key_arn in reading.as_list(s["Resource"])
    ]
    # Then the function may encrypt and decrypt the bucket's objects, through S3 only
    (statement,) = on_key
    assert set(reading.as_list(statement["Action"])) == {"kms:Decrypt", "kms:GenerateDataKey"}
    via = json.dumps(statement["Condition"]["StringEquals"]["kms:ViaService"])
    assert '"s3."' in via and "AWS::Region" in via


def test_only_lifecycle_the_api_and_failed_copies_may_delete_objects_in_the_vault_bucket(
    template: dict[str, Any],
) -> None:
    # Given every role's statements that let it delete objects in the vault bucket (a Deny takes nothing away from
    # this; RestoreTesting's deletes of restored copies' buckets, "*-rt-*", are test_restore_testing_stack.py's)
    bucket_id, _ = _bucket(template)
    deleters = {}
    for spec in constants.FUNCTIONS:
        statements = reading.statements_of_role(template, reading.role_id(template, spec))
        deleting = [
            s
            for s in statements
            if s["Effect"] == "Allow"
            and any(a.startswith("s3:Delete") or a == "s3:*" for a in reading.as_list(s["Action"]))
            and (reading.mentions(s["Resource"], bucket_id) or "*" in reading.as_list(s["Resource"]))
        ]
        if deleting:
            deleters[spec.key] = deleting
    # Then only expiry (Lifecycle), DeleteRecoveryPoint/StopBackupJob (Api) and the discarding of a failed copy's
    # data (TrackJobs and the Api, which run copies) may: a backup or restore task never
    assert set(deleters) == {constants.LIFECYCLE.key, constants.API.key, constants.TRACK_JOBS.key}
    # And only recovery points' data, every version of it (the bucket is listed by version to find them)
    for statements in deleters.values():
        for action in ("s3:DeleteObject", "s3:DeleteObjectVersion"):
            granted = _resources(statements, action)
            assert granted and all('"/recovery-points/' in r and bucket_id in r for r in granted), action
    for key in deleters:
        (spec,) = [spec for spec in constants.FUNCTIONS if spec.key == key]
        assert _resources(_bucket_statements(template, spec), "s3:ListBucketVersions"), key


def test_the_import_of_native_backups_may_not_reach_the_vault_bucket_or_its_key(template: dict[str, Any]) -> None:
    # Given the function that catalogs backups services made themselves (nothing is copied into the vault)
    spec = constants.IMPORT_NATIVE_BACKUPS
    statements = reading.statements_of_role(template, reading.role_id(template, spec))
    # Then none of its statements names the vault bucket or the default vault key
    bucket_id, _ = _bucket(template)
    assert not _bucket_statements(template, spec)
    assert not [s for s in statements if reading.arn_of(_key_id(template)) in reading.as_list(s["Resource"])]
    assert not [s for s in statements if reading.mentions(s["Resource"], bucket_id)]
