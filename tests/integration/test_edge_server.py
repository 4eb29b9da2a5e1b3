"""The edge's HTTP server answers without waiting on Nagle's algorithm (local/serving.py): werkzeug writes a
response's headers and body in two sends, and with Nagle's algorithm on the body waits for the client's delayed
acknowledgement of the headers, about 40 ms on Linux, on every call."""

from __future__ import annotations

import socket
import threading
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any


def _reports_its_connection(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """A WSGI app that answers whether TCP_NODELAY is set on the connection it was called on."""
    connection = environ["werkzeug.socket"]
    nodelay = connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"on" if nodelay else b"off"]


def test_given_the_edge_server_when_a_client_connects_then_its_connection_has_nagle_s_algorithm_off() -> None:
    # Given the edge's HTTP server on a free port
    from local.serving import make_edge_server

    server = make_edge_server("127.0.0.1", 0, _reports_its_connection)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        # When a client calls it
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/", timeout=10) as answer:
            body = answer.read()
            protocol = answer.version
    finally:
        server.shutdown()
        thread.join(timeout=10)

    # Then the connection it answered on sends without waiting (TCP_NODELAY), and it still speaks HTTP/1.1
    assert body == b"on"
    assert protocol == 11
