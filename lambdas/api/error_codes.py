"""Every refusal carries a code the operation's model lists, or one AWS sends on every operation.

The operations raise domain errors that fit most operations; a few operations' models do not list the
usual one (ListRecoveryPointsByLegalHold has no ResourceNotFoundException: an unknown hold is an invalid
parameter there). `for_operation` gives such an error the operation's own name for it, keeping the message."""

from __future__ import annotations

from functools import lru_cache

from lambdas.api.protocol import service_model
from lambdas.domain.errors import (
    BackupError,
    InvalidParameterValueException,
    InvalidRequestException,
    MissingParameterValueException,
    ValidationException,
)

# AWS's common errors (AWS Backup API reference, "Common Errors"), plus the signature errors API Gateway sends.
COMMON_CODES = frozenset(
    {
        "AccessDeniedException",
        "IncompleteSignature",
        "IncompleteSignatureException",
        "InvalidAction",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "MissingAuthenticationTokenException",
        "NotAuthorized",
        "RequestExpired",
        "SignatureDoesNotMatch",
        "ThrottlingException",
        "UnrecognizedClientException",
        "ValidationError",
        "ValidationException",
    }
)

# What a refusal becomes where the operation's model lacks its code: the first the model has.
_FALLBACKS: tuple[type[BackupError], ...] = (InvalidParameterValueException, InvalidRequestException)


@lru_cache(maxsize=256)
def model_codes(operation: str) -> frozenset[str]:
    return frozenset(shape.name for shape in service_model().operation_model(operation).error_shapes)


def allowed(operation: str, code: str) -> bool:
    return code in COMMON_CODES or code in model_codes(operation)


def for_operation(operation: str, error: BackupError) -> BackupError:
    if allowed(operation, error.code):
        return error
    codes = model_codes(operation)
    if isinstance(error, MissingParameterValueException) and InvalidParameterValueException.code in codes:
        return InvalidParameterValueException(error.message)
    for fallback in _FALLBACKS:
        if fallback.code in codes:
            return fallback(error.message)
    return ValidationException(error.message)
