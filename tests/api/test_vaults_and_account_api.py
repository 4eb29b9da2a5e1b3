"""Vaults, their notifications, access policies and locks; account settings; protected resources; and
the edge's SigV4 check, all through boto3's `backup` client against the local runtime."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from lambdas.common import clock
from lambdas.services import backup_service, plan_service, scheduled_backups
from local.runtime import LocalRuntime
from tests.api.conftest import ROLE


def error_of(call: Any, **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    error = raised.value.response
    return error["Error"]["Code"], error["Error"]["Message"], error["ResponseMetadata"]["HTTPStatusCode"]


def test_given_a_vault_when_described_and_listed_then_aws_fields_come_back(backup: Any) -> None:
    created = backup.create_backup_vault(BackupVaultName="vault-a", BackupVaultTags={"team": "core"})
    described = backup.describe_backup_vault(BackupVaultName="vault-a")
    assert described["BackupVaultArn"] == created["BackupVaultArn"]
    assert described["BackupVaultArn"].endswith(":backup-vault:vault-a")
    assert described["EncryptionKeyArn"].startswith("arn:aws:kms:")
    assert described["NumberOfRecoveryPoints"] == 0
    names = [v["BackupVaultName"] for v in backup.list_backup_vaults()["BackupVaultList"]]
    assert "vault-a" in names


@pytest.mark.parametrize(
    ("name", "code"),
    [("x", "InvalidParameterValueException"), ("has space", "InvalidParameterValueException")],
)
def test_given_a_bad_vault_name_when_created_then_refused(backup: Any, name: str, code: str) -> None:
    assert error_of(backup.create_backup_vault, BackupVaultName=name)[0] == code


def test_given_an_existing_vault_when_created_again_then_already_exists(backup: Any) -> None:
    backup.create_backup_vault(BackupVaultName="vault-dup")
    code, message, status = error_of(backup.create_backup_vault, BackupVaultName="vault-dup")
    assert (code, status) == ("AlreadyExistsException", 400)
    assert "vault-dup" in message


def test_given_an_unknown_vault_when_described_then_resource_not_found(backup: Any) -> None:
    code, _message, status = error_of(backup.describe_backup_vault, BackupVaultName="no-such-vault")
    assert (code, status) == ("ResourceNotFoundException", 404)


def test_given_notifications_when_put_then_they_read_back_and_delete(backup: Any, runtime: LocalRuntime) -> None:
    topic = runtime.client("sns").create_topic(Name="vault-events")["TopicArn"]
    backup.create_backup_vault(BackupVaultName="vault-n")
    backup.put_backup_vault_notifications(
        BackupVaultName="vault-n", SNSTopicArn=topic, BackupVaultEvents=["BACKUP_JOB_FAILED"]
    )
    got = backup.get_backup_vault_notifications(BackupVaultName="vault-n")
    assert (got["SNSTopicArn"], got["BackupVaultEvents"]) == (topic, ["BACKUP_JOB_FAILED"])
    backup.delete_backup_vault_notifications(BackupVaultName="vault-n")
    assert error_of(backup.get_backup_vault_notifications, BackupVaultName="vault-n")[0] == "ResourceNotFoundException"


def test_given_a_policy_denying_describe_when_called_then_access_denied_until_the_policy_goes(backup: Any) -> None:
    backup.create_backup_vault(BackupVaultName="vault-p")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "backup:DescribeBackupVault", "Resource": "*"}
        ],
    }
    backup.put_backup_vault_access_policy(BackupVaultName="vault-p", Policy=json.dumps(policy))
    assert json.loads(backup.get_backup_vault_access_policy(BackupVaultName="vault-p")["Policy"]) == policy
    code, message, status = error_of(backup.describe_backup_vault, BackupVaultName="vault-p")
    assert (code, status) == ("AccessDeniedException", 403)
    assert "backup:DescribeBackupVault" in message
    # an operation the policy does not name still works
    backup.get_backup_vault_access_policy(BackupVaultName="vault-p")
    backup.delete_backup_vault_access_policy(BackupVaultName="vault-p")
    assert backup.describe_backup_vault(BackupVaultName="vault-p")["BackupVaultName"] == "vault-p"


def test_given_a_policy_that_is_not_json_when_put_then_refused_and_not_stored(backup: Any) -> None:
    backup.create_backup_vault(BackupVaultName="vault-bad-policy")
    code, _, _ = error_of(backup.put_backup_vault_access_policy, BackupVaultName="vault-bad-policy", Policy="{nope")
    assert code == "InvalidParameterValueException"
    assert error_of(backup.get_backup_vault_access_policy, BackupVaultName="vault-bad-policy")[0] == (
        "ResourceNotFoundException"
    )


def test_given_a_governance_lock_when_put_then_the_vault_says_locked_and_it_can_be_removed(backup: Any) -> None:
    backup.create_backup_vault(BackupVaultName="vault-g")
    backup.put_backup_vault_lock_configuration(BackupVaultName="vault-g", MinRetentionDays=7, MaxRetentionDays=365)
    described = backup.describe_backup_vault(BackupVaultName="vault-g")
    assert (described["Locked"], described["MinRetentionDays"], described["MaxRetentionDays"]) == (True, 7, 365)
    backup.delete_backup_vault_lock_configuration(BackupVaultName="vault-g")
    assert backup.describe_backup_vault(BackupVaultName="vault-g")["Locked"] is False


def test_given_a_compliance_lock_past_its_grace_time_then_it_cannot_be_removed(
    backup: Any, runtime: LocalRuntime
) -> None:
    backup.create_backup_vault(BackupVaultName="vault-c")
    backup.put_backup_vault_lock_configuration(BackupVaultName="vault-c", MinRetentionDays=1, ChangeableForDays=3)
    runtime.clock.advance(timedelta(days=3, minutes=1))
    code, message, _ = error_of(backup.delete_backup_vault_lock_configuration, BackupVaultName="vault-c")
    assert code == "InvalidRequestException" and "compliance mode" in message
    assert error_of(backup.delete_backup_vault, BackupVaultName="vault-c")[0] == "InvalidRequestException"


def test_given_min_above_max_when_locking_then_refused(backup: Any) -> None:
    backup.create_backup_vault(BackupVaultName="vault-minmax")
    code, message, _ = error_of(
        backup.put_backup_vault_lock_configuration,
        BackupVaultName="vault-minmax",
        MinRetentionDays=30,
        MaxRetentionDays=7,
    )
    assert code == "InvalidParameterValueException" and "cannot exceed" in message


def test_given_a_vault_holding_points_when_deleted_then_refused(backup: Any, runtime: LocalRuntime) -> None:
    backup.create_backup_vault(BackupVaultName="vault-full")
    volume = runtime.client("ec2").create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
    arn = f"arn:aws:ec2:us-east-1:123456789012:volume/{volume}"
    backup_service.start_backup_job(
        runtime.services(), {"BackupVaultName": "vault-full", "ResourceArn": arn, "IamRoleArn": ROLE}, clock.now()
    )
    runtime.advance(timedelta(minutes=10))
    code, message, _ = error_of(backup.delete_backup_vault, BackupVaultName="vault-full")
    assert code == "InvalidRequestException" and "contains recovery points" in message
    # and the resource now shows as protected, by this vault
    protected = backup.describe_protected_resource(ResourceArn=arn)
    assert protected["LastBackupVaultArn"].endswith(":backup-vault:vault-full")
    listed = backup.list_protected_resources_by_backup_vault(BackupVaultName="vault-full")["Results"]
    assert [r["ResourceArn"] for r in listed] == [arn]
    assert arn in [r["ResourceArn"] for r in backup.list_protected_resources()["Results"]]


def test_supported_types_and_region_settings_list_exactly_what_is_implemented(backup: Any) -> None:
    supported = backup.get_supported_resource_types()["ResourceTypes"]
    assert supported == sorted(supported) and {"EBS", "DynamoDB"} <= set(supported)
    preferences = backup.describe_region_settings()["ResourceTypeOptInPreference"]
    assert set(preferences) == set(supported)
    code, _, _ = error_of(backup.update_region_settings, ResourceTypeOptInPreference={"Timestream": True})
    assert code == "InvalidParameterValueException"


def test_given_ebs_opted_out_when_a_tag_based_rule_fires_then_only_tables_are_backed_up(
    backup: Any, runtime: LocalRuntime
) -> None:
    ctx = runtime.services()
    backup.create_backup_vault(BackupVaultName="vault-optin")
    tag = {"Key": "optin-test", "Value": "yes"}
    runtime.client("ec2").create_volume(
        AvailabilityZone="us-east-1a", Size=1, TagSpecifications=[{"ResourceType": "volume", "Tags": [tag]}]
    )
    runtime.client("dynamodb").create_table(
        TableName="optin-table",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[tag],
    )
    backup.update_region_settings(ResourceTypeOptInPreference={"EBS": False})
    try:
        plan = plan_service.create_plan(
            ctx,
            {
                "BackupPlan": {
                    "BackupPlanName": "optin",
                    "Rules": [{"RuleName": "r", "TargetBackupVaultName": "vault-optin"}],
                }
            },
            clock.now(),
        )
        selection = {
            "SelectionName": "tagged",
            "IamRoleArn": ROLE,
            "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "optin-test", "ConditionValue": "yes"}],
        }
        plan_service.create_selection(ctx, plan.BackupPlanId, {"BackupSelection": selection}, clock.now())
        result = scheduled_backups.start_backups(ctx, plan.BackupPlanId, plan.Rules[0].RuleId, clock.now(), clock.now())
        runtime.queues.drain()  # the batch StartBackups queued, started by StartBackupBatch
        jobs = [j for j in ctx.stores.jobs.backup_jobs()[0] if j.BackupVaultName == "vault-optin"]
        assert result.selected == 1
        assert [j.ResourceType for j in jobs] == ["DynamoDB"]
    finally:
        backup.update_region_settings(ResourceTypeOptInPreference={"EBS": True})


def test_global_settings_update_and_refuse_unknown_keys(backup: Any) -> None:
    backup.update_global_settings(GlobalSettings={"isCrossAccountBackupEnabled": "true"})
    assert backup.describe_global_settings()["GlobalSettings"]["isCrossAccountBackupEnabled"] == "true"
    assert (
        error_of(backup.update_global_settings, GlobalSettings={"colour": "blue"})[0]
        == "InvalidParameterValueException"
    )


def test_given_a_wrong_secret_or_no_signature_then_the_edge_answers_403(runtime: LocalRuntime) -> None:
    wrong = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="wrong", region_name="us-east-1")
    code, _, status = error_of(wrong.client("backup", endpoint_url=runtime.endpoint).list_backup_vaults)
    assert (code, status) == ("InvalidSignatureException", 403)
    unknown = boto3.session.Session(aws_access_key_id="nobody", aws_secret_access_key="x", region_name="us-east-1")
    assert error_of(unknown.client("backup", endpoint_url=runtime.endpoint).list_backup_vaults)[2] == 403
    unsigned = boto3.session.Session(region_name="us-east-1").client(
        "backup", endpoint_url=runtime.endpoint, config=Config(signature_version=UNSIGNED)
    )
    # an unsigned call to an AWS Backup route is refused by Strongroom, as API Gateway's IAM auth would
    code, _message, status = error_of(unsigned.list_backup_vaults)
    assert (code, status) == ("MissingAuthenticationTokenException", 403)


def test_given_the_client_for_a_deployed_strongroom_then_it_signs_for_api_gateway(runtime: LocalRuntime) -> None:
    from clients.strongroom_backup import backup_client

    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    client = backup_client(runtime.endpoint, session)
    scopes: list[str] = []
    client.meta.events.register(
        "before-send.backup", lambda request, **_: scopes.append(request.headers["Authorization"])
    )
    assert isinstance(client.list_backup_vaults()["BackupVaultList"], list)
    authorization = scopes[0].decode() if isinstance(scopes[0], bytes) else scopes[0]
    assert "/us-east-1/execute-api/aws4_request" in authorization


def test_given_tags_on_a_vault_and_a_plan_when_changed_then_list_tags_follows(backup: Any) -> None:
    vault_arn = backup.create_backup_vault(BackupVaultName="vault-tags", BackupVaultTags={"a": "1"})["BackupVaultArn"]
    backup.tag_resource(ResourceArn=vault_arn, Tags={"b": "2"})
    backup.untag_resource(ResourceArn=vault_arn, TagKeyList=["a"])
    assert backup.list_tags(ResourceArn=vault_arn)["Tags"] == {"b": "2"}
    plan = backup.create_backup_plan(
        BackupPlan={"BackupPlanName": "tagged", "Rules": [{"RuleName": "r", "TargetBackupVaultName": "vault-tags"}]},
        BackupPlanTags={"owner": "ops"},
    )
    backup.tag_resource(ResourceArn=plan["BackupPlanArn"], Tags={"cost": "low"})
    assert backup.list_tags(ResourceArn=plan["BackupPlanArn"])["Tags"] == {"owner": "ops", "cost": "low"}
    # tagging is not a new version of the plan
    assert backup.get_backup_plan(BackupPlanId=plan["BackupPlanId"])["VersionId"] == plan["VersionId"]
    code, _, _ = error_of(backup.tag_resource, ResourceArn=vault_arn, Tags={"aws:reserved": "x"})
    assert code == "InvalidParameterValueException"
    missing = vault_arn.replace("vault-tags", "vault-none")
    assert error_of(backup.list_tags, ResourceArn=missing)[0] == "ResourceNotFoundException"
