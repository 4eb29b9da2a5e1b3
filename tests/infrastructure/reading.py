"""Reading a synthesized template the way the tests (and a reviewer) think about it."""

from __future__ import annotations

from typing import Any

from infrastructure import constants

Template = dict[str, Any]


def resources(template: Template, resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


def function(template: Template, spec: constants.FunctionSpec) -> tuple[str, dict[str, Any]]:
    """The AWS::Lambda::Function built from `spec` (handlers are unique), as (logical id, properties)."""
    found = [
        (logical_id, resource["Properties"])
        for logical_id, resource in resources(template, "AWS::Lambda::Function").items()
        if resource["Properties"]["Handler"] == spec.handler
    ]
    assert len(found) == 1, f"expected one function with handler {spec.handler}, found {len(found)}"
    return found[0]


def function_id(template: Template, spec: constants.FunctionSpec) -> str:
    return function(template, spec)[0]


def arn_of(logical_id: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def role_id(template: Template, spec: constants.FunctionSpec) -> str:
    return function(template, spec)[1]["Role"]["Fn::GetAtt"][0]


def statements_of_role(template: Template, role_logical_id: str) -> list[dict[str, Any]]:
    """Every statement of every policy attached to the role: its inline AWS::IAM::Policy and the
    AWS::IAM::ManagedPolicy documents CDK splits off when the inline one would exceed IAM's size limit."""
    statements: list[dict[str, Any]] = []
    for policy_type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for policy in resources(template, policy_type).values():
            if {"Ref": role_logical_id} in policy["Properties"].get("Roles", []):
                statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def actions(statements: list[dict[str, Any]]) -> set[str]:
    return {action for statement in statements for action in as_list(statement["Action"])}


def mentions(value: Any, logical_id: str) -> bool:
    """Whether a (possibly intrinsic) value refers to the resource with this logical id."""
    return logical_id in repr(value)
