"""Why each wildcard of a Strongroom role cannot be narrower: one reason per cdk-nag IAM5 finding.

A finding names one wildcard resource (`Resource::arn:<AWS::Partition>:ec2:<AWS::Region>::snapshot/*`) or action
(`Action::kms:ReEncrypt*`). The reason is chosen by what the wildcard stands for (the service and resource type of
the ARN, or the action), so a reviewer reads why THAT wildcard is there, not one paragraph for all of them.
A resource type's wildcards are explained by its own package (TypeSpec.wildcard_reasons), so no type is named
here. An unknown wildcard has no reason: synth fails (UnexplainedWildcard) until one is written, in the package of
the type whose grant it is, or here for the stack's own resources.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from aws_cdk import Stack
from aws_cdk import aws_iam as iam

from infrastructure.constructs.nag import printed
from lambdas.resources.spec import TypeSpec
from lambdas.resources.types import TYPES

# What every role may hold whatever the types: the stack's own resources. Each resource type's wildcards are
# explained by its package (TypeSpec.wildcard_reasons, lambdas/resources/<type>/spec.py), merged below.
_SHARED: dict[tuple[str, str], str] = {
    ("iam", "role"): "Roles passed to EC2 (a restored instance's profile) only for ec2.amazonaws.com "
    "(iam:PassedToService); other accounts are reached only through their strongroom-copy-destination-<Region> role; "
    "the Api simulates the calling role's own policies (per-operation authorization), whichever role calls.",
    ("iam", "user"): "The Api simulates the calling user's own policies (per-operation authorization, "
    "iam:SimulatePrincipalPolicy), whichever user calls.",
    ("scheduler", "schedule"): "Plan rule schedules are created at run time, only in Strongroom's plan schedule group.",
    ("kms", "key"): "Vault keys are chosen per vault at run time: only keys tagged strongroom:vault-key=true "
    "(aws:ResourceTag), only through the service that stores the data (kms:ViaService).",
    ("sns", ""): "Vault notification topics are the user's (PutBackupVaultNotifications): topics of this account and "
    "Region only.",
    ("logs", "log-group"): "A function writes its own log group's streams, named by Lambda at run time.",
}


def _merged_reasons(specs: Iterable[TypeSpec]) -> dict[tuple[str, str], str]:
    """The shared reasons, then every type's own; a kind two types grant must be explained alike by both (a shared
    grant block's reasons live beside it), else a reviewer would read one type's reason for another's wildcard."""
    merged = dict(_SHARED)
    given_by: dict[tuple[str, str], str] = {}
    for spec in specs:
        for kind, reason in spec.wildcard_reasons.items():
            if kind in given_by and merged[kind] != reason:
                raise ValueError(f"{spec.resource_type} and {given_by[kind]} explain the wildcard {kind} differently")
            merged[kind] = reason
            given_by[kind] = spec.resource_type
    return merged


_BY_RESOURCE = _merged_reasons(TYPES)

_BY_ACTION: dict[str, str] = {
    "kms:ReEncrypt*": "Copies and restores re-encrypt data keys from one key to another (ReEncryptFrom and "
    "ReEncryptTo), only through the storing service.",
    "kms:GenerateDataKey*": "EBS and RDS ask for GenerateDataKeyWithoutPlaintext, S3 for GenerateDataKey; only "
    "through the storing service.",
}

_S3_VAULT_PREFIXES = {
    "recovery-points": "Strongroom's vault bucket, under recovery-points/ only: recovery point data keyed by job id.",
    "restores": "Strongroom's vault bucket, under restores/ only: each restore's cursor, keyed by restore job id.",
}


def wildcard_kind(finding: str) -> tuple[str, ...]:
    """What a wildcard stands for: ("kms:ReEncrypt*",), ("*",), ("ec2", "snapshot"), ("s3", "recovery-points")..."""
    kind, _, value = finding.partition("::")
    if kind == "Action" or value == "*":
        return (value,)
    parts = re.sub(r"<AWS::(\w+)>", r"\1", value).split(":", 5)
    if len(parts) < 6:
        return (value,)
    service, resource = parts[2], parts[5]
    if service == "s3":
        for prefix in _S3_VAULT_PREFIXES:
            if f"/{prefix}/" in resource:
                return (service, prefix)
        return (service, "objects" if resource.endswith("/*") else "buckets")
    return (service, resource.split("/", 1)[0].split(":", 1)[0] if service != "sns" else "")


def _s3_reason(resource: str) -> str:
    """S3 is where Strongroom keeps its vaults' data (of every type that has none of its own) as well as a type:
    its buckets and objects are explained here, for both."""
    for prefix, reason in _S3_VAULT_PREFIXES.items():
        if f"/{prefix}/" in resource:
            return reason
    if resource.endswith("/*"):
        return (
            "Objects in the customer's buckets that plans select and restores name (S3 backups read their versions, "
            "restores write their destination bucket); never Strongroom's own recovery points (explicit Deny)."
        )
    return "The customer's buckets that plans select and restores name; Strongroom's vault buckets by name."


def reason_for(finding: str, actions_on_everything: Iterable[str] = ()) -> str | None:
    """The reason for one IAM5 finding, or None when this module has none."""
    kind, _, value = finding.partition("::")
    if kind == "Action":
        return _BY_ACTION.get(value)
    if value == "*":
        listed = ", ".join(sorted(set(actions_on_everything)))
        return f"IAM cannot scope these calls to a resource (Describe/List, X-Ray, tag:GetResources...): {listed}."
    parts = re.sub(r"<AWS::(\w+)>", r"\1", value).split(":", 5)
    if len(parts) < 6:
        return None
    service, resource = parts[2], parts[5]
    if service == "s3":
        return _s3_reason(resource)
    resource_type = resource.split("/", 1)[0].split(":", 1)[0] if service != "sns" else ""
    return _BY_RESOURCE.get((service, resource_type))


def explain(scope: Stack, statements: Iterable[iam.PolicyStatement], findings: Iterable[str]) -> dict[str, str]:
    """Each finding with its reason; an unexplained wildcard is a mistake, refused at synth."""
    on_everything = [
        action
        for statement in statements
        if statement.effect == iam.Effect.ALLOW and "*" in [printed(scope, r) for r in statement.resources]
        for action in statement.actions
    ]
    explained: dict[str, str] = {}
    for finding in findings:
        reason = reason_for(finding, on_everything)
        if reason is None:
            raise UnexplainedWildcard(f"no reason for the cdk-nag finding {finding}: add one to findings.py")
        explained[finding] = reason
    return explained


class UnexplainedWildcard(ValueError):
    """A role got a wildcard that nobody explained."""
