"""FSx file systems (Windows File Server, Lustre, OpenZFS): a recovery point is a user-initiated FSx backup,
tagged with the job id; a restore is a new file system made from it by CreateFileSystemFromBackup.

FSx for NetApp ONTAP is backed up per volume, not per file system: an ONTAP file system is refused with a
clear error (its volumes are a resource type of their own, fsx:volume, not implemented yet).

Copies: CopyBackup in the destination Region, encrypted with the destination vault's key, tagged with the
copy job id and idempotent by a request token made from it. FSx copies a backup only within one account (to
another Region or in the same one): a copy into a vault of another account fails saying so, before anything
is shared. (AWS Backup copies FSx backups across accounts through its own vault storage, which Strongroom does
not have for FSx; to keep FSx data in another account, replicate it with the file system's own tools.) A
backup copied from another Region describes the source file system of that Region: its restore metadata
takes the copy's own key, and a restore needs this Region's subnets (subnetIds).

moto's FSx lacks CreateFileSystemFromBackup and CopyBackup, never moves a backup past CREATING, and leaves
out fields FSx always returns. `MotoFsxGaps` (local/fakes/fsx/) fills exactly those gaps over moto's
client; only the local runtime and tests may wrap a client with it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import chain
from typing import Any

from botocore.exceptions import ClientError, ParamValidationError

from lambdas.domain.arns import parse_arn
from lambdas.domain.errors import InvalidParameterValueException, InvalidRequestException, ResourceNotFoundException
from lambdas.resources.base import (
    JOB_TAG,
    CopySource,
    NativeBackup,
    OneTypeAdapter,
    Phase,
    Progress,
    ResourceInfo,
    RunMemo,
)
from lambdas.resources.fsx.restore import GIB, FsxRestores, _code, _tags, request_token
from lambdas.resources.fsx.spec import FSX
from lambdas.resources.paging import listed
from lambdas.resources.snapshot_engine import unless_gone
from lambdas.resources.spec import AdapterContext

_FILE_SYSTEM_ID = re.compile(r"^fs-[0-9a-f]{8,21}$")
# CopyBackup's errors that a later try would meet again (ServiceLimitExceeded, five copies already in progress
# into the Region, passes: the copy job tries again on its next run).
_REFUSED_COPY = {
    "BadRequest",
    "BackupNotFound",
    "UnsupportedOperation",
    "IncompatibleParameterError",
    "InvalidSourceKmsKey",
    "InvalidDestinationKmsKey",
    "InvalidRegion",
    "SourceBackupUnavailable",
    "IncompatibleRegionForMultiAZ",
}


class FsxAdapter(FsxRestores, OneTypeAdapter):
    def __init__(self, fsx: Callable[[], Any], region: str, account: str) -> None:
        self._fsx = fsx
        super().__init__(FSX, region, account)

    def _file_system_arn(self, file_system_id: str) -> str:
        return self._arn_here("fsx", f"file-system/{file_system_id}")

    def _backup_arn(self, backup_id: str) -> str:
        return self._arn_here("fsx", f"backup/{backup_id}")

    def _file_system_id(self, resource_arn: str) -> str:
        arn = parse_arn(resource_arn)
        if arn.service != "fsx" or arn.resource_kind != "file-system" or not _FILE_SYSTEM_ID.match(arn.resource_id):
            raise InvalidParameterValueException(
                f"Invalid FSx file system ARN {resource_arn!r}: expected arn:aws:fsx:region:account:file-system/fs-id"
            )
        return arn.resource_id

    def _file_system(self, file_system_id: str) -> dict[str, Any] | None:
        found = unless_gone(
            lambda: self._fsx().describe_file_systems(FileSystemIds=[file_system_id])["FileSystems"],
            ("FileSystemNotFound",),
        )
        return dict(found[0]) if found else None

    def _info(self, file_system: dict[str, Any]) -> ResourceInfo:
        tags = _tags(file_system.get("Tags"))
        return ResourceInfo(
            arn=self._file_system_arn(file_system["FileSystemId"]),
            resource_type=self.resource_type,
            name=tags.get("Name", file_system["FileSystemId"]),
            size_bytes=int(file_system.get("StorageCapacity", 0)) * GIB,
            tags=tags,
            encryption_key_arn=file_system.get("KmsKeyId"),
            is_encrypted=True,  # FSx encrypts every file system and backup at rest
        )

    def describe(self, resource_arn: str) -> ResourceInfo:
        file_system = self._file_system(self._file_system_id(resource_arn))
        if file_system is None:
            raise ResourceNotFoundException(f"FSx file system {resource_arn} does not exist")
        return self._info(file_system)

    def _file_systems(self) -> Iterator[dict[str, Any]]:
        return listed(self._fsx().describe_file_systems, "FileSystems", "NextToken")

    def list_resources(self) -> Iterator[ResourceInfo]:
        for file_system in self._file_systems():
            yield self._info(file_system)

    # backups

    def _backups_of(self, file_system_id: str) -> Iterator[dict[str, Any]]:
        filters = [{"Name": "file-system-id", "Values": [file_system_id]}]
        return listed(self._fsx().describe_backups, "Backups", "NextToken", Filters=filters)

    def find_backup(self, resource_arn: str, job_id: str) -> NativeBackup | None:
        """The backup (or copy) the job made: among the file system's backups, and for a file system of another
        Region (a copy made here) among every backup of this Region, should FSx not file a copy under the
        source's file system."""
        candidates: Iterator[dict[str, Any]] = self._backups_of(self._file_system_id(resource_arn))
        if parse_arn(resource_arn).region != self._region:
            candidates = chain(candidates, self._all_backups())
        for backup in candidates:
            if _tags(backup.get("Tags")).get(JOB_TAG) == job_id and backup.get("Lifecycle") != "DELETED":
                return NativeBackup(backup["BackupId"], self._backup_arn(backup["BackupId"]))
        return None

    def _all_backups(self) -> Iterator[dict[str, Any]]:
        return listed(self._fsx().describe_backups, "Backups", "NextToken")

    def start_backup(
        self, resource_arn: str, job_id: str, tags: dict[str, str], *, memo: RunMemo | None = None
    ) -> NativeBackup:
        info = self._file_system(self._file_system_id(resource_arn))
        if info is None:
            raise ResourceNotFoundException(f"FSx file system {resource_arn} does not exist")
        if info.get("FileSystemType") == "ONTAP":
            raise InvalidParameterValueException(
                f"FSx for NetApp ONTAP file system {resource_arn} is backed up per volume: select its volumes"
            )
        try:
            backup = self._fsx().create_backup(
                FileSystemId=info["FileSystemId"],
                ClientRequestToken=request_token(job_id),
                Tags=[{"Key": k, "Value": v} for k, v in {**tags, JOB_TAG: job_id}.items()],
            )["Backup"]
        except ClientError as error:
            if _code(error) in ("FileSystemNotFound", "ResourceNotFoundException"):
                raise ResourceNotFoundException(f"FSx file system {resource_arn} does not exist") from None
            raise  # BackupInProgress, ServiceLimitExceeded: the job retries within its start window
        return NativeBackup(backup["BackupId"], self._backup_arn(backup["BackupId"]))

    def _backup(self, backup_id: str) -> dict[str, Any] | None:
        try:
            found = unless_gone(
                lambda: self._fsx().describe_backups(BackupIds=[backup_id])["Backups"], ("BackupNotFound",)
            )
        except ParamValidationError:
            return None  # not an FSx backup id at all
        return dict(found[0]) if found else None

    def backup_status(self, native_id: str) -> Progress:
        backup = self._backup(native_id)
        if backup is None:
            return Progress(Phase.FAILED, message=f"FSx backup {native_id} disappeared before it completed")
        lifecycle = backup.get("Lifecycle")
        size = backup.get("SizeInBytes") or int((backup.get("FileSystem") or {}).get("StorageCapacity", 0)) * GIB
        if lifecycle == "AVAILABLE":
            return Progress(Phase.COMPLETED, "100.0", int(size) or None)
        if lifecycle in ("FAILED", "DELETED"):
            reason = (backup.get("FailureDetails") or {}).get("Message")
            return Progress(Phase.FAILED, message=reason or f"FSx backup {native_id} is {lifecycle}")
        percent = backup.get("ProgressPercent")
        return Progress(Phase.RUNNING, f"{float(percent):.1f}" if percent is not None else "0.0", int(size) or None)

    def delete_backup(self, native_id: str) -> None:
        try:
            self._fsx().delete_backup(BackupId=native_id)
        except ClientError as error:
            # moto answers ResourceNotFoundException where FSx answers BackupNotFound
            if _code(error) not in ("BackupNotFound", "ResourceNotFoundException"):
                raise  # BackupRestoring, BackupBeingCopied, BackupInProgress: deletion is retried later

    def list_native_backups(self, resource_arn: str) -> Iterator[tuple[NativeBackup, datetime]]:
        """Available backups FSx made (AUTOMATIC) or a user made (USER_INITIATED), not Strongroom's own (job tag)
        and not AWS Backup's (Type AWS_BACKUP, which only AWS Backup may manage)."""
        for backup in self._backups_of(self._file_system_id(resource_arn)):
            if backup.get("Lifecycle") != "AVAILABLE" or backup.get("Type") == "AWS_BACKUP":
                continue
            if JOB_TAG in _tags(backup.get("Tags")):
                continue
            yield NativeBackup(backup["BackupId"], self._backup_arn(backup["BackupId"])), backup["CreationTime"]

    def move_to_cold(self, native_id: str) -> bool:
        """FSx backups have no cold tier: the setting is ignored, as AWS Backup ignores it."""
        return False

    # copies

    def _refuse_other_account(self, account: str) -> InvalidRequestException:
        return InvalidRequestException(
            f"Strongroom cannot copy FSx recovery points to account {account}: FSx copies a backup only within its "
            f"own account (CopyBackup). Copy to a vault of account {self._account}, in this or another Region"
        )

    def share_backup(self, native_id: str, account: str) -> None:
        """FSx backups are not shared with other accounts: a copy across accounts fails here, sharing nothing."""
        raise self._refuse_other_account(account)

    def copy_in(self, source: CopySource, copy_job_id: str, kms_key_arn: str, tags: dict[str, str]) -> NativeBackup:
        """CopyBackup of a backup of this account, from another Region or this one, under `kms_key_arn`."""
        if source.account != self._account:
            raise self._refuse_other_account(self._account)
        request: dict[str, Any] = {
            "SourceBackupId": source.native_id,
            "ClientRequestToken": request_token(copy_job_id),
            "KmsKeyId": kms_key_arn,
            "CopyTags": False,
            "Tags": [{"Key": k, "Value": v} for k, v in {**tags, JOB_TAG: copy_job_id}.items()],
        }
        if source.region != self._region:
            request["SourceRegion"] = source.region
        try:
            backup = self._fsx().copy_backup(**request)["Backup"]
        except ClientError as error:
            if _code(error) in _REFUSED_COPY:
                raise InvalidRequestException(
                    f"FSx refused to copy backup {source.native_id} of {source.region} into {self._region}: "
                    f"{error.response['Error'].get('Message') or _code(error)}"
                ) from None
            raise
        return NativeBackup(backup["BackupId"], self._backup_arn(backup["BackupId"]))


def build(ctx: AdapterContext) -> FsxAdapter:
    """The adapter of this type for one account and Region (its spec's `build`)."""
    return FsxAdapter(ctx.client("fsx"), ctx.region, ctx.account)
