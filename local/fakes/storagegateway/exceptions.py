"""Storage Gateway's errors, as botocore parses them from AWS: the one modeled exception,
InvalidGatewayRequestException, with the reason in `error.errorCode` (Storage Gateway API Reference, Error
responses: "Operation error codes" such as GatewayNotFound, VolumeNotFound, TargetAlreadyExists)."""

from __future__ import annotations

from botocore.exceptions import ClientError


class InvalidGatewayRequestException(ClientError):  # type: ignore[misc]  # botocore ships no type hints
    """Raised as boto3's client raises it, so the adapter and the edge (local/stand_in_services.py) take it alike."""

    def __init__(self, operation: str, error_code: str, message: str) -> None:
        super().__init__(
            {
                "Error": {"Code": "InvalidGatewayRequestException", "Message": message},
                "message": message,
                "error": {"errorCode": error_code, "errorDetails": {}},
                "ResponseMetadata": {"HTTPStatusCode": 400},
            },
            operation,
        )
        self.error_code = error_code


def gateway_error(operation: str, code: str, message: str) -> InvalidGatewayRequestException:
    return InvalidGatewayRequestException(operation, code, message)
