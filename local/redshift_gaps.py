"""moto gaps met by Redshift cluster snapshots, patched in moto's Redshift backend (local runtime and tests only).

moto 5.2's DescribeClusterSnapshots drops its filters where Redshift applies them: without a SnapshotIdentifier it
returns every snapshot whatever the SnapshotType asked for, and with a ClusterIdentifier whose cluster has no
snapshot of that type it returns every snapshot of every cluster. Redshift returns only what matches (an empty list
when nothing does). The patch answers as Redshift does; asking for one snapshot by name is left to moto (a missing
one is ClusterSnapshotNotFound in both).

PATCHES is applied with the local runtime's other sets (local/patch_sets.py); tests apply it on their own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from local.patching import Patch, PatchSet


def _describe_cluster_snapshots(original: Callable[..., Any]) -> Callable[..., list[Any]]:
    def describe_cluster_snapshots(
        self: Any,
        cluster_identifier: str | None = None,
        snapshot_identifier: str | None = None,
        snapshot_type: str | None = None,
    ) -> list[Any]:
        if snapshot_identifier:
            return list(original(self, cluster_identifier, snapshot_identifier, snapshot_type))
        return [
            snapshot
            for snapshot in self.snapshots.values()
            if snapshot_type in (None, snapshot.snapshot_type)
            and cluster_identifier in (None, snapshot.cluster_identifier)
        ]

    return describe_cluster_snapshots


PATCHES = PatchSet(
    "Redshift snapshot filters",
    [
        Patch.wrap(
            "moto.redshift.models:RedshiftBackend",
            "describe_cluster_snapshots",
            _describe_cluster_snapshots,
            why="ClusterIdentifier and SnapshotType narrow the answer, an empty list when nothing matches (Amazon "
            "Redshift API Reference, DescribeClusterSnapshots)",
        )
    ],
)
