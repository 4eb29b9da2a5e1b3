"""S3 Object Lock on the engine's clock (local runtime only). moto enforces retention against the wall clock, but
Strongroom sets RetainUntilDate from its own clock, which the local runtime makes virtual: a point kept 7 days would
stay locked for 7 real days after the virtual clock had moved past them, and its expiry would fail. moto's
FakeKey.is_locked is replaced by the same rule (a legal hold locks; a GOVERNANCE retention yields to the bypass
header; a retention locks until its date) read against lambdas.common.clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from local.patching import Patch, PatchSet


def _until(value: Any) -> datetime:
    text = str(value).rstrip("Z")
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def is_locked(self: Any, governance_bypass: bool) -> bool:
    from lambdas.common import clock

    if self.lock_legal_status == "ON":
        return True
    if self.lock_mode == "GOVERNANCE" and governance_bypass:
        return False
    if self.lock_mode in ("GOVERNANCE", "COMPLIANCE") and self.lock_until:
        return _until(self.lock_until) > clock.now()
    return False


PATCHES = PatchSet(
    "S3 Object Lock on the engine's clock",
    [
        Patch.replace(
            "moto.s3.models:FakeKey",
            "is_locked",
            is_locked,
            why="a retention holds until its RetainUntilDate and a legal hold until removed; GOVERNANCE yields to "
            "x-amz-bypass-governance-retention (S3 User Guide, Object Lock), read on the engine's virtual clock",
        )
    ],
)
