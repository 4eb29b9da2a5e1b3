"""Restore testing in the stack: the function deletes only restored copies (names with "-rt-", or the restore
job's tag), of every type, never a source nor a vault; the Api is told its ARN for the plans' schedules, which the
scheduler role may invoke; the hourly sweep runs on its schedule."""

from __future__ import annotations

import json
from typing import Any

from infrastructure import constants
from tests.infrastructure import reading

# What deletes a resource (or what is in it), of every type's restored copies (lambdas/resources/<type>/iam.py).
DESTRUCTIVE = {
    "dynamodb:DeleteTable",
    "s3:DeleteObjectVersion",
    "s3:DeleteBucket",
    "ec2:TerminateInstances",
    "ec2:DeleteVolume",
    "rds:DeleteDBInstance",
    "rds:DeleteDBCluster",
    "redshift:DeleteCluster",
    "elasticfilesystem:DeleteMountTarget",
    "elasticfilesystem:DeleteFileSystem",
    "fsx:DeleteFileSystem",
    "storagegateway:DeleteVolume",
}
RESTORED_TAG = "aws:ResourceTag/strongroom:restore-job-id"


def test_restore_testing_deletes_only_restored_copies(template: dict[str, Any]) -> None:
    # Given the RestoreTesting function's role
    statements = reading.statements_of_role(template, reading.role_id(template, constants.RESTORE_TESTING))
    deleting = [s for s in statements if DESTRUCTIVE & set(reading.as_list(s["Action"]))]
    # Then it may delete the restored copies of every type Strongroom backs up
    assert {a for s in deleting for a in reading.as_list(s["Action"])} == DESTRUCTIVE
    # And every statement that deletes names only resources carrying the restore test mark in their names, or is
    # conditioned on the restore job's tag, which only a restore puts on what it makes
    for statement in deleting:
        tagged = statement.get("Condition", {}).get("StringLike", {}).get(RESTORED_TAG) == "*"
        for resource in reading.as_list(statement["Resource"]):
            assert tagged or "*-rt-*" in json.dumps(resource), (statement["Sid"], resource)


def test_restore_testing_tags_only_a_restored_instances_volumes(template: dict[str, Any]) -> None:
    # Given the statement that lets RestoreTesting tag volumes (an EC2 copy's, before it is terminated)
    statements = reading.statements_of_role(template, reading.role_id(template, constants.RESTORE_TESTING))
    (tagging,) = [s for s in statements if "ec2:CreateTags" in reading.as_list(s["Action"])]
    # Then it tags only volumes, and only in a request that marks them as a restored instance's
    assert reading.as_list(tagging["Action"]) == ["ec2:CreateTags"]
    assert all(":volume/*" in json.dumps(r) for r in reading.as_list(tagging["Resource"]))
    assert tagging["Condition"] == {"StringLike": {"aws:RequestTag/strongroom:restored-with-instance": "i-*"}}


def test_the_api_schedules_plans_that_invoke_restore_testing(template: dict[str, Any]) -> None:
    _, api = reading.function(template, constants.API)
    told = api["Environment"]["Variables"][constants.ENV_RESTORE_TESTING_FUNCTION_ARN]
    assert told == reading.arn_of(reading.function_id(template, constants.RESTORE_TESTING))
    schedules = {
        s["Properties"]["Name"]: s["Properties"]["ScheduleExpression"]
        for s in reading.resources(template, "AWS::Scheduler::Schedule").values()
    }
    assert schedules["strongroom-restore-testing-sweep"] == constants.RESTORE_TESTING_SWEEP_SCHEDULE == "rate(1 hour)"
