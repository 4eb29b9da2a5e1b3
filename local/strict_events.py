"""EventBridge as strict as AWS about event sources (local runtime and tests only).

On AWS, a PutEvents entry whose Source starts with `aws.` is refused unless an AWS service puts it: the call
answers 200, and that entry carries ErrorCode NotAuthorizedForSourceException and no EventId (FailedEntryCount
counts it), while the other entries of the call go through. moto accepts any source, so an application that
pretends to be an AWS service (as Strongroom once put `aws.backup`) works on moto and loses every event on AWS.
This patch answers such entries as AWS does and hands the rest to moto (PATCHES, applied through local/patching.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from local.patching import Patch, PatchSet

RESERVED_SOURCE_PREFIX = "aws."
NOT_AUTHORIZED_FOR_SOURCE = {
    "ErrorCode": "NotAuthorizedForSourceException",
    "ErrorMessage": "Not authorized for the source.",
}


def refused(entry: dict[str, Any]) -> bool:
    return str(entry.get("Source") or "").startswith(RESERVED_SOURCE_PREFIX)


def _put_events(original: Callable[..., list[dict[str, Any]]]) -> Callable[..., list[dict[str, Any]]]:
    def put_events(self: Any, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        allowed = [event for event in events if not refused(event)]
        # moto checks the ten-entry limit on the whole call: hand it every entry when there are too many.
        if len(events) > 10:
            return original(self, events)
        delivered = iter(original(self, allowed) if allowed else [])
        return [dict(NOT_AUTHORIZED_FOR_SOURCE) if refused(event) else next(delivered) for event in events]

    return put_events


PATCHES = PatchSet(
    "strict EventBridge sources",
    [
        Patch.wrap(
            "moto.events.models:EventsBackend",
            "put_events",
            _put_events,
            why="an entry whose Source starts with aws. is refused with NotAuthorizedForSourceException "
            "(EventBridge API Reference, PutEvents; PutEventsResultEntry)",
        )
    ],
)
