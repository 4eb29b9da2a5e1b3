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

PATCHES is applied with the local runtime's other sets (local/patch_sets.py); tests that run moto without the
local runtime apply it on their own (tests/integration/conftest.py). Real AWS needs neither."""

from __future__ import annotations

import os
from typing import Any

from local.patching import Patch, PatchSet

RDS_DEFAULT_SNAPSHOT_QUOTA = 100


def describe_account_attributes(self: Any) -> Any:
    from moto.core.responses import ActionResult

    limit = int(os.environ.get("MOTO_RDS_SNAPSHOT_LIMIT", RDS_DEFAULT_SNAPSHOT_QUOTA))
    manual = [s for s in self.backend.database_snapshots.values() if s.snapshot_type == "manual"]
    manual_clusters = [s for s in self.backend.cluster_snapshots.values() if s.snapshot_type == "manual"]
    quotas = [
        {"AccountQuotaName": "ManualSnapshots", "Used": len(manual), "Max": limit},
        {"AccountQuotaName": "ManualClusterSnapshots", "Used": len(manual_clusters), "Max": limit},
    ]
    return ActionResult({"AccountQuotas": quotas})


def _backup_features(original: property) -> property:
    moto_description = original.fget
    assert moto_description is not None, "moto's BackupDescription is a property with a getter"

    def description(self: Any) -> dict[str, Any]:
        described: dict[str, Any] = moto_description(self)
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

    return property(description)


PATCHES = PatchSet(
    "adapter quota and batch calls",
    [
        Patch.add(
            "moto.rds.responses:RDSResponse",
            "describe_account_attributes",
            describe_account_attributes,
            why="ManualSnapshots and ManualClusterSnapshots quotas, Max 100 by default (Amazon RDS API Reference, "
            "DescribeAccountAttributes; RDS User Guide, Quotas)",
        ),
        Patch.wrap(
            "moto.dynamodb.models.table:Backup",
            "description",
            _backup_features,
            why="BillingMode in SourceTableDetails, indexes, stream and SSE in SourceTableFeatureDetails (Amazon "
            "DynamoDB API Reference, DescribeBackup; BackupDescription)",
        ),
    ],
)
