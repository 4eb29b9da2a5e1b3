"""EFS movers: one Lambda function per protected file system, `strongroom-efs-mover-<file system id>`, with the
file system mounted at /mnt/efs through an access point. The engine invokes it by that name to copy the file
system's files into the vault bucket and back (lambdas/resources/efs/, lambdas/handlers/efs_mover.py).

The file systems come from the `efs_file_systems` context value, a JSON list (in cdk.json, or on the command line
as `-c efs_file_systems='[...]'`), one entry per file system:

    {"fileSystemId": "fs-0123456789abcdef0",
     "accessPointArn": "arn:aws:elasticfilesystem:eu-west-1:111111111111:access-point/fsap-0123456789abcdef0",
     "subnetIds": ["subnet-0123456789abcdef0"],
     "securityGroupIds": ["sg-0123456789abcdef0"]}

The access point must belong to the file system (its POSIX user owns what a restore writes, and its root
directory is what is backed up). The subnets are where the function's network interfaces go: subnets of the
file system's VPC that reach one of its mount targets, and S3 (a gateway endpoint or a NAT). The security
groups are the function's: the mount targets' security group must let them in on NFS (TCP 2049). The stack
changes no security group and no file system policy of yours; it validates the entries (a malformed one stops
the synth, naming it) but cannot check them against the account at synth time.

Each mover has its own role: the vault bucket's recovery-points/ and restores/ prefixes (read and write), the
default vault key through S3, ClientMount/ClientWrite on its file system through its access point only, and the
network interfaces Lambda makes in its subnets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from aws_cdk import Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_efs as efs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infrastructure import constants, names
from infrastructure.constructs.arns import Arns
from infrastructure.constructs.findings import reason_for, wildcard_kind
from infrastructure.constructs.nag import acknowledge, printed
from infrastructure.constructs.permissions import vault_storage
from infrastructure.constructs.resource_access import allow
from lambdas.resources.efs.mover import MOUNT_PATH

_FILE_SYSTEM_ID = re.compile(r"^fs-[0-9a-f]{8,40}$")
_ACCESS_POINT_ARN = re.compile(
    r"^arn:aws[a-z-]*:elasticfilesystem:[a-z]{2}(-[a-z]+)+-\d:\d{12}:access-point/fsap-[0-9a-f]{8,40}$"
)
_SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8,17}$")
_SECURITY_GROUP_ID = re.compile(r"^sg-[0-9a-f]{8,17}$")
_KEYS = ("fileSystemId", "accessPointArn", "subnetIds", "securityGroupIds")
# Lambda's VpcConfig limits.
_MAX_SUBNETS = 16
_MAX_SECURITY_GROUPS = 5
_EXAMPLE = (
    '[{"fileSystemId": "fs-0123456789abcdef0", "accessPointArn": '
    '"arn:aws:elasticfilesystem:REGION:ACCOUNT:access-point/fsap-0123456789abcdef0", '
    '"subnetIds": ["subnet-0123456789abcdef0"], "securityGroupIds": ["sg-0123456789abcdef0"]}]'
)

# What the mover is told: only Powertools' names (the request names the vault bucket; Lambda sets AWS_REGION).
_MOVER_ENVIRONMENT = {
    constants.ENV_POWERTOOLS_SERVICE_NAME: constants.SERVICE_NAME,
    constants.ENV_POWERTOOLS_METRICS_NAMESPACE: constants.METRICS_NAMESPACE,
}

XRAY_REASON = "X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) cannot be scoped to a resource."
NETWORK_REASON = (
    "Lambda makes and deletes the mover's network interfaces in its subnets with the mover's role: network "
    "interfaces are named by EC2 at run time (network-interface/* in this account and Region only), and "
    "ec2:DescribeNetworkInterfaces works on '*' only."
)
VAULT_PREFIX_REASON = (
    "The mover writes and reads recovery points' data under the vault bucket's recovery-points/ prefix and "
    "restore cursors under its restores/ prefix, named by job ids at run time."
)


class EfsMoverContextError(ValueError):
    """The efs_file_systems context value is malformed: synth stops, naming the entry and what is wrong."""


@dataclass(frozen=True)
class EfsMoverTarget:
    """One protected file system and how its mover reaches it."""

    file_system_id: str
    access_point_arn: str
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]

    @property
    def function_name(self) -> str:
        return f"{names.EFS_MOVER_FUNCTION_PREFIX}{self.file_system_id}"


def _ids(entry: dict[str, Any], key: str, pattern: re.Pattern[str], limit: int, where: str) -> tuple[str, ...]:
    values = entry.get(key)
    if not isinstance(values, list) or not values or not all(isinstance(value, str) for value in values):
        raise EfsMoverContextError(f"efs_file_systems{where}: {key} must be a non-empty list of ids")
    if len(values) > limit:
        raise EfsMoverContextError(f"efs_file_systems{where}: {key} lists {len(values)} ids; Lambda allows {limit}")
    bad = [value for value in values if not pattern.match(value)]
    if bad:
        raise EfsMoverContextError(f"efs_file_systems{where}: {key} has malformed ids {bad}")
    if len(set(values)) != len(values):
        raise EfsMoverContextError(f"efs_file_systems{where}: {key} lists an id twice")
    return tuple(values)


def _target(entry: object, index: int) -> EfsMoverTarget:
    where = f"[{index}]"
    if not isinstance(entry, dict):
        raise EfsMoverContextError(f"efs_file_systems{where} must be an object like {_EXAMPLE[1:-1]}")
    unknown = sorted(set(entry) - set(_KEYS))
    missing = [key for key in _KEYS if key not in entry]
    if unknown or missing:
        raise EfsMoverContextError(
            f"efs_file_systems{where}: "
            + "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unknown keys {', '.join(unknown)}" if unknown else "",
                )
                if part
            )
            + f" (each entry has exactly {', '.join(_KEYS)})"
        )
    file_system_id = entry["fileSystemId"]
    if not isinstance(file_system_id, str) or not _FILE_SYSTEM_ID.match(file_system_id):
        raise EfsMoverContextError(f"efs_file_systems{where}: fileSystemId {file_system_id!r} is not fs-<hex>")
    where = f"[{index}] ({file_system_id})"
    access_point_arn = entry["accessPointArn"]
    if not isinstance(access_point_arn, str) or not _ACCESS_POINT_ARN.match(access_point_arn):
        raise EfsMoverContextError(
            f"efs_file_systems{where}: accessPointArn {access_point_arn!r} is not an EFS access point ARN "
            "(arn:aws:elasticfilesystem:REGION:ACCOUNT:access-point/fsap-...)"
        )
    return EfsMoverTarget(
        file_system_id=file_system_id,
        access_point_arn=access_point_arn,
        subnet_ids=_ids(entry, "subnetIds", _SUBNET_ID, _MAX_SUBNETS, where),
        security_group_ids=_ids(entry, "securityGroupIds", _SECURITY_GROUP_ID, _MAX_SECURITY_GROUPS, where),
    )


def file_systems_from(context: object) -> list[EfsMoverTarget]:
    """The `efs_file_systems` context: nothing, a JSON string (from `-c`) or a list (from cdk.json)."""
    if context is None or context == "" or context == []:
        return []
    if isinstance(context, str):
        try:
            context = json.loads(context)
        except ValueError as error:
            raise EfsMoverContextError(
                f"efs_file_systems is not valid JSON ({error}); expected a list like {_EXAMPLE}"
            ) from None
    if not isinstance(context, list):
        raise EfsMoverContextError(f"efs_file_systems must be a JSON list like {_EXAMPLE}")
    targets = [_target(entry, index) for index, entry in enumerate(context)]
    seen: set[str] = set()
    for target in targets:
        if target.file_system_id in seen:
            raise EfsMoverContextError(
                f"efs_file_systems lists {target.file_system_id} twice: one mover function per file system"
            )
        seen.add(target.file_system_id)
    return targets


class EfsMovers(Construct):
    """One mover function, role and log group per file system."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        file_systems: Sequence[EfsMoverTarget],
        vault_bucket: s3.IBucket,
        default_key: kms.IKey,
        code: lambda_.Code,
        layer: lambda_.ILayerVersion,
        runtime: lambda_.Runtime,
    ) -> None:
        super().__init__(scope, construct_id)
        self._vault_bucket = vault_bucket
        self._default_key = default_key
        self._code = code
        self._layer = layer
        self._runtime = runtime
        self.functions: dict[str, lambda_.Function] = {}
        self.roles: dict[str, iam.Role] = {}
        for target in file_systems:
            self._add_mover(target)

    def _add_mover(self, target: EfsMoverTarget) -> None:
        spec = constants.EFS_MOVER
        scope = Construct(self, target.file_system_id)
        stack = Stack.of(self)
        arns = Arns(scope)

        access_point = efs.AccessPoint.from_access_point_attributes(
            scope,
            "AccessPoint",
            access_point_arn=target.access_point_arn,
            file_system=efs.FileSystem.from_file_system_attributes(
                scope,
                "FileSystem",
                file_system_id=target.file_system_id,
                # Read only by CDK's connection helpers, which are not used: the stack changes no security group.
                security_group=ec2.SecurityGroup.from_security_group_id(
                    scope, "SecurityGroup", target.security_group_ids[0], mutable=False
                ),
            ),
        )
        # The FileSystemConfigs entry: the access point, mounted at MOUNT_PATH. The grant from_efs_access_point
        # would add (ClientMount on "*") is replaced by the role's grant below, which names the file system.
        mount = lambda_.FileSystem.from_efs_access_point(access_point, MOUNT_PATH).config

        role = iam.Role(
            scope,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Strongroom EFS mover of {target.file_system_id}",
        )
        log_group = logs.LogGroup(scope, "Logs", retention=names.LOG_RETENTION)
        log_group.grant_write(role)
        file_system_arn = stack.format_arn(
            service="elasticfilesystem", resource="file-system", resource_name=target.file_system_id
        )
        network_interfaces = stack.format_arn(service="ec2", resource="network-interface", resource_name="*")
        environment = {
            constants.ENV_VAULT_BUCKET: self._vault_bucket.bucket_name,
            constants.ENV_DEFAULT_KEY_ARN: self._default_key.key_arn,
        }
        statements = [
            *vault_storage(arns, environment),
            # A large file is uploaded in parts; a failed upload is aborted rather than left behind.
            allow(
                "AbortVaultStorageUploads",
                ["s3:AbortMultipartUpload"],
                [arns.objects_in(self._vault_bucket.bucket_name, "recovery-points/*")],
            ),
            allow(
                "MountFileSystemThroughAccessPoint",
                ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                [file_system_arn],
                StringEquals={"elasticfilesystem:AccessPointArn": target.access_point_arn},
            ),
            allow(
                "CreateNetworkInterfacesInSubnets",
                ["ec2:CreateNetworkInterface"],
                [
                    network_interfaces,
                    *(stack.format_arn(service="ec2", resource="subnet", resource_name=s) for s in target.subnet_ids),
                    *(
                        stack.format_arn(service="ec2", resource="security-group", resource_name=g)
                        for g in target.security_group_ids
                    ),
                ],
            ),
            allow(
                "ManageNetworkInterfaces",
                ["ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
                [network_interfaces],
            ),
            allow("DescribeNetworkInterfaces", ["ec2:DescribeNetworkInterfaces"], ["*"]),
        ]
        for statement in statements:
            role.add_to_policy(statement)

        function = lambda_.Function(
            scope,
            "Function",
            function_name=target.function_name,
            description=f"{spec.description} ({target.file_system_id})",
            handler=spec.handler,
            runtime=self._runtime,
            architecture=lambda_.Architecture.ARM_64,
            code=self._code,
            layers=[self._layer],
            timeout=Duration.seconds(spec.timeout_seconds),
            memory_size=spec.memory_mb,
            environment={key: _MOVER_ENVIRONMENT[key] for key in spec.env_keys},
            tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group,
            role=role,
        )
        # Lambda's Function construct mounts a file system only in a VPC object of the app; the mover's VPC is
        # the user's, known by its subnets alone, which is all Lambda's VpcConfig names (Lambda finds the VPC).
        resource = cast(lambda_.CfnFunction, function.node.default_child)
        resource.vpc_config = lambda_.CfnFunction.VpcConfigProperty(
            subnet_ids=list(target.subnet_ids), security_group_ids=list(target.security_group_ids)
        )
        resource.file_system_configs = [
            lambda_.CfnFunction.FileSystemConfigProperty(arn=mount.arn, local_mount_path=mount.local_mount_path)
        ]
        self._acknowledge(role, function, arns.wildcard_findings(statements), network_interfaces)
        self.functions[target.file_system_id] = function
        self.roles[target.file_system_id] = role

    def _acknowledge(
        self, role: iam.Role, function: lambda_.Function, wildcards: set[str], network_interfaces: str
    ) -> None:
        interfaces = f"Resource::{printed(self, network_interfaces)}"
        acknowledge(role, "IAM5", f"{NETWORK_REASON} {XRAY_REASON}", "Resource::*")
        acknowledge(role, "IAM5", NETWORK_REASON, interfaces)
        for finding in sorted(wildcards):
            if finding.endswith(("/recovery-points/*", "/restores/*")):
                acknowledge(role, "IAM5", VAULT_PREFIX_REASON, finding)
            elif wildcard_kind(finding) == ("kms", "key"):
                # EFS data is encrypted with its vault's own key (tagged strongroom:vault-key=true).
                acknowledge(role, "IAM5", reason_for(finding) or "", finding)
        acknowledge(
            function,
            "L1",
            f"The runtime is pinned to {constants.LAMBDA_RUNTIME} (constants.LAMBDA_RUNTIME) to match the "
            "Powertools layer build and the local runtime; upgrade them together.",
        )
