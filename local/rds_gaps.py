"""moto gaps met by DocumentDB and Neptune clusters, patched in moto's RDS backend (local runtime and tests only).

- moto 5.2 refuses Engine="docdb" in CreateDBCluster (its engine list lacks DocumentDB), so no DocumentDB
  cluster could exist at all: the engine is added, with DocumentDB's default version (5.0.0), port (27017)
  and storage.
- moto's RestoreDBClusterFromSnapshot raises KeyError('_master_user_password') for a cluster made without a
  master password (every Neptune cluster): such a cluster now has none, as in RDS.
- Stricter than moto: DeleteDBInstance and DeleteDBCluster refuse a request that neither skips the final snapshot
  nor names it, or does both (InvalidParameterCombination), as RDS does (Amazon RDS API Reference,
  DeleteDBInstance and DeleteDBCluster, SkipFinalSnapshot); moto deletes without a snapshot. Restore testing's
  cleanup (lambdas/resources/rds_family/validation.py) must say SkipFinalSnapshot, and a test proves it.

PATCHES is applied with the local runtime's other sets (local/patch_sets.py); tests that run moto without the
local runtime apply it on their own. Real AWS needs neither."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from local.patching import Patch, PatchSet

DOCDB_ENGINE = "docdb"
_CLUSTER = "moto.rds.models:DBCluster"
_RESPONSES = "moto.rds.responses:RDSResponse"


def _with_docdb(engines: Callable[[], list[str]]) -> classmethod[Any, [], list[str]]:
    return classmethod(lambda cls: sorted({*engines(), DOCDB_ENGINE}))


def _docdb_or(value: object, moto_default: Callable[..., Any]) -> staticmethod[[str], Any]:
    return staticmethod(lambda engine: value if engine == DOCDB_ENGINE else moto_default(engine))


def _allocated_storage(moto_default: Callable[..., Any]) -> staticmethod[[str, str], int]:
    def allocated_storage(engine: str, storage_type: str) -> int:
        return 1 if engine == DOCDB_ENGINE else int(moto_default(engine=engine, storage_type=storage_type))

    return staticmethod(allocated_storage)


_FINAL_SNAPSHOT = (
    "RDS refuses DeleteDBInstance and DeleteDBCluster unless exactly one of SkipFinalSnapshot and "
    "FinalDBSnapshotIdentifier is given (Amazon RDS API Reference)"
)


def _final_snapshot_decided(delete: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def strict_delete(self: Any) -> Any:
        from moto.rds.exceptions import InvalidParameterCombination

        skip = str(self.params.get("SkipFinalSnapshot", "false")).lower() == "true"
        named = bool(self.params.get("FinalDBSnapshotIdentifier"))
        if skip == named:
            raise InvalidParameterCombination(
                "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified"
                if not skip
                else "FinalDBSnapshotIdentifier cannot be specified when SkipFinalSnapshot is enabled"
            )
        return delete(self)

    return strict_delete


def _cfg_with_password(get_cfg: Callable[[Any], dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
    def cfg_with_password(self: Any) -> dict[str, Any]:
        self.__dict__.setdefault("_master_user_password", None)
        return get_cfg(self)

    return cfg_with_password


_DOCDB = "DocumentDB clusters are made through the RDS API with Engine docdb (Amazon DocumentDB Developer Guide)"
PATCHES = PatchSet(
    "DocumentDB and Neptune clusters",
    [
        Patch.wrap("moto.rds.utils:ClusterEngine", "list_cluster_engines", _with_docdb, why=_DOCDB),
        Patch.wrap(_CLUSTER, "default_engine_version", lambda found: _docdb_or("5.0.0", found), why=f"{_DOCDB}: 5.0.0"),
        Patch.wrap(_CLUSTER, "default_port", lambda found: _docdb_or(27017, found), why=f"{_DOCDB}: port 27017"),
        Patch.wrap(_CLUSTER, "default_allocated_storage", _allocated_storage, why=_DOCDB),
        Patch.wrap(
            _CLUSTER,
            "get_cfg",
            _cfg_with_password,
            why="a cluster made without a master password (every Neptune cluster) restores from its snapshots "
            "(Amazon RDS API Reference, RestoreDBClusterFromSnapshot)",
        ),
        Patch.wrap(_RESPONSES, "delete_db_instance", _final_snapshot_decided, why=_FINAL_SNAPSHOT),
        Patch.wrap(_RESPONSES, "delete_db_cluster", _final_snapshot_decided, why=_FINAL_SNAPSHOT),
    ],
)
