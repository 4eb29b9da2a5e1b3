"""The Api function's answers carry CORS headers for the deployed console's origin only, and none when no console
is deployed (the local runtime, a stack without `-c console=true`): the browser then refuses to hand the page an
answer from another origin, which is the point."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from lambdas.common import config
from lambdas.common.env_keys import ENV_CONSOLE_ORIGIN
from tests.fakes import ACCOUNT, World, make_world

CONSOLE = "https://d111111abcdef8.cloudfront.net"


@dataclass
class LambdaContext:
    function_name: str = "strongroom-Api"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:strongroom-Api"
    aws_request_id: str = "cors"


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    from lambdas.handlers import api as handler_module

    world = make_world()
    monkeypatch.setattr(handler_module, "service_context", lambda: world.ctx)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "StrongroomCors")
    config.console_origin.cache_clear()
    yield world
    config.console_origin.cache_clear()


def _call(method: str, path: str) -> dict[str, Any]:
    from lambdas.handlers import api

    event = {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": {"Origin": CONSOLE},
        "multiValueHeaders": {"Origin": [CONSOLE]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "requestContext": {
            "requestId": "cors",
            "stage": "v1",
            "identity": {"accountId": ACCOUNT, "userArn": f"arn:aws:iam::{ACCOUNT}:root"},
        },
        "body": None,
        "isBase64Encoded": False,
    }
    answer: dict[str, Any] = api.handler(event, LambdaContext())
    return answer


def test_a_deployed_console_origin_may_read_answers_and_refusals(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a stack deployed with the console: the Api function is told its origin
    monkeypatch.setenv(ENV_CONSOLE_ORIGIN, CONSOLE)
    # When the console lists vaults, and asks for a vault that does not exist
    listed = _call("GET", "/backup-vaults/")
    refused = _call("GET", "/backup-vaults/missing")
    # Then both answers name that origin, so the browser hands them to the page...
    assert listed["statusCode"] == 200
    assert refused["statusCode"] == 404
    for answer in (listed, refused):
        assert answer["headers"]["Access-Control-Allow-Origin"] == CONSOLE
        assert answer["headers"]["Vary"] == "Origin"
    # ...and the SDK may read the error's name, which a cross-origin page sees only when exposed
    assert refused["headers"]["x-amzn-ErrorType"].startswith("ResourceNotFoundException")
    exposed = {name.strip().lower() for name in refused["headers"]["Access-Control-Expose-Headers"].split(",")}
    assert "x-amzn-errortype" in exposed


def test_without_a_console_no_origin_is_allowed(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given no console deployed (the local runtime, a stack without the console)
    monkeypatch.delenv(ENV_CONSOLE_ORIGIN, raising=False)
    # When a browser page of any origin calls the API
    answer = _call("GET", "/backup-vaults/")
    # Then the answer carries no CORS header: the answer is what it always was
    assert answer["statusCode"] == 200
    assert not [name for name in answer["headers"] if name.lower().startswith("access-control-")]
    assert "Vary" not in answer["headers"]
