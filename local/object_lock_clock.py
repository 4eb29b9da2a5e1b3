"""S3 Object Lock on the engine's clock (local runtime only). moto enforces retention against the wall clock, but
Strongroom sets RetainUntilDate from its own clock, which the local runtime makes virtual: a point kept 7 days would
stay locked for 7 real days after the virtual clock had moved past them, and its expiry would fail. moto's
FakeKey.is_locked is replaced by the same rule (a legal hold locks; a GOVERNANCE retention yields to the bypass
header; a retention locks until its date) read against lambdas.common.clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any


def _until(value: Any) -> datetime:
    text = str(value).rstrip("Z")
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def install() -> Callable[[], None]:
    from moto.s3.models import FakeKey

    from lambdas.common import clock

    original = FakeKey.is_locked

    def is_locked(self: Any, governance_bypass: bool) -> bool:
        if self.lock_legal_status == "ON":
            return True
        if self.lock_mode == "GOVERNANCE" and governance_bypass:
            return False
        if self.lock_mode in ("GOVERNANCE", "COMPLIANCE") and self.lock_until:
            return _until(self.lock_until) > clock.now()
        return False

    FakeKey.is_locked = is_locked  # type: ignore[method-assign]

    def undo() -> None:
        FakeKey.is_locked = original  # type: ignore[method-assign]

    return undo
