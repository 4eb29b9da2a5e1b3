"""Acknowledging cdk-nag findings next to the resources they concern, always with a reason.

cdk-nag v3 reports through CDK's validation plugins: an unacknowledged finding fails the synth.
Each finding is acknowledged on its own, e.g. `AwsSolutions::AwsSolutions-IAM5[Resource::*]`.
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct

PACK = "AwsSolutions"


def finding_id(rule: str, finding: str | None = None) -> str:
    """The id cdk-nag reports: `AwsSolutions::AwsSolutions-L1`, `AwsSolutions::AwsSolutions-IAM5[Resource::*]`."""
    return f"{PACK}::{PACK}-{rule}" + (f"[{finding}]" if finding else "")


def acknowledge(construct: IConstruct, rule: str, reason: str, finding: str | None = None) -> None:
    """Acknowledge one cdk-nag finding on a construct and its children."""
    Validations.of(construct).acknowledge(Acknowledgment(id=finding_id(rule, finding), reason=reason))


def printed(scope: IConstruct, value: Any) -> str:
    """How cdk-nag prints a (possibly intrinsic) value in a finding: `Ref` -> `<Id>`, `GetAtt` -> `<Id.Attr>`.

    The same flattening as cdk-nag's `flattenCfnReference`, so a finding can be acknowledged by what it names.
    """
    return _flatten(Stack.of(scope).resolve(value))


def _flatten(node: Any) -> str:
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return str(delimiter).join(_flatten(item) for item in items)
        if "Fn::Sub" in node:
            return _flatten(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{_flatten(resource)}.{_flatten(attribute)}>"
        if "Fn::ImportValue" in node:
            return _flatten(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{_flatten(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))
