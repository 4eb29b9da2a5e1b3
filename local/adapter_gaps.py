"""moto gaps met by the adapters' batch and quota calls, patched in moto (local runtime and tests only).

- RDS DescribeAccountAttributes: moto 5.2 does not implement it (NotImplementedError). It now answers the two
  quotas the RDS and cluster adapters read, as RDS names them: ManualSnapshots (Used: the account's manual DB
  snapshots in the Region) and ManualClusterSnapshots (Used: its manual cluster snapshots), each with Max 100,
  RDS's default quota, or MOTO_RDS_SNAPSHOT_LIMIT when that is set (the limit moto itself enforces then).
  The other quotas RDS reports are left out.
- DynamoDB DescribeBackup: moto puts the table's SSEDescription and indexes inside SourceTableDetails, where
  botocore's model has no such members (the parser drops them), and returns no SourceTableFeatureDetails, which is
  where DynamoDB reports them; BillingMode, a member of SourceTableDetails, is missing. Both are filled as
  DynamoDB fills them, from the backed-up table.

`install()` patches and returns the undo; the local runtime installs it with the other gaps
(local/emulator_gaps.py install()). `moto_fills_adapter_gaps()` is the same as a context manager, for tests that
run moto without the local runtime. Real AWS needs neither."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any

RDS_DEFAULT_SNAPSHOT_QUOTA = 100


def install() -> Callable[[], None]:
    """Patches moto's RDS responses and DynamoDB backups; returns the undo. Installing twice is harmless."""
    undos = [_rds_account_attributes(), _dynamodb_backup_features()]

    def undo() -> None:
        for each in reversed(undos):
            each()

    return undo


@contextlib.contextmanager
def moto_fills_adapter_gaps() -> Iterator[None]:
    """The gaps filled for the duration of the block (tests on moto without the local runtime)."""
    undo = install()
    try:
        yield
    finally:
        undo()


def _rds_account_attributes() -> Callable[[], None]:
    from moto.core.responses import ActionResult
    from moto.rds.responses import RDSResponse

    had = "describe_account_attributes" in RDSResponse.__dict__
    original = RDSResponse.__dict__.get("describe_account_attributes")

    def describe_account_attributes(self: Any) -> ActionResult:
        limit = int(os.environ.get("MOTO_RDS_SNAPSHOT_LIMIT", RDS_DEFAULT_SNAPSHOT_QUOTA))
        manual = [s for s in self.backend.database_snapshots.values() if s.snapshot_type == "manual"]
        manual_clusters = [s for s in self.backend.cluster_snapshots.values() if s.snapshot_type == "manual"]
        quotas = [
            {"AccountQuotaName": "ManualSnapshots", "Used": len(manual), "Max": limit},
            {"AccountQuotaName": "ManualClusterSnapshots", "Used": len(manual_clusters), "Max": limit},
        ]
        return ActionResult({"AccountQuotas": quotas})

    RDSResponse.describe_account_attributes = describe_account_attributes  # type: ignore[attr-defined]

    def undo() -> None:
        if had:
            RDSResponse.describe_account_attributes = original  # type: ignore[attr-defined]
        elif "describe_account_attributes" in RDSResponse.__dict__:
            del RDSResponse.describe_account_attributes  # type: ignore[attr-defined]

    return undo


def _dynamodb_backup_features() -> Callable[[], None]:
    from moto.dynamodb.models.table import Backup

    original = Backup.__dict__["description"]

    def description(self: Any) -> dict[str, Any]:
        described: dict[str, Any] = original.fget(self)
        table = self.table.describe()["TableDescription"]
        described["SourceTableDetails"]["BillingMode"] = table["BillingModeSummary"]["BillingMode"]
        features = {
            key: table[key]
            for key in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes", "StreamDescription", "SSEDescription")
            if table.get(key)
        }
        if features:
            described["SourceTableFeatureDetails"] = features
        return described

    Backup.description = property(description)  # type: ignore[method-assign,assignment]

    def undo() -> None:
        Backup.description = original  # type: ignore[method-assign]

    return undo
