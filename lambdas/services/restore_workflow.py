"""Starts the restore state machine. The execution is named after the restore job, so a retried start is
answered with the execution that already runs, never a second one."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol

from botocore.exceptions import ClientError


class RestoreWorkflow(Protocol):
    def start(self, restore_job_id: str, correlation_id: str) -> str: ...


class StepFunctionsRestoreWorkflow:
    def __init__(self, stepfunctions: Callable[[], Any], state_machine_arn: str) -> None:
        self._sfn = stepfunctions
        self._arn = state_machine_arn

    def start(self, restore_job_id: str, correlation_id: str) -> str:
        try:
            response = self._sfn().start_execution(
                stateMachineArn=self._arn,
                name=restore_job_id,
                input=json.dumps({"restore_job_id": restore_job_id, "correlation_id": correlation_id}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ExecutionAlreadyExists":
                raise
            # started by an earlier attempt: its ARN follows from the state machine's and the name
            return self._arn.replace(":stateMachine:", ":execution:") + f":{restore_job_id}"
        return str(response["executionArn"])
