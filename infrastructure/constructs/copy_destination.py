"""The door other accounts' Strongroom deployments use to copy recovery points into this one's vaults.

A copy into another account is run by the SOURCE deployment (its TrackJobs and Api functions), with this role:
it reads this deployment's vaults (does the destination vault exist, what is its key and its lock), makes the
native copy here (re-encrypted with the destination vault's key), and records the copy in this deployment's
catalog. With no `copy_source_accounts` context there is no role.

What the role may do, and nothing else (docs/least-privilege.md):

- be assumed by the roles under COPY_SOURCE_ROLE_PATH of the listed accounts (`aws:PrincipalArn`), not by
  anything else in those accounts;
- read vaults, recovery points and protected resources in the catalog, and write only recovery points,
  protected resources and leftovers (`dynamodb:LeadingKeys`): never a plan, a job, a vault, a lock or a
  legal hold; no update, no delete;
- copy IN snapshots, AMIs and DB snapshots (Copy* and tagging): no ModifySnapshotAttribute,
  ModifyImageAttribute or ModifyDB*SnapshotAttribute, so it shares and makes public nothing; no delete;
- write copies under recovery-points/ of this deployment's vault bucket, read the source deployments' vault
  buckets, and read object versions only in buckets the source accounts own (`s3:ResourceAccount`);
- use only this deployment's vault keys (the default key, and keys tagged VAULT_KEY_TAG) and the source
  accounts' keys, only through the services that copy.
"""

from __future__ import annotations

from aws_cdk import Aws, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infrastructure import constants, names
from infrastructure.constructs.arns import Arns
from infrastructure.constructs.findings import explain, wildcard_kind
from infrastructure.constructs.nag import acknowledge
from infrastructure.constructs.resource_access import VAULT_KEY_TAG, Statements, allow

# Partition keys (dynamodb:LeadingKeys) of the catalog items a copy reads and writes in the destination
# (lambdas/store: vault_store, recovery_point_store, protected_store, leftover_store).
READS_KEYS = ("VAULT#*", "RP#*", "PROTECTED#*")
WRITES_KEYS = ("RP#*", "PROTECTED#*", "LEFTOVERS")
# Lifecycle's "nothing to do" marker (lambdas/store/lifecycle_work.py): recording a live point or a leftover adds to
# its count in the same transaction, so the hourly run looks again.
LIFECYCLE_MARKER_KEY = "LIFECYCLE#WORK"

# The services a copy goes through, and so the only ones that may use a key on the role's behalf.
COPY_SERVICES = ("ec2", "rds", "s3")

# Read-only calls of the destination's adapters (find_backup, backup_status, restore_metadata): IAM cannot
# scope Describe/List calls to a resource.
_DESCRIBE = [
    "ec2:DescribeSnapshots",
    "ec2:DescribeImages",
    "ec2:DescribeVolumes",
    "ec2:DescribeInstances",
    "rds:DescribeDBSnapshots",
    "rds:DescribeDBClusterSnapshots",
    "rds:DescribeDBInstances",
    "rds:DescribeDBClusters",
    "storagegateway:ListVolumes",
    "storagegateway:DescribeCachediSCSIVolumes",
    "storagegateway:DescribeStorediSCSIVolumes",
    "storagegateway:DescribeGatewayInformation",
    "storagegateway:ListTagsForResource",
]

_KEY_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]


def source_role_patterns(partition: str, source_accounts: list[str]) -> list[str]:
    """The source deployments' copying roles (TrackJobs and the Api carry COPY_SOURCE_ROLE_PATH)."""
    return [f"arn:{partition}:iam::{account}:role{constants.COPY_SOURCE_ROLE_PATH}*" for account in source_accounts]


def copy_in_statements(
    arns: Arns, *, source_accounts: list[str], table_arn: str, default_key_arn: str, vault_bucket: str
) -> Statements:
    """Everything the destination side of a copy does, scoped to this deployment and its source accounts."""
    stack = arns.stack
    partition = stack.partition
    here = {"kms:ViaService": [f"{service}.{Aws.REGION}.amazonaws.com" for service in COPY_SERVICES]}
    anywhere = {"kms:ViaService": [f"{service}.*.amazonaws.com" for service in COPY_SERVICES]}
    own_keys = stack.format_arn(service="kms", resource="key", resource_name="*")
    source_keys = [f"arn:{partition}:kms:*:{account}:key/*" for account in source_accounts]
    source_vault_buckets = [arns.bucket(f"{names.VAULT_BUCKET_PREFIX}-{account}-*") for account in source_accounts]
    rds_copies = [
        arns.rds("snapshot"),
        arns.rds("cluster-snapshot"),
        *(
            f"arn:{partition}:rds:*:{account}:{kind}:*"
            for account in source_accounts
            for kind in ("snapshot", "cluster-snapshot")
        ),
    ]
    return [
        # The catalog: is there such a vault, is the copy recorded already; then record it.
        allow("FindDestinationCatalog", ["dynamodb:DescribeTable"], [table_arn]),
        allow(
            "ReadDestinationVaultsAndPoints",
            ["dynamodb:GetItem"],
            [table_arn],
            **{"ForAllValues:StringLike": {"dynamodb:LeadingKeys": list(READS_KEYS)}},
        ),
        allow(
            "RecordCopiesInCatalog",
            ["dynamodb:PutItem"],
            [table_arn],
            **{"ForAllValues:StringLike": {"dynamodb:LeadingKeys": list(WRITES_KEYS)}},
        ),
        # A recorded copy counts itself in its vault's counter item, in the same transaction (recovery_point_store):
        # only the counter's attributes of a VAULT# item, so the vault's own settings stay out of reach.
        allow(
            "CountCopiesInTheirVault",
            ["dynamodb:UpdateItem"],
            [table_arn],
            **{
                "ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["VAULT#*"]},
                "ForAllValues:StringEquals": {"dynamodb:Attributes": ["PK", "SK", "Points", "Bytes"]},
            },
        ),
        allow(
            "AnnounceLifecycleWork",
            ["dynamodb:UpdateItem"],
            [table_arn],
            **{
                "ForAllValues:StringLike": {"dynamodb:LeadingKeys": [LIFECYCLE_MARKER_KEY]},
                "ForAllValues:StringEquals": {"dynamodb:Attributes": ["PK", "SK", "Changes"]},
            },
        ),
        allow("DescribeCopies", _DESCRIBE, ["*"]),
        # Native copies into this account and Region, from a snapshot or AMI the source shared (any Region).
        allow(
            "CopyEbsSnapshotsAndAmisIn",
            ["ec2:CopySnapshot", "ec2:CopyImage"],
            [
                arns.in_any_region("ec2", "snapshot", "*", with_account=False),
                arns.in_any_region("ec2", "image", "*", with_account=False),
            ],
        ),
        allow("TagEbsSnapshotAndAmiCopies", ["ec2:CreateTags"], [arns.ebs_snapshots, arns.ec2_images]),
        allow("CopyRdsSnapshotsIn", ["rds:CopyDBSnapshot", "rds:CopyDBClusterSnapshot"], rds_copies),
        allow("TagRdsSnapshotCopies", ["rds:AddTagsToResource"], [arns.rds("snapshot"), arns.rds("cluster-snapshot")]),
        # S3 and EFS points are objects: copied server-side into this deployment's vault bucket.
        allow(
            "WriteCopiesToVaultStorage",
            ["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"],
            [arns.objects_in(vault_bucket, "recovery-points/*")],
        ),
        allow("FindCopiesInVaultStorage", ["s3:ListBucket"], [arns.bucket(vault_bucket)]),
        allow(
            "ReadSourceVaultStorage",
            ["s3:GetObject", "s3:GetObjectTagging"],
            [f"{bucket}/recovery-points/*" for bucket in source_vault_buckets],
        ),
        allow("ListSourceVaultStorage", ["s3:ListBucket"], source_vault_buckets),
        # An S3 point's object versions stay in the customer's bucket, whose name only the manifest knows: any
        # bucket, but only one a source account owns (and whose bucket policy lets this role read it).
        allow(
            "ReadSourceAccountsObjectVersions",
            ["s3:GetObjectVersion", "s3:GetObjectVersionTagging"],
            [arns.objects],
            StringEquals={"s3:ResourceAccount": source_accounts},
        ),
        # Keys: this deployment's vault keys to encrypt the copy, the source accounts' keys to read the source.
        allow("UseDefaultVaultKeyForCopies", _KEY_ACTIONS, [default_key_arn], StringEquals=here),
        allow(
            "UseVaultKeysForCopies",
            _KEY_ACTIONS,
            [own_keys],
            StringEquals={**here, f"aws:ResourceTag/{VAULT_KEY_TAG}": "true"},
        ),
        allow(
            "GrantVaultKeysToCopyingServices",
            ["kms:CreateGrant"],
            [default_key_arn, own_keys],
            StringEquals=here,
            Bool={"kms:GrantIsForAWSResource": "true"},
        ),
        allow("UseSourceAccountsKeysForCopies", _KEY_ACTIONS, source_keys, StringLike=anywhere),
        allow(
            "GrantSourceAccountsKeysToCopyingServices",
            ["kms:CreateGrant"],
            source_keys,
            StringLike=anywhere,
            Bool={"kms:GrantIsForAWSResource": "true"},
        ),
    ]


class CopyDestination(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        table: dynamodb.ITable,
        default_key: kms.IKey,
        vault_bucket: s3.IBucket,
        source_accounts: list[str],
    ) -> None:
        super().__init__(scope, construct_id)
        arns = Arns(self)
        partition = Stack.of(self).partition
        self.role = iam.Role(
            self,
            "Role",
            # IAM names are account-wide: the Region in the name lets every Region of the account deploy.
            role_name=constants.copy_destination_role_name(Aws.REGION),
            assumed_by=iam.PrincipalWithConditions(
                iam.CompositePrincipal(*(iam.AccountPrincipal(account) for account in source_accounts)),
                {"ArnLike": {"aws:PrincipalArn": source_role_patterns(partition, source_accounts)}},
            ),
            description="Strongroom deployments of these accounts copy recovery points into this one's vaults",
        )
        statements = copy_in_statements(
            arns,
            source_accounts=source_accounts,
            table_arn=table.table_arn,
            default_key_arn=default_key.key_arn,
            vault_bucket=vault_bucket.bucket_name,
        )
        for statement in statements:
            self.role.add_to_policy(statement)
        for finding, reason in sorted(copy_in_findings(arns, statements).items()):
            acknowledge(self.role, "IAM5", reason, finding)


# Where this role's wildcards differ from the engine roles' (findings.py), the reason says what they are here.
_OWN_REASONS = {
    ("kms", "key"): "Vault keys are chosen per vault at run time: the default vault key, this account's keys tagged "
    "strongroom:vault-key=true, and the source accounts' keys; only through EC2, RDS or S3 (kms:ViaService).",
    ("s3", "recovery-points"): "Copies are written under recovery-points/ of this deployment's vault bucket, and read "
    "from recovery-points/ of the source deployments' vault buckets (named after their account).",
    ("s3", "objects"): "An S3 point's versions stay in the customer's bucket, named only in its manifest: object "
    "versions, read-only, and only in buckets a source account owns (s3:ResourceAccount).",
    ("s3", "buckets"): "The source deployments' vault buckets, named after their account and Region.",
}


def copy_in_findings(arns: Arns, statements: Statements) -> dict[str, str]:
    """Each wildcard of the role, with why it cannot be narrower."""
    explained = explain(arns.stack, statements, arns.wildcard_findings(statements) | {"Resource::*"})
    for finding in explained:
        kind = wildcard_kind(finding)
        if kind in _OWN_REASONS:
            explained[finding] = _OWN_REASONS[kind]
    return explained


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
