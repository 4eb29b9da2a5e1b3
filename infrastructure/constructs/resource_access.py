"""Every resource type's IAM, turned from data into statements: a type states what its adapter's calls need, job by
job, next to those calls (lambdas/resources/<type>/iam.py, registered in lambdas/resources/types.py); this module
fills the templates with the stack's partition, Region and account and makes each Grant an iam.PolicyStatement.
Adding a type adds no line here.

The jobs (lambdas.resources.spec.JOBS), each with the adapter calls it makes and the functions that do it:

    start_backup   describe, list_resources, find_backup, start_backup (StartBackups, TrackJobs' retries, the Api)
    track_backup   backup_status, and restore_metadata once the backup completes (TrackJobs)
    delete_backup  delete_backup (Lifecycle's expiry, the Api's DeleteRecoveryPoint and StopBackupJob)
    move_to_cold   move_to_cold (Lifecycle's moves to cold storage)
    copy_backup    share_backup, copy_in (copy jobs)
    check_restore  check_restore (the Api's StartRestoreJob, before any job is written)
    start_restore  check_restore, find_restore, start_restore (the restore workflow's start task)
    poll_restore   restore_status (the restore workflow's poll task)
    catalog        describe, list_resources, and for the types whose backups can be listed list_native_backups,
                   backup_status, restore_metadata: read-only (ImportNativeBackups, services/native_backup_import)
    record_restore_test  a restore test's record, read from the source as its backup completes (TrackJobs:
                   lambdas/resources/<type>/validation.py record)
    test_restore   a restore test's check of the restored copy and its deletion (RestoreTesting: check, delete)

The rules the grants follow are lambdas/resources/grants.py's. Statements with the same Sid are merged by
`permissions.compose`, so two types may both ask for, say, `DescribeEc2`.
"""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_iam as iam

from infrastructure.constructs.arns import Arns
from lambdas.resources.spec import JOBS, Grant, TypeSpec
from lambdas.resources.types import TYPES

Statements = list[iam.PolicyStatement]


def allow(sid: str, actions: list[str], resources: list[str], **conditions: object) -> iam.PolicyStatement:
    """One Allow statement; `conditions` as IAM spells them: StringEquals={...}, Bool={...}."""
    return iam.PolicyStatement(
        sid=sid,
        actions=actions,
        resources=resources,
        conditions=dict(conditions) if conditions else None,
    )


def via(service: str) -> dict[str, object]:
    """Customer-managed keys (a vault's, a volume's, a database's, a file system's) are known only at run
    time: they are usable on "*", but only in requests one AWS service makes on the function's behalf."""
    return {"kms:ViaService": f"{service}.{Aws.REGION}.amazonaws.com"}


# A vault's own key (CreateBackupVault's EncryptionKeyArn) is the user's, unknown at deploy time: Strongroom's roles
# may use it only when the key carries this tag with the value "true" (aws:ResourceTag), and only through the
# service that stores the data. The default vault key is named by its ARN.
VAULT_KEY_TAG = "strongroom:vault-key"


def vault_keys(sid: str, service: str, *actions: str) -> iam.PolicyStatement:
    """KMS actions on the keys of this account and Region tagged as vault keys, only through `service`."""
    return allow(
        sid,
        [f"kms:{a}" for a in actions],
        [f"arn:{Aws.PARTITION}:kms:{Aws.REGION}:{Aws.ACCOUNT_ID}:key/*"],
        StringEquals={**via(service), f"aws:ResourceTag/{VAULT_KEY_TAG}": "true"},
    )


def _filled(template: str, arns: Arns) -> str:
    """A spec's ARN or condition template in the stack's partition, Region and account."""
    stack = arns.stack
    return template.format(partition=stack.partition, region=stack.region, account=stack.account)


def statement_of(grant: Grant, arns: Arns) -> iam.PolicyStatement:
    """One Grant of a type's spec (lambdas/resources/spec.py) as the IAM statement it describes."""
    conditions = {operator: {key: _filled(value, arns) for key, value in pairs} for operator, pairs in grant.conditions}
    return allow(grant.sid, list(grant.actions), [_filled(r, arns) for r in grant.resources], **conditions)


def job_statements(job: str, arns: Arns, types: tuple[TypeSpec, ...] = TYPES) -> Statements:
    """Every registered type's grants for one job (a name in lambdas.resources.spec.JOBS), as statements; the
    caller merges those that share a Sid (permissions.compose)."""
    if job not in JOBS:
        raise ValueError(f"unknown job {job!r}; jobs are {JOBS}")
    return [statement_of(grant, arns) for spec in types for grant in spec.iam.get(job, ())]
