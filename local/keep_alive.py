"""Keep-alive connections for the edge's HTTP server.

werkzeug's development server answers every request with `Connection: close` (its comment: http.server cannot
drain a request body it did not read before the next request line), and then lingers on the socket up to 10 ms
draining it. So every call from an SDK opened a new TCP connection, and the server started a new thread for it:
py-spy found a seventh of `serve`'s samples under the API benchmark in accepting and starting threads, and the
client paid the connect on every call too (docs/performance.md).

This handler keeps the connection open when that is safe, and drains the request itself: the application reads
the body through a stream bounded by Content-Length (so it can never read into the next request), and whatever it
left unread is read and dropped before the next request line. The answer is buffered and sent with its length.
Everything unusual goes to werkzeug's own path, which answers it as before and closes: a chunked request body, a
client that asked to close, HTTP/1.0, `Expect: 100-continue`, a Content-Length that is not a number. A crash of
the application gets werkzeug's 500 page, and it and an answer whose framing the client could not follow close
the connection (tests/integration/test_edge_server.py).
"""

from __future__ import annotations

import io
import sys
from typing import Any

from local.gateway_errors import GatewayErrorRequestHandler

# Answers that never carry a body (RFC 9110): no Content-Length is added to them.
_NO_BODY = frozenset({204, 304})


class BoundedInput(io.RawIOBase):
    """The request body as WSGI's `wsgi.input`: at most `length` bytes of the connection, then end of stream."""

    def __init__(self, stream: Any, length: int) -> None:
        self._stream = stream
        self.remaining = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.remaining <= 0:
            return 0
        view = memoryview(buffer)[: self.remaining]
        data = self._stream.read(len(view))
        view[: len(data)] = data
        self.remaining -= len(data)
        if not data:
            self.remaining = 0  # the client closed early: the connection is not reused (see drain)
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        limit = self.remaining if size is None or size < 0 else min(size, self.remaining)
        line = self._stream.readline(limit)
        self.remaining -= len(line)
        return bytes(line)

    def drain(self) -> bool:
        """Reads and drops what the application left unread; False when the client sent less than it announced."""
        while self.remaining > 0:
            data = self._stream.read(min(self.remaining, 1 << 20))
            if not data:
                return False
            self.remaining -= len(data)
        return True


class KeepAliveRequestHandler(GatewayErrorRequestHandler):
    """werkzeug's request handler (and API Gateway's JSON for what the HTTP server refuses itself), keeping the
    connection alive between requests when the request and its answer are framed by their lengths."""

    def _length(self) -> int | None:
        """The request body's length when this request can be answered on a kept connection, else None."""
        headers = self.headers
        if self.request_version != "HTTP/1.1" or self.close_connection:
            return None
        if headers.get("Transfer-Encoding") or headers.get("Expect"):
            return None
        text = headers.get("Content-Length") or "0"
        return int(text) if text.isdigit() else None

    def run_wsgi(self) -> None:
        length = self._length()
        if length is None:
            super().run_wsgi()  # werkzeug's path; its answer says `Connection: close`
            return
        environ = self.environ = self.make_environ()
        body = BoundedInput(self.rfile, length)
        environ["wsgi.input"] = io.BufferedReader(body)
        answered: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if exc_info and answered:  # as werkzeug: nothing is sent before the app returns, so it may start over
                answered.clear()
            elif answered:
                raise AssertionError("Headers already set")
            answered["status"], answered["headers"] = status, list(headers)
            return lambda data: answered.setdefault("written", []).append(data)

        try:
            chunks = self.server.app(environ, start_response)
            try:
                data = b"".join([*answered.get("written", []), *chunks])
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()
            status, headers = answered["status"], answered["headers"]  # an app that never started: a 500
        except Exception:  # nothing is sent yet: answered as werkzeug answers a crash (its 500), then closed
            if self.server.passthrough_errors:
                raise
            self._answer_crash()
            return
        self._send(status, headers, data)
        if not body.drain():
            self.close_connection = True

    def _answer_crash(self) -> None:
        from werkzeug.debug.tbtools import DebugTraceback
        from werkzeug.exceptions import InternalServerError

        error = sys.exc_info()[1]
        failed = InternalServerError()
        self.close_connection = True
        self._send("500 INTERNAL SERVER ERROR", list(failed.get_headers()), failed.get_body().encode())
        if error is not None:
            self.server.log("error", f"Error on request:\n{DebugTraceback(error).render_traceback_text()}")

    def _send(self, status: str, headers: list[tuple[str, str]], data: bytes) -> None:
        code_text, _, message = status.partition(" ")
        code = int(code_text)
        self.send_response(code, message)
        # A HEAD answer, a 1xx, 204 or 304 never carries a body (RFC 9110): a client reads none after its headers, so
        # bytes sent there would be read as the start of the next answer on the kept connection. Whatever the app
        # gave is dropped, as a proxy (API Gateway) drops it; 1xx and 204 carry no Content-Length either.
        bodiless = self.command == "HEAD" or 100 <= code < 200 or code in _NO_BODY
        no_length = 100 <= code < 200 or code == 204
        length = None
        for name, value in headers:
            if name.lower() == "content-length":
                length = value
                if no_length:
                    continue
            self.send_header(name, value)
        if bodiless:
            data = b""
        elif length is None:
            self.send_header("Content-Length", str(len(data)))
        elif length.strip() != str(len(data)):
            self.close_connection = True  # a body that does not match its framing: the client reads to the close
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if data:
            self.wfile.write(data)
