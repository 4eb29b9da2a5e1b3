"""The web console's files on the local edge (local/console_site.py, local/edge.py): a browser's unsigned GET under
/console/ gets the built files and the local config; nothing outside the build is served; a signed request to a
bucket called `console` stays S3's."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from local.console_site import ConsoleSite
from local.control import ControlApp
from local.edge import EdgeApp
from tests.unit.test_local_control import FakeRuntime

CONFIG = {"region": "us-east-1", "local": True, "credentials": {"accessKeyId": "test", "secretAccessKey": "test"}}
SIGNED_FOR_S3 = "AWS4-HMAC-SHA256 Credential=test/20260301/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=ab"


def _get(
    app: Any, path: str, method: str = "GET", query: str = "", **headers: str
) -> tuple[str, dict[str, str], bytes]:
    answer: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        answer["status"], answer["headers"] = status, dict(response_headers)

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_LENGTH": "0",
        "wsgi.input": io.BytesIO(b""),
        **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
    }
    body = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], body


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    built = tmp_path / "dist"
    built.mkdir()
    (built / "index.html").write_text("<html>console</html>")
    (built / "app.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("outside the build")
    return built


@pytest.fixture
def edge(dist: Path) -> EdgeApp:
    def moto(_environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"moto"]

    app = EdgeApp(moto, moto, ControlApp(FakeRuntime()))
    app.console = ConsoleSite(CONFIG, dist)
    return app


def test_a_browser_gets_the_page_the_script_and_the_local_config(edge: EdgeApp) -> None:
    # When a browser loads /console/ and what the page asks for
    status, headers, body = _get(edge, "/console/")
    # Then it gets the built page, the bundle as JavaScript, and the Region and local credentials to pre-fill
    assert (status, headers["Content-Type"], body) == ("200 OK", "text/html", b"<html>console</html>")
    assert _get(edge, "/console/app.js")[1]["Content-Type"] == "text/javascript"
    status, headers, body = _get(edge, "/console/config.json")
    assert (status, json.loads(body)) == ("200 OK", CONFIG)
    # And /console without the slash is sent to /console/, where the page's relative links resolve
    status, headers, _ = _get(edge, "/console")
    assert (status, headers["Location"]) == ("301 Moved Permanently", "/console/")


def test_nothing_outside_the_build_is_served_and_nothing_is_written(edge: EdgeApp) -> None:
    # Given a file beside the build folder, when a browser asks for it through ..
    status, _, body = _get(edge, "/console/../secret.txt")
    # Then it is not there, nor is a file the build does not have
    assert status == "404 Not Found" and b"outside" not in body
    assert _get(edge, "/console/missing.js")[0] == "404 Not Found"
    # And the console takes no writes
    assert _get(edge, "/console/index.html", method="PUT")[0] == "405 Method Not Allowed"


def test_a_signed_or_presigned_request_to_a_bucket_called_console_stays_s3s(edge: EdgeApp) -> None:
    assert _get(edge, "/console/app.js", AUTHORIZATION=SIGNED_FOR_S3)[2] == b"moto"
    assert _get(edge, "/console/app.js", query="X-Amz-Signature=ab&X-Amz-Credential=x")[2] == b"moto"


def test_an_unbuilt_console_says_how_to_build_it(tmp_path: Path) -> None:
    status, _, body = _get(ConsoleSite(CONFIG, tmp_path / "nothing"), "/console/")
    assert status == "404 Not Found" and b"make console" in body
