"""What the FSx stand-in keeps beside moto's FSx backend: the records of what moto does not keep. Module-level, as
moto's backends are, so the local runtime's state snapshots take them (local/emulator_state.py MODULE_STATE)."""

from __future__ import annotations

import threading
from typing import Any

_emulated_sources: dict[str, dict[str, Any]] = {}  # backup ARN -> description of its file system when backed up
_emulated_tokens: dict[str, str] = {}  # ClientRequestToken -> id of the file system it created
_emulated_copies: dict[str, dict[str, Any]] = {}  # a copy's ARN -> what FSx tells of a copy (its key, its source)
_emulated_copy_tokens: dict[tuple[str, str, str], str] = {}  # (account, Region, ClientRequestToken) -> copy's id
_emulated_lock = threading.Lock()
