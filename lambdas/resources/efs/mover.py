"""The EFS mover: what runs next to the file system. One slice of a backup (index the tree, upload each file into
vault storage) or of a restore (write each entry back), from the cursor in the job's state, until done or out of
budget. In the cloud a mover Lambda per file system runs it (LambdaMover, handle_mover_event); the local runtime
runs it in process (local/efs_in_process.py)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict, dataclass
from typing import Any, Literal, Protocol

from botocore.exceptions import ClientError

from lambdas.common.observability import logger
from lambdas.resources.efs.file_tree import FileTree, FileTreeUnavailable, LocalDirectoryTree
from lambdas.resources.efs.iam import MOVER_FUNCTION_PREFIX
from lambdas.resources.efs.state import PAUSED, EfsPointState, EfsRestoreState, MoverState
from lambdas.resources.vault_copy.state import COMPLETED, FAILED, RUNNING
from lambdas.resources.vault_copy.walk import Entry, ManifestWalk, end_job
from lambdas.resources.vault_storage import MANIFEST_PART_SIZE, VaultStorage, WorkBudget, manifest_part_key

MOUNT_PATH = "/mnt/efs"  # where the mover Lambda's access point is mounted (LocalMountPath)
LAMBDA_SAFETY_MILLIS = 60_000  # a mover stops this long before Lambda's deadline to save its cursor
MAX_MOVER_FAILURES = 3


@dataclass(frozen=True)
class MoveRequest:
    kind: Literal["backup", "restore"]
    file_system_id: str
    vault_bucket: str
    state_key: str

    def to_event(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> MoveRequest:
        kind = event.get("kind")
        if kind not in ("backup", "restore"):
            raise ValueError(f"Not a mover request: kind {kind!r}")
        return cls(kind, str(event["file_system_id"]), str(event["vault_bucket"]), str(event["state_key"]))


class MoverLauncher(Protocol):
    lease_seconds: float  # the longest one mover run may take; a RUNNING state older than this is restarted
    reaches_new_file_systems: bool

    def reaches(self, file_system_id: str) -> bool: ...

    def launch(self, request: MoveRequest) -> None: ...


def run_move(request: MoveRequest, tree: FileTree, storage: VaultStorage, budget: WorkBudget) -> dict[str, Any]:
    """One slice of a backup or a restore, until done or out of budget; the state object says which. Errors
    are recorded in the state (and end the job after MAX_MOVER_FAILURES in a row), not raised: the caller is
    an asynchronous invoke or a poll that would only log them."""
    raw = storage.get_json(request.state_key)
    if raw is None or raw["status"] in (COMPLETED, FAILED):
        return raw or {}
    model = EfsPointState if request.kind == "backup" else EfsRestoreState
    state: MoverState = model.from_json(raw)
    state.status = RUNNING
    storage.put_json(request.state_key, state.to_json())
    try:
        if isinstance(state, EfsPointState):
            _backup_slice(tree, storage, request.state_key, state, budget)
        elif isinstance(state, EfsRestoreState):
            _restore_slice(tree, storage, state, budget)
        state.failures = 0
    except FileTreeUnavailable as error:
        state.fail(str(error))
    except Exception as error:  # noqa: BLE001 - recorded in the state; the next poll resumes or gives up
        logger.exception("EFS mover slice failed", extra={"state_key": request.state_key})
        state.failures += 1
        state.message = f"{type(error).__name__}: {error}"
        state.status = FAILED if state.failures >= MAX_MOVER_FAILURES else PAUSED
    saved = state.to_json()
    storage.put_json(request.state_key, saved)
    return saved


def data_key(prefix: str, path: str) -> str:
    return f"{prefix}data/{hashlib.sha256(path.encode()).hexdigest()}"


def _backup_slice(
    tree: FileTree, storage: VaultStorage, state_key: str, state: EfsPointState, budget: WorkBudget
) -> None:
    prefix = state_key.rsplit("/", 1)[0] + "/"
    if not state.indexed:
        _index(tree, storage, prefix, state)
        storage.put_json(state_key, state.to_json())
    marked_gone = False

    def upload(entry: Entry) -> bool:
        nonlocal marked_gone
        if entry["t"] != "file":
            return False
        try:
            with tree.open_read(entry["p"]) as source:
                storage.upload(data_key(prefix, entry["p"]), source)
            state.files_done += 1
            state.bytes_done += entry["s"]
        except FileNotFoundError:
            entry["gone"] = True  # deleted since the index was taken: not restored, not an error
            marked_gone = True
            state.gone += 1
        return True

    def save_marks(part: int, entries: list[Entry]) -> None:
        nonlocal marked_gone
        if marked_gone:
            storage.put_lines(manifest_part_key(prefix, part), entries)
        marked_gone = False

    walk = ManifestWalk(lambda part: storage.get_lines(manifest_part_key(prefix, part)), upload, save_marks, save_marks)
    state.status = COMPLETED if walk.run(state, budget) else PAUSED


def _index(tree: FileTree, storage: VaultStorage, prefix: str, state: EfsPointState) -> None:
    part: list[Entry] = []
    parts = files = size = count = 0
    for entry in tree.walk():
        count += 1
        part.append({"p": entry.path, "t": entry.kind, "s": entry.size, "m": entry.mode, "mt": entry.mtime})
        if entry.target is not None:
            part[-1]["l"] = entry.target
        if entry.kind == "file":
            files += 1
            size += entry.size
        if len(part) == MANIFEST_PART_SIZE:
            storage.put_lines(manifest_part_key(prefix, parts), part)
            parts, part = parts + 1, []
    if part:
        storage.put_lines(manifest_part_key(prefix, parts), part)
        parts += 1
    state.indexed, state.parts, state.entries, state.files, state.bytes = True, parts, count, files, size
    state.part = state.index = 0


def _selected(path: str, items: list[str]) -> bool:
    return not items or any(path == item or path.startswith(f"{item}/") for item in items)


def _restore_slice(tree: FileTree, storage: VaultStorage, state: EfsRestoreState, budget: WorkBudget) -> None:
    tree.make_dir(state.directory)

    def restore(entry: Entry) -> bool:
        state.examined += 1
        if not _selected(entry["p"], state.items) or entry.get("gone"):
            return False
        _restore_entry(tree, storage, state, entry)
        return True

    walk = ManifestWalk(lambda part: storage.get_lines(manifest_part_key(state.prefix, part)), restore)
    if not walk.run(state, budget):
        state.status = PAUSED
        return
    # Directories last: their modes may forbid writing into them, and writing changes their mtimes.
    for part in range(state.parts):
        for entry in storage.get_lines(manifest_part_key(state.prefix, part)):
            if entry["t"] == "dir" and _selected(entry["p"], state.items):
                tree.set_attributes(f"{state.directory}/{entry['p']}", entry["m"], entry["mt"])
    end_job(state, state, lambda first: f"{state.failed} files could not be restored: {first}")


def _restore_entry(tree: FileTree, storage: VaultStorage, state: EfsRestoreState, entry: Entry) -> None:
    target = f"{state.directory}/{entry['p']}"
    if entry["t"] == "dir":
        tree.make_dir(target)
    elif entry["t"] == "symlink":
        tree.make_symlink(target, entry["l"])
    else:
        try:
            source = storage.open(data_key(state.prefix, entry["p"]))
        except KeyError:
            state.record_failure(f"{entry['p']}: its data is missing from vault storage")
            return
        with closing(source):
            tree.write_file(target, source, entry["m"], entry["mt"])
        state.bytes += entry["s"]
    state.restored += 1


def mover_function_name(file_system_id: str) -> str:
    return f"{MOVER_FUNCTION_PREFIX}{file_system_id}"


class LambdaMover:
    """The cloud: one mover function per file system, invoked asynchronously (Lambda retries a failed
    invoke twice; the state's lease covers a run that dies without a word)."""

    reaches_new_file_systems = False
    lease_seconds = 15 * 60 + 60.0

    def __init__(self, lambda_client: Callable[[], Any], function_name: Callable[[str], str] = mover_function_name):
        self._lambda = lambda_client
        self._function_name = function_name

    def reaches(self, file_system_id: str) -> bool:
        try:
            self._lambda().get_function(FunctionName=self._function_name(file_system_id))
        except ClientError as error:
            if error.response["Error"]["Code"] == "ResourceNotFoundException":
                return False
            raise
        return True

    def launch(self, request: MoveRequest) -> None:
        self._lambda().invoke(
            FunctionName=self._function_name(request.file_system_id),
            InvocationType="Event",
            Payload=json.dumps(request.to_event()).encode(),
        )


def handle_mover_event(
    event: dict[str, Any], remaining_millis: int, s3: Callable[[], Any], mount_path: str = MOUNT_PATH
) -> dict[str, Any]:
    """The mover Lambda's work, for a handler module to call with its context's remaining time."""
    request = MoveRequest.from_event(event)
    budget = WorkBudget(max(1.0, (remaining_millis - LAMBDA_SAFETY_MILLIS) / 1000))
    state = run_move(request, LocalDirectoryTree(mount_path), VaultStorage(s3, request.vault_bucket), budget)
    return {"state_key": request.state_key, "status": state.get("status")}
