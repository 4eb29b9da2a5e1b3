"""A later function (the Backup API) gets the extra environment its spec lists, and only that."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from infrastructure import constants
from infrastructure.constructs.engine import environment_for, powertools_layer_arn
from infrastructure.constructs.permissions import FunctionAccess
from infrastructure.synth import build_app, stack_template

API_LIKE = constants.FunctionSpec(
    key="ApiLike",
    handler="lambdas.handlers.api_like.handler",
    env_keys=(
        *constants.COMMON_ENV,
        constants.ENV_RESTORE_STATE_MACHINE_ARN,
        constants.ENV_PLAN_SCHEDULE_GROUP,
        constants.ENV_SCHEDULER_ROLE_ARN,
        constants.ENV_START_BACKUPS_FUNCTION_ARN,
    ),
    timeout_seconds=30,
    description="A function listing the run-time keys",
)


@pytest.fixture(scope="module")
def extended_template() -> dict[str, Any]:
    # Given the stack, with the values only known once the workflow and scheduler exist
    app, stack = build_app({constants_key(): "31"})
    engine = stack.engine
    engine.provide_environment(
        constants.ENV_RESTORE_STATE_MACHINE_ARN, stack.restore_workflow.state_machine.state_machine_arn
    )
    engine.provide_environment(constants.ENV_PLAN_SCHEDULE_GROUP, constants.PLAN_SCHEDULE_GROUP)
    engine.provide_environment(constants.ENV_SCHEDULER_ROLE_ARN, stack.scheduling.role.role_arn)
    engine.provide_environment(
        constants.ENV_START_BACKUPS_FUNCTION_ARN,
        engine.functions[constants.START_BACKUPS.key].function_arn,
    )
    # When a function whose spec lists them is added
    engine.add_function(API_LIKE, FunctionAccess(lambda _arns: [], publishes_job_events=False))
    return stack_template(app.synth())


def constants_key() -> str:
    from infrastructure import names

    return names.POWERTOOLS_LAYER_VERSION_CONTEXT


def test_added_function_gets_exactly_its_spec_keys(extended_template: dict[str, Any]) -> None:
    template = Template.from_json(extended_template)
    functions = template.find_resources("AWS::Lambda::Function", {"Properties": {"Handler": API_LIKE.handler}})
    ((_, function),) = functions.items()
    variables = function["Properties"]["Environment"]["Variables"]
    # Then it has exactly its keys, with the run-time values
    assert set(variables) == set(API_LIKE.env_keys)
    assert variables[constants.ENV_PLAN_SCHEDULE_GROUP] == constants.PLAN_SCHEDULE_GROUP
    assert "Ref" in variables[constants.ENV_RESTORE_STATE_MACHINE_ARN]
    # And the engine functions did not gain those keys
    (start_backups,) = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": constants.START_BACKUPS.handler}}
    ).values()
    assert set(start_backups["Properties"]["Environment"]["Variables"]) == set(constants.START_BACKUPS.env_keys)


def test_layer_version_comes_from_context(extended_template: dict[str, Any]) -> None:
    (function,) = (
        Template.from_json(extended_template)
        .find_resources("AWS::Lambda::Function", {"Properties": {"Handler": API_LIKE.handler}})
        .values()
    )
    assert "AWSLambdaPowertoolsPythonV3-python312-arm64:31" in str(function["Properties"]["Layers"])


def test_a_key_nobody_provided_is_a_synth_error_not_a_silent_gap() -> None:
    # Given a spec listing a key the stack never provided
    # When its environment is computed
    # Then synth stops and names the key
    with pytest.raises(ValueError, match=constants.ENV_SCHEDULER_ROLE_ARN):
        environment_for(API_LIKE, {key: "x" for key in constants.COMMON_ENV})


def test_layer_arn_names_the_v3_python312_arm64_layer() -> None:
    assert (
        powertools_layer_arn("27", "eu-west-1")
        == "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-arm64:27"
    )
