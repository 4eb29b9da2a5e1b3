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
from infrastructure.constructs.engine import Engine, environment_for
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
    )
    return app, engine


def test_functions_whose_environment_is_known_are_built_at_once_and_the_api_waits() -> None:
    # Given an engine that has not been told where the workflow and the plan schedules are
    _, engine = _engine_alone()
    # Then every function exists but the Api, StartBackups, ReconcileSchedules, TrackJobs, Lifecycle and
    # RestoreTesting, which wait for the workflow, the schedules and the batch queue (they would otherwise deploy
    # without their configuration)
    assert set(engine.functions) == {spec.key for spec in constants.FUNCTIONS} - {
        constants.API.key,
        constants.START_BACKUPS.key,
        constants.RECONCILE_SCHEDULES.key,
        constants.TRACK_JOBS.key,
        constants.LIFECYCLE.key,
        constants.RESTORE_TESTING.key,
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


CHINA_LAYER = "arn:aws-cn:lambda:cn-north-1:498634801083:layer:AWSLambdaPowertoolsPythonV3-python312-arm64:27"


@pytest.fixture(scope="module")
def template_with_named_layer() -> dict[str, Any]:
    app, _ = build_app({names.POWERTOOLS_LAYER_ARN_CONTEXT: CHINA_LAYER})
    return stack_template(app.synth())


def test_a_layer_named_in_context_replaces_the_published_one(template_with_named_layer: dict[str, Any]) -> None:
    # Given `-c powertools_layer_arn=...` (a Region where Powertools publishes no SSM parameter, e.g. China)
    functions = Template.from_json(template_with_named_layer).find_resources("AWS::Lambda::Function")
    engine_functions = [f for f in functions.values() if f["Properties"]["Handler"].startswith("lambdas.")]
    # Then every function, the late Api included, uses that layer, and no SSM parameter is looked up
    assert len(engine_functions) == len(constants.FUNCTIONS)
    for function in engine_functions:
        assert function["Properties"]["Layers"] == [CHINA_LAYER]
    assert not any("powertools" in name for name in template_with_named_layer.get("Parameters", {}))


def test_a_key_nobody_provided_is_a_synth_error_not_a_silent_gap() -> None:
    # Given a spec listing a key the stack never provided
    # When its environment is computed
    # Then synth stops and names the key
    with pytest.raises(ValueError, match=constants.ENV_SCHEDULER_ROLE_ARN):
        environment_for(constants.API, {key: "x" for key in constants.COMMON_ENV})


def test_the_layer_is_the_powertools_release_the_tests_run() -> None:
    """One Powertools version: the layer's (lambdas/requirements.txt), the project's pin, and the one installed."""
    from aws_lambda_powertools.shared.version import VERSION

    layer_version = names.pinned_version("aws-lambda-powertools")
    assert layer_version == VERSION
    assert layer_version == names.pinned_version("aws-lambda-powertools", names.PROJECT_ROOT / "requirements.txt")
    assert names.powertools_layer_parameter("python3.12", layer_version) == (
        f"/aws/service/powertools/python/arm64/python3.12/{VERSION}"
    )
