"""What S3 and EFS do alike with the recovery points they keep in Strongroom's vault storage bucket: where a point
and a restore keep their state, adopting a backup or a restore a crash left behind, locks (S3 Object Lock over the
point's prefix), deletion, the start of a copy job's copy, and the progress the engine reports. Each adapter
subclasses VaultPoints and says only what differs: its prefix kind and its state models."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Generic, TypeVar

from botocore.exceptions import ClientError

from lambdas.domain.errors import InvalidParameterValueException, InvalidRequestException
from lambdas.domain.native_locks import NativeLock
from lambdas.resources.base import (
    CopySource,
    NativeBackup,
    NativeLockState,
    NativeRestore,
    OneTypeAdapter,
    Phase,
    Progress,
)
from lambdas.resources.spec import TypeSpec
from lambdas.resources.vault_copy.locks import PrefixLock
from lambdas.resources.vault_copy.state import COMPLETED, FAILED, CopyOrigin, PointState, RestoreState
from lambdas.resources.vault_storage import (
    VaultStorage,
    VaultStorageMissing,
    default_vault_bucket,
    recovery_point_prefix,
    restore_state_key,
)

P = TypeVar("P", bound=PointState)
R = TypeVar("R", bound=RestoreState)


class PointLocked(InvalidRequestException):
    """Some of the point's objects are under S3 Object Lock (a vault lock's retention or a legal hold): S3 keeps
    them, so the point is not deleted; expiry leaves it EXPIRED and tries again once the lock is over."""


class VaultPoints(OneTypeAdapter, ABC, Generic[P, R]):
    kind: ClassVar[str]  # the type's folder in vault storage: recovery-points/<kind>/<native id>/
    content: ClassVar[str]  # what a point keeps there, as an error names it ("manifest", "data")
    point_model: type[P]
    restore_model: type[R]

    def __init__(self, spec: TypeSpec, region: str, account: str, storage: VaultStorage) -> None:
        super().__init__(spec, region, account)
        self._storage = storage

    # where things are

    def _prefix(self, native_id: str) -> str:
        return recovery_point_prefix(self.kind, native_id)

    def _header_key(self, native_id: str) -> str:
        return self._prefix(native_id) + "backup.json"

    def _recovery_point_arn(self, native_id: str) -> str:
        return self._arn_here("backup", f"recovery-point:{native_id}")

    def _backup(self, native_id: str) -> NativeBackup:
        return NativeBackup(native_id, self._recovery_point_arn(native_id))

    # state

    def _load_point(self, native_id: str) -> P | None:
        value = self._storage.get_json(self._header_key(native_id))
        return self.point_model.from_json(value) if value is not None else None

    def _save_point(self, state: P) -> None:
        self._storage.put_json(self._header_key(state.job_id), state.to_json())

    def _load_restore(self, restore_job_id: str) -> R | None:
        value = self._storage.get_json(restore_state_key(restore_job_id))
        return self.restore_model.from_json(value) if value is not None else None

    def _save_restore(self, restore_job_id: str, state: R) -> None:
        self._storage.put_json(restore_state_key(restore_job_id), state.to_json())

    def _restorable_point(self, native_id: str) -> P:
        state = self._load_point(native_id)
        if state is None:
            raise InvalidParameterValueException(
                f"Recovery point {native_id} has no {self.content} in vault storage and cannot be restored"
            )
        if state.status != COMPLETED:
            raise InvalidParameterValueException(f"Recovery point {native_id} is not complete and cannot be restored")
        return state

    # the Protocol's methods that are the same for every copy-into-vault type

    def find_backup(self, resource_arn: str, job_id: str) -> NativeBackup | None:
        state = self._storage.get_json(self._header_key(job_id))
        if state is None or state.get("source_arn") != resource_arn:
            return None
        return self._backup(job_id)

    def lock_backup(self, native_id: str, lock: NativeLock) -> None:
        PrefixLock(self._storage).lock_backup(self._prefix(native_id), lock)

    def unlock_backup(self, native_id: str) -> None:
        PrefixLock(self._storage).unlock(self._prefix(native_id))

    def backup_lock(self, native_id: str) -> NativeLockState | None:
        return PrefixLock(self._storage).backup_lock(self._prefix(native_id))

    def delete_backup(self, native_id: str) -> None:
        """Every object of the point in vault storage; idempotent. PointLocked when S3 Object Lock keeps some."""
        refused = self._storage.delete_prefix(self._prefix(native_id))
        if refused:
            raise PointLocked(
                f"Recovery point {native_id} cannot be deleted yet: S3 Object Lock keeps {len(refused)} of its "
                f"objects in {self._storage.bucket} (e.g. {refused[0]})"
            )

    def share_backup(self, native_id: str, account: str) -> None:
        """Nothing per point: the destination reads the source deployment's vault bucket (and, for S3, the
        customer's bucket), whose policies must let its copy role read (see vault_storage)."""

    def find_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore | None:
        state = self._load_restore(restore_job_id)
        if state is None or state.native_id != native_id:
            return None
        return NativeRestore(restore_job_id, self._restored_arn(state))

    @abstractmethod
    def _restored_arn(self, state: R) -> str:
        """The resource a restore writes into (a bucket, a file system)."""

    # copies: the destination deployment's adapter pulls the source point from the source's vault bucket

    def copy_in(self, source: CopySource, copy_job_id: str, kms_key_arn: str, tags: dict[str, str]) -> NativeBackup:
        """Starts a copy job's copy: checks the source point can be read and is complete (InvalidRequestException,
        which fails the copy job, when not), and records the copy's state; backup_status copies, a slice a call."""
        found = self.find_backup(source.resource_arn, copy_job_id)
        if found is not None:
            return found
        storage = self._storage.over(default_vault_bucket(source.account, source.region))
        header = copy_source_header(storage, self._prefix(source.native_id), self._account)
        origin = CopyOrigin(
            vault_bucket=storage.bucket,
            native_id=source.native_id,
            region=source.region,
            account=source.account,
            kms_key_arn=kms_key_arn,
        )
        point = self.point_model.from_json(header)
        self._save_point(self._copy_state(point, origin, source.resource_arn, copy_job_id, tags))
        return self._backup(copy_job_id)

    @abstractmethod
    def _copy_state(
        self, source: P, origin: CopyOrigin, resource_arn: str, copy_job_id: str, tags: dict[str, str]
    ) -> P:
        """A copy's first state, before anything is copied."""

    def _discard_copy(self, native_id: str) -> None:
        """A failed copy keeps its state (backup.json, with the reason) and drops what it copied."""
        for part in ("data/", "manifest/"):
            self._storage.delete_prefix(f"{self._prefix(native_id)}{part}")


def copy_source_header(source: VaultStorage, prefix: str, account: str) -> dict[str, Any]:
    """The state of the recovery point a copy starts from (`prefix` in the source deployment's bucket), read by the
    destination's `account`: InvalidRequestException, which fails the copy job, when it cannot be read or is not
    complete."""
    try:
        header = source.get_json(prefix + "backup.json")
    except VaultStorageMissing:
        raise InvalidRequestException(
            f"The source deployment's vault storage bucket {source.bucket} does not exist"
        ) from None
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("AccessDenied", "403", "AllAccessDisabled"):
            raise
        raise InvalidRequestException(
            f"Account {account} cannot read {source.bucket}: the source deployment's vault storage bucket must let "
            f"account {account}'s copy role read {prefix} (s3:GetObject, s3:ListBucket), and the bucket's KMS key "
            "must let it decrypt"
        ) from None
    if header is None:
        raise InvalidRequestException(
            f"The recovery point {prefix} is missing from vault storage bucket {source.bucket}"
        )
    if header.get("status") != "COMPLETED":
        raise InvalidRequestException(
            f"The recovery point {prefix} in {source.bucket} is not complete: it cannot be copied"
        )
    return header


def refused_copy(error: Exception, refusals: tuple[str, ...]) -> bool:
    """Whether an error ends a copy (another try would meet it again) rather than waiting for the next run."""
    return not isinstance(error, ClientError) or error.response["Error"]["Code"] in refusals


def finished_progress(status: str, size: int, message: str | None, what: str) -> Progress | None:
    if status == COMPLETED:
        return Progress(Phase.COMPLETED, "100.0", size)
    if status == FAILED:
        return Progress(Phase.FAILED, message=message or f"The {what} failed")
    return None


def restore_progress(state: RestoreState, what: str) -> Progress:
    done = finished_progress(state.status, state.bytes, state.message, what)
    return done or Progress(Phase.RUNNING, state.percent_done(), state.bytes)


def missing_point(native_id: str) -> Progress:
    return Progress(Phase.FAILED, message=f"Recovery point {native_id} is missing from vault storage")


def missing_restore(restore_job_id: str) -> Progress:
    return Progress(Phase.FAILED, message=f"Restore {restore_job_id} has no state in vault storage")


def flag(value: str | None, key: str) -> bool:
    """A restore metadata boolean: "true" or "false" (any case); absent or empty is false."""
    if value is None or value == "":
        return False
    if value.lower() not in ("true", "false"):
        raise InvalidParameterValueException(f"Restore metadata {key} must be true or false, got {value!r}")
    return value.lower() == "true"


def items_to_restore(raw: str | None, limit: int, what: str, example: str, *, empty_ok: bool) -> list[str] | None:
    """ItemsToRestore's JSON list of 1 to `limit` strings (non-empty unless `empty_ok`); None when absent;
    InvalidParameterValueException naming the form (`what`, with an `example`) otherwise."""
    if raw is None or raw.strip() == "":
        return None
    try:
        items: Any = json.loads(raw)
    except ValueError:
        items = None
    if (
        not isinstance(items, list)
        or not 1 <= len(items) <= limit
        or not all(isinstance(i, str) and (i or empty_ok) for i in items)
    ):
        raise InvalidParameterValueException(
            f"Restore metadata ItemsToRestore must be a JSON list of 1 to {limit} {what} (e.g. {example}), got {raw!r}"
        )
    return items
