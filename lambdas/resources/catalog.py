"""Every resource adapter Strongroom ships, built from the registry of types (lambdas/resources/types.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lambdas.resources.base import ResourceAdapter
from lambdas.resources.efs.mover import MoverLauncher
from lambdas.resources.spec import AdapterContext
from lambdas.resources.types import TYPES
from lambdas.resources.vault_storage import VaultStorage, default_vault_bucket

ClientFactory = Callable[[str], Callable[[], Any]]  # service name -> lazy client of the home region


# The EFS mover: in Lambda, one mover function per file system; the local runtime puts an in-process
# mover over local directories here instead (EFS has no data plane on the emulator).
efs_mover_stand_in: MoverLauncher | None = None


def build_adapters(
    client: ClientFactory, region: str, account: str, vault_bucket: str | None = None
) -> list[ResourceAdapter]:
    # S3 and EFS keep their data in Strongroom's vault storage bucket (see vault_storage.py).
    storage = VaultStorage(client("s3"), vault_bucket or default_vault_bucket(account, region))
    ctx = AdapterContext(client, region, account, vault_storage=storage, efs_mover=efs_mover_stand_in)
    return [spec.build(ctx) for spec in TYPES if spec.build is not None]
