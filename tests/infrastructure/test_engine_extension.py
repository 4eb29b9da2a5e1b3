"""Functions whose environment is only known later (the Backup API) are built once it is complete, or synth fails."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from infrastructure import constants, names
from infrastructure.constructs.engine import Engine, environment_for, powertools_layer_arn
from infrastructure.synth import build_app, stack_template

LATE_KEYS = (
    constants.ENV_BACKUP_BATCH_QUEUE_URL,
    constants.ENV_RESTORE_STATE_MACHINE_ARN,
    constants.ENV_PLAN_SCHEDULE_GROUP,
    constants.ENV_SCHEDULER_ROLE_ARN,
)


def _engine_alone() -> tuple[App, Engine]:
    # An engine with nothing around it: no restore workflow, no scheduling.
    app = App()
    stack = Stack(app, "EngineAlone")
    engine = Engine(
        stack,
        "Engine",
        table=dynamodb.Table(
            stack, "Table", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
        ),
        event_bus=events.EventBus(stack, "Bus"),
        default_key=kms.Key(stack, "Key"),
        vault_bucket=s3.Bucket(stack, "VaultBucket"),
        layer_version="27",
    )
    return app, engine


def test_functions_whose_environment_is_known_are_built_at_once_and_the_api_waits() -> None:
    # Given an engine that has not been told where the workflow and the plan schedules are
    _, engine = _engine_alone()
    # Then every function exists but the Api, StartBackups and ReconcileSchedules, which wait for the workflow, the
    # schedules and the batch queue (they would otherwise deploy without their configuration)
    assert set(engine.functions) == {spec.key for spec in constants.FUNCTIONS} - {
        constants.API.key,
        constants.START_BACKUPS.key,
        constants.RECONCILE_SCHEDULES.key,
    }


def test_an_environment_never_completed_is_a_synth_error_naming_the_keys() -> None:
    # Given an engine whose Api function never got its run-time values
    app, _ = _engine_alone()
    # When the app is synthesized
    # Then synth stops, naming the function and the keys, instead of deploying without the Backup API
    with pytest.raises(Exception, match=f"Api was never built.*{constants.ENV_RESTORE_STATE_MACHINE_ARN}"):
        app.synth()


def test_providing_the_late_values_builds_the_api_with_the_start_backups_arn_the_engine_knows() -> None:
    # Given an engine alone
    _, engine = _engine_alone()
    # When the late values are provided (StartBackups' ARN is the engine's own, it needs no telling)
    engine.provide_environment({key: f"value-of-{key}" for key in LATE_KEYS})
    # Then the Api function exists
    assert constants.API.key in engine.functions


def test_a_value_cannot_change_once_provided() -> None:
    # Given an engine whose functions were built with the table's name
    _, engine = _engine_alone()
    # When another table name is provided
    # Then it is refused (the functions already built would keep the old one)
    with pytest.raises(ValueError, match=constants.ENV_TABLE_NAME):
        engine.provide_environment({constants.ENV_TABLE_NAME: "another-table"})


@pytest.fixture(scope="module")
def template_with_layer_31() -> dict[str, Any]:
    app, _ = build_app({names.POWERTOOLS_LAYER_VERSION_CONTEXT: "31"})
    return stack_template(app.synth())


def test_layer_version_comes_from_context(template_with_layer_31: dict[str, Any]) -> None:
    # Given `-c powertools_layer_version=31`
    functions = Template.from_json(template_with_layer_31).find_resources("AWS::Lambda::Function")
    engine_functions = [f for f in functions.values() if f["Properties"]["Handler"].startswith("lambdas.")]
    # Then every function, the late Api included, uses layer version 31
    assert len(engine_functions) == len(constants.FUNCTIONS)
    for function in engine_functions:
        assert "AWSLambdaPowertoolsPythonV3-python312-arm64:31" in str(function["Properties"]["Layers"])


def test_a_key_nobody_provided_is_a_synth_error_not_a_silent_gap() -> None:
    # Given a spec listing a key the stack never provided
    # When its environment is computed
    # Then synth stops and names the key
    with pytest.raises(ValueError, match=constants.ENV_SCHEDULER_ROLE_ARN):
        environment_for(constants.API, {key: "x" for key in constants.COMMON_ENV})


def test_layer_arn_names_the_v3_python312_arm64_layer() -> None:
    assert (
        powertools_layer_arn("27", "eu-west-1")
        == "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-arm64:27"
    )
