"""What the edge's HTTP server refuses before any app sees the request comes back as API Gateway's JSON gateway
responses, never http.server's HTML page: an over-long request line is REQUEST_TOO_LARGE (413), a header line
too long keeps its 431, each with a JSON `message` an SDK can show."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from local.gateway_errors import REQUEST_TOO_LONG, GatewayErrorRequestHandler

OVER_LONG = 70_000  # http.server reads at most 65,536 bytes of request line


def _app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "15")])
    return [b"reached the app"]


@pytest.fixture
def server() -> Iterator[tuple[str, int]]:
    served = make_server("127.0.0.1", 0, _app, threaded=True, request_handler=GatewayErrorRequestHandler)
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    try:
        yield served.server_address[0], served.server_address[1]
    finally:
        served.shutdown()
        thread.join(timeout=10)


def raw_exchange(address: tuple[str, int], request: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(address, timeout=10) as connection:
        connection.sendall(request)
        connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in header_lines)}
    return int(status_line.split()[1]), headers, body


def test_given_a_request_line_over_the_limit_when_sent_then_api_gateways_request_too_large_json_comes_back(
    server: tuple[str, int],
) -> None:
    # Given a GET whose URI makes the request line longer than the server reads
    request = b"GET /backup-vaults/?x=" + b"a" * OVER_LONG + b" HTTP/1.1\r\nHost: localhost\r\n\r\n"
    # When it is sent
    status, headers, body = raw_exchange(server, request)
    # Then API Gateway's REQUEST_TOO_LARGE: 413 with a JSON message saying what was too long (not a bare HTML 414)
    assert (status, headers["content-type"]) == (413, "application/json")
    message = json.loads(body)["message"]
    assert message.startswith(REQUEST_TOO_LONG) and "request line" in message


def test_given_a_header_line_over_the_limit_when_sent_then_its_431_carries_a_json_message(
    server: tuple[str, int],
) -> None:
    # Given a request whose one header line is longer than the server reads
    request = b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"b" * OVER_LONG + b"\r\n\r\n"
    # When it is sent, then a 431 whose body is JSON naming the problem
    status, headers, body = raw_exchange(server, request)
    assert (status, headers["content-type"]) == (431, "application/json")
    assert "Line too long" in json.loads(body)["message"]


def test_given_an_ordinary_request_when_sent_then_the_app_answers_it(server: tuple[str, int]) -> None:
    # Given a request within every limit, when sent, then it reaches the app untouched
    status, _, body = raw_exchange(server, b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
    assert (status, body) == (200, b"reached the app")
