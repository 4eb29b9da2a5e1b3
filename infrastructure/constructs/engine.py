"""Engine: one Lambda function per constants.FUNCTIONS entry, each with its own least-privilege role.

A function is built as soon as every environment value its spec lists is known. Most are known when the
engine starts; the Backup API's (the restore state machine, the plan schedule group, the scheduler role)
exist only once the restore workflow and scheduling are built from the engine's functions, so the stack
provides them afterwards. Synth fails, naming the keys, if a function's environment is never complete.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import jsii
from aws_cdk import ArnFormat, CfnElement, Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ssm as ssm
from constructs import Construct, IValidation

from infrastructure import constants, names
from infrastructure.constructs.findings import explain
from infrastructure.constructs.nag import acknowledge, printed
from infrastructure.constructs.permissions import ACCESS, Arns, FunctionAccess


def powertools_layer_arn(scope: Construct, override: str | None) -> str:
    """The public Powertools layer of the version the tests run (lambdas/requirements.txt), for the runtime, on
    ARM64: the ARN Powertools publishes in the deployment's Region (an SSM parameter resolved at deploy time),
    or the one the `powertools_layer_arn` context names."""
    if override:
        return override
    version = names.pinned_version("aws-lambda-powertools")
    parameter = names.powertools_layer_parameter(constants.LAMBDA_RUNTIME, version)
    return ssm.StringParameter.value_for_string_parameter(scope, parameter)


# Environment values that are ARNs of the engine's own functions: provided as soon as that function exists.
OWN_FUNCTION_ARNS: dict[str, constants.FunctionSpec] = {
    constants.ENV_START_BACKUPS_FUNCTION_ARN: constants.START_BACKUPS,
    constants.ENV_AUDIT_EVALUATE_FUNCTION_ARN: constants.AUDIT_EVALUATE,
    constants.ENV_RESTORE_TESTING_FUNCTION_ARN: constants.RESTORE_TESTING,
}


def missing_environment(spec: constants.FunctionSpec, values: Mapping[str, str]) -> list[str]:
    return [key for key in spec.env_keys if key not in values]


def environment_for(spec: constants.FunctionSpec, values: Mapping[str, str]) -> dict[str, str]:
    """Exactly the variables the spec lists; a key nobody provided is a bug in the stack."""
    missing = missing_environment(spec, values)
    if missing:
        raise ValueError(f"{spec.key} needs environment {missing}; provide them with Engine.provide_environment()")
    return {key: values[key] for key in spec.env_keys}


class Engine(Construct):
    """The Lambda functions of the backup engine, the restore workflow and the Backup API."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        table: dynamodb.ITable,
        event_bus: events.IEventBus,
        default_key: kms.IKey,
        vault_bucket: s3.IBucket,
        layer_arn: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._table = table
        self._event_bus = event_bus
        self._arns = Arns(self)
        self._environment: dict[str, str] = {
            constants.ENV_TABLE_NAME: table.table_name,
            constants.ENV_EVENT_BUS_NAME: event_bus.event_bus_name,
            constants.ENV_DEFAULT_KEY_ARN: default_key.key_arn,
            constants.ENV_VAULT_BUCKET: vault_bucket.bucket_name,
            constants.ENV_POWERTOOLS_SERVICE_NAME: constants.SERVICE_NAME,
            constants.ENV_POWERTOOLS_METRICS_NAMESPACE: constants.METRICS_NAMESPACE,
        }
        self._runtime = lambda_.Runtime(constants.LAMBDA_RUNTIME, lambda_.RuntimeFamily.PYTHON)
        self._code = lambda_.Code.from_asset(str(names.PROJECT_ROOT), exclude=list(names.LAMBDA_ASSET_EXCLUDES))
        self._powertools = lambda_.LayerVersion.from_layer_version_arn(
            self, "PowertoolsLayer", powertools_layer_arn(self, layer_arn)
        )
        self.functions: dict[str, lambda_.Function] = {}
        self.roles: dict[str, iam.Role] = {}
        self._pending: list[constants.FunctionSpec] = list(constants.FUNCTIONS)
        self.node.add_validation(_EveryFunctionBuilt(self._pending, self._environment))
        self._build_ready_functions()

    @property
    def code(self) -> lambda_.Code:
        """The one code asset (the lambdas/ package) every Strongroom function runs, the EFS movers included."""
        return self._code

    @property
    def powertools_layer(self) -> lambda_.ILayerVersion:
        return self._powertools

    @property
    def runtime(self) -> lambda_.Runtime:
        return self._runtime

    def provide_environment(self, values: Mapping[str, str]) -> None:
        """Make values (a state machine ARN, a role ARN...) available to functions whose spec lists them,
        and build every function whose environment is now complete."""
        for key, value in values.items():
            if key in self._environment and self._environment[key] != value:
                raise ValueError(f"{key} was already provided with another value")
            self._environment[key] = value
        self._build_ready_functions()

    def _build_ready_functions(self) -> None:
        # One at a time, in spec order: building one may complete another's environment (its ARN).
        while ready := [spec for spec in self._pending if not missing_environment(spec, self._environment)]:
            self._pending.remove(ready[0])
            self.add_function(ready[0], ACCESS[ready[0].key])

    def add_function(self, spec: constants.FunctionSpec, access: FunctionAccess) -> lambda_.Function:
        """Build one function from its spec, with a role holding exactly `access`."""
        environment = environment_for(spec, self._environment)
        role = iam.Role(
            self,
            f"{spec.key}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Strongroom {spec.key} function",
            # Other accounts' copy destination roles trust the roles under this path only.
            path=constants.COPY_SOURCE_ROLE_PATH if access.runs_copies else None,
        )
        log_group = logs.LogGroup(self, f"{spec.key}Logs", retention=names.LOG_RETENTION)
        log_group.grant_write(role)

        self._table.grant_read_write_data(role)
        statements = access.statements(self._arns, environment)
        if access.publishes_job_events:
            self._event_bus.grant_put_events_to(role)
            # Vault notification topics are the user's (PutBackupVaultNotifications): any topic of this account
            # and Region, none elsewhere (docs/least-privilege.md).
            topics = Stack.of(self).format_arn(service="sns", resource="*", arn_format=ArnFormat.NO_RESOURCE_NAME)
            statements.append(iam.PolicyStatement(sid="NotifyVaultTopics", actions=["sns:Publish"], resources=[topics]))
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
            environment=environment,
            tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group,
            role=role,
        )
        self._acknowledge_findings(role, function, statements)
        self.functions[spec.key] = function
        self.roles[spec.key] = role
        for key, owner in OWN_FUNCTION_ARNS.items():
            if owner.key == spec.key:
                self._environment[key] = function.function_arn
        return function

    def _acknowledge_findings(
        self, role: iam.Role, function: lambda_.Function, statements: list[iam.PolicyStatement]
    ) -> None:
        created = self._table.node.default_child
        # A created table's ARN is a GetAtt; an adopted one's (docs/deploying.md) is formatted from its name.
        indexes = (
            f"<{Stack.of(self).get_logical_id(cast(CfnElement, created))}.Arn>/index/*"
            if created is not None
            else printed(self, f"{self._table.table_arn}/index/*")
        )
        acknowledge(
            role,
            "IAM5",
            "Read/write on the catalog table includes its global secondary indexes (table/index/*).",
            f"Resource::{indexes}",
        )
        # Active tracing always adds X-Ray actions on "*", so every role has that finding.
        findings = self._arns.wildcard_findings(statements) | {"Resource::*"}
        for finding, reason in sorted(explain(Stack.of(self), statements, findings).items()):
            acknowledge(role, "IAM5", reason, finding)
        acknowledge(
            function,
            "L1",
            f"The runtime is pinned to {constants.LAMBDA_RUNTIME} (constants.LAMBDA_RUNTIME) to match the "
            "Powertools layer build and the local runtime; upgrade them together.",
        )


@jsii.implements(IValidation)
class _EveryFunctionBuilt:
    """Synth-time check: a spec whose environment was never completed is an error, not a missing function."""

    def __init__(self, pending: list[constants.FunctionSpec], environment: Mapping[str, str]) -> None:
        self._pending = pending
        self._environment = environment

    def validate(self) -> list[str]:
        return [
            f"{spec.key} was never built: it needs environment {missing_environment(spec, self._environment)}; "
            "provide them with Engine.provide_environment()"
            for spec in self._pending
        ]
