"""Deploy, destroy, deploy again (docs/deploying.md): the catalog (table, vault bucket, default vault key and
its alias) outlives `cdk destroy`; a deploy with `-c adopt_catalog=true` references it instead of creating it,
so nothing the destroyed stack retained is declared again ("already exists"), and the functions find the very
same table, bucket and key. Physical names derive from account and Region only, so a deployment in another
Region or account never collides with this one, and copies find a destination's catalog by name."""

from __future__ import annotations

from typing import Any

import pytest

from infrastructure import constants, names
from infrastructure.constructs.storage import adoption_from
from infrastructure.synth import synthesize_template
from tests.infrastructure import reading

KEY_ARN = "arn:aws:kms:eu-west-1:111111111111:key/0b5d6c3e-1f2a-4b7c-9d8e-7a6f5e4d3c2b"
ADOPT = {names.ADOPT_CATALOG_CONTEXT: "true", names.ADOPT_CATALOG_KEY_ARN_CONTEXT: KEY_ARN}

# The property holding each named resource type's physical name, and where that name must be unique.
NAME_PROPERTY = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::KMS::Alias": "AliasName",
    "AWS::Events::EventBus": "Name",
    "AWS::Events::Rule": "Name",
    "AWS::Scheduler::ScheduleGroup": "Name",
    "AWS::Scheduler::Schedule": "Name",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::ApiGateway::RestApi": "Name",
}
# S3 bucket names are unique in the partition, IAM names in the account; the rest in the account and Region.
# API Gateway does not require REST API names to be unique at all.
PARTITION_WIDE = {"AWS::S3::Bucket"}
ACCOUNT_WIDE = {"AWS::IAM::Role", "AWS::IAM::ManagedPolicy"}
NOT_UNIQUE = {"AWS::ApiGateway::RestApi"}


@pytest.fixture(scope="module")
def adopted() -> dict[str, Any]:
    return synthesize_template(ADOPT)


def resolved(value: Any, account: str, region: str) -> str | None:
    """A physical name as deployed in `account`/`region`; None when it contains another resource's generated id
    (then it cannot collide) or is left to CloudFormation."""
    pseudo = {"AWS::AccountId": account, "AWS::Region": region, "AWS::Partition": "aws", "AWS::URLSuffix": "x"}
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return pseudo.get(value["Ref"])
    if isinstance(value, dict) and set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        pieces = [resolved(part, account, region) for part in parts]
        return None if any(piece is None for piece in pieces) else separator.join(str(p) for p in pieces)
    return None


def physical_names(template: dict[str, Any], account: str, region: str) -> list[tuple[str, str, str]]:
    """(scope, type, name) of every fixed physical name; scope says where AWS wants it unique."""
    found = []
    for resource in template["Resources"].values():
        kind = resource["Type"]
        if kind not in NAME_PROPERTY or kind in NOT_UNIQUE:
            continue
        properties = resource.get("Properties", {})
        name = resolved(properties.get(NAME_PROPERTY[kind]), account, region)
        if name is None:
            continue
        if kind == "AWS::Scheduler::Schedule":  # unique within its group
            name = f"{properties.get('GroupName', 'default')}/{name}"
        scope = "aws" if kind in PARTITION_WIDE else account if kind in ACCOUNT_WIDE else f"{account}/{region}"
        found.append((scope, kind, name))
    return found


@pytest.mark.parametrize("context", ["created", "adopted"])
def test_two_regions_and_two_accounts_deploy_side_by_side_without_a_name_collision(
    template: dict[str, Any], adopted: dict[str, Any], context: str
) -> None:
    chosen = template if context == "created" else adopted
    # Given the same stack deployed in two Regions of one account, and in a second account
    places = [("111111111111", "eu-west-1"), ("111111111111", "us-east-1"), ("222222222222", "eu-west-1")]
    deployed = [physical_names(chosen, account, region) for account, region in places]
    # Then within one deployment every name is unique where AWS wants it unique
    for one in deployed:
        assert len(one) == len(set(one)), sorted(one)
    # And no two deployments claim the same name in the same scope (a bucket name, an IAM name in one account)
    everything = [name for one in deployed for name in one]
    duplicates = sorted({name for name in everything if everything.count(name) > 1})
    assert duplicates == []
    # And the test saw the names it is about (a broken reader would see nothing and pass)
    assert ("aws", "AWS::S3::Bucket", "strongroom-vault-111111111111-eu-west-1") in deployed[0] or context == "adopted"
    assert ("111111111111/eu-west-1", "AWS::Scheduler::ScheduleGroup", constants.PLAN_SCHEDULE_GROUP) in deployed[0]


def test_every_fixed_name_the_destroyed_stack_retained_is_not_declared_again_by_the_adopting_deploy(
    template: dict[str, Any], adopted: dict[str, Any]
) -> None:
    # Given the resources `cdk destroy` leaves behind under a fixed name (DeletionPolicy Retain)
    retained = {
        (resource["Type"], resolved(resource["Properties"].get(NAME_PROPERTY.get(resource["Type"], "")), "1", "r"))
        for resource in template["Resources"].values()
        if resource.get("DeletionPolicy") == "Retain" and resource["Type"] in NAME_PROPERTY
    }
    retained = {(kind, name) for kind, name in retained if name is not None}
    # Then they are the catalog: the table, the vault bucket and the default vault key's alias
    assert retained == {
        ("AWS::DynamoDB::Table", constants.CATALOG_TABLE_NAME),
        ("AWS::S3::Bucket", names.vault_bucket_name("1", "r")),
        ("AWS::KMS::Alias", names.DEFAULT_KEY_ALIAS),
    }
    # And the key itself is retained too (recovery points stay readable)
    assert all(
        r.get("DeletionPolicy") == "Retain"
        for r in reading.resources(template, "AWS::KMS::Key").values()
        if "default" in r["Properties"].get("Description", "").lower()
    )
    # And the adopting deploy declares none of them, nor the key: it would fail with "already exists"
    declared = {
        (
            resource["Type"],
            resolved(resource.get("Properties", {}).get(NAME_PROPERTY.get(resource["Type"], "")), "1", "r"),
        )
        for resource in adopted["Resources"].values()
    }
    assert not retained & declared
    assert not [
        r
        for r in reading.resources(adopted, "AWS::KMS::Key").values()
        if "default" in r["Properties"].get("Description", "").lower()
    ]


def test_the_adopting_deploy_points_every_function_at_the_retained_catalog(adopted: dict[str, Any]) -> None:
    for spec in constants.FUNCTIONS:
        variables = reading.function(adopted, spec)[1]["Environment"]["Variables"]
        # The very table, bucket and key the destroyed stack wrote recovery points with
        assert variables[constants.ENV_TABLE_NAME] == constants.CATALOG_TABLE_NAME
        assert variables[constants.ENV_DEFAULT_KEY_ARN] == KEY_ARN
        assert resolved(variables[constants.ENV_VAULT_BUCKET], "111111111111", "eu-west-1") == (
            "strongroom-vault-111111111111-eu-west-1"
        )
    # And each role may still read and write the table's indexes (grants follow the adopted table's name)
    statements = reading.statements_of_role(adopted, reading.role_id(adopted, constants.TRACK_JOBS))
    rendered = [resolved(r, "111111111111", "eu-west-1") for s in statements for r in reading.as_list(s["Resource"])]
    assert f"arn:aws:dynamodb:eu-west-1:111111111111:table/{constants.CATALOG_TABLE_NAME}/index/*" in rendered


def test_the_adopting_deploy_still_reconciles_plan_schedules_on_create(adopted: dict[str, Any]) -> None:
    # The destroy took every plan's schedules: the new stack must put them back as CloudFormation creates it.
    from infrastructure.constructs.scheduling import RECONCILE_ON_DEPLOY_TYPE

    (hook,) = reading.resources(adopted, RECONCILE_ON_DEPLOY_TYPE).values()
    assert hook["Properties"]["ServiceToken"] == reading.arn_of(
        reading.function_id(adopted, constants.RECONCILE_SCHEDULES)
    )


def test_the_key_to_adopt_is_a_stack_output(template: dict[str, Any]) -> None:
    # So `cdk deploy` prints what a later deploy onto this catalog needs
    assert names.DEFAULT_KEY_OUTPUT in template["Outputs"]


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({names.ADOPT_CATALOG_CONTEXT: "true"}, "describe-key --key-id alias/strongroom/default-vault"),
        (
            {
                names.ADOPT_CATALOG_CONTEXT: "true",
                names.ADOPT_CATALOG_KEY_ARN_CONTEXT: "alias/strongroom/default-vault",
            },
            "ARN",
        ),
        ({names.ADOPT_CATALOG_KEY_ARN_CONTEXT: KEY_ARN}, "only read with"),
    ],
)
def test_an_incomplete_adoption_stops_the_synth_saying_what_to_pass(context: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        adoption_from(context)


def test_without_the_context_the_stack_creates_its_catalog() -> None:
    assert adoption_from({}) is None
    assert adoption_from({names.ADOPT_CATALOG_CONTEXT: "false"}) is None
    adoption = adoption_from(ADOPT)
    assert adoption is not None and adoption.key_arn == KEY_ARN
