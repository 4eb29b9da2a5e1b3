"""What each engine function may do, beyond reading and writing the table (which every function does).

A function's permissions are the jobs it does, each job the sum of what every resource type needs for it
(resource_access.py), plus Strongroom's own vault storage bucket:

    StartBackups     back up natively                 + find tagged resources + vault storage
    TrackJobs        back up natively, track backups  + vault storage + copy backups + ask for a compliance evaluation
    Lifecycle        move to cold, delete natively    + vault storage, deleting recovery points' data
                     + ask for a compliance evaluation (one schedule, passing the scheduler role)
    RestoreStart     restore natively                 + vault storage
    RestorePoll      poll restores                    + vault storage
    RestoreFinalize                                     vault storage
    Api              back up natively, delete natively, check restores, copy backups + find tagged resources
                     + vault storage, deleting recovery points' data + plan schedules + the restore workflow
                     + write report files (StartReportJob)
    ImportNativeBackups  catalog native backups (read-only)  + find tagged resources; no vault storage
    ReconcileSchedules   plan schedules and the plan group, passing the scheduler role; no vault storage
    AuditEvaluate    find resources (reads only) + find tagged resources + compliance events on the bus
    AuditReports     write report files (s3:PutObject with the bucket-owner-full-control ACL)
    RestoreTesting   check and start restores + the restore workflow + read and delete restored copies ("-rt-")

One entry per function key; a function not listed here cannot be built, so a new function has to state
its permissions. Describe/List calls that IAM cannot scope to a resource are on "*"; everything that
creates, deletes or restores is scoped to its resource type.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from aws_cdk import aws_iam as iam

from infrastructure import constants
from infrastructure.constructs.arns import Arns
from infrastructure.constructs.audit import deliver_reports, evaluate_compliance, write_reports
from infrastructure.constructs.resource_access import Statements, allow, job_statements, vault_keys, via
from infrastructure.constructs.restore_testing import record_data_checks, run_restore_tests
from lambdas.services.audit_trigger import EVALUATION_SCHEDULE

__all__ = ["ACCESS", "Arns", "Environment", "FunctionAccess", "compose"]

# A function's environment, key -> value (tokens for resources of the stack).
Environment = Mapping[str, str]


def compose(arns: Arns, *jobs: Iterable[iam.PolicyStatement]) -> Statements:
    """The jobs' statements as one list: statements sharing a Sid become one, with the union of their actions.

    Two resource types asking for the same Sid (`DescribeEc2`, `DeleteEbsSnapshots`) must ask for it on the
    same resources with the same conditions; anything else is a mistake in resource_access.py, refused here.
    """
    merged: dict[str, tuple[iam.PolicyStatement, list[str], str]] = {}
    for statement in (statement for job in jobs for statement in job):
        sid = statement.sid
        if not sid:
            raise ValueError(f"every engine statement needs a Sid: {statement.actions}")
        scope = json.dumps(
            arns.stack.resolve(
                {"Effect": statement.effect.value, "Resource": statement.resources, "Condition": statement.conditions}
            ),
            sort_keys=True,
        )
        if sid not in merged:
            merged[sid] = (statement, list(statement.actions), scope)
            continue
        _, actions, first_scope = merged[sid]
        if scope != first_scope:
            raise ValueError(f"statement {sid} is asked for on different resources or conditions")
        actions.extend(action for action in statement.actions if action not in actions)
    return [
        iam.PolicyStatement(
            sid=sid,
            effect=first.effect,
            actions=actions,
            resources=first.resources,
            conditions=first.conditions or None,
        )
        for sid, (first, actions, _) in merged.items()
    ]


# Jobs on the resources the plans protect: the sum over every resource type.


def back_up_natively(arns: Arns) -> Statements:
    """Describe, list and find resources, and start their native backups (snapshots, AMIs, table backups...)."""
    return job_statements("start_backup", arns)


READ_VERBS = ("Describe", "List", "Get")


def find_resources(arns: Arns) -> Statements:
    """Describe and list the resources the plans protect, and nothing else: the reads of back_up_natively (a
    selection's exact ARNs are described, its wildcards listed). The same statements, the other actions dropped."""
    found: Statements = []
    for statement in back_up_natively(arns):
        reads = [a for a in statement.actions if a.split(":", 1)[1].startswith(READ_VERBS)]
        if reads:
            found.append(
                iam.PolicyStatement(
                    sid=statement.sid,
                    actions=reads,
                    resources=statement.resources,
                    conditions=statement.conditions or None,
                )
            )
    return found


def track_backups(arns: Arns) -> Statements:
    """Follow native backups to completion and record how to restore them."""
    return job_statements("track_backup", arns)


def delete_natively(arns: Arns) -> Statements:
    """Delete native backups (the caller honours retention, vault locks and legal holds first)."""
    return job_statements("delete_backup", arns)


def move_to_cold_natively(arns: Arns) -> Statements:
    """Move native backups to their cold tier (EBS snapshots to the archive tier). EFS data is rewritten in
    the vault bucket, which vault_storage already covers."""
    return job_statements("move_to_cold", arns)


def check_restores(arns: Arns) -> Statements:
    """Refuse a restore that cannot work before any job is written (StartRestoreJob)."""
    return job_statements("check_restore", arns)


def restore_natively(arns: Arns) -> Statements:
    """Create the restored resource from the native backup."""
    return [*job_statements("check_restore", arns), *job_statements("start_restore", arns)]


def poll_restores(arns: Arns) -> Statements:
    """Wait for the restored resource, and move the data of the types Strongroom stores itself."""
    return job_statements("poll_restore", arns)


def copy_backups(arns: Arns) -> Statements:
    """Run copy jobs: share and copy native backups (every type that can be copied), reach the catalog of the
    destination Region, assume the copy-destination role of another account, and tell AWS managed keys
    (which cannot cross accounts) from customer managed ones."""
    return [
        *job_statements("copy_backup", arns),
        allow(
            "ReadWriteCatalogsOfOtherRegions",
            [
                "dynamodb:DescribeTable",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:DeleteItem",
                "dynamodb:Query",
                "dynamodb:BatchWriteItem",
            ],
            arns.catalog_tables,
        ),
        allow("AssumeCopyDestinationRoles", ["sts:AssumeRole"], [arns.copy_destination_roles]),
        allow("TellAwsManagedKeys", ["kms:DescribeKey"], ["*"]),
    ]


def catalog_native_backups(arns: Arns) -> Statements:
    """Find the protected resources and read the backups their services made (describe and list calls only):
    nothing is created, copied or deleted."""
    return job_statements("catalog", arns)


def find_tagged_resources() -> Statements:
    """Resolve plan selections by tag (the Resource Groups Tagging API)."""
    return [allow("FindTaggedResources", ["tag:GetResources"], ["*"])]


# Strongroom's vault storage bucket: recovery point data for S3 and EFS, and restore cursors.

RECOVERY_POINTS = "recovery-points/*"
RESTORES = "restores/*"
# What a failed S3 or EFS copy discards (its data and manifest parts, never its state, backup.json).
_DISCARDED_BY_FAILED_COPIES = tuple(
    f"recovery-points/{kind}/*/{part}/*" for kind in ("s3", "efs") for part in ("data", "manifest")
)


def _vault_storage_keys(environment: Environment) -> Statements:
    return [
        # The bucket's default encryption is the default vault key.
        allow(
            "UseVaultKeyForVaultStorage",
            ["kms:Decrypt", "kms:GenerateDataKey"],
            [environment[constants.ENV_DEFAULT_KEY_ARN]],
            StringEquals=via("s3"),
        ),
        # Copies and EFS data are encrypted with their vault's own key (tagged strongroom:vault-key=true).
        vault_keys("UseVaultKeysForVaultStorage", "s3", "Decrypt", "GenerateDataKey"),
    ]


def vault_storage(arns: Arns, environment: Environment) -> Statements:
    """Read and write recovery points' data and restores' state in the bucket the environment names."""
    bucket = environment[constants.ENV_VAULT_BUCKET]
    return [
        allow(
            "ReadWriteVaultStorage",
            ["s3:GetObject", "s3:PutObject"],
            [arns.objects_in(bucket, prefix) for prefix in (RECOVERY_POINTS, RESTORES)],
        ),
        # Without it a missing object answers 403 instead of 404, and a backup not yet started looks like
        # an error instead of "not started".
        allow("FindVaultStorageObjects", ["s3:ListBucket"], [arns.bucket(bucket)]),
        *_vault_storage_keys(environment),
    ]


def restore_from_vault_storage(arns: Arns, environment: Environment) -> Statements:
    """Restores read recovery points' data and write only their own cursor (restores/<job id>.json)."""
    bucket = environment[constants.ENV_VAULT_BUCKET]
    return [
        allow(
            "ReadVaultStorage",
            ["s3:GetObject"],
            [arns.objects_in(bucket, prefix) for prefix in (RECOVERY_POINTS, RESTORES)],
        ),
        allow("WriteRestoreState", ["s3:PutObject"], [arns.objects_in(bucket, RESTORES)]),
        allow("FindVaultStorageObjects", ["s3:ListBucket"], [arns.bucket(bucket)]),
        *_vault_storage_keys(environment),
        # An S3 restore writes into the destination bucket its metadata names, any bucket: never this one.
        iam.PolicyStatement(
            sid="NeverRestoreIntoVaultStorage",
            effect=iam.Effect.DENY,
            actions=["s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject", "s3:DeleteObjectVersion"],
            resources=[arns.objects_in(bucket, RECOVERY_POINTS)],
        ),
    ]


def delete_vault_storage(arns: Arns, environment: Environment) -> Statements:
    """Delete a recovery point's data: every object and every version under its prefix."""
    bucket = environment[constants.ENV_VAULT_BUCKET]
    return [
        allow("ListVaultStorageVersions", ["s3:ListBucketVersions"], [arns.bucket(bucket)]),
        allow(
            "DeleteVaultStorageRecoveryPoints",
            ["s3:DeleteObject", "s3:DeleteObjectVersion"],
            [arns.objects_in(bucket, RECOVERY_POINTS)],
        ),
    ]


def discard_failed_copies(arns: Arns, environment: Environment) -> Statements:
    """A failed S3 or EFS copy drops the data and manifest parts it copied (its state stays, with the reason)."""
    bucket = environment[constants.ENV_VAULT_BUCKET]
    return [
        allow("ListVaultStorageVersions", ["s3:ListBucketVersions"], [arns.bucket(bucket)]),
        allow(
            "DiscardFailedCopies",
            ["s3:DeleteObject", "s3:DeleteObjectVersion"],
            [arns.objects_in(bucket, prefix) for prefix in _DISCARDED_BY_FAILED_COPIES],
        ),
    ]


# The functions.


def _start_backups(arns: Arns, environment: Environment) -> Statements:
    # Resolving a selection finds tagged resources, describes exact ARNs and lists wildcard types; it starts no
    # backup. The batches go to the queue (granted by the fan-out construct).
    return compose(arns, find_tagged_resources(), find_resources(arns))


def _start_backup_batch(arns: Arns, environment: Environment) -> Statements:
    return compose(arns, back_up_natively(arns), vault_storage(arns, environment))


def request_compliance_evaluations(arns: Arns, environment: Environment) -> Statements:
    """Ask for a compliance evaluation soon after a change (services/audit_trigger.py): the one schedule that does,
    created, read and moved, never deleted (Scheduler deletes it once it has fired), passing only the scheduler
    role. AuditEvaluate is among the functions that role may invoke (scheduling.SCHEDULED_FUNCTIONS)."""
    group = environment[constants.ENV_PLAN_SCHEDULE_GROUP]
    return [
        allow(
            "RequestComplianceEvaluation",
            ["scheduler:CreateSchedule", "scheduler:GetSchedule", "scheduler:UpdateSchedule"],
            [arns.schedule(group, EVALUATION_SCHEDULE)],
        ),
        allow(
            "PassSchedulerRoleToScheduler",
            ["iam:PassRole"],
            [environment[constants.ENV_SCHEDULER_ROLE_ARN]],
            StringEquals={"iam:PassedToService": "scheduler.amazonaws.com"},
        ),
    ]


def _track_jobs(arns: Arns, environment: Environment) -> Statements:
    # A job that could not start yet is started again, within its start window, by the tracker; a completed
    # backup starts its rule's copy jobs, which the tracker follows too.
    return compose(
        arns,
        back_up_natively(arns),
        track_backups(arns),
        vault_storage(arns, environment),
        copy_backups(arns),
        discard_failed_copies(arns, environment),
        request_compliance_evaluations(arns, environment),
        # A completed backup records what a restore test's data check will compare with.
        record_data_checks(arns),
    )


def _lifecycle(arns: Arns, environment: Environment) -> Statements:
    return compose(
        arns,
        move_to_cold_natively(arns),
        delete_natively(arns),
        vault_storage(arns, environment),
        delete_vault_storage(arns, environment),
        request_compliance_evaluations(arns, environment),
    )


def _restore_start(arns: Arns, environment: Environment) -> Statements:
    return compose(arns, restore_natively(arns), restore_from_vault_storage(arns, environment))


def _restore_poll(arns: Arns, environment: Environment) -> Statements:
    return compose(arns, poll_restores(arns), restore_from_vault_storage(arns, environment))


def _restore_finalize(arns: Arns, environment: Environment) -> Statements:
    return compose(arns, restore_from_vault_storage(arns, environment))


def _api(arns: Arns, environment: Environment) -> Statements:
    """The Backup API: on-demand backups, DeleteRecoveryPoint, plan rule schedules and StartRestoreJob.

    The resources it acts on are the ones its environment names, so permission and configuration agree.
    """
    return compose(
        arns,
        # StartBackupJob does on demand what a plan rule does on schedule.
        find_tagged_resources(),
        back_up_natively(arns),
        # DeleteRecoveryPoint and StopBackupJob (the service refuses while a vault lock or a legal hold
        # protects the point).
        delete_natively(arns),
        # StartRestoreJob checks the restore, then runs the restore workflow.
        check_restores(arns),
        # StartCopyJob starts the copy at once.
        copy_backups(arns),
        vault_storage(arns, environment),
        delete_vault_storage(arns, environment),
        discard_failed_copies(arns, environment),
        # StartReportJob writes the report to the plan's bucket at once.
        deliver_reports(arns),
        [
            # Create/UpdateBackupPlan and DeleteBackupPlan keep one schedule per rule in the plan group.
            allow(
                "ManagePlanRuleSchedules",
                [
                    "scheduler:CreateSchedule",
                    "scheduler:UpdateSchedule",
                    "scheduler:DeleteSchedule",
                    "scheduler:GetSchedule",
                ],
                [arns.schedules_in_group(environment[constants.ENV_PLAN_SCHEDULE_GROUP])],
            ),
            # Those schedules invoke StartBackups as the scheduler role, which only Scheduler may be given. The
            # group's one other schedule, Audit Manager's evaluation after a change, is covered by both.
            allow(
                "PassSchedulerRoleToScheduler",
                ["iam:PassRole"],
                [environment[constants.ENV_SCHEDULER_ROLE_ARN]],
                StringEquals={"iam:PassedToService": "scheduler.amazonaws.com"},
            ),
            allow(
                "StartRestoreWorkflow",
                ["states:StartExecution"],
                [environment[constants.ENV_RESTORE_STATE_MACHINE_ARN]],
            ),
        ],
        authorize_callers(arns),
    )


def _reconcile_schedules(arns: Arns, environment: Environment) -> Statements:
    """Plan rule schedules back in line with the catalog: only in the plan group, passing only the scheduler role."""
    group = environment[constants.ENV_PLAN_SCHEDULE_GROUP]
    return [
        allow(
            "ReconcilePlanRuleSchedules",
            [
                "scheduler:CreateSchedule",
                "scheduler:UpdateSchedule",
                "scheduler:DeleteSchedule",
                "scheduler:GetSchedule",
            ],
            [arns.schedules_in_group(group)],
        ),
        allow(
            "RecreatePlanScheduleGroup",
            ["scheduler:GetScheduleGroup", "scheduler:CreateScheduleGroup"],
            [arns.schedule_group(group)],
        ),
        # ListSchedules has no resource type in IAM: the request's GroupName names the plan group.
        allow("ListPlanRuleSchedules", ["scheduler:ListSchedules"], ["*"]),
        allow(
            "PassSchedulerRoleToScheduler",
            ["iam:PassRole"],
            [environment[constants.ENV_SCHEDULER_ROLE_ARN]],
            StringEquals={"iam:PassedToService": "scheduler.amazonaws.com"},
        ),
    ]


def authorize_callers(arns: Arns) -> Statements:
    """Per-operation authorization (lambdas/api/authorization.py): the Api asks IAM whether the caller's own
    policies allow the AWS Backup action, and finds an assumed role's ARN (with its path) to ask about it."""
    return [
        allow("SimulateCallersPolicies", ["iam:SimulatePrincipalPolicy"], [arns.users, arns.roles]),
        allow("FindCallersRoles", ["iam:GetRole"], [arns.roles]),
    ]


def _import_native_backups(arns: Arns, environment: Environment) -> Statements:
    """Read-only: the resources plans select (by tag too) and their native backups; the points go to the table."""
    return compose(arns, find_tagged_resources(), catalog_native_backups(arns))


@dataclass(frozen=True)
class FunctionAccess:
    """A function's permissions: its own statements, plus publishing job events and notifications."""

    # Given the ARN patterns and the function's own environment (the resources it was told about).
    statements: Callable[[Arns, Environment], Statements]
    publishes_job_events: bool
    # Runs copy jobs: its role sits under COPY_SOURCE_ROLE_PATH, the path other accounts' copy destination
    # roles trust (aws:PrincipalArn).
    runs_copies: bool = False


ACCESS: dict[str, FunctionAccess] = {
    constants.START_BACKUPS.key: FunctionAccess(_start_backups, publishes_job_events=False),
    constants.START_BACKUP_BATCH.key: FunctionAccess(_start_backup_batch, publishes_job_events=True),
    constants.TRACK_JOBS.key: FunctionAccess(_track_jobs, publishes_job_events=True, runs_copies=True),
    constants.LIFECYCLE.key: FunctionAccess(_lifecycle, publishes_job_events=True),
    # RestoreStart publishes RESTORE_JOB_STARTED; RestorePoll, S3_RESTORE_OBJECT_FAILED per object it cannot restore.
    constants.RESTORE_START.key: FunctionAccess(_restore_start, publishes_job_events=True),
    constants.RESTORE_POLL.key: FunctionAccess(_restore_poll, publishes_job_events=True),
    constants.RESTORE_FINALIZE.key: FunctionAccess(_restore_finalize, publishes_job_events=True),
    constants.API.key: FunctionAccess(_api, publishes_job_events=True, runs_copies=True),
    constants.IMPORT_NATIVE_BACKUPS.key: FunctionAccess(_import_native_backups, publishes_job_events=False),
    constants.RECONCILE_SCHEDULES.key: FunctionAccess(_reconcile_schedules, publishes_job_events=False),
    # Audit Manager (infrastructure/constructs/audit.py).
    constants.AUDIT_EVALUATE.key: FunctionAccess(evaluate_compliance, publishes_job_events=False),
    constants.AUDIT_REPORTS.key: FunctionAccess(write_reports, publishes_job_events=False),
    # Restore testing (infrastructure/constructs/restore_testing.py): its events carry the verdicts.
    constants.RESTORE_TESTING.key: FunctionAccess(run_restore_tests, publishes_job_events=True),
}
