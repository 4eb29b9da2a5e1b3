"""EFS file systems: Strongroom copies the files into its vault storage bucket itself, as AWS Backup stores
EFS data itself. EFS has no snapshot API to call.

The mover. File access goes through `FileTree` (walk, read, write under a root), so the copying logic is
plain code over a directory. In the cloud the directory is an EFS mount: a mover Lambda function with the
file system attached through an access point at `/mnt/efs` (Lambda's FileSystemConfigs) runs
`handle_mover_event`, which moves files between `LocalDirectoryTree("/mnt/efs")` and the vault bucket.
`LambdaMover` starts it with an asynchronous invoke. Here and in tests `InProcessMover` runs the same code in
the calling process over a local directory that stands in for the mount (`LocalMounts`: one directory per
file system id).

Why a Lambda and not DataSync: no agent, no per-file-system location and task to manage, per-file control
over what is stored and restored (ItemsToRestore), and it runs on the local runtime as it runs in the cloud.
DataSync is the better engine for very large file systems (no time limit, parallel, incremental) and fits
behind the same `MoverLauncher` protocol.

Layout and state. A backup walks the tree once and writes an index (manifest parts of 1,000 entries: path,
kind, size, mode, mtime, symlink target) under `recovery-points/efs/<job id>/`, then uploads each file to
`data/<sha256 of its path>`. Progress (a cursor into the index) is saved in `backup.json`, so a mover that
stops at its time budget or crashes resumes where it stopped; uploads are idempotent, so a file copied twice
is the same object. Restores keep their cursor in `restores/<restore job id>.json`.

Limits, to be stated in the README:
- One Lambda function attaches one file system, so the stack deploys one mover per protected file system
  (`strongroom-efs-mover-<file system id>`, in the file system's VPC with a mount-target security group). A
  file system without a mover is refused with a clear error, and so is a restore to a NEW file system
  (no mover can be attached to a file system that does not exist yet): restore into an existing protected
  file system, or use the local runtime. The in-process mover has neither limit.
- A Lambda run lasts at most 15 minutes: the mover stops before its deadline with the cursor saved and the
  next poll (track_jobs, every 5 minutes; the restore workflow's poll loop) starts it again, so size is
  bounded by time, not memory. Throughput is one Lambda's, one file at a time (not measured here; expect
  tens of MB/s for large files and far less for many small ones), with up to 5 idle minutes between
  slices. A backup must finish inside its completion window (7 days by default), a restore inside the
  restore workflow's poll budget (240 polls, about one hour). The index is built in one run, so the tree
  must be walkable within one run (millions of entries at most). Beyond that, DataSync.
- Not a point-in-time snapshot: EFS has none. Each file is read as it is when the mover reaches it; a file
  deleted between indexing and copying is marked gone and skipped on restore. Every backup is a full copy
  (no incremental, no deduplication). Sockets, FIFOs and devices are skipped, as AWS Backup skips them.
  Owners (uid/gid) are not restored: the mover writes as its access point's POSIX user. Modes and mtimes
  are restored. Restores are never destructive: they go to a new directory `aws-backup-restore_<time>_<id>`
  off the root of the target file system, as AWS Backup's do.
- Cold storage: a point moved to cold storage has its file contents (data/) rewritten in S3 Glacier Instant
  Retrieval (vault_storage.COLD_STORAGE_CLASS), a slice per lifecycle run; restores read them as before.

Copies (copy jobs to another vault, Region or account): the point is already in vault storage, so a copy is a
server-side copy of its objects (index and file contents) from the source deployment's vault bucket into the
destination deployment's, under the copy job's id, each object encrypted with the destination vault's KMS key;
no mover is involved. The destination's adapter runs it in slices from backup_status (track_jobs) with a
cursor (the last key copied) in the copy's `backup.json`, which becomes the source's state, completed, at the
end. A copy restores like any point, into a file system the destination deployment reaches (in another Region
that is one of that Region's file systems: override file-system-id, or restore to a new file system on the
local runtime). Across accounts the destination pulls: share_backup does nothing, and the source deployment's
bucket policy and key must let the destination account's copy role read (see vault_storage).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Literal, Protocol

from botocore.exceptions import ClientError

from lambdas.common import clock
from lambdas.common.observability import logger
from lambdas.domain.arns import parse_arn
from lambdas.domain.errors import InvalidParameterValueException, InvalidRequestException, ResourceNotFoundException
from lambdas.domain.native_locks import NativeLock
from lambdas.resources.base import (
    RESTORE_TAG,
    ColdMovePending,
    CopySource,
    NativeBackup,
    NativeLockState,
    NativeRestore,
    Phase,
    Progress,
    ResourceInfo,
)
from lambdas.resources.vault_storage import (
    COLD_STORAGE_CLASS,
    MANIFEST_PART_SIZE,
    PrefixLock,
    VaultStorage,
    VaultStorageMissing,
    WorkBudget,
    copy_source_header,
    default_vault_bucket,
    manifest_part_key,
    recovery_point_prefix,
    restore_state_key,
)

MOUNT_PATH = "/mnt/efs"  # where the mover Lambda's access point is mounted (LocalMountPath)
MOVER_FUNCTION_PREFIX = "strongroom-efs-mover-"
RESTORE_DIRECTORY_PREFIX = "aws-backup-restore_"
LAMBDA_SAFETY_MILLIS = 60_000  # a mover stops this long before Lambda's deadline to save its cursor
MAX_MOVER_FAILURES = 3
PENDING, RUNNING, PAUSED, COMPLETED, FAILED = "PENDING", "RUNNING", "PAUSED", "COMPLETED", "FAILED"
_PERFORMANCE_MODES = ("generalPurpose", "maxIO")
# S3 errors that end a copy (another try would meet them again): no access, no bucket, an object gone, a bad key.
_COPY_REFUSED = (
    "AccessDenied",
    "403",
    "NoSuchBucket",
    "NoSuchKey",
    "404",
    "KMS.NotFoundException",
    "KMS.DisabledException",
)

EntryKind = Literal["file", "dir", "symlink"]


# The file access the mover needs, and its local-directory implementation


class FileTreeUnavailable(Exception):
    """The tree's root is not there (a mount that is missing): retrying will not help."""


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to the root, "/"-separated, never absolute, never ".."
    kind: EntryKind
    size: int = 0
    mode: int = 0o644
    mtime: float = 0.0
    target: str | None = None  # a symlink's target, stored as is


class FileTree(Protocol):
    def walk(self) -> Iterator[FileEntry]:
        """Every directory, regular file and symlink under the root, parents before children, in a stable
        order. Symlinks are not followed; sockets, FIFOs and devices are skipped."""

    def open_read(self, path: str) -> BinaryIO:
        """FileNotFoundError if the file is gone."""

    def write_file(self, path: str, source: BinaryIO, mode: int, mtime: float) -> None:
        """Creates parent directories; replaces the file atomically."""

    def make_dir(self, path: str) -> None: ...

    def make_symlink(self, path: str, target: str) -> None: ...

    def set_attributes(self, path: str, mode: int, mtime: float) -> None: ...


def _safe_relative(path: str) -> PurePosixPath:
    relative = PurePosixPath(path)
    if not path or relative.is_absolute() or ".." in relative.parts or str(relative) == ".":
        raise ValueError(f"{path!r} is not a path inside the file tree")
    return relative


class LocalDirectoryTree:
    """A directory on this machine: an EFS mount in the mover Lambda, a temporary directory in tests."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _at(self, path: str) -> Path:
        return self.root.joinpath(*_safe_relative(path).parts)

    def walk(self) -> Iterator[FileEntry]:
        if not self.root.is_dir():
            raise FileTreeUnavailable(f"{self.root} is not a directory (is the file system mounted?)")
        yield from self._walk(self.root, "")

    def _walk(self, directory: Path, relative: str) -> Iterator[FileEntry]:
        with os.scandir(directory) as scan:
            children = sorted(scan, key=lambda entry: entry.name)
        for child in children:
            path = f"{relative}{child.name}"
            info = child.stat(follow_symlinks=False)
            mode = stat.S_IMODE(info.st_mode)
            if stat.S_ISLNK(info.st_mode):
                yield FileEntry(path, "symlink", 0, mode, info.st_mtime, os.readlink(child.path))
            elif stat.S_ISDIR(info.st_mode):
                yield FileEntry(path, "dir", 0, mode, info.st_mtime)
                yield from self._walk(Path(child.path), f"{path}/")
            elif stat.S_ISREG(info.st_mode):
                yield FileEntry(path, "file", info.st_size, mode, info.st_mtime)

    def open_read(self, path: str) -> BinaryIO:
        return self._at(path).open("rb")

    def write_file(self, path: str, source: BinaryIO, mode: int, mtime: float) -> None:
        target = self._at(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.strongroom-partial")
        with partial.open("wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
        os.replace(partial, target)
        self.set_attributes(path, mode, mtime)

    def make_dir(self, path: str) -> None:
        self._at(path).mkdir(parents=True, exist_ok=True)

    def make_symlink(self, path: str, target: str) -> None:
        link = self._at(path)
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target)

    def set_attributes(self, path: str, mode: int, mtime: float) -> None:
        at = self._at(path)
        os.chmod(at, stat.S_IMODE(mode))
        os.utime(at, (mtime, mtime))


class LocalMounts:
    """File system id -> a directory under one root, created on first use: how the local runtime and tests
    give each emulated file system (moto's EFS has no data plane) somewhere to keep its files."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def __call__(self, file_system_id: str) -> FileTree:
        directory = self.root / file_system_id
        directory.mkdir(parents=True, exist_ok=True)
        return LocalDirectoryTree(directory)


# The mover: what runs next to the file system


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
    state = storage.get_json(request.state_key)
    if state is None or state["status"] in (COMPLETED, FAILED):
        return state or {}
    state["status"] = RUNNING
    storage.put_json(request.state_key, state)
    try:
        if request.kind == "backup":
            _backup_slice(tree, storage, request.state_key, state, budget)
        else:
            _restore_slice(tree, storage, state, budget)
        state["failures"] = 0
    except FileTreeUnavailable as error:
        state["status"], state["message"] = FAILED, str(error)
    except Exception as error:  # noqa: BLE001 - recorded in the state; the next poll resumes or gives up
        logger.exception("EFS mover slice failed", extra={"state_key": request.state_key})
        state["failures"] = state.get("failures", 0) + 1
        state["message"] = f"{type(error).__name__}: {error}"
        state["status"] = FAILED if state["failures"] >= MAX_MOVER_FAILURES else PAUSED
    storage.put_json(request.state_key, state)
    return state


def _data_key(prefix: str, path: str) -> str:
    return f"{prefix}data/{hashlib.sha256(path.encode()).hexdigest()}"


def _backup_slice(
    tree: FileTree, storage: VaultStorage, state_key: str, state: dict[str, Any], budget: WorkBudget
) -> None:
    prefix = state_key.rsplit("/", 1)[0] + "/"
    if not state["indexed"]:
        _index(tree, storage, prefix, state)
        storage.put_json(state_key, state)
    while state["part"] < state["parts"]:
        part_key = manifest_part_key(prefix, state["part"])
        entries = storage.get_lines(part_key)
        changed = False
        while state["index"] < len(entries):
            if budget.exhausted:
                if changed:
                    storage.put_lines(part_key, entries)
                state["status"] = PAUSED
                return
            entry = entries[state["index"]]
            if entry["t"] == "file":
                budget.spend()
                try:
                    with tree.open_read(entry["p"]) as source:
                        storage.upload(_data_key(prefix, entry["p"]), source)
                    state["files_done"] += 1
                    state["bytes_done"] += entry["s"]
                except FileNotFoundError:
                    entry["gone"] = True  # deleted since the index was taken: not restored, not an error
                    changed = True
                    state["gone"] += 1
            state["index"] += 1
        if changed:
            storage.put_lines(part_key, entries)
        state["part"] += 1
        state["index"] = 0
    state["status"] = COMPLETED


def _index(tree: FileTree, storage: VaultStorage, prefix: str, state: dict[str, Any]) -> None:
    part: list[dict[str, Any]] = []
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
    state.update(indexed=True, parts=parts, entries=count, files=files, bytes=size, part=0, index=0)


def _selected(path: str, items: list[str]) -> bool:
    return not items or any(path == item or path.startswith(f"{item}/") for item in items)


def _restore_slice(tree: FileTree, storage: VaultStorage, state: dict[str, Any], budget: WorkBudget) -> None:
    prefix, directory, items = state["prefix"], state["directory"], state["items"]
    tree.make_dir(directory)
    while state["part"] < state["parts"]:
        entries = storage.get_lines(manifest_part_key(prefix, state["part"]))
        while state["index"] < len(entries):
            if budget.exhausted:
                state["status"] = PAUSED
                return
            entry = entries[state["index"]]
            if _selected(entry["p"], items) and not entry.get("gone"):
                budget.spend()
                _restore_entry(tree, storage, prefix, f"{directory}/{entry['p']}", entry, state)
            state["index"] += 1
            state["examined"] += 1
        state["part"] += 1
        state["index"] = 0
    # Directories last: their modes may forbid writing into them, and writing changes their mtimes.
    for part in range(state["parts"]):
        for entry in storage.get_lines(manifest_part_key(prefix, part)):
            if entry["t"] == "dir" and _selected(entry["p"], items):
                tree.set_attributes(f"{directory}/{entry['p']}", entry["m"], entry["mt"])
    if state["failed"]:
        state["status"] = FAILED
        state["message"] = f"{state['failed']} files could not be restored: {'; '.join(state['errors'])}"
    else:
        state["status"] = COMPLETED


def _restore_entry(
    tree: FileTree, storage: VaultStorage, prefix: str, target: str, entry: dict[str, Any], state: dict[str, Any]
) -> None:
    if entry["t"] == "dir":
        tree.make_dir(target)
    elif entry["t"] == "symlink":
        tree.make_symlink(target, entry["l"])
    else:
        try:
            source = storage.open(_data_key(prefix, entry["p"]))
        except KeyError:
            state["failed"] += 1
            if len(state["errors"]) < 5:
                state["errors"].append(f"{entry['p']}: its data is missing from vault storage")
            return
        with closing(source):
            tree.write_file(target, source, entry["m"], entry["mt"])
        state["bytes"] += entry["s"]
    state["restored"] += 1


class InProcessMover:
    """Runs the mover in the calling process: tests and the local runtime, where `trees` maps a file system
    id to a local directory. A slice runs inside the launch call."""

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

    def launch(self, request: MoveRequest) -> None:
        budget = WorkBudget(self._slice_seconds, self._slice_operations)
        run_move(request, self._trees(request.file_system_id), VaultStorage(self._s3, request.vault_bucket), budget)


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


# The adapter


@dataclass(frozen=True)
class EfsRestorePlan:
    new_file_system: bool
    file_system_id: str | None
    items: tuple[str, ...]
    encrypted: bool
    kms_key_id: str | None
    performance_mode: str | None
    creation_token: str | None


class EfsAdapter:
    resource_type = "EFS"
    tagging_filter = "elasticfilesystem:file-system"
    supports_cold_storage = True  # the file contents in the vault bucket go to S3 Glacier Instant Retrieval

    def __init__(
        self,
        efs: Callable[[], Any],
        region: str,
        account: str,
        storage: VaultStorage,
        mover: MoverLauncher,
        *,
        cold_seconds: float = 30.0,
        cold_operations: int | None = None,
        copy_seconds: float = 5.0,
        copy_operations: int | None = None,
    ) -> None:
        """cold_seconds (and cold_operations, which makes tests deterministic): how much one move_to_cold call
        may rewrite; the lifecycle Lambda moves every due point in one run. copy_seconds (and copy_operations):
        how much one backup_status call of a copy may copy; track_jobs polls every open job in one run."""
        self._efs = efs
        self._region = region
        self._account = account
        self._storage = storage
        self._mover = mover
        self._cold_seconds = cold_seconds
        self._cold_operations = cold_operations
        self._copy_seconds = copy_seconds
        self._copy_operations = copy_operations

    def _fs_arn(self, file_system_id: str) -> str:
        return f"arn:aws:elasticfilesystem:{self._region}:{self._account}:file-system/{file_system_id}"

    def _recovery_point_arn(self, native_id: str) -> str:
        return f"arn:aws:backup:{self._region}:{self._account}:recovery-point:{native_id}"

    def _prefix(self, native_id: str) -> str:
        return recovery_point_prefix("efs", native_id)

    def _header_key(self, native_id: str) -> str:
        return self._prefix(native_id) + "backup.json"

    # describe

    def _file_system(self, file_system_id: str) -> dict[str, Any] | None:
        try:
            systems = self._efs().describe_file_systems(FileSystemId=file_system_id)["FileSystems"]
        except ClientError as error:
            if error.response["Error"]["Code"] in ("FileSystemNotFound", "BadRequest", "ValidationException"):
                return None
            raise
        if not systems or systems[0].get("LifeCycleState") in ("deleting", "deleted"):
            return None
        return dict(systems[0])

    def _info(self, fs: dict[str, Any]) -> ResourceInfo:
        tags = {tag["Key"]: tag["Value"] for tag in fs.get("Tags", [])}
        return ResourceInfo(
            arn=fs.get("FileSystemArn") or self._fs_arn(fs["FileSystemId"]),
            resource_type=self.resource_type,
            name=tags.get("Name") or fs.get("Name") or fs["FileSystemId"],
            size_bytes=int((fs.get("SizeInBytes") or {}).get("Value", 0)),
            tags=tags,
            encryption_key_arn=fs.get("KmsKeyId"),
            is_encrypted=bool(fs.get("Encrypted")),
        )

    def resource_type_for(self, resource_arn: str) -> str:
        return self.resource_type

    def describe(self, resource_arn: str) -> ResourceInfo:
        fs = self._file_system(parse_arn(resource_arn).resource_id)
        if fs is None:
            raise ResourceNotFoundException(f"EFS file system {resource_arn} does not exist")
        return self._info(fs)

    def list_resources(self) -> Iterator[ResourceInfo]:
        for page in self._efs().get_paginator("describe_file_systems").paginate():
            for fs in page["FileSystems"]:
                if fs.get("LifeCycleState") not in ("deleting", "deleted"):
                    yield self._info(fs)

    # backup

    def find_backup(self, resource_arn: str, job_id: str) -> NativeBackup | None:
        header = self._storage.get_json(self._header_key(job_id))
        if header is None or header.get("source_arn") != resource_arn:
            return None
        return NativeBackup(job_id, self._recovery_point_arn(job_id))

    def start_backup(self, resource_arn: str, job_id: str, tags: dict[str, str]) -> NativeBackup:
        file_system_id = parse_arn(resource_arn).resource_id
        fs = self._file_system(file_system_id)
        if fs is None:
            raise ResourceNotFoundException(f"EFS file system {resource_arn} does not exist")
        if not self._mover.reaches(file_system_id):
            raise InvalidParameterValueException(
                f"EFS file system {file_system_id} has no Strongroom mover ({mover_function_name(file_system_id)}): "
                "add the file system to the deployment's EFS file systems and deploy"
            )
        found = self.find_backup(resource_arn, job_id)
        if found is not None:
            return found  # started already: its mover is under way or the next poll restarts it
        header = {
            "resource_type": self.resource_type,
            "source_arn": resource_arn,
            "file_system_id": file_system_id,
            "file_system": {
                "encrypted": bool(fs.get("Encrypted")),
                "kms_key_id": fs.get("KmsKeyId"),
                "performance_mode": fs.get("PerformanceMode", "generalPurpose"),
            },
            "job_id": job_id,
            "tags": tags,
            "status": PENDING,
            "indexed": False,
            "parts": 0,
            "files": 0,
            "bytes": 0,
            "part": 0,
            "index": 0,
            "files_done": 0,
            "bytes_done": 0,
            "gone": 0,
            "failures": 0,
        }
        self._storage.put_json(self._header_key(job_id), header)
        self._launch("backup", file_system_id, self._header_key(job_id), header)
        return NativeBackup(job_id, self._recovery_point_arn(job_id))

    def _launch(self, kind: Literal["backup", "restore"], file_system_id: str, key: str, state: dict[str, Any]) -> None:
        # Marked RUNNING with a lease before the invoke, so a second poll does not start a second mover.
        state.update(status=RUNNING, lease_expires=clock.now().timestamp() + self._mover.lease_seconds)
        self._storage.put_json(key, state)
        self._mover.launch(MoveRequest(kind, file_system_id, self._storage.bucket, key))

    def _needs_launch(self, state: dict[str, Any]) -> bool:
        if state["status"] in (PENDING, PAUSED):
            return True
        return state["status"] == RUNNING and clock.now().timestamp() > float(state.get("lease_expires") or 0)

    def backup_status(self, native_id: str) -> Progress:
        key = self._header_key(native_id)
        header = self._storage.get_json(key)
        if header is None:
            return Progress(Phase.FAILED, message=f"Recovery point {native_id} is missing from vault storage")
        if "copy" in header and header["status"] == RUNNING:  # a copy job's copy (copy_in): no mover
            header = self._copy_slice(native_id, header)
        elif self._needs_launch(header):
            self._launch("backup", header["file_system_id"], key, header)
            header = self._storage.get_json(key) or header
        if header["status"] == COMPLETED:
            return Progress(Phase.COMPLETED, "100.0", header["bytes_done"])
        if header["status"] == FAILED:
            return Progress(Phase.FAILED, message=header.get("message") or "The EFS backup failed")
        total = header["bytes"] or 0
        percent = f"{min(99.9, 100.0 * header['bytes_done'] / total):.1f}" if total else "0.0"
        return Progress(Phase.RUNNING, percent, header["bytes_done"], header.get("message"))

    # locks: S3 Object Lock over the point's objects in the vault bucket (vault_storage.PrefixLock)

    def lock_backup(self, native_id: str, lock: NativeLock) -> None:
        PrefixLock(self._storage).lock_backup(self._prefix(native_id), lock)

    def unlock_backup(self, native_id: str) -> None:
        PrefixLock(self._storage).unlock(self._prefix(native_id))

    def backup_lock(self, native_id: str) -> NativeLockState | None:
        return PrefixLock(self._storage).backup_lock(self._prefix(native_id))

    def delete_backup(self, native_id: str) -> None:
        self._storage.delete_prefix(self._prefix(native_id))

    # copies

    def share_backup(self, native_id: str, account: str) -> None:
        """Nothing per point: the destination reads the source vault bucket, whose policy must let its copy role
        read (see the module docstring)."""

    def copy_in(self, source: CopySource, copy_job_id: str, kms_key_arn: str, tags: dict[str, str]) -> NativeBackup:
        """Starts the copy: checks the source point can be read and is complete, and records the copy's state;
        backup_status copies the objects."""
        found = self.find_backup(source.resource_arn, copy_job_id)
        if found is not None:
            return found
        source_storage = self._storage.over(default_vault_bucket(source.account, source.region))
        source_header = copy_source_header(source_storage, self._prefix(source.native_id), self._account)
        header = {
            "resource_type": self.resource_type,
            "source_arn": source.resource_arn,
            "job_id": copy_job_id,
            "tags": tags,
            "status": RUNNING,
            "bytes": int(source_header.get("bytes_done") or 0),
            "bytes_done": 0,
            "copy": {
                "vault_bucket": source_storage.bucket,
                "native_id": source.native_id,
                "region": source.region,
                "account": source.account,
                "kms_key_arn": kms_key_arn,
                "after": None,
            },
        }
        self._storage.put_json(self._header_key(copy_job_id), header)
        return NativeBackup(copy_job_id, self._recovery_point_arn(copy_job_id))

    def _copy_slice(self, native_id: str, header: dict[str, Any]) -> dict[str, Any]:
        """Copies the source point's objects in key order from the saved cursor; at the end the copy's state becomes
        the source's (completed), with the copy's own job id, resource and tags."""
        copy = header["copy"]
        source = self._storage.over(copy["vault_bucket"])
        source_prefix = self._prefix(copy["native_id"])
        budget = WorkBudget(self._copy_seconds, self._copy_operations)
        try:
            done, copy["after"], copied = self._storage.copy_prefix_in(
                source,
                source_prefix,
                self._prefix(native_id),
                copy["kms_key_arn"],
                budget,
                copy["after"],
                skip=frozenset({"backup.json"}),
            )
            header["bytes_done"] += copied
            if done:
                finished = copy_source_header(source, source_prefix, self._account)
                finished.pop("lease_expires", None)
                header = {
                    **finished,
                    "job_id": native_id,
                    "source_arn": header["source_arn"],
                    "tags": header["tags"],
                    "copy": copy,
                    "status": COMPLETED,
                }
        except (ClientError, VaultStorageMissing, InvalidRequestException) as error:
            if isinstance(error, ClientError) and error.response["Error"]["Code"] not in _COPY_REFUSED:
                raise  # throttling and the like: the next tracking run resumes from the cursor
            header["status"] = FAILED
            header["message"] = f"The copy from {source.bucket} failed: {error}"
            for part in ("data/", "manifest/"):
                self._storage.delete_prefix(f"{self._prefix(native_id)}{part}")
        self._storage.put_json(self._header_key(native_id), header)
        return header

    def move_to_cold(self, native_id: str) -> bool:
        """The file contents (data/) to COLD_STORAGE_CLASS, resumably; state and manifest stay Standard."""
        budget = WorkBudget(self._cold_seconds, self._cold_operations)
        if not self._storage.change_storage_class(f"{self._prefix(native_id)}data/", COLD_STORAGE_CLASS, budget):
            raise ColdMovePending(f"EFS recovery point {native_id} is partly in cold storage; the move goes on")
        return True

    # restore

    def restore_metadata(self, native_id: str, source: ResourceInfo | None) -> dict[str, str]:
        header = self._storage.get_json(self._header_key(native_id)) or {}
        recorded = header.get("file_system") or {}
        metadata = {
            "file-system-id": header.get("file_system_id") or (parse_arn(source.arn).resource_id if source else ""),
            "Encrypted": str(bool(recorded.get("encrypted", source.is_encrypted if source else False))).lower(),
            "PerformanceMode": recorded.get("performance_mode") or "generalPurpose",
            "newFileSystem": "false",
        }
        key = recorded.get("kms_key_id") or (source.encryption_key_arn if source else None)
        if key:
            metadata["KmsKeyId"] = key
        return metadata

    def _plan(self, native_id: str, metadata: dict[str, str]) -> EfsRestorePlan:
        header = self._storage.get_json(self._header_key(native_id))
        if header is None:
            raise InvalidParameterValueException(
                f"Recovery point {native_id} has no data in vault storage and cannot be restored"
            )
        if header["status"] != COMPLETED:
            raise InvalidParameterValueException(f"Recovery point {native_id} is not complete and cannot be restored")
        new = _flag(metadata.get("newFileSystem"), "newFileSystem")
        encrypted = _flag(metadata.get("Encrypted"), "Encrypted")
        kms_key_id = metadata.get("KmsKeyId") or None
        items = _paths(metadata.get("ItemsToRestore") or metadata.get("itemsToRestore"))
        if not new:
            file_system_id = metadata.get("file-system-id")
            if not file_system_id:
                raise InvalidParameterValueException(
                    "Restore metadata for EFS is missing: file-system-id (or set newFileSystem to true)"
                )
            return EfsRestorePlan(False, file_system_id, items, encrypted, None, None, None)
        mode = metadata.get("PerformanceMode") or None
        if mode is not None and mode not in _PERFORMANCE_MODES:
            raise InvalidParameterValueException(
                f"Restore metadata PerformanceMode must be one of {', '.join(_PERFORMANCE_MODES)}, got {mode!r}"
            )
        if kms_key_id and not encrypted:
            raise InvalidParameterValueException("Restore metadata KmsKeyId needs Encrypted set to true")
        token = metadata.get("CreationToken") or None
        if token is not None and not 1 <= len(token) <= 64:
            raise InvalidParameterValueException("Restore metadata CreationToken must be 1 to 64 characters")
        return EfsRestorePlan(True, None, items, encrypted, kms_key_id, mode, token)

    def check_restore(self, native_id: str, metadata: dict[str, str]) -> None:
        plan = self._plan(native_id, metadata)
        if plan.new_file_system:
            if not self._mover.reaches_new_file_systems:
                raise InvalidParameterValueException(
                    "This deployment cannot restore EFS to a new file system (a mover Lambda is attached to one "
                    "existing file system): set newFileSystem to false and file-system-id to a protected file system"
                )
            return
        assert plan.file_system_id is not None
        if self._file_system(plan.file_system_id) is None:
            raise InvalidParameterValueException(f"EFS file system {plan.file_system_id} does not exist")
        if not self._mover.reaches(plan.file_system_id):
            raise InvalidParameterValueException(
                f"EFS file system {plan.file_system_id} has no Strongroom mover to restore into"
            )

    def find_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore | None:
        state = self._storage.get_json(restore_state_key(restore_job_id))
        if state is None or state.get("native_id") != native_id:
            return None
        return NativeRestore(restore_job_id, self._fs_arn(state["file_system_id"]))

    def start_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore:
        found = self.find_restore(native_id, restore_job_id, metadata)
        if found is not None:
            return found  # started already: a second state would restore into a second directory
        self.check_restore(native_id, metadata)
        plan = self._plan(native_id, metadata)
        file_system_id = plan.file_system_id or self._create_file_system(plan, restore_job_id)
        header = self._storage.get_json(self._header_key(native_id)) or {}
        stamp = clock.now().strftime("%Y-%m-%dT%H-%M-%SZ")
        state = {
            "native_id": native_id,
            "prefix": self._prefix(native_id),
            "file_system_id": file_system_id,
            "new_file_system": plan.new_file_system,
            "directory": f"{RESTORE_DIRECTORY_PREFIX}{stamp}_{restore_job_id[:8].lower()}",
            "items": list(plan.items),
            "status": PENDING,
            "parts": header.get("parts", 0),
            "total": header.get("entries", 0),
            "part": 0,
            "index": 0,
            "examined": 0,
            "restored": 0,
            "failed": 0,
            "bytes": 0,
            "errors": [],
            "failures": 0,
        }
        key = restore_state_key(restore_job_id)
        self._storage.put_json(key, state)
        if self._available(file_system_id):
            self._launch("restore", file_system_id, key, state)
        return NativeRestore(restore_job_id, self._fs_arn(file_system_id))

    def _create_file_system(self, plan: EfsRestorePlan, restore_job_id: str) -> str:
        token = plan.creation_token or f"strongroom-restore-{restore_job_id}"[:64]
        request: dict[str, Any] = {
            "CreationToken": token,
            "Encrypted": plan.encrypted,
            "Tags": [{"Key": RESTORE_TAG, "Value": restore_job_id}],
        }
        if plan.performance_mode:
            request["PerformanceMode"] = plan.performance_mode
        if plan.kms_key_id:
            request["KmsKeyId"] = plan.kms_key_id
        try:
            return str(self._efs().create_file_system(**request)["FileSystemId"])
        except ClientError as error:
            if error.response["Error"]["Code"] != "FileSystemAlreadyExists":
                raise
        # Same token: this restore made it before a crash. Adopt it.
        return str(self._efs().describe_file_systems(CreationToken=token)["FileSystems"][0]["FileSystemId"])

    def _available(self, file_system_id: str) -> bool:
        fs = self._file_system(file_system_id)
        return fs is not None and fs.get("LifeCycleState") == "available"

    def restore_status(self, restore: NativeRestore) -> Progress:
        key = restore_state_key(restore.native_id)
        state = self._storage.get_json(key)
        if state is None:
            return Progress(Phase.FAILED, message=f"Restore {restore.native_id} has no state in vault storage")
        if self._needs_launch(state):
            if not self._available(state["file_system_id"]):
                if self._file_system(state["file_system_id"]) is None:
                    return Progress(Phase.FAILED, message=f"EFS file system {state['file_system_id']} is gone")
                return Progress(Phase.RUNNING, "0.0", 0, "Waiting for the file system to become available")
            self._launch("restore", state["file_system_id"], key, state)
            state = self._storage.get_json(key) or state
        if state["status"] == COMPLETED:
            return Progress(Phase.COMPLETED, "100.0", state["bytes"])
        if state["status"] == FAILED:
            return Progress(Phase.FAILED, message=state.get("message") or "The EFS restore failed")
        total = state["total"] or 1
        return Progress(Phase.RUNNING, f"{min(99.9, 100.0 * state['examined'] / total):.1f}", state["bytes"])


def _flag(value: str | None, key: str) -> bool:
    if value is None or value == "":
        return False
    if value.lower() not in ("true", "false"):
        raise InvalidParameterValueException(f"Restore metadata {key} must be true or false, got {value!r}")
    return value.lower() == "true"


def _paths(raw: str | None) -> tuple[str, ...]:
    """ItemsToRestore: a JSON list of one to five paths relative to the file system root, e.g. ["/home/a"]."""
    if raw is None or raw.strip() == "":
        return ()
    try:
        items = json.loads(raw)
    except ValueError:
        items = None
    if not isinstance(items, list) or not 1 <= len(items) <= 5 or not all(isinstance(i, str) for i in items):
        raise InvalidParameterValueException(
            f'Restore metadata ItemsToRestore must be a JSON list of 1 to 5 paths (e.g. ["/home/a"]), got {raw!r}'
        )
    paths = []
    for item in items:
        relative = item.strip("/")
        try:
            _safe_relative(relative)
        except ValueError:
            raise InvalidParameterValueException(
                f"ItemsToRestore path {item!r} must name a file or directory below the root, without '..'"
            ) from None
        paths.append(relative)
    return tuple(paths)
