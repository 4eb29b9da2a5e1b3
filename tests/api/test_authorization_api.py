"""Per-operation authorization through boto3 against the local endpoint: an IAM user or role made in the
emulator signs its own requests, and its identity policy, written in AWS Backup's actions, decides what it may
call, as on AWS. The runtime's own credentials stay the account root (full access)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.runtime import LocalRuntime
from tests.api.conftest import ROLE
from tests.api.helpers import let_track_jobs_run, new_table, new_vault, unique


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _user_client(runtime: LocalRuntime, *statements: dict[str, Any]) -> Any:
    """A backup client signed with a new IAM user's own access key; the user's inline policy is `statements`."""
    iam = runtime.client("iam")
    name = unique("user")
    iam.create_user(UserName=name)
    if statements:
        iam.put_user_policy(UserName=name, PolicyName="access", PolicyDocument=_policy(*statements))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return runtime.session().client(
        "backup",
        endpoint_url=runtime.endpoint,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )


def _completed_point(runtime: LocalRuntime, backup: Any) -> tuple[str, str, str]:
    vault, table = new_vault(backup), new_table(runtime, 1)
    job = backup.start_backup_job(BackupVaultName=vault, ResourceArn=table, IamRoleArn=ROLE)["BackupJobId"]
    let_track_jobs_run(runtime)
    point = backup.describe_backup_job(BackupJobId=job)["RecoveryPointArn"]
    return vault, table, point


def _error(call: Any, **request: Any) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as raised:
        call(**request)
    error = raised.value.response
    return error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"], error["Error"].get("Message", "")


def test_given_a_user_allowed_only_list_when_it_deletes_a_recovery_point_then_access_denied(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given a completed recovery point, and a user whose only policy allows backup:List*
    vault, _, point = _completed_point(runtime, backup)
    lister = _user_client(runtime, {"Effect": "Allow", "Action": "backup:List*", "Resource": "*"})

    # When it lists, then it may; when it deletes the recovery point, then AWS Backup's AccessDeniedException (403)
    assert vault in [v["BackupVaultName"] for v in lister.list_backup_vaults()["BackupVaultList"]]
    code, status, message = _error(lister.delete_recovery_point, BackupVaultName=vault, RecoveryPointArn=point)
    assert (code, status) == ("AccessDeniedException", 403)
    assert "backup:DeleteRecoveryPoint" in message and point in message
    # ... and a Describe outside backup:List* is refused too
    assert _error(lister.describe_backup_vault, BackupVaultName=vault)[0] == "AccessDeniedException"

    # And the point is still there for the account's root credentials
    assert backup.describe_recovery_point(BackupVaultName=vault, RecoveryPointArn=point)["Status"] == "COMPLETED"


def test_given_a_policy_on_one_vault_arn_when_the_user_describes_two_vaults_then_only_that_one(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given two vaults and a user allowed backup:DescribeBackupVault on the first vault's ARN only
    mine, other = new_vault(backup), new_vault(backup)
    mine_arn = backup.describe_backup_vault(BackupVaultName=mine)["BackupVaultArn"]
    user = _user_client(runtime, {"Effect": "Allow", "Action": "backup:DescribeBackupVault", "Resource": mine_arn})

    # Then the first answers and the second is refused
    assert user.describe_backup_vault(BackupVaultName=mine)["BackupVaultArn"] == mine_arn
    assert _error(user.describe_backup_vault, BackupVaultName=other)[0] == "AccessDeniedException"


def test_given_aws_backup_operator_access_as_it_is_when_used_then_it_restores_but_cannot_delete(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given a user with AWS's managed AWSBackupOperatorAccess document, unchanged (moto ships AWS's copy)
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    operator_document = json.loads(aws_managed_policies_data)["AWSBackupOperatorAccess"]["Document"]
    operator = _user_client(runtime, *operator_document["Statement"])
    vault, _, point = _completed_point(runtime, backup)

    # When it restores with the AWS Backup default role (its PassRole statement names *AWSBackup* roles)
    restore = operator.start_restore_job(
        RecoveryPointArn=point, Metadata={"targetTableName": unique("restored")}, IamRoleArn=ROLE
    )
    # Then the restore starts; but deleting the point is not an operator's to do
    assert restore["RestoreJobId"]
    assert _error(operator.delete_recovery_point, BackupVaultName=vault, RecoveryPointArn=point)[0] == (
        "AccessDeniedException"
    )
    # And a role outside the policy's PassRole pattern cannot be handed over
    other_role = "arn:aws:iam::123456789012:role/AdminRole"
    code, _, message = _error(
        operator.start_restore_job,
        RecoveryPointArn=point,
        Metadata={"targetTableName": unique("restored")},
        IamRoleArn=other_role,
    )
    assert code == "AccessDeniedException" and "iam:PassRole" in message and other_role in message


def test_given_a_caller_without_pass_role_when_it_starts_a_restore_then_refused_and_nothing_written(
    runtime: LocalRuntime, backup: Any
) -> None:
    # Given a user allowed every AWS Backup action but not iam:PassRole
    _, _, point = _completed_point(runtime, backup)
    user = _user_client(runtime, {"Effect": "Allow", "Action": "backup:*", "Resource": "*"})
    restores_before = len(backup.list_restore_jobs()["RestoreJobs"])

    # When it starts a restore that passes a role, then AccessDeniedException, as AWS Backup answers
    code, status, message = _error(
        user.start_restore_job, RecoveryPointArn=point, Metadata={"targetTableName": unique("t")}, IamRoleArn=ROLE
    )
    assert (code, status) == ("AccessDeniedException", 403)
    assert "iam:PassRole" in message and ROLE in message
    # And no restore job was written
    assert len(backup.list_restore_jobs()["RestoreJobs"]) == restores_before

    # When the same user may pass that role to AWS Backup, then the restore starts
    allowed = _user_client(
        runtime,
        {"Effect": "Allow", "Action": "backup:*", "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": ROLE,
            "Condition": {"StringEquals": {"iam:PassedToService": "backup.amazonaws.com"}},
        },
    )
    assert allowed.start_restore_job(RecoveryPointArn=point, Metadata={"targetTableName": unique("t")}, IamRoleArn=ROLE)


def test_given_a_role_session_when_it_calls_then_the_roles_policy_decides(runtime: LocalRuntime, backup: Any) -> None:
    # Given a role allowed to list vaults, and a session of it from the emulated STS
    iam = runtime.client("iam")
    name = unique("reader")
    trust = _policy({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:*"})
    iam.create_role(RoleName=name, Path="/team/", AssumeRolePolicyDocument=trust)
    iam.put_role_policy(
        RoleName=name,
        PolicyName="read",
        PolicyDocument=_policy({"Effect": "Allow", "Action": "backup:ListBackupVaults", "Resource": "*"}),
    )
    role_arn = f"arn:aws:iam::123456789012:role/team/{name}"
    credentials = runtime.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="ops")["Credentials"]
    session_backup = runtime.session().client(
        "backup",
        endpoint_url=runtime.endpoint,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )

    # Then listing works and creating a vault is refused, naming the session
    session_backup.list_backup_vaults()
    code, _, message = _error(session_backup.create_backup_vault, BackupVaultName=unique("v"))
    assert code == "AccessDeniedException" and f"assumed-role/{name}/ops" in message


def test_given_an_unknown_access_key_then_refused_before_any_operation(runtime: LocalRuntime) -> None:
    stranger = runtime.session().client(
        "backup", endpoint_url=runtime.endpoint, aws_access_key_id="AKIANOBODY", aws_secret_access_key="x"
    )
    code, status, _ = _error(stranger.list_backup_vaults)
    assert status == 403 and code == "UnrecognizedClientException"
