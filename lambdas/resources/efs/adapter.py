"""EFS file systems: Strongroom copies the files into its vault storage bucket itself (EFS has no snapshot API),
through a mover that runs next to the file system (mover.py). docs/copy-into-vault.md tells the whole design."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Literal

from botocore.exceptions import ClientError

from lambdas.common import clock
from lambdas.domain.arns import parse_arn
from lambdas.domain.errors import InvalidParameterValueException, InvalidRequestException, ResourceNotFoundException
from lambdas.resources.base import (
    RESTORE_TAG,
    ColdMovePending,
    NativeBackup,
    NativeRestore,
    Phase,
    Progress,
    ResourceInfo,
    RunMemo,
)
from lambdas.resources.efs.mover import MoveRequest, MoverLauncher, mover_function_name
from lambdas.resources.efs.restore_plan import EfsRestorePlan, restore_plan
from lambdas.resources.efs.spec import EFS
from lambdas.resources.efs.state import (
    PAUSED,
    PENDING,
    EfsCopyProgress,
    EfsPointState,
    EfsRestoreState,
    FileSystemFacts,
    MoverState,
)
from lambdas.resources.snapshot_engine import unless_gone
from lambdas.resources.vault_copy.points import (
    VaultPoints,
    copy_source_header,
    finished_progress,
    missing_point,
    missing_restore,
    refused_copy,
    restore_progress,
)
from lambdas.resources.vault_copy.state import COMPLETED, RUNNING, CopyOrigin
from lambdas.resources.vault_storage import (
    COLD_STORAGE_CLASS,
    VaultStorage,
    VaultStorageMissing,
    WorkBudget,
    restore_state_key,
)

RESTORE_DIRECTORY_PREFIX = "aws-backup-restore_"
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


class EfsAdapter(VaultPoints[EfsPointState, EfsRestoreState]):
    kind = "efs"
    content = "data"
    point_model = EfsPointState
    restore_model = EfsRestoreState

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
        super().__init__(EFS, region, account, storage)
        self._efs = efs
        self._mover = mover
        self._cold_seconds = cold_seconds
        self._cold_operations = cold_operations
        self._copy_seconds = copy_seconds
        self._copy_operations = copy_operations

    def _fs_arn(self, file_system_id: str) -> str:
        return self._arn_here("elasticfilesystem", f"file-system/{file_system_id}")

    # describe

    def _file_system(self, file_system_id: str) -> dict[str, Any] | None:
        systems = unless_gone(
            lambda: self._efs().describe_file_systems(FileSystemId=file_system_id)["FileSystems"],
            ("FileSystemNotFound", "BadRequest", "ValidationException"),
        )
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

    def start_backup(
        self, resource_arn: str, job_id: str, tags: dict[str, str], *, memo: RunMemo | None = None
    ) -> NativeBackup:
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
        state = EfsPointState(
            resource_type=self.resource_type,
            source_arn=resource_arn,
            file_system_id=file_system_id,
            file_system=FileSystemFacts(
                encrypted=bool(fs.get("Encrypted")),
                kms_key_id=fs.get("KmsKeyId"),
                performance_mode=fs.get("PerformanceMode", "generalPurpose"),
            ),
            job_id=job_id,
            tags=tags,
            status=PENDING,
        )
        self._save_point(state)
        self._launch("backup", file_system_id, self._header_key(job_id), state)
        return self._backup(job_id)

    def _launch(self, kind: Literal["backup", "restore"], file_system_id: str, key: str, state: MoverState) -> None:
        # Marked RUNNING with a lease before the invoke, so a second poll does not start a second mover.
        state.status, state.lease_expires = RUNNING, clock.now().timestamp() + self._mover.lease_seconds
        self._storage.put_json(key, state.to_json())
        self._mover.launch(MoveRequest(kind, file_system_id, self._storage.bucket, key))

    def _needs_launch(self, state: MoverState) -> bool:
        if state.status in (PENDING, PAUSED):
            return True
        return state.status == RUNNING and clock.now().timestamp() > (state.lease_expires or 0)

    def backup_status(self, native_id: str) -> Progress:
        key = self._header_key(native_id)
        state = self._load_point(native_id)
        if state is None:
            return missing_point(native_id)
        if state.copy_progress is not None and state.status == RUNNING:  # a copy job's copy (copy_in): no mover
            state = self._copy_slice(native_id, state)
        elif self._needs_launch(state):
            assert state.file_system_id is not None
            self._launch("backup", state.file_system_id, key, state)
            state = self._load_point(native_id) or state
        done = finished_progress(state.status, state.bytes_done, state.message, "EFS backup")
        if done is not None:
            return done
        percent = f"{min(99.9, 100.0 * state.bytes_done / state.bytes):.1f}" if state.bytes else "0.0"
        return Progress(Phase.RUNNING, percent, state.bytes_done, state.message)

    # copies

    def _copy_state(
        self, source: EfsPointState, origin: CopyOrigin, resource_arn: str, copy_job_id: str, tags: dict[str, str]
    ) -> EfsPointState:
        """Only the copy's own fields until it ends, when it takes the source point's (see _copy_slice)."""
        return EfsPointState(
            resource_type=self.resource_type,
            source_arn=resource_arn,
            job_id=copy_job_id,
            tags=tags,
            bytes=source.bytes_done,
            copy_progress=EfsCopyProgress(**origin.model_dump()),
        )

    def _copy_slice(self, native_id: str, state: EfsPointState) -> EfsPointState:
        """Copies the source point's objects in key order from the saved cursor; at the end the copy's state becomes
        the source's (completed), with the copy's own job id, resource and tags."""
        copy = state.copy_progress
        assert copy is not None
        source = self._storage.over(copy.vault_bucket)
        source_prefix = self._prefix(copy.native_id)
        budget = WorkBudget(self._copy_seconds, self._copy_operations)
        try:
            done, copy.after, copied = self._storage.copy_prefix_in(
                source,
                source_prefix,
                self._prefix(native_id),
                copy.kms_key_arn,
                budget,
                copy.after,
                skip=frozenset({"backup.json"}),
            )
            state.bytes_done += copied
            if done:
                finished = EfsPointState.from_json(copy_source_header(source, source_prefix, self._account))
                state = finished.model_copy(
                    update={
                        "job_id": native_id,
                        "source_arn": state.source_arn,
                        "tags": state.tags,
                        "copy_progress": copy,
                        "status": COMPLETED,
                        "lease_expires": None,
                    }
                )
        except (ClientError, VaultStorageMissing, InvalidRequestException) as error:
            if not refused_copy(error, _COPY_REFUSED):
                raise  # throttling and the like: the next tracking run resumes from the cursor
            state.fail(f"The copy from {source.bucket} failed: {error}")
            self._discard_copy(native_id)
        self._save_point(state)
        return state

    def move_to_cold(self, native_id: str) -> bool:
        """The file contents (data/) to COLD_STORAGE_CLASS, resumably; state and manifest stay Standard."""
        budget = WorkBudget(self._cold_seconds, self._cold_operations)
        if not self._storage.change_storage_class(f"{self._prefix(native_id)}data/", COLD_STORAGE_CLASS, budget):
            raise ColdMovePending(f"EFS recovery point {native_id} is partly in cold storage; the move goes on")
        return True

    # restore

    def restore_metadata(
        self, native_id: str, source: ResourceInfo | None, *, memo: RunMemo | None = None
    ) -> dict[str, str]:
        state = self._load_point(native_id)
        recorded = state.file_system if state else None
        file_system_id = state.file_system_id if state else None
        metadata = {
            "file-system-id": file_system_id or (parse_arn(source.arn).resource_id if source else ""),
            "Encrypted": str(recorded.encrypted if recorded else bool(source and source.is_encrypted)).lower(),
            "PerformanceMode": (recorded.performance_mode if recorded else None) or "generalPurpose",
            "newFileSystem": "false",
        }
        key = (recorded.kms_key_id if recorded else None) or (source.encryption_key_arn if source else None)
        if key:
            metadata["KmsKeyId"] = key
        return metadata

    def _plan(self, native_id: str, metadata: dict[str, str]) -> EfsRestorePlan:
        self._restorable_point(native_id)
        return restore_plan(metadata)

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

    def _restored_arn(self, state: EfsRestoreState) -> str:
        return self._fs_arn(state.file_system_id)

    def start_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore:
        found = self.find_restore(native_id, restore_job_id, metadata)
        if found is not None:
            return found  # started already: a second state would restore into a second directory
        self.check_restore(native_id, metadata)
        plan = self._plan(native_id, metadata)
        file_system_id = plan.file_system_id or self._create_file_system(plan, restore_job_id)
        point = self._restorable_point(native_id)
        stamp = clock.now().strftime("%Y-%m-%dT%H-%M-%SZ")
        state = EfsRestoreState(
            native_id=native_id,
            prefix=self._prefix(native_id),
            file_system_id=file_system_id,
            new_file_system=plan.new_file_system,
            directory=f"{RESTORE_DIRECTORY_PREFIX}{stamp}_{restore_job_id[:8].lower()}",
            items=list(plan.items),
            status=PENDING,
            parts=point.parts,
            total=point.entries or 0,
        )
        self._save_restore(restore_job_id, state)
        if self._available(file_system_id):
            self._launch("restore", file_system_id, restore_state_key(restore_job_id), state)
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
        state = self._load_restore(restore.native_id)
        if state is None:
            return missing_restore(restore.native_id)
        if self._needs_launch(state):
            if not self._available(state.file_system_id):
                if self._file_system(state.file_system_id) is None:
                    return Progress(Phase.FAILED, message=f"EFS file system {state.file_system_id} is gone")
                return Progress(Phase.RUNNING, "0.0", 0, "Waiting for the file system to become available")
            self._launch("restore", state.file_system_id, key, state)
            state = self._load_restore(restore.native_id) or state
        return restore_progress(state, "EFS restore")
