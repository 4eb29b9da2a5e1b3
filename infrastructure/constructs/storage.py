"""Storage: the single DynamoDB table, the default vault key, and the vault storage bucket.

The three are retained when the stack is destroyed: they hold the catalog and the recovery points. A stack
deployed again onto them adopts them (`-c adopt_catalog=true -c adopt_catalog_key_arn=ARN`, see
docs/deploying.md): it references the table, the bucket and the key by their derivable names and ARN instead
of creating them, which would fail with "already exists".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import Aws, CfnOutput, Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infrastructure import constants, names
from infrastructure.constructs.nag import acknowledge

# A key ARN (single-Region id, or a multi-Region key's mrk- id), never an alias: IAM grants need the key.
_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/([0-9a-f-]{36}|mrk-[0-9a-f]{32})$")
_TRUE = {"true", "yes", "1"}


@dataclass(frozen=True)
class CatalogAdoption:
    """A retained catalog to deploy onto: the default vault key's ARN (the table and bucket names are derived)."""

    key_arn: str


def adoption_from(context: Mapping[str, Any]) -> CatalogAdoption | None:
    """`adopt_catalog` (true/false) and `adopt_catalog_key_arn` from the CDK context; bad values stop the synth."""
    adopt = str(context.get(names.ADOPT_CATALOG_CONTEXT) or "false").strip().lower()
    key_arn = str(context.get(names.ADOPT_CATALOG_KEY_ARN_CONTEXT) or "").strip()
    if adopt not in _TRUE:
        if key_arn:
            raise ValueError(
                f"{names.ADOPT_CATALOG_KEY_ARN_CONTEXT} is only read with -c {names.ADOPT_CATALOG_CONTEXT}=true"
            )
        return None
    if not _KEY_ARN.match(key_arn):
        raise ValueError(
            f"-c {names.ADOPT_CATALOG_CONTEXT}=true needs -c {names.ADOPT_CATALOG_KEY_ARN_CONTEXT}=<the retained "
            f"default vault key's ARN>, got {key_arn!r}: `aws kms describe-key --key-id {names.DEFAULT_KEY_ALIAS} "
            "--query KeyMetadata.Arn --output text` prints it"
        )
    return CatalogAdoption(key_arn)


class Storage(Construct):
    """The catalog table (single-table design), the KMS key that encrypts vaults by default, and the bucket
    where Strongroom keeps the recovery point data of the types without native backups (S3 and EFS)."""

    def __init__(self, scope: Construct, construct_id: str, *, adopt: CatalogAdoption | None = None) -> None:
        super().__init__(scope, construct_id)
        self.adopted = adopt is not None
        if adopt is not None:
            self._adopt(adopt)
        else:
            self._create()
        CfnOutput(
            self,
            "DefaultVaultKeyArnOutput",
            key=names.DEFAULT_KEY_OUTPUT,
            value=self.default_key.key_arn,
            description="The default vault key, retained on destroy (adopt_catalog_key_arn of a redeploy)",
        )

    def _adopt(self, adopt: CatalogAdoption) -> None:
        """Reference the retained table, key and bucket; the stack neither creates nor deletes them."""
        self.table: dynamodb.ITable = dynamodb.Table.from_table_attributes(
            self,
            "Table",
            table_name=constants.CATALOG_TABLE_NAME,
            # Grants then cover the indexes too (table/<name>/index/*), as for a table the stack creates.
            global_indexes=list(constants.TABLE_INDEXES),
        )
        self.default_key: kms.IKey = kms.Key.from_key_arn(self, "DefaultVaultKey", adopt.key_arn)
        self.vault_bucket: s3.IBucket = s3.Bucket.from_bucket_attributes(
            self,
            "VaultBucket",
            bucket_name=names.vault_bucket_name(Aws.ACCOUNT_ID, Aws.REGION),
            encryption_key=self.default_key,
        )

    def _create(self) -> None:
        string = dynamodb.AttributeType.STRING
        table = dynamodb.Table(
            self,
            "Table",
            # Named, not generated: a copy job from another Region or account finds this catalog by name.
            table_name=constants.CATALOG_TABLE_NAME,
            partition_key=dynamodb.Attribute(name=constants.TABLE_PARTITION_KEY, type=string),
            sort_key=dynamodb.Attribute(name=constants.TABLE_SORT_KEY, type=string),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            # The catalog of recovery points outlives the stack: losing it orphans every backup.
            removal_policy=RemovalPolicy.RETAIN,
        )
        for index_name, (pk, sk) in constants.TABLE_INDEXES.items():
            table.add_global_secondary_index(
                index_name=index_name,
                partition_key=dynamodb.Attribute(name=pk, type=string),
                sort_key=dynamodb.Attribute(name=sk, type=string),
                projection_type=dynamodb.ProjectionType.ALL,
            )

        self.table = table
        key = kms.Key(
            self,
            "DefaultVaultKey",
            description="Strongroom default backup vault key",
            alias=names.DEFAULT_KEY_ALIAS,
            enable_key_rotation=True,
            # Recovery points encrypted with it must stay readable after the stack is gone.
            removal_policy=RemovalPolicy.RETAIN,
        )
        # The alias stays with the key, so the retained key is found by name for a deploy onto this catalog.
        key.node.find_child("Alias").apply_removal_policy(RemovalPolicy.RETAIN)  # type: ignore[attr-defined]
        self.default_key = key

        # recovery-points/<type>/<job id>/... (manifests, EFS file data) and restores/<restore job id>.json
        # (see lambdas/resources/vault_storage.py). Deleting a recovery point deletes every version of its data.
        bucket = s3.Bucket(
            self,
            "VaultBucket",
            bucket_name=names.vault_bucket_name(Aws.ACCOUNT_ID, Aws.REGION),
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.default_key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            # Object Lock (it needs versioning): locked points' objects cannot be deleted by anyone (docs/locks.md).
            versioned=True,
            object_lock_enabled=True,
            lifecycle_rules=[
                # An EFS upload interrupted mid-way leaves parts nobody will complete.
                s3.LifecycleRule(abort_incomplete_multipart_upload_after=Duration.days(7)),
                # Versions left behind by rewrites (a header updated, a move to cold storage) go after a day,
                # unless a lock keeps them.
                s3.LifecycleRule(noncurrent_version_expiration=Duration.days(1)),
            ],
            # Recovery points live here: they outlive the stack, like the catalog that lists them.
            removal_policy=RemovalPolicy.RETAIN,
        )
        # Also as ObjectLockConfiguration, which CloudFormation documents as applied without interruption: a
        # bucket made by an earlier Strongroom takes Object Lock in place (docs/locks.md).
        bucket_resource = bucket.node.default_child
        assert isinstance(bucket_resource, s3.CfnBucket)
        bucket_resource.add_property_override("ObjectLockConfiguration.ObjectLockEnabled", "Enabled")
        # The TLS-only policy stays with the bucket when the stack goes.
        assert bucket.policy is not None  # enforce_ssl made it
        bucket.policy.apply_removal_policy(RemovalPolicy.RETAIN)
        self.vault_bucket = bucket
        acknowledge(
            bucket,
            "S1",
            "Only Strongroom's own function roles read or write the vault bucket, every request by a role "
            "the stack defines; object-level auditing is CloudTrail's S3 data events (enable them for this "
            "bucket if required). A server access log bucket would hold one log object per manifest part and "
            "EFS file written, and would itself be an unlogged bucket.",
        )
