"""The Backup API: an IAM-authorized REST API proxying every route to the Api function, whose role may
touch the restore workflow, the scheduler role and plan rule schedules only where its environment points."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from infrastructure import constants, names
from infrastructure.constructs.api import THROTTLING_BURST_LIMIT, THROTTLING_RATE_LIMIT
from tests.infrastructure import reading


def _only(template: dict[str, Any], resource_type: str) -> tuple[str, dict[str, Any]]:
    found = reading.resources(template, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {len(found)}"
    ((logical_id, resource),) = found.items()
    return logical_id, resource


def _api_statements(template: dict[str, Any], action_prefix: str) -> list[dict[str, Any]]:
    """The Api role's statements granting any action of one service."""
    return [
        statement
        for statement in reading.statements_of_role(template, reading.role_id(template, constants.API))
        if any(action.startswith(action_prefix) for action in reading.as_list(statement["Action"]))
    ]


def _scheduler_role_id(template: dict[str, Any]) -> str:
    (role_id,) = [
        role_id
        for role_id, role in reading.resources(template, "AWS::IAM::Role").items()
        if role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
        == {"Service": "scheduler.amazonaws.com"}
    ]
    return role_id


# The Api function's late environment, and the resource each key must point at.
LATE_BINDINGS: dict[str, Callable[[dict[str, Any]], Any]] = {
    constants.ENV_RESTORE_STATE_MACHINE_ARN: lambda t: {"Ref": _only(t, "AWS::StepFunctions::StateMachine")[0]},
    constants.ENV_PLAN_SCHEDULE_GROUP: lambda t: {"Ref": _only(t, "AWS::Scheduler::ScheduleGroup")[0]},
    constants.ENV_SCHEDULER_ROLE_ARN: lambda t: reading.arn_of(_scheduler_role_id(t)),
    constants.ENV_START_BACKUPS_FUNCTION_ARN: lambda t: reading.arn_of(reading.function_id(t, constants.START_BACKUPS)),
    constants.ENV_AUDIT_EVALUATE_FUNCTION_ARN: lambda t: reading.arn_of(
        reading.function_id(t, constants.AUDIT_EVALUATE)
    ),
    constants.ENV_RESTORE_TESTING_FUNCTION_ARN: lambda t: reading.arn_of(
        reading.function_id(t, constants.RESTORE_TESTING)
    ),
}


def _roles_granting(template: dict[str, Any], action_prefix: str) -> set[str]:
    return {
        role_id
        for role_id in reading.resources(template, "AWS::IAM::Role")
        if any(a.startswith(action_prefix) for a in reading.actions(reading.statements_of_role(template, role_id)))
    }


def test_the_api_is_one_regional_rest_api(template: dict[str, Any]) -> None:
    _, api = _only(template, "AWS::ApiGateway::RestApi")
    assert api["Properties"]["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    assert api["Properties"]["Name"] == names.API_NAME


def test_every_method_requires_a_sigv4_signature(template: dict[str, Any]) -> None:
    # Given the API's methods: ANY on / and ANY on /{proxy+}, so every Backup route has a method
    api_id, _ = _only(template, "AWS::ApiGateway::RestApi")
    proxy_id, proxy = _only(template, "AWS::ApiGateway::Resource")
    assert proxy["Properties"]["PathPart"] == "{proxy+}"
    methods = [m["Properties"] for m in reading.resources(template, "AWS::ApiGateway::Method").values()]
    assert sorted(json.dumps(m["ResourceId"]) for m in methods) == sorted(
        json.dumps(resource) for resource in ({"Fn::GetAtt": [api_id, "RootResourceId"]}, {"Ref": proxy_id})
    )
    # Then each takes any HTTP method and requires IAM authorization: no route is open, none needs a key
    for method in methods:
        assert method["HttpMethod"] == "ANY"
        assert method["AuthorizationType"] == "AWS_IAM"
        assert not method.get("ApiKeyRequired", False)


def test_every_route_is_proxied_to_the_api_function(template: dict[str, Any]) -> None:
    # Given the Api function
    function_id = reading.function_id(template, constants.API)
    # Then every method hands the whole request to it (Lambda proxy), so the function sees path, query and body
    for method in reading.resources(template, "AWS::ApiGateway::Method").values():
        integration = method["Properties"]["Integration"]
        assert integration["Type"] == "AWS_PROXY"
        assert integration["IntegrationHttpMethod"] == "POST"
        assert reading.mentions(integration["Uri"], function_id)
    # And API Gateway may invoke that function only, from this API only
    api_id, _ = _only(template, "AWS::ApiGateway::RestApi")
    permissions = [
        p["Properties"]
        for p in reading.resources(template, "AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "apigateway.amazonaws.com"
    ]
    assert permissions
    for permission in permissions:
        assert permission["FunctionName"] == reading.arn_of(function_id)
        assert reading.mentions(permission["SourceArn"], api_id)


def test_the_stage_is_traced_throttled_and_access_logged(template: dict[str, Any]) -> None:
    # Given the API's one stage
    _, stage = _only(template, "AWS::ApiGateway::Stage")
    properties = stage["Properties"]
    # Then it is traced, throttled by default on every method, and logs errors
    assert properties["TracingEnabled"] is True
    (defaults,) = properties["MethodSettings"]
    assert (defaults["HttpMethod"], defaults["ResourcePath"]) == ("*", "/*")
    assert defaults["ThrottlingRateLimit"] == THROTTLING_RATE_LIMIT
    assert defaults["ThrottlingBurstLimit"] == THROTTLING_BURST_LIMIT
    assert defaults["LoggingLevel"] == "ERROR"
    assert defaults["DataTraceEnabled"] is False
    # And each request leaves a JSON access log line naming the caller and, for refusals, the reason
    access = properties["AccessLogSetting"]
    log_group_id = access["DestinationArn"]["Fn::GetAtt"][0]
    assert reading.resources(template, "AWS::Logs::LogGroup")[log_group_id]["Properties"]["RetentionInDays"]
    line = json.loads(access["Format"])
    assert {"$context.requestId", "$context.identity.userArn", "$context.status", "$context.error.message"} <= set(
        line.values()
    )


def test_the_stage_waits_for_the_account_logging_role(template: dict[str, Any]) -> None:
    # API Gateway refuses a stage with logging until the region's account settings name a CloudWatch role
    account_id, account = _only(template, "AWS::ApiGateway::Account")
    role_id = account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]
    role = reading.resources(template, "AWS::IAM::Role")[role_id]["Properties"]
    assert [s["Principal"] for s in role["AssumeRolePolicyDocument"]["Statement"]] == [
        {"Service": "apigateway.amazonaws.com"}
    ]
    _, stage = _only(template, "AWS::ApiGateway::Stage")
    assert account_id in stage["DependsOn"]
    # And the account setting outlives the stack: other APIs in the region may rely on it
    assert account["DeletionPolicy"] == "Retain"


def test_execution_logs_expire(template: dict[str, Any]) -> None:
    # Given the log group API Gateway writes execution logs to (it would create one kept forever otherwise)
    api_id, _ = _only(template, "AWS::ApiGateway::RestApi")
    _, stage = _only(template, "AWS::ApiGateway::Stage")
    expected_name = {"Fn::Join": ["", ["API-Gateway-Execution-Logs_", {"Ref": api_id}, f"/{names.API_STAGE_NAME}"]]}
    groups = {
        logical_id: group["Properties"]
        for logical_id, group in reading.resources(template, "AWS::Logs::LogGroup").items()
        if group["Properties"].get("LogGroupName") == expected_name
    }
    # Then the stack creates it, before the stage, with a retention
    ((group_id, group),) = groups.items()
    assert group["RetentionInDays"]
    assert group_id in stage["DependsOn"]


def test_api_may_start_executions_of_the_restore_state_machine_only(template: dict[str, Any]) -> None:
    # Given the Api role's Step Functions statements
    statements = _api_statements(template, "states:")
    # Then it may only start executions (StartRestoreJob), and only of the restore workflow
    (machine_id, _) = _only(template, "AWS::StepFunctions::StateMachine")
    assert reading.actions(statements) == {"states:StartExecution"}
    assert [r for s in statements for r in reading.as_list(s["Resource"])] == [{"Ref": machine_id}]


def test_api_may_pass_only_the_scheduler_role_and_only_to_scheduler(template: dict[str, Any]) -> None:
    # Given the Api role's IAM statements
    statements = _api_statements(template, "iam:PassRole")
    # Then it may pass exactly the scheduler role (not its own, nor any other), to EventBridge Scheduler only
    (statement,) = statements
    assert reading.as_list(statement["Action"]) == ["iam:PassRole"]
    assert statement["Resource"] == reading.arn_of(_scheduler_role_id(template))
    assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}
    # And the only other roles that may pass a role are RestoreStart's, to EC2 only (test_resource_permissions.py),
    # and ReconcileSchedules', TrackJobs' and Lifecycle's, the scheduler role to Scheduler only
    # (test_reconcile_schedules_stack.py, test_audit_stack.py)
    assert _roles_granting(template, "iam:PassRole") == {
        reading.role_id(template, constants.API),
        reading.role_id(template, constants.RESTORE_START),
        reading.role_id(template, constants.RECONCILE_SCHEDULES),
        reading.role_id(template, constants.TRACK_JOBS),
        reading.role_id(template, constants.LIFECYCLE),
    }


def test_api_may_ask_iam_about_its_callers_and_nothing_more(template: dict[str, Any]) -> None:
    # Given per-operation authorization (lambdas/api/authorization.py): the Api simulates the caller's policies
    statements = [s for s in _api_statements(template, "iam:") if "iam:PassRole" not in reading.as_list(s["Action"])]
    # Then beyond PassRole it may simulate users' and roles' policies, find roles and read instance profiles: no
    # write, and never Resource "*"
    assert reading.actions(statements) == {"iam:SimulatePrincipalPolicy", "iam:GetRole", "iam:GetInstanceProfile"}
    for statement in statements:
        assert "*" not in reading.as_list(statement["Resource"])
    (simulate,) = [s for s in statements if "iam:SimulatePrincipalPolicy" in reading.as_list(s["Action"])]
    assert ":user/*" in json.dumps(simulate["Resource"]) and ":role/*" in json.dumps(simulate["Resource"])


def test_api_may_manage_schedules_only_in_the_plan_group(template: dict[str, Any]) -> None:
    # Given the plan schedule group and the Api role's Scheduler statements
    group_id, group = _only(template, "AWS::Scheduler::ScheduleGroup")
    assert group["Properties"]["Name"] == constants.PLAN_SCHEDULE_GROUP
    statements = _api_statements(template, "scheduler:")
    # Then it may create, update, delete and read schedules...
    assert reading.actions(statements) == {
        "scheduler:CreateSchedule",
        "scheduler:UpdateSchedule",
        "scheduler:DeleteSchedule",
        "scheduler:GetSchedule",
    }
    # ...only those in the plan group (never the fixed track-jobs and lifecycle schedules, in the default group)
    resources = [r for s in statements for r in reading.as_list(s["Resource"])]
    assert resources == [
        {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    {"Ref": "AWS::Partition"},
                    ":scheduler:",
                    {"Ref": "AWS::Region"},
                    ":",
                    {"Ref": "AWS::AccountId"},
                    ":schedule/",
                    {"Ref": group_id},
                    "/*",
                ],
            ]
        }
    ]
    # And no other function's role may touch schedules but the reconcile's (test_reconcile_schedules_stack.py) and
    # those asking for a compliance evaluation, on that one schedule (test_audit_stack.py)
    assert _roles_granting(template, "scheduler:") == {
        reading.role_id(template, constants.API),
        reading.role_id(template, constants.RECONCILE_SCHEDULES),
        reading.role_id(template, constants.TRACK_JOBS),
        reading.role_id(template, constants.LIFECYCLE),
    }


def test_the_late_keys_are_exactly_those_the_api_spec_adds() -> None:
    assert set(LATE_BINDINGS) == set(constants.API.env_keys) - set(constants.COMMON_ENV)


@pytest.mark.parametrize("key", sorted(LATE_BINDINGS))
def test_api_environment_points_at_the_deployed_resources(template: dict[str, Any], key: str) -> None:
    # Given the Api function's environment (lambdas/common/config.py reads these at cold start)
    variables = reading.function(template, constants.API)[1]["Environment"]["Variables"]
    # Then each late key names the resource of this stack it stands for, so plan schedules target StartBackups
    # through the scheduler role, in the plan group, and restores run the restore workflow
    assert variables[key] == LATE_BINDINGS[key](template)


def test_the_endpoint_is_an_output_at_the_stage_url(template: dict[str, Any]) -> None:
    # Given the stack's outputs
    output = template["Outputs"][names.API_ENDPOINT_OUTPUT]
    api_id, _ = _only(template, "AWS::ApiGateway::RestApi")
    stage_id, stage = _only(template, "AWS::ApiGateway::Stage")
    # Then BackupApiEndpoint is the stage's URL, the one to pass as --endpoint-url
    assert output["Value"] == {
        "Fn::Join": [
            "",
            [
                "https://",
                {"Ref": api_id},
                ".execute-api.",
                {"Ref": "AWS::Region"},
                ".",
                {"Ref": "AWS::URLSuffix"},
                "/",
                {"Ref": stage_id},
                "/",
            ],
        ]
    }
    assert stage["Properties"]["StageName"] == names.API_STAGE_NAME
    # And it is the only output with the URL (no second, differently named copy of it)
    others = [output for key, output in template["Outputs"].items() if key != names.API_ENDPOINT_OUTPUT]
    assert not [other for other in others if reading.mentions(other, api_id)]
