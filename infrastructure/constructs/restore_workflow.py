"""Restore workflow: the Step Functions state machine defined by the shared ASL file."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infrastructure import constants, names
from infrastructure.constructs.nag import acknowledge


def restore_definition() -> str:
    """The ASL text, exactly as the local runtime reads it.

    Inlined (DefinitionString) rather than `DefinitionBody.from_file`, which uploads the file as an S3
    asset: inline, the template shows the definition and a test can compare it with the file.
    """
    return constants.RESTORE_ASL_PATH.read_text(encoding="utf-8")


class RestoreWorkflow(Construct):
    """StartRestoreJob starts this: start -> wait/poll loop -> finalize, terminal errors to one Catch."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.IFunction],
    ) -> None:
        super().__init__(scope, construct_id)

        tasks = {placeholder: functions[spec.key] for placeholder, spec in constants.ASL_SUBSTITUTIONS.items()}
        log_group = logs.LogGroup(self, "Logs", retention=names.LOG_RETENTION)
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            comment="Strongroom restore job",
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(restore_definition()),
            definition_substitutions={placeholder: function.function_arn for placeholder, function in tasks.items()},
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL),
        )
        self.state_machine.add_to_role_policy(
            iam.PolicyStatement(
                sid="InvokeRestoreTasks",
                actions=["lambda:InvokeFunction"],
                resources=[function.function_arn for function in tasks.values()],
            )
        )
        acknowledge(
            self.state_machine,
            "IAM5",
            "Only the wildcards Step Functions requires for X-Ray tracing and CloudWatch Logs delivery, "
            "which do not support resource-level permissions; Lambda invocation is scoped to the three "
            "restore task functions.",
            "Resource::*",
        )
