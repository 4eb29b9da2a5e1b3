"""FSx's errors for what the stand-in answers itself, named as FSx names them (Amazon FSx API Reference: BackupNotFound,
FileSystemNotFound, SourceBackupUnavailable, BadRequest), raised as boto3's client raises them."""

from __future__ import annotations

from botocore.exceptions import ClientError


class FsxError(ClientError):  # type: ignore[misc]  # botocore ships no type hints
    def __init__(self, operation: str, code: str, message: str) -> None:
        super().__init__(
            {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}}, operation
        )


class BackupNotFound(FsxError):
    def __init__(self, operation: str, backup_id: str) -> None:
        super().__init__(operation, "BackupNotFound", f"Backup {backup_id} was not found")


class FileSystemNotFound(FsxError):
    def __init__(self, operation: str, file_system_id: str) -> None:
        super().__init__(operation, "FileSystemNotFound", f"File system {file_system_id} was not found")


class SourceBackupUnavailable(FsxError):
    def __init__(self, operation: str, backup_id: str, lifecycle: str | None) -> None:
        super().__init__(operation, "SourceBackupUnavailable", f"Backup {backup_id} is {lifecycle}")


class BadRequest(FsxError):
    def __init__(self, operation: str, message: str) -> None:
        super().__init__(operation, "BadRequest", message)
