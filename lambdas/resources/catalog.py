"""Every resource adapter Strongroom ships. Adding a resource type is one adapter module and one line here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lambdas.resources.base import ResourceAdapter
from lambdas.resources.dynamodb import DynamoDbAdapter
from lambdas.resources.ebs import EbsAdapter
from lambdas.resources.ec2 import Ec2Adapter
from lambdas.resources.efs import EfsAdapter, LambdaMover, MoverLauncher
from lambdas.resources.fsx import FsxAdapter
from lambdas.resources.rds import RdsAdapter
from lambdas.resources.rds_cluster import RdsClusterAdapter
from lambdas.resources.s3 import S3Adapter
from lambdas.resources.storage_gateway import StorageGatewayAdapter
from lambdas.resources.vault_storage import VaultStorage, default_vault_bucket

ClientFactory = Callable[[str], Callable[[], Any]]  # service name -> lazy client of the home region


# The EFS mover: in Lambda, one mover function per file system; the local runtime puts an in-process
# mover over local directories here instead (EFS has no data plane on the emulator).
efs_mover_stand_in: MoverLauncher | None = None


def build_adapters(
    client: ClientFactory, region: str, account: str, vault_bucket: str | None = None
) -> list[ResourceAdapter]:
    storage = VaultStorage(client("s3"), vault_bucket or default_vault_bucket(account, region))
    return [
        EbsAdapter(client("ec2"), region, account),
        DynamoDbAdapter(client("dynamodb"), region, account),
        Ec2Adapter(client("ec2"), region, account, iam=client("iam")),
        RdsAdapter(client("rds"), region, account),
        RdsClusterAdapter("Aurora", client("rds"), region, account, owns_cluster_arns=True),
        RdsClusterAdapter("DocumentDB", client("rds"), region, account),
        RdsClusterAdapter("Neptune", client("rds"), region, account),
        FsxAdapter(client("fsx"), region, account),
        StorageGatewayAdapter(client("storagegateway"), client("ec2"), region, account),
        # S3 and EFS keep their data in Strongroom's vault storage bucket (see vault_storage.py).
        S3Adapter(client("s3"), region, account, storage),
        EfsAdapter(client("efs"), region, account, storage, efs_mover_stand_in or LambdaMover(client("lambda"))),
    ]
