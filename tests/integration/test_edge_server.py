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


def _echo(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """A WSGI app that answers with the client's port (one per connection) and the body it was sent; on
    /ignore it reads no body at all, on /crash it fails, on /unsized it answers without a Content-Length."""
    path = environ["PATH_INFO"]
    if path == "/crash":
        raise RuntimeError("the app failed")
    body = b"" if path == "/ignore" else environ["wsgi.input"].read()
    start_response(
        "200 OK",
        [("Content-Type", "text/plain")]
        if path == "/unsized"
        else [
            ("Content-Type", "text/plain"),
            ("Content-Length", str(len(str(environ["REMOTE_PORT"])) + 1 + len(body))),
        ],
    )
    return [str(environ["REMOTE_PORT"]).encode(), b" ", body]


class _Served:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        from local.serving import make_edge_server

        self.server = make_edge_server("127.0.0.1", 0, app)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Any:
        self.thread.start()
        import http.client

        return http.client.HTTPConnection("127.0.0.1", self.server.server_port, timeout=10)

    def __exit__(self, *_: Any) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


def test_given_the_edge_server_when_a_client_sends_several_requests_then_one_connection_carries_them_all() -> None:
    # Given the edge's HTTP server, and one client connection
    with _Served(_echo) as connection:
        answers = []
        # When the client sends requests with bodies, one whose body the app never reads, and one answered
        # without a Content-Length, one after the other on that connection
        for method, path, body in [
            ("POST", "/", b'{"a": 1}'),
            ("POST", "/ignore", b"x" * 70_000),
            ("GET", "/unsized", b""),
            ("PUT", "/", b"last"),
        ]:
            connection.request(method, path, body=body)
            answer = connection.getresponse()
            answers.append((answer.status, answer.getheader("Connection"), answer.read().decode()))
        connection.close()

    # Then every answer came on the same connection (the same client port), kept open, with its own body: an
    # unread body was dropped, not read as the next request line, and a length was added where the app gave none
    ports = {text.split(" ")[0] for _, _, text in answers}
    assert len(ports) == 1
    assert [(status, header) for status, header, _ in answers] == [(200, None)] * 4
    assert [text.split(" ", 1)[1] for _, _, text in answers] == ['{"a": 1}', "", "", "last"]


def test_given_the_edge_server_when_the_app_fails_then_the_answer_is_a_500_and_the_connection_closes() -> None:
    # Given the edge's HTTP server and an app that fails
    with _Served(_echo) as connection:
        # When a client calls it
        connection.request("GET", "/crash")
        answer = connection.getresponse()
        body = answer.read()
        # Then it answers 500, as werkzeug does, and closes the connection; a new connection is answered
        assert answer.status == 500
        assert answer.getheader("Connection") == "close"
        assert b"Internal Server Error" in body
        connection.close()
        connection.request("POST", "/", body=b"again")
        assert connection.getresponse().read().endswith(b" again")


def test_given_the_edge_server_when_a_body_comes_chunked_then_werkzeug_reads_it_and_the_connection_closes() -> None:
    # Given the edge's HTTP server
    with _Served(_echo) as connection:
        # When a client sends a chunked body (no length to drain it by)
        connection.request("POST", "/", body=iter([b"one ", b"two"]), encode_chunked=True)
        answer = connection.getresponse()
        text = answer.read()
        # Then werkzeug's own path reads and answers it, and closes the connection as it always did
        assert text.endswith(b" one two")
        assert answer.getheader("Connection") == "close"
        connection.close()


def _no_content_with_a_body(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """As Strongroom's API answers a deletion: 204 No Content, yet with a JSON body and its Content-Length."""
    if environ["PATH_INFO"] == "/delete":
        start_response("204 No Content", [("Content-Type", "application/json"), ("Content-Length", "2")])
        return [b"{}"]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"next"]


def test_given_a_204_with_a_body_when_the_next_request_uses_the_connection_then_it_reads_its_own_answer() -> None:
    # Given the edge's HTTP server, and an app that answers a deletion 204 with a body
    with _Served(_no_content_with_a_body) as connection:
        # When a client deletes, then asks again on the same connection
        connection.request("DELETE", "/delete")
        deleted = connection.getresponse()
        deleted.read()
        connection.request("GET", "/next")
        after = connection.getresponse()
        # Then the 204 came without body or length, and the next answer is the next request's: the body was not
        # left in the connection to be read as the start of it (a client would retry the next request elsewhere,
        # and a deletion retried that way answers "does not exist")
        assert (deleted.status, deleted.getheader("Content-Length")) == (204, None)
        assert (after.status, after.read()) == (200, b"next")
        connection.close()
