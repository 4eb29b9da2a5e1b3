"""The scheduler loop `serve` runs beside the edge: tick, wait, tick, until stopped. A tick that fails is
logged and counted and the next one runs: serving never stops because of one tick (the scheduler already
catches per schedule and per firing; this is the last net)."""

from __future__ import annotations

import logging
import threading
from typing import Any

_log = logging.getLogger("strongroom.local.serving")


class Ticker:
    def __init__(self, scheduler: Any, tick_seconds: float) -> None:
        self._scheduler = scheduler
        self._tick_seconds = tick_seconds
        self._stop = threading.Event()
        self.ticks = 0
        self.tick_errors = 0

    def run(self) -> None:
        """Ticks in the calling thread until stop()."""
        while not self._stop.is_set():
            try:
                self._scheduler.tick()
            except Exception:  # noqa: BLE001 - one bad tick must not stop serving; the next tick tries again
                self.tick_errors += 1
                _log.exception("scheduler tick failed; serving goes on")
            self.ticks += 1
            self._stop.wait(self._tick_seconds)

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, daemon=True, name="strongroom-ticker")
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()
