"""Every resource type Strongroom protects, one line each. Adding a type is adding its package and its line here.

Every per-type table reads this list: the adapters (catalog.build_adapters), the API's supported types, ARN
parsing (lambdas.domain.arns), copy limits and refusals, backup options, the manageable types, and the stack's
IAM (infrastructure/constructs/resource_access.py). Only specs are imported here: no adapter, no boto3."""

from __future__ import annotations

from lambdas.resources.aurora.spec import AURORA
from lambdas.resources.documentdb.spec import DOCUMENTDB
from lambdas.resources.dynamodb.spec import DYNAMODB
from lambdas.resources.ebs.spec import EBS
from lambdas.resources.ec2.spec import EC2
from lambdas.resources.efs.spec import EFS
from lambdas.resources.fsx.spec import FSX
from lambdas.resources.neptune.spec import NEPTUNE
from lambdas.resources.rds.spec import RDS
from lambdas.resources.redshift.spec import REDSHIFT
from lambdas.resources.s3.spec import S3
from lambdas.resources.spec import TypeSpec
from lambdas.resources.storage_gateway.spec import STORAGE_GATEWAY

TYPES: tuple[TypeSpec, ...] = (
    EBS,
    DYNAMODB,
    EC2,
    RDS,
    AURORA,
    DOCUMENTDB,
    NEPTUNE,
    FSX,
    STORAGE_GATEWAY,
    S3,
    EFS,
    REDSHIFT,
)

BY_NAME: dict[str, TypeSpec] = {spec.resource_type: spec for spec in TYPES}


def spec_of(resource_type: str) -> TypeSpec | None:
    return BY_NAME.get(resource_type)
