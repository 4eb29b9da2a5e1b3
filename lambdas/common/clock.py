"""Where "now" comes from. The engine never reads the wall clock itself: handlers prefer the time the
event carries (the scheduled time), then this clock, which the local runtime replaces with a virtual one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


_current: Clock = SystemClock()


def current_clock() -> Clock:
    return _current


def use_clock(clock: Clock) -> None:
    global _current
    _current = clock


def now() -> datetime:
    return _current.now()


def wall_time() -> datetime:
    """The real time, only for comparing with timestamps another service stamped itself (S3 object versions
    on an emulator that sends no Date header); the engine's "now" is now()."""
    return datetime.now(UTC)
