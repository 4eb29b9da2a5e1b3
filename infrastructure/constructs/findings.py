"""Why each wildcard of a Strongroom role cannot be narrower: one reason per cdk-nag IAM5 finding.

A finding names one wildcard resource (`Resource::arn:<AWS::Partition>:ec2:<AWS::Region>::snapshot/*`) or action
(`Action::kms:ReEncrypt*`). The reason is chosen by what the wildcard stands for (the service and resource type of
the ARN, or the action), so a reviewer reads why THAT wildcard is there, not one paragraph for all of them.
An unknown wildcard has no reason: synth fails (UnexplainedWildcard) until one is written here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from aws_cdk import Stack
from aws_cdk import aws_iam as iam

from infrastructure.constructs.nag import printed
from lambdas.resources.types import TYPES

_BY_RESOURCE: dict[tuple[str, str], str] = {
    ("ec2", "snapshot"): "EBS snapshots (the recovery points of EBS, EC2 and Storage Gateway) get ids from EC2 at "
    "backup time; copies land in whatever Region a copy action names.",
    ("ec2", "image"): "AMIs (EC2 recovery points) get ids from EC2 at backup time; copies land in whatever Region a "
    "copy action names.",
    ("ec2", "volume"): "The volumes plans select, and those restores create, are the user's and chosen at run time.",
    ("ec2", "instance"): "The instances plans select, and those restores launch, are chosen at run time.",
    ("ec2", "subnet"): "A restored instance goes into the subnet its restore metadata names.",
    ("ec2", "network-interface"): "RunInstances creates the restored instance's network interface.",
    ("ec2", "security-group"): "A restored instance gets the security groups its restore metadata names.",
    ("ec2", "key-pair"): "A restored instance may get the key pair its restore metadata names.",
    ("ec2", "placement-group"): "A restored instance may go into the placement group its restore metadata names.",
    ("dynamodb", "table"): "The tables plans select, their backups (table/*/backup/*) and the tables restores create "
    "are named at run time; a copy reaches Strongroom's catalog table of its destination Region.",
    ("rds", "db"): "The DB instances plans select and restores create are named at run time.",
    ("rds", "cluster"): "The DB clusters (Aurora, DocumentDB, Neptune) plans select and restores create are named at "
    "run time.",
    ("rds", "snapshot"): "DB snapshots are recovery points named after their job; copies land in any Region.",
    ("rds", "cluster-snapshot"): "DB cluster snapshots are recovery points named after their job; copies land in any "
    "Region.",
    ("rds", "subgrp"): "A restore uses the DB subnet group its restore metadata names.",
    ("rds", "og"): "A restore uses the option group its restore metadata names.",
    ("rds", "pg"): "A restore uses the parameter group its restore metadata names.",
    ("rds", "cluster-pg"): "A restore uses the cluster parameter group its restore metadata names.",
    ("elasticfilesystem", "file-system"): "Restores create new EFS file systems, with ids EFS chooses.",
    ("fsx", "file-system"): "The FSx file systems plans select, and those restores create, are chosen at run time.",
    ("fsx", "backup"): "FSx backups are recovery points with ids FSx chooses; copies land in any Region.",
    ("storagegateway", "gateway"): "The Storage Gateway volumes plans select, and those restores create, are the "
    "user's gateways' volumes.",
    ("lambda", "function"): "EFS movers are the functions named strongroom-efs-mover-<file system id>.",
    ("iam", "role"): "Roles passed to EC2 (a restored instance's profile) only for ec2.amazonaws.com "
    "(iam:PassedToService); other accounts are reached only through their strongroom-copy-destination-<Region> role; "
    "the Api simulates the calling role's own policies (per-operation authorization), whichever role calls.",
    ("iam", "user"): "The Api simulates the calling user's own policies (per-operation authorization, "
    "iam:SimulatePrincipalPolicy), whichever user calls.",
    ("iam", "instance-profile"): "A restore's metadata may name any instance profile: it is read (GetInstanceProfile) "
    "to check that its role is marked for restores (path /strongroom-restore/).",
    ("scheduler", "schedule"): "Plan rule schedules are created at run time, only in Strongroom's plan schedule group.",
    ("kms", "key"): "Vault keys are chosen per vault at run time: only keys tagged strongroom:vault-key=true "
    "(aws:ResourceTag), only through the service that stores the data (kms:ViaService).",
    ("sns", ""): "Vault notification topics are the user's (PutBackupVaultNotifications): topics of this account and "
    "Region only.",
    ("logs", "log-group"): "A function writes its own log group's streams, named by Lambda at run time.",
}

# The types whose IAM is data in their spec give their own reasons (lambdas/resources/types.py).
_BY_RESOURCE.update({kind: reason for spec in TYPES for kind, reason in spec.wildcard_reasons.items()})

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
