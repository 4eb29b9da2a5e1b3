"""What the edge's HTTP server answers by itself, before any WSGI app sees the request: a request line over
65,536 bytes, a header line too long or too many headers, a request line that does not parse. Python's
http.server answers these with an HTML page (a bare 414 for the long request line), which no AWS SDK parses.
API Gateway answers them as gateway responses: JSON `{"message": ...}`. An over-long request is its
REQUEST_TOO_LARGE response, 413 (the only gateway response for a request too large; the CloudFront
distribution in front of an edge-optimized API also answers 413 to a URL over 8,192 bytes), so that is what
the over-long request line gets here too. See docs/api-refusals.md."""

from __future__ import annotations

import json
from http import HTTPStatus

from werkzeug.serving import WSGIRequestHandler

REQUEST_TOO_LONG = "Request Too Long"


class GatewayErrorRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler, with the errors it sends itself shaped as API Gateway's gateway responses."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code == HTTPStatus.REQUEST_URI_TOO_LONG:
            code = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
            message = REQUEST_TOO_LONG
            explain = "the request line (method, URI and version) is over 65536 bytes: send the data in the body"
        short, long = self.responses.get(code, ("Error", "Error"))
        text = f"{message or short}: {explain or long}"
        self.log_error("code %d, message %s", code, text)
        body = json.dumps({"message": text}).encode()
        self.send_response(code, message or short)
        self.send_header("Connection", "close")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
