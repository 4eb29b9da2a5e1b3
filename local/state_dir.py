"""`serve --state-dir DIR`: the runtime's state (local/emulator_state.py) kept in DIR/state.pickle across a
restart, clean or not. Restored at start; written by a background thread every INTERVAL seconds when
something changed (less often for a large state), after every control call that changes state, and once
more on a clean stop. Each write
goes to a temporary file in DIR, is flushed to disk, then renamed over the old one, so a kill -9 at any moment
leaves the previous whole snapshot or the new one, never half of one.

The file starts with a stamp line naming the state's format and moto's version: a state another version wrote
(moto's classes or the stand-ins' modules moved) is refused at start with a message saying so, and the file is
left as it is, never overwritten by a fresh state."""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import moto

from local.emulator_state import StateUnreadable, capture

STATE_FILE = "state.pickle"
# Raise it when a class the snapshot pickles moves or changes shape (local/emulator_state.py's Snapshot, the fakes).
FORMAT = 2
STAMP = f"strongroom-state/{FORMAT} moto/{moto.__version__}\n".encode()
INTERVAL = 1.0
# A large state (an EC2 backend alone pickles to ~1 MB in ~0.4 s) is written less often: at most this share of
# the time goes to writing it, so a runtime that fires every tick is not kept busy saving itself.
MAX_SHARE_WRITING = 0.1
_log = logging.getLogger("strongroom.local.state_dir")


class StateDir:
    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / STATE_FILE

    def load(self) -> bytes | None:
        if not self.path.exists():
            return None
        data = self.path.read_bytes()
        if not data.startswith(STAMP):
            first = data.split(b"\n", 1)[0][:60] if data[:16].isascii() else b"(none: written before stamps)"
            raise StateUnreadable(
                f"{self.path} was saved by another version of Strongroom or moto (its stamp: "
                f"{first.decode(errors='replace')}; this one reads {STAMP.decode().strip()}), so it cannot be loaded. "
                "It is left untouched: move it away, or pass another --state-dir, to start afresh."
            )
        return data[len(STAMP) :]

    def save(self, data: bytes) -> None:
        handle, temporary = tempfile.mkstemp(prefix=".state-", dir=self.directory)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(STAMP)
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


class StateKeeper:
    """Writes the runtime's state into its StateDir whenever its change mark moved (requests that may write,
    scheduler firings, control calls)."""

    def __init__(self, runtime: Any, state_dir: StateDir, interval: float = INTERVAL) -> None:
        self._runtime = runtime
        self._dir = state_dir
        self._interval = interval
        self._saved_mark: object = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._write_lock = threading.Lock()
        self.saves = 0
        self._last_write_seconds = 0.0
        self._thread = threading.Thread(target=self._run, daemon=True, name="strongroom-state-dir")

    def start(self) -> StateKeeper:
        self._saved_mark = self._runtime.change_mark()
        self._thread.start()
        return self

    def changed(self) -> None:
        """Something changed that should not wait for the next interval."""
        self._wake.set()

    def save_now(self) -> None:
        with self._write_lock:
            mark = self._runtime.change_mark()
            started = time.perf_counter()
            self._dir.save(capture(self._runtime))
            self._last_write_seconds = time.perf_counter() - started
            self._saved_mark = mark
            self.saves += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(max(self._interval, self._last_write_seconds / MAX_SHARE_WRITING))
            self._wake.clear()
            if self._stop.is_set():
                return
            if self._runtime.change_mark() != self._saved_mark:
                try:
                    self.save_now()
                except Exception as error:  # noqa: BLE001 - the next interval tries again; serving goes on
                    _log.warning("state dir: saving the state failed: %r", error)

    def stop(self) -> None:
        """A clean stop: one last write, then the thread ends."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)
        try:
            self.save_now()
        except Exception as error:  # noqa: BLE001 - the stop goes on; the previous write stays in DIR
            _log.error("state dir: the last save before stopping failed, the previous one is kept: %r", error)
