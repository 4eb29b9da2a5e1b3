"""Restore testing in the stack: the function deletes only restored copies (names with "-rt-"), never a source
nor a vault; the Api is told its ARN for the plans' schedules, which the scheduler role may invoke; the hourly
sweep runs on its schedule."""

from __future__ import annotations

import json
from typing import Any

from infrastructure import constants
from tests.infrastructure import reading

DESTRUCTIVE = {"dynamodb:DeleteTable", "s3:DeleteObjectVersion", "s3:DeleteBucket"}


def test_restore_testing_deletes_only_restored_copies(template: dict[str, Any]) -> None:
    # Given the RestoreTesting function's role
    statements = reading.statements_of_role(template, reading.role_id(template, constants.RESTORE_TESTING))
    deleting = [s for s in statements if DESTRUCTIVE & set(reading.as_list(s["Action"]))]
    # Then every statement that deletes names only resources carrying the restore test mark
    assert {a for s in deleting for a in reading.as_list(s["Action"])} == DESTRUCTIVE
    for statement in deleting:
        for resource in reading.as_list(statement["Resource"]):
            assert "*-rt-*" in json.dumps(resource), resource


def test_the_api_schedules_plans_that_invoke_restore_testing(template: dict[str, Any]) -> None:
    _, api = reading.function(template, constants.API)
    told = api["Environment"]["Variables"][constants.ENV_RESTORE_TESTING_FUNCTION_ARN]
    assert told == reading.arn_of(reading.function_id(template, constants.RESTORE_TESTING))
    schedules = {
        s["Properties"]["Name"]: s["Properties"]["ScheduleExpression"]
        for s in reading.resources(template, "AWS::Scheduler::Schedule").values()
    }
    assert schedules["strongroom-restore-testing-sweep"] == constants.RESTORE_TESTING_SWEEP_SCHEDULE == "rate(1 hour)"
