"""Copies in the stack: the functions that run copy jobs may share and copy native backups into any Region
and assume other accounts' copy-destination role, and no other function may; a deployment that accepts
copies from other accounts offers exactly those accounts a role of a known name."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infrastructure import constants
from infrastructure.constructs.copy_destination import source_accounts_from
from tests.infrastructure import reading

COPY_ACTIONS = (
    "ec2:CopySnapshot",
    "ec2:CopyImage",
    "rds:CopyDBSnapshot",
    "rds:CopyDBClusterSnapshot",
    "fsx:CopyBackup",
)
RUNS_COPIES = {constants.TRACK_JOBS.key, constants.API.key}


def _actions(template: dict[str, Any], spec: constants.FunctionSpec) -> set[str]:
    return reading.actions(reading.statements_of_role(template, reading.role_id(template, spec)))


@pytest.mark.parametrize("spec", constants.FUNCTIONS, ids=lambda spec: spec.key)
def test_only_the_functions_that_run_copy_jobs_may_copy(template: dict[str, Any], spec: constants.FunctionSpec) -> None:
    actions = _actions(template, spec)
    if spec.key in RUNS_COPIES:
        assert set(COPY_ACTIONS) <= actions and "sts:AssumeRole" in actions
    else:
        assert not (set(COPY_ACTIONS) | {"sts:AssumeRole"}) & actions


def test_other_accounts_are_reached_only_through_their_copy_destination_role(template: dict[str, Any]) -> None:
    statements = reading.statements_of_role(template, reading.role_id(template, constants.TRACK_JOBS))
    [assume] = [s for s in statements if "sts:AssumeRole" in reading.as_list(s["Action"])]
    resources = json.dumps(assume["Resource"])
    assert f"role/{constants.copy_destination_role_name('*')}" in resources and "iam::*:" in resources


def test_the_catalog_table_has_the_name_copies_look_for(template: dict[str, Any]) -> None:
    [table] = reading.resources(template, "AWS::DynamoDB::Table").values()
    assert table["Properties"]["TableName"] == constants.CATALOG_TABLE_NAME


def _is_copy_destination(role: dict[str, Any]) -> bool:
    return constants.COPY_DESTINATION_ROLE_PREFIX in json.dumps(role["Properties"].get("RoleName", ""))


def test_without_copy_source_accounts_no_account_may_copy_in(template: dict[str, Any]) -> None:
    roles = reading.resources(template, "AWS::IAM::Role").values()
    assert not any(_is_copy_destination(r) for r in roles)


def test_with_copy_source_accounts_exactly_those_accounts_may_copy_in(
    with_sources: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    template, report = with_sources
    [role] = [r for r in reading.resources(template, "AWS::IAM::Role").values() if _is_copy_destination(r)]
    trusted = json.dumps(role["Properties"]["AssumeRolePolicyDocument"])
    assert "111111111111" in trusted and "222222222222" in trusted and "lambda.amazonaws.com" not in trusted
    (plugin,) = [p for p in report["pluginReports"] if p["pluginName"] == "AwsSolutions"]
    assert plugin["violations"] == []


@pytest.mark.parametrize(
    ("context", "accounts"),
    [
        (None, []),
        ("", []),
        ("111111111111", ["111111111111"]),
        (["111111111111", "222222222222 "], ["111111111111", "222222222222"]),
    ],
)
def test_copy_source_accounts_are_read_from_a_list_or_a_comma_string(context: object, accounts: list[str]) -> None:
    assert source_accounts_from(context) == accounts


def test_a_malformed_copy_source_account_is_refused_at_synth() -> None:
    with pytest.raises(ValueError, match="12-digit"):
        source_accounts_from("12345")
