"""Domain entities for integration tests, with sensible defaults. The domain is pure (no boto3), so importing
it at module level makes no client before moto starts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from lambdas.domain.arns import plan_arn, vault_arn
from lambdas.domain.jobs import BackupJob, BackupJobState, RestoreJob, RestoreJobStatus
from lambdas.domain.lifecycle import CalculatedLifecycle
from lambdas.domain.plans import BackupPlan, BackupRule
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.domain.selections import BackupSelection, BackupSelectionInput
from lambdas.domain.vaults import BackupVault, VaultNotifications

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
T0 = datetime(2024, 6, 1, 5, 0, tzinfo=UTC)
ROLE = f"arn:aws:iam::{ACCOUNT}:role/strongroom-backup"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
VOLUME = f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-0123456789abcdef0"


def vault(
    name: str = "main", *, topic_arn: str | None = None, events: list[str] | None = None, **extra: Any
) -> BackupVault:
    notifications = VaultNotifications(SNSTopicArn=topic_arn, BackupVaultEvents=events or []) if topic_arn else None
    return BackupVault(
        BackupVaultName=name,
        BackupVaultArn=vault_arn(REGION, ACCOUNT, name),
        EncryptionKeyArn=KEY,
        CreationDate=T0,
        Notifications=notifications,
        **extra,
    )


def backup_job(
    job_id: str = "JOB-1",
    *,
    state: BackupJobState = BackupJobState.CREATED,
    created: datetime = T0,
    resource_arn: str = VOLUME,
    **extra: Any,
) -> BackupJob:
    return BackupJob(
        BackupJobId=job_id,
        AccountId=ACCOUNT,
        BackupVaultName="main",
        BackupVaultArn=vault_arn(REGION, ACCOUNT, "main"),
        ResourceArn=resource_arn,
        ResourceType="EBS",
        IamRoleArn=ROLE,
        State=state,
        CreationDate=created,
        StartBy=created + timedelta(hours=8),
        CompleteBy=created + timedelta(days=7),
        CorrelationId=f"corr-{job_id}",
        **extra,
    )


def restore_job(job_id: str = "RESTORE-1", *, status: RestoreJobStatus = RestoreJobStatus.PENDING) -> RestoreJob:
    return RestoreJob(
        RestoreJobId=job_id,
        AccountId=ACCOUNT,
        RecoveryPointArn=f"arn:aws:ec2:{REGION}::snapshot/snap-0123456789abcdef0",
        BackupVaultArn=vault_arn(REGION, ACCOUNT, "main"),
        BackupVaultName="main",
        SourceResourceArn=VOLUME,
        ResourceType="EBS",
        Status=status,
        CreationDate=T0,
        CorrelationId=f"corr-{job_id}",
    )


def rule(rule_id: str, name: str, cron: str = "cron(0 5 ? * * *)", **extra: Any) -> BackupRule:
    return BackupRule(RuleId=rule_id, RuleName=name, TargetBackupVaultName="main", ScheduleExpression=cron, **extra)


def plan(
    plan_id: str = "plan-1",
    *,
    version: str = "v1",
    rules: list[BackupRule] | None = None,
    name: str = "daily",
    created: datetime = T0,
) -> BackupPlan:
    return BackupPlan(
        BackupPlanId=plan_id,
        BackupPlanArn=plan_arn(REGION, ACCOUNT, plan_id),
        BackupPlanName=name,
        VersionId=version,
        Rules=rules if rules is not None else [rule("rule-a", "daily")],
        CreationDate=created,
    )


def selection_input(**fields: Any) -> BackupSelectionInput:
    return BackupSelectionInput(SelectionName="selection", IamRoleArn=ROLE, **fields)


def selection(plan_id: str, selection_id: str, resources: list[str] | None = None) -> BackupSelection:
    return BackupSelection(
        SelectionId=selection_id,
        BackupPlanId=plan_id,
        Selection=selection_input(Resources=resources or [VOLUME]),
        CreationDate=T0,
    )


def recovery_point(
    name: str,
    *,
    delete_at: datetime | None = None,
    vault_name: str = "main",
    created: datetime = T0,
    **extra: Any,
) -> RecoveryPoint:
    return RecoveryPoint(
        RecoveryPointArn=f"arn:aws:ec2:{REGION}::snapshot/snap-{name}",
        BackupVaultName=vault_name,
        BackupVaultArn=vault_arn(REGION, ACCOUNT, vault_name),
        ResourceArn=VOLUME,
        ResourceType="EBS",
        CreationDate=created,
        CalculatedLifecycle=CalculatedLifecycle(DeleteAt=delete_at),
        NativeBackupId=f"snap-{name}",
        **extra,
    )
