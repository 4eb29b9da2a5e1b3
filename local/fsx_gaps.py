"""moto's FSx client with what moto lacks filled in (local runtime and tests only)."""

from __future__ import annotations

import threading
from typing import Any

from botocore.exceptions import ClientError, ParamValidationError

from lambdas.resources.fsx import _CONFIGURATIONS, _code

_emulated_sources: dict[str, dict[str, Any]] = {}  # backup ARN -> description of its file system when backed up
_emulated_tokens: dict[str, str] = {}  # ClientRequestToken -> id of the file system it created
_emulated_lock = threading.Lock()


def _fsx_error(operation: str, code: str, message: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}}, operation
    )


class MotoFsxGaps:
    """moto's FSx client with what moto lacks filled in, so the adapter above runs unchanged on the emulator:

    - CreateFileSystemFromBackup (not implemented by moto): a new moto file system with the backed-up file
      system's type, capacity and configuration, idempotent by ClientRequestToken; it holds no data (moto's
      FSx holds none either).
    - Backups: moto keeps them CREATING forever and drops Type and FileSystem, which FSx always returns; here
      a backup is AVAILABLE at once (as moto's EBS snapshots are), USER_INITIATED, with the file system's
      description as it was when backed up. Unknown ids answer BackupNotFound / FileSystemNotFound as FSx does.
    - File systems get the Lifecycle (AVAILABLE) moto leaves out.
    - CopyBackup stays unimplemented: moto cannot hold a backup in another Region without its file system.

    Every other call goes to moto unchanged."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def _with_lifecycle(self, file_system: dict[str, Any]) -> dict[str, Any]:
        return {"Lifecycle": "AVAILABLE", **file_system}

    def describe_file_systems(self, **params: Any) -> dict[str, Any]:
        response = dict(self._client.describe_file_systems(**params))
        found = {fs["FileSystemId"] for fs in response.get("FileSystems", [])}
        missing = [fs_id for fs_id in params.get("FileSystemIds", []) if fs_id not in found]
        if missing:
            raise _fsx_error("DescribeFileSystems", "FileSystemNotFound", f"File system {missing[0]} was not found")
        response["FileSystems"] = [self._with_lifecycle(fs) for fs in response.get("FileSystems", [])]
        return response

    def _complete(self, backup: dict[str, Any]) -> dict[str, Any]:
        with _emulated_lock:
            source = _emulated_sources.get(backup["ResourceARN"])
        if source is None:
            source = self._source_of(backup["BackupId"])
        completed = {"Type": "USER_INITIATED", "ProgressPercent": 100, "OwnerId": backup["ResourceARN"].split(":")[4]}
        completed.update(backup)
        completed.update(Lifecycle="AVAILABLE", FileSystem=source)
        return completed

    def _source_of(self, backup_id: str) -> dict[str, Any]:
        """A backup made before this wrapper saw it: moto still filters backups by their file system."""
        listed = self._client.describe_file_systems()
        for file_system in listed.get("FileSystems", []):
            mine = self._client.describe_backups(
                Filters=[{"Name": "file-system-id", "Values": [file_system["FileSystemId"]]}]
            )
            if any(b["BackupId"] == backup_id for b in mine.get("Backups", [])):
                return self._with_lifecycle(file_system)
        return {}

    def create_backup(self, **params: Any) -> dict[str, Any]:
        file_system = self.describe_file_systems(FileSystemIds=[params["FileSystemId"]])["FileSystems"][0]
        response = dict(self._client.create_backup(**params))
        with _emulated_lock:
            _emulated_sources[response["Backup"]["ResourceARN"]] = file_system
        response["Backup"] = self._complete(response["Backup"])
        return response

    def describe_backups(self, **params: Any) -> dict[str, Any]:
        response = dict(self._client.describe_backups(**params))
        found = {backup["BackupId"] for backup in response.get("Backups", [])}
        missing = [backup_id for backup_id in params.get("BackupIds", []) if backup_id not in found]
        if missing:
            raise _fsx_error("DescribeBackups", "BackupNotFound", f"Backup {missing[0]} was not found")
        response["Backups"] = [self._complete(backup) for backup in response.get("Backups", [])]
        return response

    def delete_backup(self, **params: Any) -> dict[str, Any]:
        try:
            return dict(self._client.delete_backup(**params))
        except ClientError as error:
            if _code(error) == "ResourceNotFoundException":
                raise _fsx_error(
                    "DeleteBackup", "BackupNotFound", f"Backup {params.get('BackupId')} was not found"
                ) from None
            raise

    def create_file_system_from_backup(self, **params: Any) -> dict[str, Any]:
        _validate_fsx("CreateFileSystemFromBackup", params)
        token = params.get("ClientRequestToken")
        with _emulated_lock:
            earlier = _emulated_tokens.get(token or "")
        if earlier is not None:
            try:
                return {"FileSystem": self.describe_file_systems(FileSystemIds=[earlier])["FileSystems"][0]}
            except ClientError:
                pass  # deleted since: a new one is made, as FSx would once the token expired
        backup = self.describe_backups(BackupIds=[params["BackupId"]])["Backups"][0]
        source = backup.get("FileSystem") or {}
        if not source.get("FileSystemType"):
            raise _fsx_error(
                "CreateFileSystemFromBackup",
                "BadRequest",
                f"The emulator does not know which file system backup {params['BackupId']} was made from",
            )
        kind = source["FileSystemType"]
        request: dict[str, Any] = {
            "FileSystemType": kind,
            "StorageCapacity": params.get("StorageCapacity") or source.get("StorageCapacity"),
            "SubnetIds": params["SubnetIds"],
            "Tags": params.get("Tags", []),
        }
        for parameter in ("SecurityGroupIds", "StorageType", "KmsKeyId"):
            value = params.get(parameter) or source.get(parameter)
            if value:
                request[parameter] = value
        if kind in _CONFIGURATIONS:
            member, accepted, _ = _CONFIGURATIONS[kind]
            described = source.get(member) or {}
            configuration = {k: described[k] for k in accepted if described.get(k) is not None}
            configuration.update(params.get(member) or {})
            if configuration:
                request[member] = configuration
        created = self._client.create_file_system(**request)["FileSystem"]
        if token:
            with _emulated_lock:
                _emulated_tokens[token] = created["FileSystemId"]
        return {"FileSystem": self._with_lifecycle(created)}


def _validate_fsx(operation: str, params: dict[str, Any]) -> None:
    """What boto3 would refuse before sending, for the calls moto never sees."""
    import botocore.session
    from botocore.validate import ParamValidator

    shape = botocore.session.get_session().get_service_model("fsx").operation_model(operation).input_shape
    report = ParamValidator().validate(params, shape)
    if report.has_errors():
        raise ParamValidationError(report=report.generate_report())
