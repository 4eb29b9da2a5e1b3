"""Storage: the single DynamoDB table, the default vault key, and the vault storage bucket."""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infrastructure import constants, names
from infrastructure.constructs.nag import acknowledge


class Storage(Construct):
    """The catalog table (single-table design), the KMS key that encrypts vaults by default, and the bucket
    where Strongroom keeps the recovery point data of the types without native backups (S3 and EFS)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)

        string = dynamodb.AttributeType.STRING
        self.table = dynamodb.Table(
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
            self.table.add_global_secondary_index(
                index_name=index_name,
                partition_key=dynamodb.Attribute(name=pk, type=string),
                sort_key=dynamodb.Attribute(name=sk, type=string),
                projection_type=dynamodb.ProjectionType.ALL,
            )

        self.default_key = kms.Key(
            self,
            "DefaultVaultKey",
            description="Strongroom default backup vault key",
            alias=names.DEFAULT_KEY_ALIAS,
            enable_key_rotation=True,
            # Recovery points encrypted with it must stay readable after the stack is gone.
            removal_policy=RemovalPolicy.RETAIN,
        )

        # recovery-points/<type>/<job id>/... (manifests, EFS file data) and restores/<restore job id>.json
        # (see lambdas/resources/vault_storage.py). Deleting a recovery point deletes every version of its data.
        self.vault_bucket = s3.Bucket(
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
        bucket_resource = self.vault_bucket.node.default_child
        assert isinstance(bucket_resource, s3.CfnBucket)
        bucket_resource.add_property_override("ObjectLockConfiguration.ObjectLockEnabled", "Enabled")
        # The TLS-only policy stays with the bucket when the stack goes.
        assert self.vault_bucket.policy is not None  # enforce_ssl made it
        self.vault_bucket.policy.apply_removal_policy(RemovalPolicy.RETAIN)
        acknowledge(
            self.vault_bucket,
            "S1",
            "Only Strongroom's own function roles read or write the vault bucket, every request by a role "
            "the stack defines; object-level auditing is CloudTrail's S3 data events (enable them for this "
            "bucket if required). A server access log bucket would hold one log object per manifest part and "
            "EFS file written, and would itself be an unlogged bucket.",
        )
