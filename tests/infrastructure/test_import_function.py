"""The import of backups services made themselves: AWS Backup's API has no operation for it, so it is a function
of its own, invoked on demand (nothing schedules it), named in a stack output, and read-only on the resources."""

from __future__ import annotations

import json
from typing import Any

from infrastructure import constants, names
from tests.infrastructure import reading

READ_VERBS = ("Describe", "List", "Get")


def test_the_import_function_runs_its_handler_and_the_stack_names_it(template: dict[str, Any]) -> None:
    function_id, function = reading.function(template, constants.IMPORT_NATIVE_BACKUPS)
    assert function["Handler"] == "lambdas.handlers.import_native_backups.handler"
    assert template["Outputs"][names.IMPORT_FUNCTION_OUTPUT]["Value"] == {"Ref": function_id}


def test_nothing_schedules_or_triggers_the_import(template: dict[str, Any]) -> None:
    function_id = reading.function_id(template, constants.IMPORT_NATIVE_BACKUPS)
    for kind in ("AWS::Scheduler::Schedule", "AWS::Events::Rule", "AWS::Lambda::Permission"):
        for resource in reading.resources(template, kind).values():
            assert not reading.mentions(resource["Properties"], function_id), kind
    # And the scheduler's role may not invoke it either
    for policy in reading.resources(template, "AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if "lambda:InvokeFunction" in reading.as_list(statement["Action"]):
                assert not reading.mentions(statement["Resource"], function_id)


# The native locks a locked vault puts on the snapshots of the points imported into it (constructs/locks.py).
IMPORTED_POINTS_LOCKED = {
    "ec2:LockSnapshot",
    "ec2:UnlockSnapshot",
    "ec2:CreateTags",
    "ec2:DeleteTags",
}


def test_the_import_may_only_read_resources_and_their_backups(template: dict[str, Any]) -> None:
    statements = reading.statements_of_role(template, reading.role_id(template, constants.IMPORT_NATIVE_BACKUPS))
    (table_id,) = reading.resources(template, "AWS::DynamoDB::Table")
    for statement in statements:
        if reading.mentions(statement["Resource"], table_id):
            continue  # the catalog, where the recovery points are written
        for action in reading.as_list(statement["Action"]):
            service, verb = action.split(":", 1)
            if service in ("logs", "xray"):
                continue
            if action in IMPORTED_POINTS_LOCKED:
                continue  # a point imported into a locked vault gets its snapshot locked too (docs/locks.md)
            assert verb.startswith(READ_VERBS), (statement.get("Sid"), action)
    # It publishes no job events: there is no job
    actions = reading.actions(statements)
    assert not {"events:PutEvents", "sns:Publish"} & actions
    assert "tag:GetResources" in actions  # plans select resources by tag too
    # The native backups it lists: AMIs (and the snapshots CreateImage made), DB and cluster snapshots, ...
    assert {"ec2:DescribeImages", "ec2:DescribeSnapshots", "rds:DescribeDBSnapshots"} <= actions
    assert {"rds:DescribeDBClusterSnapshots", "dynamodb:ListBackups"} <= actions
    assert '"*"' in json.dumps([s["Resource"] for s in statements])  # Describe calls IAM cannot scope
