"""ARNs: parse them, build Strongroom's own, and tell which AWS Backup resource type an ARN names."""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.domain.errors import InvalidParameterValueException

# AWS Backup's ResourceType values, keyed by (service, resource kind) of the ARN.
RESOURCE_TYPES: dict[tuple[str, str], str] = {
    ("ec2", "volume"): "EBS",
    ("ec2", "instance"): "EC2",
    ("dynamodb", "table"): "DynamoDB",
    ("rds", "db"): "RDS",
    ("rds", "cluster"): "Aurora",
    ("elasticfilesystem", "file-system"): "EFS",
    ("fsx", "file-system"): "FSx",
    # A Storage Gateway volume: gateway/sgw-id/volume/vol-id (resource_type_of refuses a bare gateway).
    ("storagegateway", "gateway"): "Storage Gateway",
    ("s3", ""): "S3",
}


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    @property
    def resource_kind(self) -> str:
        for separator in ("/", ":"):
            if separator in self.resource:
                return self.resource.split(separator, 1)[0]
        return "" if self.service == "s3" else self.resource

    @property
    def resource_id(self) -> str:
        for separator in ("/", ":"):
            if separator in self.resource:
                return self.resource.split(separator, 1)[1]
        return self.resource

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def parse_arn(value: str) -> Arn:
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[2] or not parts[5]:
        raise InvalidParameterValueException(
            f"Invalid ARN: {value!r} is not of the form arn:partition:service:region:account:resource"
        )
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])


def resource_type_of(resource_arn: str) -> str:
    """The AWS Backup ResourceType of an ARN; InvalidParameterValueException for one it cannot protect."""
    arn = parse_arn(resource_arn)
    resource_type = RESOURCE_TYPES.get((arn.service, arn.resource_kind))
    if resource_type is None:
        raise InvalidParameterValueException(
            f"Invalid resource ARN {resource_arn}: resource type {arn.service}:{arn.resource_kind} is not supported"
        )
    if resource_type == "Storage Gateway" and "/volume/" not in arn.resource:
        raise InvalidParameterValueException(
            f"Invalid resource ARN {resource_arn}: Storage Gateway backs up volumes, "
            "arn:aws:storagegateway:region:account:gateway/sgw-id/volume/vol-id, not gateways"
        )
    return resource_type


def vault_arn(region: str, account: str, vault_name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:backup:{region}:{account}:backup-vault:{vault_name}"


def plan_arn(region: str, account: str, plan_id: str, partition: str = "aws") -> str:
    return f"arn:{partition}:backup:{region}:{account}:backup-plan:{plan_id}"
