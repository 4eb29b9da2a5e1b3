"""Names shared by the CDK stack and the local runtime.

Pure Python on purpose: the local bootstrap imports this module without loading aws_cdk, and a test
checks that the synthesized template and the local bootstrap declare the same things.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Environment keys and the table schema live with the Lambda code, which ships without this module.
from lambdas.common.env_keys import (
    ENV_AUDIT_EVALUATE_FUNCTION_ARN,
    ENV_BACKUP_BATCH_QUEUE_URL,
    ENV_DEFAULT_KEY_ARN,
    ENV_EVENT_BUS_NAME,
    ENV_PLAN_SCHEDULE_GROUP,
    ENV_POWERTOOLS_METRICS_NAMESPACE,
    ENV_POWERTOOLS_SERVICE_NAME,
    ENV_RESTORE_STATE_MACHINE_ARN,
    ENV_RESTORE_TESTING_FUNCTION_ARN,
    ENV_SCHEDULER_ROLE_ARN,
    ENV_START_BACKUPS_FUNCTION_ARN,
    ENV_TABLE_NAME,
    ENV_VAULT_BUCKET,
)
from lambdas.common.observability import METRICS_NAMESPACE, SERVICE_NAME
from lambdas.services.copy_destinations import (
    COPY_DESTINATION_ROLE_PREFIX,
    COPY_SOURCE_ROLE_PATH,
    copy_destination_role_name,
)
from lambdas.services.event_delivery import EVENTS_NOT_DELIVERED_METRIC
from lambdas.services.event_details import BACKUP_JOB_DETAIL_TYPE, EVENT_SOURCE, RESTORE_JOB_DETAIL_TYPE
from lambdas.services.events import VAULT_NOTIFICATIONS_NOT_DELIVERED_METRIC
from lambdas.store.schema import CATALOG_TABLE_NAME, TABLE_INDEXES, TABLE_PARTITION_KEY, TABLE_SORT_KEY

LAMBDA_RUNTIME = "python3.12"
RESTORE_ASL_PATH = Path(__file__).parent / "statemachines" / "restore.asl.json"

__all__ = [
    "BACKUP_JOB_DETAIL_TYPE",
    "CATALOG_TABLE_NAME",
    "COPY_DESTINATION_ROLE_PREFIX",
    "COPY_SOURCE_ROLE_PATH",
    "ENV_AUDIT_EVALUATE_FUNCTION_ARN",
    "ENV_BACKUP_BATCH_QUEUE_URL",
    "ENV_DEFAULT_KEY_ARN",
    "ENV_EVENT_BUS_NAME",
    "ENV_PLAN_SCHEDULE_GROUP",
    "ENV_POWERTOOLS_METRICS_NAMESPACE",
    "ENV_POWERTOOLS_SERVICE_NAME",
    "ENV_RESTORE_STATE_MACHINE_ARN",
    "ENV_RESTORE_TESTING_FUNCTION_ARN",
    "ENV_SCHEDULER_ROLE_ARN",
    "ENV_START_BACKUPS_FUNCTION_ARN",
    "ENV_TABLE_NAME",
    "ENV_VAULT_BUCKET",
    "EVENTS_NOT_DELIVERED_METRIC",
    "EVENT_SOURCE",
    "METRICS_NAMESPACE",
    "RESTORE_JOB_DETAIL_TYPE",
    "SERVICE_NAME",
    "TABLE_INDEXES",
    "TABLE_PARTITION_KEY",
    "TABLE_SORT_KEY",
    "VAULT_NOTIFICATIONS_NOT_DELIVERED_METRIC",
    "copy_destination_role_name",
]

PLAN_SCHEDULE_GROUP = "strongroom-plans"
TRACK_JOBS_SCHEDULE = "rate(5 minutes)"
LIFECYCLE_SCHEDULE = "rate(1 hour)"
RECONCILE_SCHEDULES_SCHEDULE = "rate(1 hour)"
# Audit Manager: compliance every hour (AWS's periodic controls run every 24 hours; an hour bounds how long a
# change goes unnoticed); reports daily at 01:00 UTC (AWS makes them between 1 and 5 AM UTC).
AUDIT_EVALUATE_SCHEDULE = "rate(1 hour)"
AUDIT_REPORTS_SCHEDULE = "cron(0 1 * * ? *)"
# Restore testing: each plan has its own schedule (made at run time in the plan group); the hourly sweep checks
# the restored copies and deletes them once their validation window ends.
RESTORE_TESTING_SWEEP_SCHEDULE = "rate(1 hour)"
# Scheduler substitutes this placeholder in a target's Input with the firing time.
SCHEDULED_TIME_PLACEHOLDER = "<aws.scheduler.scheduled-time>"

COMMON_ENV = (
    ENV_TABLE_NAME,
    ENV_EVENT_BUS_NAME,
    ENV_DEFAULT_KEY_ARN,
    ENV_VAULT_BUCKET,
    ENV_POWERTOOLS_SERVICE_NAME,
    ENV_POWERTOOLS_METRICS_NAMESPACE,
)
# Functions that change what compliance depends on ask for an evaluation soon (services/audit_trigger.py): a
# one-time schedule in the plan group that invokes AuditEvaluate as the scheduler role.
EVALUATION_REQUEST_ENV = (ENV_PLAN_SCHEDULE_GROUP, ENV_SCHEDULER_ROLE_ARN, ENV_AUDIT_EVALUATE_FUNCTION_ARN)


@dataclass(frozen=True)
class FunctionSpec:
    """One Lambda function: the stack and the local bootstrap both build from this."""

    key: str
    handler: str
    env_keys: tuple[str, ...]
    timeout_seconds: int
    memory_mb: int = 512
    description: str = ""


START_BACKUPS = FunctionSpec(
    key="StartBackups",
    handler="lambdas.handlers.start_backups.handler",
    env_keys=(*COMMON_ENV, ENV_BACKUP_BATCH_QUEUE_URL),
    timeout_seconds=300,
    description="Plan rule fired: resolve selections a page at a time, queue a batch of resources per page",
)
START_BACKUP_BATCH = FunctionSpec(
    key="StartBackupBatch",
    handler="lambdas.handlers.start_backup_batch.handler",
    env_keys=COMMON_ENV,
    timeout_seconds=300,
    description="One batch of a rule firing, from the queue: create and start its backup jobs",
)


@dataclass(frozen=True)
class QueueSpec:
    """An SQS queue feeding a function, with its dead-letter queue: the stack and the local runtime both
    build from this."""

    name: str
    consumer: FunctionSpec
    batch_size: int  # messages per invocation
    max_concurrency: int  # invocations at once: bounds the native create calls per second
    max_receive_count: int  # deliveries before a message goes to the dead-letter queue

    @property
    def dead_letter_name(self) -> str:
        return f"{self.name}-dlq"

    @property
    def visibility_timeout_seconds(self) -> int:
        # At least the function's timeout (Lambda requires it), and short enough that a failed batch comes back
        # well inside the shortest start window (60 minutes): ten minutes, not the six timeouts Lambda suggests.
        return 2 * self.consumer.timeout_seconds


BACKUP_BATCH_QUEUE = QueueSpec(
    name="strongroom-backup-batches",
    consumer=START_BACKUP_BATCH,
    batch_size=2,
    max_concurrency=5,
    max_receive_count=5,
)
TRACK_JOBS = FunctionSpec(
    key="TrackJobs",
    handler="lambdas.handlers.track_jobs.handler",
    env_keys=(*COMMON_ENV, *EVALUATION_REQUEST_ENV),
    timeout_seconds=300,
    description="Poll open backup jobs, enforce windows, record recovery points",
)
LIFECYCLE = FunctionSpec(
    key="Lifecycle",
    handler="lambdas.handlers.lifecycle.handler",
    env_keys=(*COMMON_ENV, *EVALUATION_REQUEST_ENV),
    timeout_seconds=300,
    description="Move recovery points to cold storage and expire those past their retention",
)
RESTORE_START = FunctionSpec(
    key="RestoreStart",
    handler="lambdas.handlers.restore_start.handler",
    env_keys=COMMON_ENV,
    timeout_seconds=60,
    description="Restore workflow: start the native restore",
)
RESTORE_POLL = FunctionSpec(
    key="RestorePoll",
    handler="lambdas.handlers.restore_poll.handler",
    env_keys=COMMON_ENV,
    timeout_seconds=60,
    description="Restore workflow: raise RestorePending until the restored resource is ready",
)
RESTORE_FINALIZE = FunctionSpec(
    key="RestoreFinalize",
    handler="lambdas.handlers.restore_finalize.handler",
    env_keys=COMMON_ENV,
    timeout_seconds=60,
    description="Restore workflow: record the restore job COMPLETED or FAILED",
)
API = FunctionSpec(
    key="Api",
    handler="lambdas.handlers.api.handler",
    env_keys=(
        *COMMON_ENV,
        ENV_RESTORE_STATE_MACHINE_ARN,
        ENV_PLAN_SCHEDULE_GROUP,
        ENV_SCHEDULER_ROLE_ARN,
        ENV_START_BACKUPS_FUNCTION_ARN,
        ENV_AUDIT_EVALUATE_FUNCTION_ARN,
        ENV_RESTORE_TESTING_FUNCTION_ARN,
    ),
    timeout_seconds=30,
    memory_mb=1024,
    description="The AWS Backup API: plans, selections, vaults, recovery points, jobs",
)

IMPORT_NATIVE_BACKUPS = FunctionSpec(
    key="ImportNativeBackups",
    handler="lambdas.handlers.import_native_backups.handler",
    env_keys=COMMON_ENV,
    timeout_seconds=900,
    description="On demand: catalog backups services made themselves (EBS, DynamoDB, FSx) as recovery points",
)

RECONCILE_SCHEDULES = FunctionSpec(
    key="ReconcileSchedules",
    handler="lambdas.handlers.reconcile_schedules.handler",
    env_keys=(*COMMON_ENV, ENV_PLAN_SCHEDULE_GROUP, ENV_SCHEDULER_ROLE_ARN, ENV_START_BACKUPS_FUNCTION_ARN),
    timeout_seconds=300,
    description="On deploy and hourly: recreate missing plan rule schedules from the catalog, delete orphans",
)

AUDIT_EVALUATE = FunctionSpec(
    key="AuditEvaluate",
    handler="lambdas.handlers.audit_evaluate.handler",
    env_keys=COMMON_ENV,
    timeout_seconds=900,
    memory_mb=1024,
    description="Audit Manager: evaluate every framework's controls, record compliance changes",
)
AUDIT_REPORTS = FunctionSpec(
    key="AuditReports",
    handler="lambdas.handlers.audit_reports.handler",
    env_keys=COMMON_ENV,
    timeout_seconds=900,
    description="Audit Manager: the daily report of every report plan, written to its S3 bucket",
)

RESTORE_TESTING = FunctionSpec(
    key="RestoreTesting",
    handler="lambdas.handlers.restore_test.handler",
    env_keys=(*COMMON_ENV, ENV_RESTORE_STATE_MACHINE_ARN),
    timeout_seconds=900,
    description="Restore testing: a plan's schedule starts its restores; hourly, check restored copies and delete them",
)

FUNCTIONS: tuple[FunctionSpec, ...] = (
    START_BACKUPS,
    START_BACKUP_BATCH,
    TRACK_JOBS,
    LIFECYCLE,
    RESTORE_START,
    RESTORE_POLL,
    RESTORE_FINALIZE,
    API,
    IMPORT_NATIVE_BACKUPS,
    RECONCILE_SCHEDULES,
    AUDIT_EVALUATE,
    AUDIT_REPORTS,
    RESTORE_TESTING,
)

# The EFS mover: not one of FUNCTIONS. The stack builds one per file system its `efs_file_systems` context
# lists, named `strongroom-efs-mover-<file system id>`, with the file system mounted; the local runtime runs
# the same mover code in process over a directory per file system instead (lambdas.resources.efs).
EFS_MOVER = FunctionSpec(
    key="EfsMover",
    handler="lambdas.handlers.efs_mover.handler",
    env_keys=(ENV_POWERTOOLS_SERVICE_NAME, ENV_POWERTOOLS_METRICS_NAMESPACE),
    timeout_seconds=900,  # Lambda's limit; the mover stops a minute before it (efs.LAMBDA_SAFETY_MILLIS)
    memory_mb=1024,
    description="EFS mover: copy one file system's files to and from Strongroom's vault bucket",
)

# Fixed schedules the stack creates (plan rules get theirs at run time).
FIXED_SCHEDULES: dict[str, tuple[FunctionSpec, str]] = {
    "strongroom-track-jobs": (TRACK_JOBS, TRACK_JOBS_SCHEDULE),
    "strongroom-lifecycle": (LIFECYCLE, LIFECYCLE_SCHEDULE),
    # After `cdk destroy` and a deploy onto the retained catalog, plans fire again without being touched.
    "strongroom-reconcile-schedules": (RECONCILE_SCHEDULES, RECONCILE_SCHEDULES_SCHEDULE),
    "strongroom-audit-evaluate": (AUDIT_EVALUATE, AUDIT_EVALUATE_SCHEDULE),
    "strongroom-audit-reports": (AUDIT_REPORTS, AUDIT_REPORTS_SCHEDULE),
    "strongroom-restore-testing-sweep": (RESTORE_TESTING, RESTORE_TESTING_SWEEP_SCHEDULE),
}

# Restore state machine: placeholders in the ASL file, substituted with function ARNs.
ASL_SUBSTITUTIONS: dict[str, FunctionSpec] = {
    "RestoreStartFunctionArn": RESTORE_START,
    "RestorePollFunctionArn": RESTORE_POLL,
    "RestoreFinalizeFunctionArn": RESTORE_FINALIZE,
}

# Job state changes that alert, one rule each (backup jobs carry detail.state, restore jobs detail.status,
# as AWS Backup's do). The stack's rules and the local bootstrap's rules share these patterns. The source is
# Strongroom's own (EVENT_SOURCE, strongroom.backup): EventBridge refuses `aws.` sources to anyone but AWS.
FAILURE_EVENT_PATTERNS: dict[str, dict[str, object]] = {
    "strongroom-backup-job-failures": {
        "source": [EVENT_SOURCE],
        "detail-type": [BACKUP_JOB_DETAIL_TYPE],
        "detail": {"state": ["FAILED", "ABORTED", "EXPIRED"]},
    },
    "strongroom-restore-job-failures": {
        "source": [EVENT_SOURCE],
        "detail-type": [RESTORE_JOB_DETAIL_TYPE],
        "detail": {"status": ["FAILED", "ABORTED"]},
    },
    # Restore testing: a copy that failed its data check or its user's validation, and a copy that could not be
    # deleted (it costs money until it is).
    "strongroom-restore-test-validation-failures": {
        "source": [EVENT_SOURCE],
        "detail-type": [RESTORE_JOB_DETAIL_TYPE],
        "detail": {"validationStatus": ["FAILED", "TIMED_OUT"]},
    },
    "strongroom-restore-test-deletion-failures": {
        "source": [EVENT_SOURCE],
        "detail-type": [RESTORE_JOB_DETAIL_TYPE],
        "detail": {"deletionStatus": ["FAILED"]},
    },
}
