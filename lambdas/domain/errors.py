"""AWS Backup's errors, named as in botocore's `backup` model, so every layer speaks the same language.

The API layer maps `code` to the `x-amzn-ErrorType` header and `http_status` to the status code.
"""

from __future__ import annotations


class BackupError(Exception):
    code = "ServiceUnavailableException"
    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidParameterValueException(BackupError):
    code = "InvalidParameterValueException"
    http_status = 400


class MissingParameterValueException(BackupError):
    code = "MissingParameterValueException"
    http_status = 400


class InvalidRequestException(BackupError):
    code = "InvalidRequestException"
    http_status = 400


class ResourceNotFoundException(BackupError):
    code = "ResourceNotFoundException"
    http_status = 404


class AlreadyExistsException(BackupError):
    code = "AlreadyExistsException"
    http_status = 400


class LimitExceededException(BackupError):
    code = "LimitExceededException"
    http_status = 400


class ConflictException(BackupError):
    code = "ConflictException"
    http_status = 400


class InvalidResourceStateException(BackupError):
    code = "InvalidResourceStateException"
    http_status = 400


class DependencyFailureException(BackupError):
    code = "DependencyFailureException"
    http_status = 500


class ServiceUnavailableException(BackupError):
    code = "ServiceUnavailableException"
    http_status = 500


class AccessDeniedException(BackupError):
    """Not in the model's error list, but what AWS answers when a policy denies the call."""

    code = "AccessDeniedException"
    http_status = 403


class InvalidActionException(BackupError):
    """AWS's common error for a request that names no operation (AWS Backup's "Common Errors": InvalidAction)."""

    code = "InvalidAction"
    http_status = 400


class ValidationException(BackupError):
    """AWS's common error for input that fails the model, for an operation whose model names no better one."""

    code = "ValidationException"
    http_status = 400
