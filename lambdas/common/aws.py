"""boto3 clients: made on first use (never at import), cached per service and region, with adaptive
retries so throttling slows Strongroom down instead of failing it. AWS_ENDPOINT_URL, when set (the local
runtime), is honoured by boto3 itself."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

_RETRIES = Config(retries={"mode": "adaptive", "max_attempts": 10}, connect_timeout=5, read_timeout=30)
_lock = threading.Lock()


@lru_cache(maxsize=64)
def _client(service: str, region: str | None) -> Any:
    with _lock:  # boto3's default session is not thread-safe while it builds clients
        return boto3.session.Session().client(service, region_name=region, config=_RETRIES)


def client(service: str, region: str | None = None) -> Any:
    return _client(service, region)


def reset_clients() -> None:
    """For tests and the local runtime, when the endpoint or credentials change."""
    _client.cache_clear()
