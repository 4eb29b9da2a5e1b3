"""An in-memory Storage Gateway (volume gateways only), because moto implements none of Storage Gateway: its
state (models.py), its answers in the shape of boto3's client (responses.py), its errors (exceptions.py)."""

from local.fakes.storagegateway.exceptions import InvalidGatewayRequestException, gateway_error
from local.fakes.storagegateway.models import (
    BACKING_TAG,
    DISK_BYTES,
    GIB,
    FakeStorageGatewayBackend,
    backend_for,
    reset_backends,
)
from local.fakes.storagegateway.responses import FakeStorageGatewayClient, GatewayTagging, fake_storagegateway

__all__ = [
    "BACKING_TAG",
    "DISK_BYTES",
    "GIB",
    "FakeStorageGatewayBackend",
    "FakeStorageGatewayClient",
    "GatewayTagging",
    "InvalidGatewayRequestException",
    "backend_for",
    "fake_storagegateway",
    "gateway_error",
    "reset_backends",
]
