"""Storage: the single DynamoDB table and the default vault key."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

from infrastructure import constants, names


class Storage(Construct):
    """The catalog table (single-table design) and the KMS key that encrypts vaults by default."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)

        string = dynamodb.AttributeType.STRING
        self.table = dynamodb.Table(
            self,
            "Table",
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
