"""Locks that hold outside Strongroom's API (docs/locks.md): the permissions the native locks need, the deny policy
the user attaches for the services that have no lock, the alarms of the detective check, and the optional Recycle
Bin retention rules.

The deny policy. RDS, Aurora, DocumentDB, Neptune, DynamoDB and FSx have no lock a backup service can set on a
snapshot, so a recovery point there is only as safe as the account's IAM. The stack generates one deny policy in
two forms: a customer managed policy to use as a permissions boundary, and the same statements as a service control
policy (the SnapshotLockScp output, to paste into AWS Organizations). It denies deleting, or untagging, any backup
that carries Strongroom's job tag (every native backup a Strongroom job made) to every principal except
Strongroom's own roles (aws:PrincipalArn), as AWS Backup lets only itself delete the backups it made. It also
denies lifting the native locks (ec2:UnlockSnapshot, S3 governance bypass and legal hold changes on the vault
bucket) and changing the Recycle Bin rules, to the same principals."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from aws_cdk import Aws, CfnOutput, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_rbin as rbin
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infrastructure.constructs.nag import acknowledge, printed
from lambdas.common.observability import METRICS_NAMESPACE, SERVICE_NAME
from lambdas.domain.native_locks import LOCKED_TAG
from lambdas.resources.base import JOB_TAG

# Functions whose calls lock or unlock native backups: a point lands (TrackJobs, the import), a lock or a hold
# changes or a point is deleted (Api), expiry and the hourly hardening (Lifecycle).
LOCKING_FUNCTIONS = ("Api", "TrackJobs", "Lifecycle", "ImportNativeBackups")
OBJECT_LOCKING_FUNCTIONS = ("Api", "TrackJobs", "Lifecycle")
# Metrics of the detective check and of failed locks; each alarms the alerts topic.
ALARMED_METRICS = {
    "NativeBackupsMissing": "A protected recovery point's native backup was deleted outside Strongroom",
    "NativeLockFailures": "A native backup could not be locked or unlocked as its vault lock or legal hold needs",
}
RECYCLE_BIN_DAYS_CONTEXT = "recycle_bin_retention_days"

_DELETIONS = [
    "ec2:DeleteSnapshot",
    "ec2:DeregisterImage",
    "rds:DeleteDBSnapshot",
    "rds:DeleteDBClusterSnapshot",
    "dynamodb:DeleteBackup",
    "fsx:DeleteBackup",
]
_UNTAGGING = ["ec2:DeleteTags", "rds:RemoveTagsFromResource", "fsx:UntagResource", "dynamodb:UntagResource"]


def deny_statements(exempt_role_arns: list[str], vault_bucket_arn: str) -> list[iam.PolicyStatement]:
    """The statements of the deny policy, shared by the boundary and the service control policy."""
    not_strongroom = {"ArnNotLike": {"aws:PrincipalArn": exempt_role_arns}}
    return [
        iam.PolicyStatement(
            sid="StrongroomBackupsAreDeletedByStrongroomOnly",
            effect=iam.Effect.DENY,
            actions=[*_DELETIONS, *_UNTAGGING],
            resources=["*"],
            conditions={**not_strongroom, "Null": {f"aws:ResourceTag/{JOB_TAG}": "false"}},
        ),
        iam.PolicyStatement(
            sid="StrongroomLocksAreLiftedByStrongroomOnly",
            effect=iam.Effect.DENY,
            actions=[
                "ec2:UnlockSnapshot",
                "rbin:UnlockRule",
                "rbin:UpdateRule",
                "rbin:DeleteRule",
            ],
            resources=["*"],
            conditions=not_strongroom,
        ),
        iam.PolicyStatement(
            sid="StrongroomVaultBucketLocksAreLiftedByStrongroomOnly",
            effect=iam.Effect.DENY,
            actions=["s3:BypassGovernanceRetention", "s3:PutObjectLegalHold", "s3:PutObjectRetention"],
            resources=[f"{vault_bucket_arn}/*"],
            conditions=not_strongroom,
        ),
    ]


class Locks(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        roles: Mapping[str, iam.IRole],
        vault_bucket: s3.IBucket,
        alarm: Callable[[str, cloudwatch.IMetric, str], None],
    ) -> None:
        super().__init__(scope, construct_id)
        self._grant(roles, vault_bucket)
        exempt = [role.role_arn for role in roles.values()]
        statements = deny_statements(exempt, vault_bucket.bucket_arn)
        # The boundary allows everything else: a boundary only narrows what identity policies grant.
        allow_rest = iam.PolicyStatement(sid="EverythingElse", actions=["*"], resources=["*"])
        self.boundary = iam.ManagedPolicy(
            self,
            "DenyNativeDeletionBoundary",
            description="Strongroom: attach as a permissions boundary; Strongroom's backups are deleted by Strongroom",
            statements=[allow_rest, *statements],
        )
        boundary_reason = (
            "A permissions boundary only narrows what identity policies grant: it allows everything and denies "
            "deleting Strongroom's backups and lifting its locks (docs/locks.md); it grants nothing by itself."
        )
        for finding in ("Action::*", "Resource::*", f"Resource::{printed(self, vault_bucket.bucket_arn)}/*"):
            acknowledge(self.boundary, "IAM5", boundary_reason, finding)
        # checkov reads the boundary's Allow "*" as a grant; a boundary grants nothing, it only caps.
        boundary_resource = self.boundary.node.default_child
        assert isinstance(boundary_resource, iam.CfnManagedPolicy)
        boundary_resource.add_metadata(
            "checkov",
            {
                "skip": [
                    {"id": check, "comment": f"Permissions boundary, not a grant: {boundary_reason}"}
                    for check in ("CKV_AWS_107", "CKV_AWS_108", "CKV_AWS_109", "CKV_AWS_110", "CKV_AWS_111")
                ]
            },
        )
        scp = iam.PolicyDocument(statements=statements)
        CfnOutput(self, "DenyNativeDeletionBoundaryArn", value=self.boundary.managed_policy_arn)
        CfnOutput(
            self,
            "SnapshotLockScp",
            value=Stack.of(self).to_json_string(scp.to_json()),
            description="Service control policy: Strongroom's backups are deleted by Strongroom only (docs/locks.md)",
        )
        for name, description in ALARMED_METRICS.items():
            metric = cloudwatch.Metric(
                namespace=METRICS_NAMESPACE,
                metric_name=name,
                dimensions_map={"service": SERVICE_NAME},
                statistic="Sum",
                period=Duration.hours(1),
            )
            alarm(name, metric, description)
        days = self.node.try_get_context(RECYCLE_BIN_DAYS_CONTEXT)
        if days:
            self._recycle_bin(int(days))

    def _grant(self, roles: Mapping[str, iam.IRole], vault_bucket: s3.IBucket) -> None:
        snapshots = f"arn:{Aws.PARTITION}:ec2:{Aws.REGION}::snapshot/*"
        images = f"arn:{Aws.PARTITION}:ec2:{Aws.REGION}::image/*"
        statements = [
            # Only snapshots a Strongroom job made (its job tag) are locked or unlocked.
            iam.PolicyStatement(
                actions=["ec2:LockSnapshot", "ec2:UnlockSnapshot"],
                resources=[snapshots],
                conditions={"Null": {f"aws:ResourceTag/{JOB_TAG}": "false"}},
            ),
            iam.PolicyStatement(actions=["ec2:DescribeLockedSnapshots"], resources=["*"]),
            # The Recycle Bin tag, and that tag only, on snapshots and AMIs.
            iam.PolicyStatement(
                actions=["ec2:CreateTags", "ec2:DeleteTags"],
                resources=[snapshots, images],
                conditions={"ForAllValues:StringEquals": {"aws:TagKeys": [LOCKED_TAG]}},
            ),
        ]
        # By name, as the other grants on the vault bucket are written (arn:<partition>:s3:::<name>/...).
        bucket_arn = f"arn:{Aws.PARTITION}:s3:::{vault_bucket.bucket_name}"
        objects = f"{bucket_arn}/recovery-points/*"
        # S3 Object Lock over a point's object versions in the vault bucket (S3 and EFS points): listed by version,
        # the header read for its lock, each version locked. Not for the import, which catalogs native backups only.
        object_lock = [
            iam.PolicyStatement(
                # (reading the header, s3:GetObject, these functions have with the vault bucket already)
                # S3 returns a version's lock headers on HeadObject only to callers allowed to read them.
                actions=[
                    "s3:PutObjectRetention",
                    "s3:PutObjectLegalHold",
                    "s3:GetObjectRetention",
                    "s3:GetObjectLegalHold",
                    "s3:BypassGovernanceRetention",
                ],
                resources=[objects],
            ),
            iam.PolicyStatement(
                actions=["s3:ListBucketVersions"],
                resources=[bucket_arn],
                conditions={"StringLike": {"s3:prefix": ["recovery-points/*"]}},
            ),
        ]
        findings = {
            f"Resource::{printed(self, snapshots)}": "Snapshots are named at run time; only those with the job tag",
            f"Resource::{printed(self, images)}": "AMIs are named at run time; only the strongroom:locked tag key",
            "Resource::*": "DescribeLockedSnapshots takes no resource (service authorization reference)",
            f"Resource::{printed(self, objects)}": "Recovery points' objects are named at run time, under one prefix",
        }
        for key in LOCKING_FUNCTIONS:
            role = roles.get(key)
            if role is None:
                continue
            for statement in statements + (object_lock if key in OBJECT_LOCKING_FUNCTIONS else []):
                role.add_to_principal_policy(statement)
            for finding, reason in findings.items():
                acknowledge(role, "IAM5", f"Native locks (docs/locks.md): {reason}.", finding)

    def _recycle_bin(self, days: int) -> None:
        """Deleted snapshots and AMIs tagged strongroom:locked stay recoverable for `days`. Recycle Bin locks only
        Region-level rules, and these are tag-level (a Region-level rule would keep every deleted snapshot of the
        Region), so they are not locked: the deny policy refuses changing or deleting them instead."""
        for resource_type in ("EBS_SNAPSHOT", "EC2_IMAGE"):
            rbin.CfnRule(
                self,
                f"RecycleBin{resource_type.title().replace('_', '')}",
                resource_type=resource_type,
                description=f"Strongroom: locked recovery points' {resource_type} stay recoverable",
                retention_period=rbin.CfnRule.RetentionPeriodProperty(
                    retention_period_unit="DAYS", retention_period_value=days
                ),
                resource_tags=[
                    rbin.CfnRule.ResourceTagProperty(resource_tag_key=LOCKED_TAG, resource_tag_value="true")
                ],
            )
