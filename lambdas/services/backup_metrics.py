"""AWS Backup's CloudWatch metrics, counted by the engine under AWS Backup's own names in Strongroom's namespace.

AWS Backup publishes `NumberOfBackupJobsCompleted`, `NumberOfCopyJobsFailed`, `NumberOfRecoveryPointsCold`... in
`AWS/Backup`, each with the dimension sets `BackupVaultName` and `BackupVaultName, ResourceType` ("AWS Backup
metrics with Amazon CloudWatch"; a copy job's vault is its destination). Strongroom writes the same names with the
same two dimension sets, plus `service`, the set Powertools gives every metric, which totals the whole deployment:
the dashboard and the alarms read that one (an alarm watches one dimension combination, and a failure in any
vault must fire it).

Every metric is a count of moves into a state, written when the move lands. For AWS Backup, the names of the
states a job or a point is *in* (`...Pending`, `...Running`, `NumberOfRecoveryPointsCold`, `...Expired`) are
samples of how many are in it; here they count how many entered it in the period (docs/monitoring.md).

Why not the shared Powertools `metrics`: EMF gives a record's dimensions to every metric in it, and the shared set
has the function's dimensions only, so each count here is its own record (one log line: no AWS call), written by
a provider of its own under a lock (the local runtime runs handlers in threads)."""

from __future__ import annotations

import threading

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

from lambdas.common.observability import METRICS_NAMESPACE, SERVICE_NAME
from lambdas.domain.copies import CopyJob, CopyJobState, VaultAddress
from lambdas.domain.jobs import BackupJob, BackupJobState, RestoreJob, RestoreJobStatus
from lambdas.domain.recovery_points import RecoveryPoint

VAULT_DIMENSION = "BackupVaultName"
RESOURCE_TYPE_DIMENSION = "ResourceType"

# The states AWS Backup names a metric after, per kind of job (its guide's table; the CloudWatch guide's list of
# AWS/Backup metrics adds NumberOfBackupJobsPartial). A state not here (ABORTING, a copy's PARTIAL) has no metric.
BACKUP_JOB_METRICS: dict[BackupJobState, str] = {
    state: f"NumberOfBackupJobs{state.value.title()}"
    for state in (
        BackupJobState.CREATED,
        BackupJobState.PENDING,
        BackupJobState.RUNNING,
        BackupJobState.ABORTED,
        BackupJobState.COMPLETED,
        BackupJobState.FAILED,
        BackupJobState.EXPIRED,
        BackupJobState.PARTIAL,
    )
}
COPY_JOB_METRICS: dict[CopyJobState, str] = {
    state: f"NumberOfCopyJobs{state.value.title()}"
    for state in (CopyJobState.CREATED, CopyJobState.RUNNING, CopyJobState.COMPLETED, CopyJobState.FAILED)
}
RESTORE_JOB_METRICS: dict[RestoreJobStatus, str] = {
    status: f"NumberOfRestoreJobs{status.value.title()}"
    for status in (
        RestoreJobStatus.PENDING,
        RestoreJobStatus.RUNNING,
        RestoreJobStatus.COMPLETED,
        RestoreJobStatus.FAILED,
    )
}
RECOVERY_POINTS_COMPLETED = "NumberOfRecoveryPointsCompleted"
RECOVERY_POINTS_PARTIAL = "NumberOfRecoveryPointsPartial"
RECOVERY_POINTS_COLD = "NumberOfRecoveryPointsCold"
RECOVERY_POINTS_EXPIRED = "NumberOfRecoveryPointsExpired"  # a deletion failed: the point stays EXPIRED
# A finished backup or copy job leaves a point of the same outcome in its vault (the state's value: both kinds').
POINT_OF_JOB: dict[str, str] = {"COMPLETED": RECOVERY_POINTS_COMPLETED, "PARTIAL": RECOVERY_POINTS_PARTIAL}
ALL_METRICS = (
    *BACKUP_JOB_METRICS.values(),
    *COPY_JOB_METRICS.values(),
    *RESTORE_JOB_METRICS.values(),
    RECOVERY_POINTS_COMPLETED,
    RECOVERY_POINTS_PARTIAL,
    RECOVERY_POINTS_COLD,
    RECOVERY_POINTS_EXPIRED,
)

_provider = AmazonCloudWatchEMFProvider(namespace=METRICS_NAMESPACE, service=SERVICE_NAME)
_lock = threading.Lock()


def count(name: str, vault: str, resource_type: str, value: int = 1) -> None:
    """One EMF record: `name` += value for the deployment (service), the vault, and the vault's resource type."""
    with _lock:
        _provider.add_metric(name=name, unit=MetricUnit.Count, value=value)
        _provider.add_dimensions(**{VAULT_DIMENSION: vault})
        _provider.add_dimensions(**{VAULT_DIMENSION: vault, RESOURCE_TYPE_DIMENSION: resource_type})
        _provider.flush_metrics()


def count_job(job: BackupJob | CopyJob | RestoreJob) -> None:
    """The job has just landed in its state: its AWS Backup metric, and its recovery point's when it finished."""
    if isinstance(job, CopyJob):
        vault = VaultAddress.parse(job.DestinationBackupVaultArn).name  # AWS Backup counts a copy at its destination
        name = COPY_JOB_METRICS.get(job.State)
    elif isinstance(job, RestoreJob):
        vault, name = job.BackupVaultName, RESTORE_JOB_METRICS.get(job.Status)
    else:
        vault, name = job.BackupVaultName, BACKUP_JOB_METRICS.get(job.State)
    if name is not None:
        count(name, vault, job.ResourceType)
    point_metric = None if isinstance(job, RestoreJob) else POINT_OF_JOB.get(job.state.value)
    if point_metric is not None:
        count(point_metric, vault, job.ResourceType)


def count_point(name: str, point: RecoveryPoint) -> None:
    count(name, point.BackupVaultName, point.ResourceType)
