"""The virtual clock: frozen and moved by hand for demos and tests, or following real time (plus any
advance) while serving."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class VirtualClock:
    def __init__(self, start: datetime | None = None, follow_real_time: bool = False) -> None:
        self._lock = threading.Lock()
        self._base = start or datetime.now(UTC)
        self._follow = follow_real_time
        self._real_start = time.monotonic()

    def now(self) -> datetime:
        with self._lock:
            if self._follow:
                return self._base + timedelta(seconds=time.monotonic() - self._real_start)
            return self._base

    @property
    def follows_real_time(self) -> bool:
        return self._follow

    def restart(self, moment: datetime) -> None:
        """Put the clock at a moment, even an earlier one: only for a reset or a restore of the whole runtime,
        whose state then agrees with it (the engine itself only ever moves time on)."""
        with self._lock:
            self._base = moment
            self._real_start = time.monotonic()

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._base += delta
        return self.now()

    def set(self, moment: datetime) -> None:
        """Move to a moment (never backwards: time in the engine only moves on)."""
        with self._lock:
            current = (
                self._base + timedelta(seconds=time.monotonic() - self._real_start) if self._follow else self._base
            )
            if moment > current:
                self._base += moment - current
