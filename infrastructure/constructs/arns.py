"""ARN patterns of the resources the engine's functions act on, in the stack's partition, region and account."""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from infrastructure import constants, names
from infrastructure.constructs.nag import printed


class Arns:
    """ARN patterns of the stack's own resources and of those its other statements name (copies, audit); each
    resource type's own patterns are templates in its package's iam.py (lambdas/resources/)."""

    def __init__(self, scope: Construct) -> None:
        self.stack = Stack.of(scope)

    def _arn(
        self,
        service: str,
        resource: str,
        name: str,
        *,
        with_account: bool = True,
        with_region: bool = True,
        separator: ArnFormat = ArnFormat.SLASH_RESOURCE_NAME,
    ) -> str:
        return self.stack.format_arn(
            service=service,
            resource=resource,
            resource_name=name,
            account=None if with_account else "",
            region=None if with_region else "",
            arn_format=separator,
        )

    # EBS and EC2

    @property
    def ebs_volumes(self) -> str:
        return self._arn("ec2", "volume", "*")

    @property
    def ebs_snapshots(self) -> str:
        # Snapshot and image ARNs carry no account id.
        return self._arn("ec2", "snapshot", "*", with_account=False)

    @property
    def ec2_images(self) -> str:
        return self._arn("ec2", "image", "*", with_account=False)

    # RDS, Aurora, DocumentDB and Neptune (all rds:)

    def rds(self, resource: str) -> str:
        """Any RDS resource of one type: db, snapshot, cluster, cluster-snapshot, og, pg, cluster-pg, subgrp."""
        return self._arn("rds", resource, "*", separator=ArnFormat.COLON_RESOURCE_NAME)

    # S3: customer buckets and Strongroom's own vault bucket

    @property
    def buckets(self) -> str:
        return self.stack.format_arn(service="s3", resource="*", region="", account="")

    @property
    def objects(self) -> str:
        return self.stack.format_arn(service="s3", resource="*", resource_name="*", region="", account="")

    def bucket(self, bucket_name: str) -> str:
        return self.stack.format_arn(service="s3", resource=bucket_name, region="", account="")

    def objects_in(self, bucket_name: str, key_pattern: str) -> str:
        return self.stack.format_arn(
            service="s3", resource=bucket_name, resource_name=key_pattern, region="", account=""
        )

    # EFS movers

    @property
    def efs_movers(self) -> str:
        return self._arn(
            "lambda", "function", f"{names.EFS_MOVER_FUNCTION_PREFIX}*", separator=ArnFormat.COLON_RESOURCE_NAME
        )

    # Copies: the destination Region is known only at run time (a copy action's vault ARN)

    def in_any_region(
        self,
        service: str,
        resource: str,
        name: str,
        *,
        with_account: bool = True,
        separator: ArnFormat = ArnFormat.SLASH_RESOURCE_NAME,
    ) -> str:
        return self.stack.format_arn(
            service=service,
            resource=resource,
            resource_name=name,
            account=None if with_account else "",
            region="*",
            arn_format=separator,
        )

    @property
    def catalog_tables(self) -> list[str]:
        """Strongroom's catalog table in every Region of this account, and its indexes."""
        table = self.in_any_region("dynamodb", "table", constants.CATALOG_TABLE_NAME)
        return [table, f"{table}/index/*"]

    @property
    def copy_destination_roles(self) -> str:
        """The role a Strongroom deployment in another account offers to the accounts that copy into it (one per
        Region, named after it)."""
        return self.stack.format_arn(
            service="iam",
            resource="role",
            resource_name=constants.copy_destination_role_name("*"),
            region="",
            account="*",
        )

    # IAM and EventBridge Scheduler

    @property
    def roles(self) -> str:
        return self._arn("iam", "role", "*", with_region=False)

    @property
    def users(self) -> str:
        return self._arn("iam", "user", "*", with_region=False)

    def schedules_in_group(self, group_name: str) -> str:
        """Every schedule of one EventBridge Scheduler group (plan rules get theirs at run time)."""
        return self._arn("scheduler", "schedule", f"{group_name}/*")

    def schedule(self, group_name: str, name: str) -> str:
        return self._arn("scheduler", "schedule", f"{group_name}/{name}")

    def schedule_group(self, group_name: str) -> str:
        return self._arn("scheduler", "schedule-group", group_name)

    def wildcard_findings(self, statements: list[iam.PolicyStatement]) -> set[str]:
        """cdk-nag IAM5 findings (`Resource::...`, `Action::...`) that these statements raise."""
        findings: set[str] = set()
        for statement in statements:
            for resource in statement.resources:
                label = printed(self.stack, resource)
                if "*" in label:
                    findings.add(f"Resource::{label}")
            findings.update(f"Action::{action}" for action in statement.actions if "*" in action)
        return findings
