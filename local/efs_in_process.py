"""The EFS mover run in the calling process, for the local runtime and tests: moto's EFS has no data plane, so each
emulated file system keeps its files in a local directory, and a slice runs inside the launch call. The cloud runs
the same mover code in a Lambda per file system (lambdas.resources.efs.LambdaMover)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from lambdas.resources.efs.file_tree import FileTree, LocalDirectoryTree
from lambdas.resources.efs.mover import MoveRequest, run_move
from lambdas.resources.vault_storage import VaultStorage, WorkBudget


class InProcessMover:
    """`trees` maps a file system id to a local directory."""

    reaches_new_file_systems = True

    def __init__(
        self,
        trees: Callable[[str], FileTree],
        s3: Callable[[], Any],
        slice_seconds: float = 20.0,
        slice_operations: int | None = None,
    ) -> None:
        self._trees = trees
        self._s3 = s3
        self._slice_seconds = slice_seconds
        self._slice_operations = slice_operations
        self.lease_seconds = slice_seconds + 60.0

    def reaches(self, file_system_id: str) -> bool:
        return True

    def tree(self, file_system_id: str) -> FileTree:
        """The file system's files, for restore testing's check of an EFS restore (lambdas/resources/efs/validation.py):
        here they can be read, as the mover reads them."""
        return self._trees(file_system_id)

    def launch(self, request: MoveRequest) -> None:
        budget = WorkBudget(self._slice_seconds, self._slice_operations)
        run_move(request, self._trees(request.file_system_id), VaultStorage(self._s3, request.vault_bucket), budget)


class LocalMounts:
    """File system id -> a directory under one root, created on first use: somewhere for each emulated file system
    to keep its files."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def __call__(self, file_system_id: str) -> FileTree:
        directory = self.root / file_system_id
        directory.mkdir(parents=True, exist_ok=True)
        return LocalDirectoryTree(directory)
