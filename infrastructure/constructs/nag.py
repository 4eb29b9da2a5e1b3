"""Acknowledging cdk-nag findings next to the resources they concern, always with a reason.

cdk-nag v3 reports through CDK's validation plugins: an unacknowledged finding fails the synth.
Each finding is acknowledged on its own, e.g. `AwsSolutions::AwsSolutions-IAM5[Resource::*]`.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct

PACK = "AwsSolutions"


def finding_id(rule: str, finding: str | None = None) -> str:
    """The id cdk-nag reports: `AwsSolutions::AwsSolutions-L1`, `AwsSolutions::AwsSolutions-IAM5[Resource::*]`."""
    return f"{PACK}::{PACK}-{rule}" + (f"[{finding}]" if finding else "")


def acknowledge(construct: IConstruct, rule: str, reason: str, finding: str | None = None) -> None:
    """Acknowledge one cdk-nag finding on a construct and its children."""
    Validations.of(construct).acknowledge(Acknowledgment(id=finding_id(rule, finding), reason=reason))
