"""What each engine function may do, beyond reading and writing the table (which every function does).

One entry per function key; a function not listed here cannot be built, so a new function has to
state its permissions. Describe/List calls that IAM cannot scope to a resource are on "*"; everything
that creates, deletes or restores is scoped to its resource type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aws_cdk import ArnFormat, Aws, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from infrastructure import constants
from infrastructure.constructs.nag import printed


class Arns:
    """ARN patterns of the resources the engine acts on, in the stack's partition, region and account."""

    def __init__(self, scope: Construct) -> None:
        self._stack = Stack.of(scope)

    def _arn(self, service: str, resource: str, name: str, *, with_account: bool = True) -> str:
        return self._stack.format_arn(
            service=service,
            resource=resource,
            resource_name=name,
            account=None if with_account else "",
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )

    @property
    def ebs_volumes(self) -> str:
        return self._arn("ec2", "volume", "*")

    @property
    def ebs_snapshots(self) -> str:
        # Snapshot ARNs carry no account id.
        return self._arn("ec2", "snapshot", "*", with_account=False)

    @property
    def tables(self) -> str:
        return self._arn("dynamodb", "table", "*")

    @property
    def table_backups(self) -> str:
        return self._arn("dynamodb", "table", "*/backup/*")

    def schedules_in_group(self, group_name: str) -> str:
        """Every schedule of one EventBridge Scheduler group (plan rules get theirs at run time)."""
        return self._arn("scheduler", "schedule", f"{group_name}/*")

    def wildcard_findings(self, statements: list[iam.PolicyStatement]) -> set[str]:
        """cdk-nag IAM5 findings (`Resource::...`, `Action::...`) that these statements raise."""
        findings: set[str] = set()
        for statement in statements:
            for resource in statement.resources:
                label = printed(self._stack, resource)
                if "*" in label:
                    findings.add(f"Resource::{label}")
            findings.update(f"Action::{action}" for action in statement.actions if "*" in action)
        return findings


# A function's environment, key -> value (tokens for resources of the stack).
Environment = Mapping[str, str]

WILDCARD_REASON = (
    "Backup and restore act on whatever EBS volumes/snapshots and DynamoDB tables/backups the user's "
    "plans select or restores name, so these are scoped to the resource type in this account and region "
    "only. Plan rule schedules are named at run time, so the Backup API manages any schedule, but only in "
    "Strongroom's plan schedule group. Resource '*' is used only for Describe/List and tag:GetResources "
    "calls (IAM cannot scope them), X-Ray segments, sns:Publish (vault notification topics are the user's, "
    "unknown at deploy time) and KMS use restricted to EC2/DynamoDB by kms:ViaService (vault keys are the "
    "user's choice)."
)


def _statement(sid: str, actions: list[str], resources: list[str], **kwargs: object) -> iam.PolicyStatement:
    return iam.PolicyStatement(sid=sid, actions=actions, resources=resources, **kwargs)  # type: ignore[arg-type]


def _describe_ec2(*actions: str) -> iam.PolicyStatement:
    return _statement("DescribeEc2", [f"ec2:{a}" for a in actions], ["*"])


def _kms_via_services() -> list[iam.PolicyStatement]:
    """Use of customer keys (the default vault key or a vault's own) only through EC2 and DynamoDB."""
    via = {
        "kms:ViaService": [
            f"ec2.{Aws.REGION}.amazonaws.com",
            f"dynamodb.{Aws.REGION}.amazonaws.com",
        ]
    }
    return [
        _statement(
            "UseKeysViaEc2AndDynamoDb",
            ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
            ["*"],
            conditions={"StringEquals": via},
        ),
        _statement(
            "GrantKeysToEc2AndDynamoDb",
            ["kms:CreateGrant"],
            ["*"],
            conditions={"StringEquals": via, "Bool": {"kms:GrantIsForAWSResource": "true"}},
        ),
    ]


def _start_backups(arns: Arns, _environment: Environment) -> list[iam.PolicyStatement]:
    return [
        _statement("FindTaggedResources", ["tag:GetResources"], ["*"]),
        _describe_ec2("DescribeSnapshots", "DescribeVolumes"),
        _statement("CreateEbsSnapshots", ["ec2:CreateSnapshot"], [arns.ebs_volumes, arns.ebs_snapshots]),
        _statement("TagEbsSnapshots", ["ec2:CreateTags"], [arns.ebs_snapshots]),
        _statement("ListTableBackups", ["dynamodb:ListBackups"], ["*"]),
        _statement("BackUpTables", ["dynamodb:CreateBackup", "dynamodb:DescribeTable"], [arns.tables]),
        _statement("DescribeTableBackups", ["dynamodb:DescribeBackup"], [arns.table_backups]),
        *_kms_via_services(),
    ]


def _track_jobs(arns: Arns, _environment: Environment) -> list[iam.PolicyStatement]:
    return [
        _describe_ec2("DescribeSnapshots", "DescribeVolumes"),
        _statement("CreateEbsSnapshots", ["ec2:CreateSnapshot"], [arns.ebs_volumes, arns.ebs_snapshots]),
        _statement("TagEbsSnapshots", ["ec2:CreateTags"], [arns.ebs_snapshots]),
        _statement("ListTableBackups", ["dynamodb:ListBackups"], ["*"]),
        _statement("BackUpTables", ["dynamodb:CreateBackup", "dynamodb:DescribeTable"], [arns.tables]),
        _statement("DescribeTableBackups", ["dynamodb:DescribeBackup"], [arns.table_backups]),
        *_kms_via_services(),
    ]


def _lifecycle(arns: Arns, _environment: Environment) -> list[iam.PolicyStatement]:
    return [
        _describe_ec2("DescribeSnapshots"),
        _statement("DeleteEbsSnapshots", ["ec2:DeleteSnapshot"], [arns.ebs_snapshots]),
        _statement(
            "DeleteTableBackups",
            ["dynamodb:DeleteBackup", "dynamodb:DescribeBackup"],
            [arns.table_backups],
        ),
    ]


# RestoreTableFromBackup also needs the item-level actions on the table it creates.
_RESTORE_TABLE_ITEM_ACTIONS = [
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:UpdateItem",
]


def _restore_start(arns: Arns, _environment: Environment) -> list[iam.PolicyStatement]:
    return [
        _describe_ec2("DescribeSnapshots"),
        _statement("CreateVolumesFromSnapshots", ["ec2:CreateVolume"], [arns.ebs_volumes, arns.ebs_snapshots]),
        _statement("TagRestoredVolumes", ["ec2:CreateTags"], [arns.ebs_volumes]),
        _statement(
            "RestoreTablesFromBackups",
            ["dynamodb:RestoreTableFromBackup"],
            [arns.tables, arns.table_backups],
        ),
        _statement("WriteRestoredTables", _RESTORE_TABLE_ITEM_ACTIONS, [arns.tables]),
        _statement("DescribeTableBackups", ["dynamodb:DescribeBackup"], [arns.table_backups]),
        *_kms_via_services(),
    ]


def _restore_poll(arns: Arns, _environment: Environment) -> list[iam.PolicyStatement]:
    return [
        _describe_ec2("DescribeVolumes"),
        _statement("DescribeRestoredTables", ["dynamodb:DescribeTable"], [arns.tables]),
    ]


def _api(arns: Arns, environment: Environment) -> list[iam.PolicyStatement]:
    """The Backup API: on-demand backups, DeleteRecoveryPoint, plan rule schedules and StartRestoreJob.

    The resources it acts on are the ones its environment names, so permission and configuration agree.
    """
    return [
        # StartBackupJob does on demand what a plan rule does on schedule.
        *_start_backups(arns, environment),
        # DeleteRecoveryPoint (the service refuses while a vault lock or a legal hold protects the point).
        _statement("DeleteEbsSnapshots", ["ec2:DeleteSnapshot"], [arns.ebs_snapshots]),
        _statement("DeleteTableBackups", ["dynamodb:DeleteBackup"], [arns.table_backups]),
        # Create/UpdateBackupPlan and DeleteBackupPlan keep one schedule per rule in the plan group.
        _statement(
            "ManagePlanRuleSchedules",
            [
                "scheduler:CreateSchedule",
                "scheduler:UpdateSchedule",
                "scheduler:DeleteSchedule",
                "scheduler:GetSchedule",
            ],
            [arns.schedules_in_group(environment[constants.ENV_PLAN_SCHEDULE_GROUP])],
        ),
        # Those schedules invoke StartBackups as the scheduler role, which only Scheduler may be given.
        _statement(
            "PassSchedulerRoleToScheduler",
            ["iam:PassRole"],
            [environment[constants.ENV_SCHEDULER_ROLE_ARN]],
            conditions={"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
        ),
        # StartRestoreJob runs the restore workflow.
        _statement(
            "StartRestoreWorkflow",
            ["states:StartExecution"],
            [environment[constants.ENV_RESTORE_STATE_MACHINE_ARN]],
        ),
    ]


def _nothing_more(_arns: Arns, _environment: Environment) -> list[iam.PolicyStatement]:
    return []


@dataclass(frozen=True)
class FunctionAccess:
    """A function's permissions: its own statements, plus publishing job events and notifications."""

    # Given the ARN patterns and the function's own environment (the resources it was told about).
    statements: Callable[[Arns, Environment], list[iam.PolicyStatement]]
    publishes_job_events: bool


ACCESS: dict[str, FunctionAccess] = {
    constants.START_BACKUPS.key: FunctionAccess(_start_backups, publishes_job_events=True),
    constants.TRACK_JOBS.key: FunctionAccess(_track_jobs, publishes_job_events=True),
    constants.LIFECYCLE.key: FunctionAccess(_lifecycle, publishes_job_events=True),
    constants.RESTORE_START.key: FunctionAccess(_restore_start, publishes_job_events=False),
    constants.RESTORE_POLL.key: FunctionAccess(_restore_poll, publishes_job_events=False),
    constants.RESTORE_FINALIZE.key: FunctionAccess(_nothing_more, publishes_job_events=True),
    constants.API.key: FunctionAccess(_api, publishes_job_events=True),
}
