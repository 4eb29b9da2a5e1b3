"""The door other accounts' Strongroom deployments use to copy recovery points into this one's vaults.

A copy into another account is run by the SOURCE deployment, with this role: it reads this deployment's
vaults (does the destination vault exist, what is its key and its lock), makes the native copy here
(re-encrypted with the destination vault's key), and records the copy in this deployment's catalog. Only
the accounts listed in the `copy_source_accounts` context may assume it; with none listed there is no role.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from infrastructure import constants
from infrastructure.constructs.arns import Arns
from infrastructure.constructs.nag import acknowledge
from infrastructure.constructs.permissions import WILDCARD_REASON, compose
from infrastructure.constructs.resource_access import RESOURCE_TYPES


class CopyDestination(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        table: dynamodb.ITable,
        default_key: kms.IKey,
        source_accounts: list[str],
    ) -> None:
        super().__init__(scope, construct_id)
        arns = Arns(self)
        self.role = iam.Role(
            self,
            "Role",
            role_name=constants.COPY_DESTINATION_ROLE_NAME,
            assumed_by=iam.CompositePrincipal(*(iam.AccountPrincipal(account) for account in source_accounts)),
            description="Strongroom deployments of these accounts copy recovery points into this one's vaults",
        )
        table.grant_read_write_data(self.role)
        # Vaults made without a key of their own use the default vault key.
        default_key.grant_encrypt_decrypt(self.role)
        statements = compose(arns, *(kind.copy_backup(arns) for kind in RESOURCE_TYPES))
        statements.append(iam.PolicyStatement(sid="TellAwsManagedKeys", actions=["kms:DescribeKey"], resources=["*"]))
        for statement in statements:
            self.role.add_to_policy(statement)
        table_id = Stack.of(self).get_logical_id(table.node.default_child)  # type: ignore[arg-type]
        acknowledge(
            self.role,
            "IAM5",
            "Read/write on the catalog table includes its global secondary indexes (table/index/*).",
            f"Resource::<{table_id}.Arn>/index/*",
        )
        for finding in sorted(arns.wildcard_findings(statements)):
            acknowledge(self.role, "IAM5", WILDCARD_REASON, finding)


def source_accounts_from(context: object) -> list[str]:
    """`-c copy_source_accounts=111111111111,222222222222` or a JSON list in cdk.json."""
    if context is None or context == "":
        return []
    values = context if isinstance(context, list) else str(context).split(",")
    accounts = [str(value).strip() for value in values if str(value).strip()]
    for account in accounts:
        if not (account.isdigit() and len(account) == 12):
            raise ValueError(f"copy_source_accounts: {account!r} is not a 12-digit account id")
    return accounts
