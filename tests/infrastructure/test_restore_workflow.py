"""Restore workflow: the state machine runs the shared ASL file with the restore functions' ARNs."""

from __future__ import annotations

import json
import re
from typing import Any

from infrastructure import constants
from tests.infrastructure import reading


def _state_machine(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    machines = reading.resources(template, "AWS::StepFunctions::StateMachine")
    assert len(machines) == 1
    ((logical_id, machine),) = machines.items()
    return logical_id, machine["Properties"]


def test_definition_is_the_shared_asl_file(template: dict[str, Any]) -> None:
    # Given the ASL file the local runtime also loads
    asl = constants.RESTORE_ASL_PATH.read_text(encoding="utf-8")
    # When we read the state machine's definition in the template
    _, machine = _state_machine(template)
    # Then it is that file, verbatim and inline (no S3 indirection)
    assert machine["DefinitionString"] == asl
    assert json.loads(machine["DefinitionString"]) == json.loads(asl)
    assert "DefinitionS3Location" not in machine


def test_every_placeholder_is_substituted_with_its_function_arn(template: dict[str, Any]) -> None:
    # Given the ${...} placeholders of the ASL file
    asl = constants.RESTORE_ASL_PATH.read_text(encoding="utf-8")
    placeholders = set(re.findall(r"\$\{(\w+)\}", asl))
    _, machine = _state_machine(template)
    substitutions = machine["DefinitionSubstitutions"]
    # Then each has a substitution (a missing one would deploy a literal "${...}" Resource)
    assert placeholders == set(substitutions) == set(constants.ASL_SUBSTITUTIONS)
    # And each is the ARN of the function its spec names
    for placeholder, spec in constants.ASL_SUBSTITUTIONS.items():
        assert substitutions[placeholder] == reading.arn_of(reading.function_id(template, spec))


def test_state_machine_is_standard_traced_and_logged(template: dict[str, Any]) -> None:
    _, machine = _state_machine(template)
    assert machine["StateMachineType"] == "STANDARD"
    assert machine["TracingConfiguration"] == {"Enabled": True}
    assert machine["LoggingConfiguration"]["Level"] == "ALL"
    assert machine["LoggingConfiguration"]["Destinations"]


def test_state_machine_may_invoke_only_the_restore_functions(template: dict[str, Any]) -> None:
    # Given the state machine's role
    _, machine = _state_machine(template)
    role_id = machine["RoleArn"]["Fn::GetAtt"][0]
    statements = reading.statements_of_role(template, role_id)
    # When we collect what it may invoke
    invoked = [
        resource
        for statement in statements
        if "lambda:InvokeFunction" in reading.as_list(statement["Action"])
        for resource in reading.as_list(statement["Resource"])
    ]
    # Then exactly the three restore task functions, not the backup engine
    expected = [reading.arn_of(reading.function_id(template, spec)) for spec in constants.ASL_SUBSTITUTIONS.values()]
    assert sorted(map(json.dumps, invoked)) == sorted(map(json.dumps, expected))
    assert not [a for a in reading.actions(statements) if a.startswith("lambda:") and a != "lambda:InvokeFunction"]
