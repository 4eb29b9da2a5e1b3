"""moto gaps met by Redshift cluster snapshots, patched in moto's Redshift backend (local runtime and tests only).

moto 5.2's DescribeClusterSnapshots drops its filters where Redshift applies them: without a SnapshotIdentifier it
returns every snapshot whatever the SnapshotType asked for, and with a ClusterIdentifier whose cluster has no
snapshot of that type it returns every snapshot of every cluster. Redshift returns only what matches (an empty list
when nothing does). The patch answers as Redshift does; asking for one snapshot by name is left to moto (a missing
one is ClusterSnapshotNotFound in both).

`install()` patches and returns the undo; the local runtime installs it with the other gaps
(local/emulator_gaps.py). `moto_fills_redshift_gaps()` is the same as a context manager, for tests."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any


def install() -> Callable[[], None]:
    """DescribeClusterSnapshots filtered as Redshift filters it; returns the undo. Installing twice is harmless."""
    from moto.redshift.models import RedshiftBackend

    original = RedshiftBackend.__dict__["describe_cluster_snapshots"]
    if getattr(original, "strongroom_gap", False):
        return lambda: None

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

    describe_cluster_snapshots.strongroom_gap = True  # type: ignore[attr-defined]
    RedshiftBackend.describe_cluster_snapshots = describe_cluster_snapshots  # type: ignore[method-assign]

    def undo() -> None:
        RedshiftBackend.describe_cluster_snapshots = original  # type: ignore[method-assign]

    return undo


@contextlib.contextmanager
def moto_fills_redshift_gaps() -> Iterator[None]:
    undo = install()
    try:
        yield
    finally:
        undo()
