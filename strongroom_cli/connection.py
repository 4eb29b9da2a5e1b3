"""Reaching a Backup endpoint: boto3's `backup` client, on the local runtime or a deployed stack's API, and the time
the answers are read against."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config

from clients.strongroom_backup import register


def backup_client(endpoint_url: str | None, region: str | None, profile: str | None) -> Any:
    """The normal credential chain (variables, profile, role); without an endpoint boto3 reads AWS_ENDPOINT_URL.
    Signed for `execute-api`, as a deployed stack's API Gateway requires (the local runtime accepts either name)."""
    session = boto3.session.Session(profile_name=profile, region_name=region)
    config = Config(retries={"mode": "adaptive", "max_attempts": 5})
    client = session.client("backup", endpoint_url=endpoint_url, config=config)
    register(client.meta.events)
    return client


def local_runtime_clock(endpoint_url: str | None, timeout: float = 1.0) -> datetime | None:
    """The local runtime's virtual clock, when the endpoint is one (GET /_strongroom/clock); None for AWS.
    Jobs there are stamped with the virtual clock, so "the last 24 hours" must be read against it, not the wall."""
    if not endpoint_url:
        return None
    try:
        with urllib.request.urlopen(f"{endpoint_url.rstrip('/')}/_strongroom/clock", timeout=timeout) as answer:
            return datetime.fromisoformat(json.loads(answer.read())["now"])
    except (urllib.error.URLError, OSError, ValueError, KeyError, TypeError):
        return None


def current_time(explicit: datetime | None, endpoint_url: str | None) -> datetime:
    """--now if given, else the local runtime's virtual clock, else the wall clock."""
    if explicit is not None:
        return explicit if explicit.tzinfo else explicit.replace(tzinfo=UTC)
    return local_runtime_clock(endpoint_url) or datetime.now(UTC)


def every(client: Any, operation: str, key: str, **request: Any) -> Iterator[dict[str, Any]]:
    """Each item of a listing, page after page (NextToken)."""
    while True:
        answer = getattr(client, operation)(**request)
        yield from answer.get(key, [])
        token = answer.get("NextToken")
        if not token:
            return
        request["NextToken"] = token
