"""Engine: one Lambda function per constants.FUNCTIONS entry, each with its own least-privilege role."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from aws_cdk import CfnElement, Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infrastructure import constants, names
from infrastructure.constructs.nag import acknowledge
from infrastructure.constructs.permissions import ACCESS, WILDCARD_REASON, Arns, FunctionAccess


def powertools_layer_arn(layer_version: str, region: str) -> str:
    """The public Powertools for AWS Lambda (Python) v3 layer for the runtime, on ARM64."""
    runtime = constants.LAMBDA_RUNTIME.replace(".", "")  # python3.12 -> python312
    return (
        f"arn:aws:lambda:{region}:{names.POWERTOOLS_LAYER_ACCOUNT}:layer:"
        f"AWSLambdaPowertoolsPythonV3-{runtime}-arm64:{layer_version}"
    )


def environment_for(spec: constants.FunctionSpec, values: Mapping[str, str]) -> dict[str, str]:
    """Exactly the variables the spec lists; a key nobody provided is a bug in the stack."""
    missing = [key for key in spec.env_keys if key not in values]
    if missing:
        raise ValueError(f"{spec.key} needs environment {missing}; provide them with Engine.provide_environment()")
    return {key: values[key] for key in spec.env_keys}


class Engine(Construct):
    """The Lambda functions of the backup engine and the restore workflow."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        table: dynamodb.ITable,
        event_bus: events.IEventBus,
        default_key: kms.IKey,
        layer_version: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self._table = table
        self._event_bus = event_bus
        self._arns = Arns(self)
        self._environment: dict[str, str] = {
            constants.ENV_TABLE_NAME: table.table_name,
            constants.ENV_EVENT_BUS_NAME: event_bus.event_bus_name,
            constants.ENV_DEFAULT_KEY_ARN: default_key.key_arn,
            constants.ENV_POWERTOOLS_SERVICE_NAME: constants.SERVICE_NAME,
            constants.ENV_POWERTOOLS_METRICS_NAMESPACE: constants.METRICS_NAMESPACE,
        }
        self._runtime = lambda_.Runtime(constants.LAMBDA_RUNTIME, lambda_.RuntimeFamily.PYTHON)
        self._code = lambda_.Code.from_asset(str(names.PROJECT_ROOT), exclude=list(names.LAMBDA_ASSET_EXCLUDES))
        self._powertools = lambda_.LayerVersion.from_layer_version_arn(
            self, "PowertoolsLayer", powertools_layer_arn(layer_version, Stack.of(self).region)
        )
        self.functions: dict[str, lambda_.Function] = {}
        self.roles: dict[str, iam.Role] = {}
        for spec in constants.FUNCTIONS:
            self.add_function(spec, ACCESS[spec.key])

    def provide_environment(self, key: str, value: str) -> None:
        """Make a value (a state machine ARN, a role ARN...) available to functions whose spec lists it."""
        self._environment[key] = value

    def add_function(self, spec: constants.FunctionSpec, access: FunctionAccess) -> lambda_.Function:
        """Build one function from its spec, with a role holding exactly `access`."""
        role = iam.Role(
            self,
            f"{spec.key}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Strongroom {spec.key} function",
        )
        log_group = logs.LogGroup(self, f"{spec.key}Logs", retention=names.LOG_RETENTION)
        log_group.grant_write(role)

        self._table.grant_read_write_data(role)
        statements = access.statements(self._arns)
        if access.publishes_job_events:
            self._event_bus.grant_put_events_to(role)
            statements.append(iam.PolicyStatement(sid="NotifyVaultTopics", actions=["sns:Publish"], resources=["*"]))
        for statement in statements:
            role.add_to_policy(statement)

        function = lambda_.Function(
            self,
            spec.key,
            description=spec.description,
            handler=spec.handler,
            runtime=self._runtime,
            architecture=lambda_.Architecture.ARM_64,
            code=self._code,
            layers=[self._powertools],
            timeout=Duration.seconds(spec.timeout_seconds),
            memory_size=spec.memory_mb,
            environment=environment_for(spec, self._environment),
            tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group,
            role=role,
        )
        self._acknowledge_findings(role, function, self._arns.wildcard_findings(statements))
        self.functions[spec.key] = function
        self.roles[spec.key] = role
        return function

    def _acknowledge_findings(self, role: iam.Role, function: lambda_.Function, wildcards: set[str]) -> None:
        table_id = Stack.of(self).get_logical_id(cast(CfnElement, self._table.node.default_child))
        acknowledge(
            role,
            "IAM5",
            "Read/write on the catalog table includes its global secondary indexes (table/index/*).",
            f"Resource::<{table_id}.Arn>/index/*",
        )
        # Active tracing always adds X-Ray actions on "*"; other uses of "*" come from `statements`.
        acknowledge(
            role,
            "IAM5",
            WILDCARD_REASON
            if "Resource::*" in wildcards
            else "X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) cannot be scoped to a resource.",
            "Resource::*",
        )
        for finding in sorted(wildcards - {"Resource::*"}):
            acknowledge(role, "IAM5", WILDCARD_REASON, finding)
        acknowledge(
            function,
            "L1",
            f"The runtime is pinned to {constants.LAMBDA_RUNTIME} (constants.LAMBDA_RUNTIME) to match the "
            "Powertools layer build and the local runtime; upgrade them together.",
        )
