"""FSx restores: CreateFileSystemFromBackup with the network and configuration the restore metadata records, checked
before any job exists; FsxAdapter (adapter.py) takes these methods from FsxRestores."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError, ParamValidationError

from lambdas.domain.errors import InvalidParameterValueException, ResourceNotFoundException
from lambdas.resources.base import RESTORE_TAG, NativeRestore, Phase, Progress, ResourceInfo, RunMemo

GIB = 1024**3
_SUBNET = re.compile(r"^subnet-[0-9a-f]{8,}$")
_SECURITY_GROUP = re.compile(r"^sg-[0-9a-f]{8,}$")
_RESTORABLE_TYPES = ("WINDOWS", "LUSTRE", "OPENZFS")
# Restore metadata key -> (CreateFileSystemFromBackup parameter, members of the file system's description that
# the create call accepts, members the create call requires).
_CONFIGURATIONS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "WINDOWS": (
        "WindowsConfiguration",
        (
            "ActiveDirectoryId",
            "DeploymentType",
            "PreferredSubnetId",
            "ThroughputCapacity",
            "AutomaticBackupRetentionDays",
            "CopyTagsToBackups",
        ),
        ("ThroughputCapacity",),
    ),
    "LUSTRE": (
        "LustreConfiguration",
        (
            "DeploymentType",
            "PerUnitStorageThroughput",
            "DataCompressionType",
            "AutomaticBackupRetentionDays",
            "CopyTagsToBackups",
            "DriveCacheType",
        ),
        (),
    ),
    "OPENZFS": (
        "OpenZFSConfiguration",
        (
            "DeploymentType",
            "ThroughputCapacity",
            "AutomaticBackupRetentionDays",
            "CopyTagsToBackups",
            "CopyTagsToVolumes",
            "PreferredSubnetId",
        ),
        ("DeploymentType", "ThroughputCapacity"),
    ),
}
_METADATA_KEY = {"WINDOWS": "windowsConfiguration", "LUSTRE": "lustreConfiguration", "OPENZFS": "openZfsConfiguration"}
_REFUSED_RESTORE = {
    "BadRequest",
    "IncompatibleParameterError",
    "InvalidNetworkSettings",
    "InvalidPerUnitStorageThroughput",
    "MissingFileSystemConfiguration",
    "ActiveDirectoryError",
}
_DEAD_FILE_SYSTEM = {"FAILED", "MISCONFIGURED", "MISCONFIGURED_UNAVAILABLE", "DELETING"}


def _tags(raw: list[dict[str, str]] | None) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in raw or []}


def request_token(job_id: str) -> str:
    """FSx's ClientRequestToken (1-63 of A-Z a-z 0-9 _ . -): the same job asks the same question twice safely."""
    return re.sub(r"[^A-Za-z0-9_.-]", "-", job_id)[:63] or "strongroom"


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class FsxRestores:
    """The restore half of the FSx adapter."""

    # Provided by FsxAdapter, which takes these methods (declared here for the type checker).
    _fsx: Callable[[], Any]

    def _backup(self, backup_id: str) -> dict[str, Any] | None:
        raise NotImplementedError

    def _file_system(self, file_system_id: str) -> dict[str, Any] | None:
        raise NotImplementedError

    def _file_system_arn(self, file_system_id: str) -> str:
        raise NotImplementedError

    def _file_systems(self) -> Iterator[dict[str, Any]]:
        raise NotImplementedError

    def restore_metadata(
        self, native_id: str, source: ResourceInfo | None, *, memo: RunMemo | None = None
    ) -> dict[str, str]:
        backup = self._backup(native_id)
        if backup is None:
            raise ResourceNotFoundException(f"FSx backup {native_id} does not exist")
        file_system = backup.get("FileSystem") or {}
        metadata: dict[str, str] = {}
        for key, member in (
            ("fileSystemId", "FileSystemId"),
            ("fileSystemType", "FileSystemType"),
            ("storageCapacity", "StorageCapacity"),
            ("storageType", "StorageType"),
            ("fileSystemTypeVersion", "FileSystemTypeVersion"),
            ("kmsKeyId", "KmsKeyId"),
        ):
            if file_system.get(member) not in (None, ""):
                metadata[key] = str(file_system[member])
        if backup.get("SourceBackupId") and backup.get("KmsKeyId"):
            metadata["kmsKeyId"] = str(backup["KmsKeyId"])  # a copy: the source file system's key is another Region's
        if file_system.get("SubnetIds"):
            metadata["subnetIds"] = ",".join(file_system["SubnetIds"])
        kind = file_system.get("FileSystemType", "")
        if kind in _CONFIGURATIONS:
            member, accepted, _ = _CONFIGURATIONS[kind]
            described = file_system.get(member) or {}
            configuration = {k: described[k] for k in accepted if described.get(k) is not None}
            metadata[_METADATA_KEY[kind]] = json.dumps(configuration, sort_keys=True)
        return metadata

    @staticmethod
    def _ids(metadata: dict[str, str], key: str) -> list[str]:
        return [part.strip() for part in metadata.get(key, "").split(",") if part.strip()]

    def _configuration(self, metadata: dict[str, str], kind: str) -> dict[str, Any]:
        key = _METADATA_KEY[kind]
        try:
            configuration = json.loads(metadata.get(key) or "{}")
        except ValueError:
            raise InvalidParameterValueException(f"Restore metadata {key} must be a JSON object") from None
        if not isinstance(configuration, dict):
            raise InvalidParameterValueException(f"Restore metadata {key} must be a JSON object")
        return configuration

    def check_restore(self, native_id: str, metadata: dict[str, str]) -> None:
        kind = metadata.get("fileSystemType", "")
        if not kind:
            raise InvalidParameterValueException("Restore metadata for FSx is missing: fileSystemType")
        if kind not in _RESTORABLE_TYPES:
            raise InvalidParameterValueException(
                f"FSx cannot restore a {kind} file system from a backup; supported: {', '.join(_RESTORABLE_TYPES)}"
            )
        subnets = self._ids(metadata, "subnetIds")
        if not subnets:
            raise InvalidParameterValueException("Restore metadata for FSx is missing: subnetIds")
        bad = [s for s in subnets if not _SUBNET.match(s)] + [
            g for g in self._ids(metadata, "securityGroupIds") if not _SECURITY_GROUP.match(g)
        ]
        if bad:
            raise InvalidParameterValueException(f"Restore metadata names invalid subnet or security group ids: {bad}")
        capacity = metadata.get("storageCapacity")
        if capacity is not None and (not capacity.isdigit() or int(capacity) < 1):
            raise InvalidParameterValueException(
                f"Restore metadata storageCapacity must be a whole number of GiB, got {capacity!r}"
            )
        configuration = self._configuration(metadata, kind)
        missing = [k for k in _CONFIGURATIONS[kind][2] if configuration.get(k) in (None, "")]
        if missing:
            raise InvalidParameterValueException(
                f"Restore metadata {_METADATA_KEY[kind]} is missing: {', '.join(missing)}"
            )

    def find_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore | None:
        for file_system in self._file_systems():
            if _tags(file_system.get("Tags")).get(RESTORE_TAG) == restore_job_id:
                file_system_id = file_system["FileSystemId"]
                return NativeRestore(file_system_id, self._file_system_arn(file_system_id))
        return None

    def start_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore:
        self.check_restore(native_id, metadata)
        kind = metadata["fileSystemType"]
        request: dict[str, Any] = {
            "BackupId": native_id,
            "ClientRequestToken": request_token(restore_job_id),
            "SubnetIds": self._ids(metadata, "subnetIds"),
            "Tags": [{"Key": RESTORE_TAG, "Value": restore_job_id}],
        }
        if self._ids(metadata, "securityGroupIds"):
            request["SecurityGroupIds"] = self._ids(metadata, "securityGroupIds")
        for key, parameter in (("storageType", "StorageType"), ("kmsKeyId", "KmsKeyId")):
            if metadata.get(key):
                request[parameter] = metadata[key]
        if metadata.get("storageCapacity"):
            request["StorageCapacity"] = int(metadata["storageCapacity"])
        if metadata.get("fileSystemTypeVersion") and kind == "LUSTRE":
            request["FileSystemTypeVersion"] = metadata["fileSystemTypeVersion"]
        configuration = self._configuration(metadata, kind)
        if configuration:
            request[_CONFIGURATIONS[kind][0]] = configuration
        try:
            created = self._fsx().create_file_system_from_backup(**request)["FileSystem"]
        except ClientError as error:
            if _code(error) == "BackupNotFound":
                raise ResourceNotFoundException(f"FSx backup {native_id} does not exist") from None
            if _code(error) in _REFUSED_RESTORE:
                raise InvalidParameterValueException(
                    f"FSx refused the restore: {error.response['Error'].get('Message', _code(error))}"
                ) from None
            raise
        except ParamValidationError as error:
            raise InvalidParameterValueException(f"FSx restore metadata is not valid: {error}") from None
        return NativeRestore(created["FileSystemId"], self._file_system_arn(created["FileSystemId"]))

    def restore_status(self, restore: NativeRestore) -> Progress:
        file_system = self._file_system(restore.native_id)
        if file_system is None:
            return Progress(Phase.FAILED, message=f"FSx file system {restore.native_id} disappeared during the restore")
        lifecycle = file_system.get("Lifecycle")
        if lifecycle == "AVAILABLE":
            return Progress(Phase.COMPLETED, "100.0", int(file_system.get("StorageCapacity", 0)) * GIB)
        if lifecycle in _DEAD_FILE_SYSTEM:
            reason = (file_system.get("FailureDetails") or {}).get("Message")
            return Progress(Phase.FAILED, message=reason or f"FSx file system {restore.native_id} is {lifecycle}")
        return Progress(Phase.RUNNING, "50.0")
