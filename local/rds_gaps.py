"""moto gaps met by DocumentDB and Neptune clusters, patched in moto's RDS backend (local runtime and tests only).

- moto 5.2 refuses Engine="docdb" in CreateDBCluster (its engine list lacks DocumentDB), so no DocumentDB
  cluster could exist at all: the engine is added, with DocumentDB's default version (5.0.0), port (27017)
  and storage.
- moto's RestoreDBClusterFromSnapshot raises KeyError('_master_user_password') for a cluster made without a
  master password (every Neptune cluster): such a cluster now has none, as in RDS.

`install()` patches and returns the undo; the local runtime installs it with the other gaps
(local/emulator_gaps.py). `moto_fills_cluster_gaps()` is the same as a context manager, for tests that run moto
without the local runtime. Real AWS needs neither."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

DOCDB_ENGINE = "docdb"


def install() -> Callable[[], None]:
    """Teaches moto's RDS backend the DocumentDB engine and lets it restore snapshots of clusters made without a
    master password; returns the undo. Installing twice is harmless (the second install changes nothing)."""
    from moto.rds.models import DBCluster
    from moto.rds.utils import ClusterEngine

    saved: dict[tuple[Any, str], Any] = {
        (ClusterEngine, "list_cluster_engines"): ClusterEngine.__dict__["list_cluster_engines"],
        (DBCluster, "default_engine_version"): DBCluster.__dict__["default_engine_version"],
        (DBCluster, "default_port"): DBCluster.__dict__["default_port"],
        (DBCluster, "default_allocated_storage"): DBCluster.__dict__["default_allocated_storage"],
        (DBCluster, "get_cfg"): DBCluster.__dict__["get_cfg"],
    }
    engines = ClusterEngine.list_cluster_engines
    version, default_port, storage = (
        DBCluster.default_engine_version,
        DBCluster.default_port,
        DBCluster.default_allocated_storage,
    )
    get_cfg = DBCluster.get_cfg

    def cfg_with_password(self: Any) -> dict[str, Any]:
        self.__dict__.setdefault("_master_user_password", None)
        return get_cfg(self)

    def with_docdb(cls: Any) -> list[str]:
        return sorted({*engines(), DOCDB_ENGINE})

    def allocated_storage(engine: str, storage_type: str) -> int:
        return 1 if engine == DOCDB_ENGINE else int(storage(engine=engine, storage_type=storage_type))

    ClusterEngine.list_cluster_engines = classmethod(with_docdb)  # type: ignore[method-assign,assignment]
    DBCluster.default_engine_version = staticmethod(  # type: ignore[method-assign]
        lambda engine: "5.0.0" if engine == DOCDB_ENGINE else version(engine)
    )
    DBCluster.default_port = staticmethod(  # type: ignore[method-assign]
        lambda engine: 27017 if engine == DOCDB_ENGINE else default_port(engine)
    )
    DBCluster.default_allocated_storage = staticmethod(allocated_storage)  # type: ignore[method-assign]
    DBCluster.get_cfg = cfg_with_password  # type: ignore[method-assign]

    def undo() -> None:
        for (owner, name), original in saved.items():
            setattr(owner, name, original)

    return undo


@contextlib.contextmanager
def moto_fills_cluster_gaps() -> Iterator[None]:
    """The gaps filled for the duration of the block (tests on moto without the local runtime)."""
    undo = install()
    try:
        yield
    finally:
        undo()
