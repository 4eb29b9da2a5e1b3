"""The edge's HTTP server, and the scheduler loop `serve` runs beside it: tick, wait, tick, until stopped. A tick
that fails is logged and counted and the next one runs: serving never stops because of one tick (the scheduler
already catches per schedule and per firing; this is the last net)."""

from __future__ import annotations

import logging
import threading
from typing import Any

_log = logging.getLogger("strongroom.local.serving")


def make_edge_server(host: str, port: int, app: Any) -> Any:
    """werkzeug's threaded server (HTTP/1.1), with connections kept alive between requests and Nagle's algorithm
    off on every connection.

    Keep-alive (local/keep_alive.py): werkzeug's own handler closes every connection after one answer, so each
    SDK call paid a new TCP connection and the server a new thread (docs/performance.md).

    Nagle's algorithm: a response's headers and its body go out in two sends. With Nagle's algorithm on, the body
    waits for the client to acknowledge the headers, and clients delay that acknowledgement (about 40 ms on
    Linux): a py-spy profile of `serve` under the API benchmark found 20% of its samples in that write, and no
    call answered faster than ~40 ms however little it did. AWS's endpoints and moto's server answer without that
    wait; so does this one. What the HTTP server refuses itself (an over-long request line) is API Gateway's JSON,
    not HTML (local/gateway_errors.py)."""
    from werkzeug.serving import make_server

    from local.keep_alive import KeepAliveRequestHandler

    class EdgeRequestHandler(KeepAliveRequestHandler):
        disable_nagle_algorithm = True  # socketserver sets TCP_NODELAY on each accepted connection

    return make_server(host, port, app, threaded=True, request_handler=EdgeRequestHandler)


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
