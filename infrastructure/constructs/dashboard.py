"""The CloudWatch dashboard people look at, and the alarms on failed jobs and RPO misses.

The engine counts jobs and recovery points under AWS Backup's own metric names (NumberOfBackupJobsCompleted,
NumberOfRestoreJobsFailed, NumberOfRecoveryPointsCold...: lambdas/services/backup_metrics.py) in Strongroom's
namespace, each with the dimension sets AWS Backup gives them (BackupVaultName; BackupVaultName and ResourceType)
and the deployment's total (service). The dashboard and the alarms read the total: an alarm watches one dimension
combination, and a failure in any vault must fire it. What the engine does not emit (bytes of native backups by
tier) is not drawn: docs/monitoring.md says so rather than show an empty graph."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infrastructure import constants
from lambdas.services.backup_metrics import RECOVERY_POINTS_COLD, RECOVERY_POINTS_COMPLETED, RECOVERY_POINTS_EXPIRED

PERIOD = Duration.minutes(5)
STORAGE_PERIOD = Duration.days(1)  # S3 reports bucket sizes once a day
WIDTH = 12

# The jobs drawn by state: how many ended in each state per five minutes, named as AWS Backup names them.
JOB_METRICS = (
    "NumberOfBackupJobsCompleted",
    "NumberOfBackupJobsFailed",
    "NumberOfBackupJobsAborted",
    "NumberOfBackupJobsExpired",
    "NumberOfCopyJobsCompleted",
    "NumberOfCopyJobsFailed",
    "NumberOfRestoreJobsCompleted",
    "NumberOfRestoreJobsFailed",
)
FAILED_JOB_METRICS = ("NumberOfBackupJobsFailed", "NumberOfCopyJobsFailed", "NumberOfRestoreJobsFailed")
ALARMED_FAILURES = ("NumberOfBackupJobsFailed", "NumberOfCopyJobsFailed")  # restores alarm on their workflow
# A backup job EXPIRED when it could not start within its start window: that window's recovery point will never
# exist, so the resource's recovery point objective is missed.
RPO_MISS_METRIC = "NumberOfBackupJobsExpired"
# Points made, moved to cold storage, deleted by their lifecycle, and left EXPIRED by a deletion that failed.
RECOVERY_POINT_METRICS = (
    RECOVERY_POINTS_COMPLETED,
    RECOVERY_POINTS_COLD,
    "RecoveryPointsDeleted",
    RECOVERY_POINTS_EXPIRED,
)
# The vault bucket (S3 and EFS backups): STANDARD is warm, GLACIER_IR (vault_storage.COLD_STORAGE_CLASS) is cold.
BUCKET_TIERS = {"WARM": "StandardStorage", "COLD": "GlacierInstantRetrievalStorage"}

AlarmFactory = Callable[[str, cloudwatch.IMetric, str], None]


def engine_metric(name: str, label: str | None = None, statistic: str = "Sum") -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=constants.METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map={"service": constants.SERVICE_NAME},
        period=PERIOD,
        statistic=statistic,
        label=label,
    )


def job_metric(aws_name: str) -> cloudwatch.Metric:
    """The deployment's total of one of AWS Backup's metrics, labelled with its name."""
    return engine_metric(aws_name, label=aws_name)


class Dashboard(Construct):
    """One dashboard: jobs by state, failures, RPO misses, restore times, storage by tier, the functions' errors and
    throttles, the backup batch queue's oldest message; and alarms on failed jobs and RPO misses."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.IFunction],
        restore_workflow: sfn.IStateMachine,
        batch_queue: sqs.IQueue,
        vault_bucket: s3.IBucket,
        alarm: AlarmFactory,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", default_interval=Duration.days(7))
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Jobs by state",
                left=[job_metric(name) for name in JOB_METRICS],
                width=WIDTH,
            ),
            cloudwatch.GraphWidget(
                title="Failed jobs",
                left=[job_metric(name) for name in FAILED_JOB_METRICS],
                width=WIDTH,
            ),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="RPO misses: backup jobs that could not start in their window",
                left=[job_metric(RPO_MISS_METRIC)],
                width=WIDTH,
            ),
            cloudwatch.GraphWidget(
                title="Restore times (restore workflow executions)",
                left=[
                    restore_workflow.metric_time(period=PERIOD, statistic="Average", label="Average"),
                    restore_workflow.metric_time(period=PERIOD, statistic="Maximum", label="Maximum"),
                ],
                width=WIDTH,
            ),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Storage by tier: the vault bucket (S3 and EFS backups)",
                left=[
                    cloudwatch.Metric(
                        namespace="AWS/S3",
                        metric_name="BucketSizeBytes",
                        dimensions_map={"BucketName": vault_bucket.bucket_name, "StorageType": storage_type},
                        period=STORAGE_PERIOD,
                        statistic="Average",
                        label=tier,
                    )
                    for tier, storage_type in BUCKET_TIERS.items()
                ],
                width=WIDTH,
            ),
            cloudwatch.GraphWidget(
                title="Recovery points: made, moved to cold storage, deleted, left EXPIRED by a failed deletion",
                left=[engine_metric(name, label=name) for name in RECOVERY_POINT_METRICS],
                width=WIDTH,
            ),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Function errors",
                left=[fn.metric_errors(period=PERIOD, statistic="Sum", label=key) for key, fn in functions.items()],
                width=WIDTH,
            ),
            cloudwatch.GraphWidget(
                title="Function throttles",
                left=[fn.metric_throttles(period=PERIOD, statistic="Sum", label=key) for key, fn in functions.items()],
                width=WIDTH,
            ),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Backup batch queue: age of the oldest message (seconds)",
                left=[batch_queue.metric_approximate_age_of_oldest_message(period=PERIOD, statistic="Maximum")],
                width=WIDTH,
            )
        )

        # Unlabelled: a labelled metric makes CloudFormation's alarm a metric-math one (Metrics instead of
        # MetricName), which says less in the console and in the tests of every other alarm.
        for aws_name in ALARMED_FAILURES:
            alarm(f"{aws_name}Alarm", engine_metric(aws_name), f"Strongroom: {aws_name} in five minutes")
        alarm(
            "RpoMissesAlarm",
            engine_metric(RPO_MISS_METRIC),
            "Strongroom: a backup job expired before it could start, so a recovery point objective was missed",
        )
