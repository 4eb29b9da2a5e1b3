"""moto's FSx client with what moto lacks filled in (local runtime and tests only): the answers, in the shape of
boto3's client. The records it keeps are in models.py, its errors in exceptions.py."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import ClientError, ParamValidationError

from lambdas.resources.fsx.restore import _CONFIGURATIONS, _code
from local.fakes.fsx.exceptions import BackupNotFound, BadRequest, FileSystemNotFound, SourceBackupUnavailable
from local.fakes.fsx.models import (
    _emulated_copies,
    _emulated_copy_tokens,
    _emulated_lock,
    _emulated_sources,
    _emulated_tokens,
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
    - CopyBackup (not implemented by moto): a new backup in the caller's Region, of the caller's backup in
      SourceRegion (or this Region), AVAILABLE at once, USER_INITIATED, describing the source's file system,
      with KmsKeyId, SourceBackupId and SourceBackupRegion as FSx reports them, the given Tags (plus the
      source's with CopyTags), idempotent by ClientRequestToken. moto refuses a backup whose file system is not
      in its Region, so the copy is put into moto's FSx backend of the destination directly: this needs moto
      in the same process (as the local runtime and the tests run it). A backup of another account is not
      found (BackupNotFound), as FSx copies within one account only. Not emulated: the limit of five copies
      in progress per destination Region (ServiceLimitExceeded), KMS key checks (InvalidSourceKmsKey,
      InvalidDestinationKmsKey), copy progress (PENDING, COPYING), and a copy holding data (moto's FSx holds none).

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
            raise FileSystemNotFound("DescribeFileSystems", missing[0])
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
        with _emulated_lock:
            completed.update(_emulated_copies.get(backup["ResourceARN"], {}))
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
            raise BackupNotFound("DescribeBackups", missing[0])
        response["Backups"] = [self._complete(backup) for backup in response.get("Backups", [])]
        return response

    def delete_backup(self, **params: Any) -> dict[str, Any]:
        try:
            return dict(self._client.delete_backup(**params))
        except ClientError as error:
            if _code(error) == "ResourceNotFoundException":
                raise BackupNotFound("DeleteBackup", str(params.get("BackupId"))) from None
            raise

    def _as_caller(self, service: str, region: str) -> Any:
        """A client of `service` in `region` with this client's credentials and emulator endpoint: the same caller
        (moto tells accounts apart by their credentials) asking another Region, as FSx itself does for a copy."""
        frozen = self._client._get_credentials().get_frozen_credentials()
        session = boto3.session.Session(
            aws_access_key_id=frozen.access_key, aws_secret_access_key=frozen.secret_key, aws_session_token=frozen.token
        )
        endpoint = self._client.meta.endpoint_url
        local = endpoint if endpoint and "amazonaws.com" not in endpoint else None  # the local runtime's edge
        return session.client(service, region_name=region, endpoint_url=local)

    def copy_backup(self, **params: Any) -> dict[str, Any]:
        from moto.fsx.models import Backup, fsx_backends

        _validate_fsx("CopyBackup", params)
        region = self._client.meta.region_name
        source_region = params.get("SourceRegion") or region
        account = self._as_caller("sts", region).get_caller_identity()["Account"]
        token = params.get("ClientRequestToken")
        with _emulated_lock:
            earlier = _emulated_copy_tokens.get((account, region, token)) if token else None
        if earlier is not None:
            try:
                return {"Backup": self.describe_backups(BackupIds=[earlier])["Backups"][0]}
            except ClientError:
                pass  # deleted since: a new copy is made, as FSx would once the token expired
        source_fsx = self if source_region == region else MotoFsxGaps(self._as_caller("fsx", source_region))
        source = source_fsx.describe_backups(BackupIds=[params["SourceBackupId"]])["Backups"][0]
        if source.get("Lifecycle") != "AVAILABLE":
            raise SourceBackupUnavailable("CopyBackup", params["SourceBackupId"], source.get("Lifecycle"))
        file_system = dict(source.get("FileSystem") or {})
        tags = [*(source.get("Tags") or [] if params.get("CopyTags") else []), *params.get("Tags", [])]
        backend = fsx_backends[account][region]
        copy = Backup(
            account_id=account,
            region_name=region,
            file_system_id=file_system.get("FileSystemId") or source.get("FileSystemId", ""),
            client_request_token=token,
            volume_id=None,
            tags=tags or None,
            backend=backend,
        )
        backend.backups[copy.backup_id] = copy
        with _emulated_lock:
            _emulated_sources[copy.resource_arn] = file_system
            _emulated_copies[copy.resource_arn] = {
                "KmsKeyId": params.get("KmsKeyId") or source.get("KmsKeyId") or file_system.get("KmsKeyId"),
                "SourceBackupId": params["SourceBackupId"],
                "SourceBackupRegion": source_region,
            }
            if token:
                _emulated_copy_tokens[(account, region, token)] = copy.backup_id
        return {"Backup": self._complete(copy.to_dict())}

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
            raise BadRequest(
                "CreateFileSystemFromBackup",
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
