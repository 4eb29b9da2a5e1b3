"""Property: whatever a client sends, the API answers 2xx or a 4xx whose error code the operation's model lists
(or one AWS sends on every operation), with a message; never a 5xx. And a refused request writes nothing.

Requests are made from botocore's own shapes for every implemented operation, and sent two ways to the Api
function's handler, in process, over in-memory stores: through boto3 with its parameter validation off (so the
service, not the SDK, must refuse), and as raw requests with bodies no SDK would send (not UTF-8, nested a
hundred thousand deep, NaN, 1e400, members of the wrong JSON type). tests/api/test_api_fuzz_edge.py sends a
smaller set through the local edge over HTTP. Bounded: a fixed seed (derandomize) and a max example count."""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdas.api.operations import load_all
from lambdas.api.protocol import routes, service_model
from lambdas.services import plan_service, vault_service
from tests.fakes import ACCOUNT, T0, World, make_world
from tests.shape_strategies import check_answer, for_shape, nasty_body

OPERATIONS = sorted(load_all())
EXAMPLES_PER_OPERATION = 12
RAW_EXAMPLES_PER_OPERATION = 6
FUZZ = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@dataclass
class LambdaContext:
    function_name: str = "strongroom-Api"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:strongroom-Api"
    aws_request_id: str = "fuzz"


class Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


@dataclass
class Api:
    """The Api function over one World: `call` sends an API Gateway proxy event and checks nothing."""

    world: World

    def call(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> dict[str, Any]:
        from lambdas.handlers import api

        parts = urlsplit(url)
        query = parse_qs(parts.query, keep_blank_values=True)
        text: str | None = None
        encoded = False
        if body:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                text, encoded = base64.b64encode(body).decode(), True
        event = {
            "resource": "/{proxy+}",
            "path": unquote(parts.path),  # API Gateway hands the function the path decoded
            "httpMethod": method,
            "headers": headers,
            "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
            "multiValueQueryStringParameters": query or None,
            "pathParameters": {"proxy": parts.path.lstrip("/")},
            "requestContext": {
                "requestId": "fuzz",
                "stage": "test",
                # The account's root: authorization has its own tests (test_api_authorization.py)
                "identity": {"accountId": ACCOUNT, "userArn": f"arn:aws:iam::{ACCOUNT}:root"},
            },
            "body": text,
            "isBase64Encoded": encoded,
        }
        answer: dict[str, Any] = api.handler(event, LambdaContext())
        return answer

    def checked(self, operation: str, method: str, url: str, headers: dict[str, str], body: bytes | None) -> None:
        before = copy.deepcopy(self.world.table._items)
        answer = self.call(method, url, headers, body)
        status, answer_headers = answer["statusCode"], answer.get("headers") or {}
        text = answer.get("body") or ""
        code = answer_headers.get("x-amzn-ErrorType")
        check_answer(operation, status, code, text)
        if status >= 400:
            assert self.world.table._items == before, f"{operation} was refused ({code}) but wrote: {text}"


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    """One World for the whole run, with a vault, a plan and a volume that fuzzed names can hit."""
    monkeypatch = pytest.MonkeyPatch()
    world = make_world()
    world.ebs.add_volume(1, backup="daily")
    vault_service.create_vault(world.ctx, {"BackupVaultName": "fuzz-vault"}, T0)
    plan = plan_service.create_plan(
        world.ctx,
        {"BackupPlan": {"BackupPlanName": "fuzz", "Rules": [{"RuleName": "r", "TargetBackupVaultName": "fuzz-vault"}]}},
        T0,
    )
    KNOWN.extend([plan.BackupPlanId, plan.BackupPlanArn, plan.VersionId])
    from lambdas.handlers import api as handler_module

    monkeypatch.setattr(handler_module, "service_context", lambda: world.ctx)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "StrongroomFuzz")
    yield Api(world)
    monkeypatch.undo()


KNOWN: list[str] = [
    "fuzz-vault",
    "Default",
    f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-0001",
    f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:fuzz-vault",
    f"arn:aws:iam::{ACCOUNT}:role/backup",
    "arn:aws:sns:us-east-1:123456789012:topic",
    "EBS",
]


def _client(api: Api) -> Any:
    client = boto3.client(
        "backup",
        region_name="us-east-1",
        endpoint_url="https://backup.fuzz.invalid",
        aws_access_key_id="fuzz",
        aws_secret_access_key="fuzz",
        config=Config(parameter_validation=False, retries={"max_attempts": 0}),
    )

    def answer(request: AWSPreparedRequest, event_name: str, **_: Any) -> AWSResponse:
        operation = event_name.rsplit(".", 1)[1]  # before-send.backup.<Operation>
        body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
        headers = {k: v.decode() if isinstance(v, bytes) else str(v) for k, v in request.headers.items()}
        before = copy.deepcopy(api.world.table._items)
        reply = api.call(request.method, request.url, headers, body)
        code = (reply.get("headers") or {}).get("x-amzn-ErrorType")
        check_answer(operation, reply["statusCode"], code, reply.get("body") or "")
        if reply["statusCode"] >= 400:
            assert api.world.table._items == before, f"{operation} was refused ({code}) but wrote something"
        return AWSResponse(request.url, reply["statusCode"], reply.get("headers") or {}, Body(reply["body"].encode()))

    client.meta.events.register("before-send.backup.*", answer)
    return client


def _snake(name: str) -> str:
    import botocore

    return str(botocore.xform_name(name))


@pytest.mark.parametrize("operation", OPERATIONS)
def test_given_any_input_from_the_model_when_sent_through_boto3_then_never_a_5xx_nor_a_foreign_error_code(
    api: Api, operation: str
) -> None:
    """Given boto3 with its own validation off, when it sends whatever the shape strategy makes, then the
    answer is a success or a refusal the SDK can name (the check runs inside the send hook, on every call)."""
    client = _client(api)
    method = getattr(client, _snake(operation))
    shape = service_model().operation_model(operation).input_shape

    @FUZZ
    @given(st.just({}) if shape is None else for_shape(shape, KNOWN))
    def sends(request: dict[str, Any]) -> None:
        try:
            method(**request)
        except ClientError:
            pass  # a refusal, already checked in the send hook
        except (TypeError, ValueError, AttributeError, KeyError, OverflowError, RuntimeError):
            pass  # botocore itself could not serialize the value: nothing was sent

    sends()


def _route(operation: str) -> tuple[str, str]:
    route = next(r for r in routes() if r.operation == operation)
    uri = service_model().operation_model(operation).http["requestUri"].split("?")[0]
    filled = "".join("fuzz-vault" if part.startswith("{") else part for part in _split(uri))
    return route.method, filled


def _split(uri: str) -> list[str]:
    import re

    return re.split(r"(\{[^}]+\})", uri)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_given_bodies_no_sdk_sends_when_posted_raw_then_never_a_5xx_nor_a_foreign_error_code(
    api: Api, operation: str
) -> None:
    """Given a body that is not UTF-8, nested beyond any parser's stack, NaN, 1e400, a 5,000-digit integer or
    members of the wrong JSON type, when posted to the operation's route, then a 4xx the model names."""
    method, path = _route(operation)
    shape = service_model().operation_model(operation).input_shape

    @settings(FUZZ, max_examples=RAW_EXAMPLES_PER_OPERATION)
    @given(nasty_body(shape))
    def posts(body: bytes) -> None:
        api.checked(operation, method, f"https://backup.fuzz.invalid{path}", {"Content-Type": "application/json"}, body)

    posts()


@pytest.mark.parametrize(
    ("operation", "method", "path", "query"),
    [
        ("-", "PATCH", "/backup-vaults/fuzz-vault", ""),  # a path that exists, with a method it does not take
        ("-", "GET", "/no/such/route", ""),
        ("ListBackupJobs", "GET", "/backup-jobs/", "createdBefore=10000-01-01T00:00:00Z"),  # year 10000
        ("ListBackupJobs", "GET", "/backup-jobs/", "createdAfter=1e400"),
        (
            "ListTags",
            "GET",
            "/tags/arn%3Aaws%3Abackup%3Aus-east-1%3A123456789012%3Abackup-vault%3Afuzz-vault/",
            "maxResults=-1",
        ),
        ("ListBackupVaults", "GET", "/backup-vaults/", "maxResults=99999999999999999999999"),
        ("ListBackupPlans", "GET", "/backup/plans/", "includeDeleted=maybe"),
    ],
)
def test_given_a_request_line_no_sdk_sends_then_a_model_error_not_a_5xx(
    api: Api, operation: str, method: str, path: str, query: str
) -> None:
    """The causes the fuzz run of issue #12 found in the URL: each answers a 4xx the caller can name
    (no operation at all: AWS's common InvalidAction)."""
    url = f"https://backup.fuzz.invalid{path}" + (f"?{query}" if query else "")
    answer = api.call(method, url, {}, None)
    code = answer["headers"].get("x-amzn-ErrorType")
    assert 400 <= answer["statusCode"] < 500, answer
    if operation == "-":
        assert code == "InvalidAction" and method in answer["body"], answer
    else:
        check_answer(operation, answer["statusCode"], code, answer["body"])
