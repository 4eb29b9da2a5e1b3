"""The in-process path's shortcut to moto's DynamoDB handler (local/in_process.py `dynamodb_directly`, taken by
the edge's `shortcut`) must answer exactly what the WSGI path through moto's dispatcher and Flask answers: the
same status, headers and bodies, and the same parsed results and errors, for every operation Strongroom's store
makes (the story of tests/integration/test_dynamodb_wire.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import EndpointConnectionError

from tests.integration import test_dynamodb_wire as wire
from tests.integration.builders import REGION

# Never connected to: every request is answered in process by the router, or the test fails on a refused connection.
ENDPOINT = "http://127.0.0.1:9"
# Headers that differ between any two calls, whichever path answers.
_PER_CALL = {"date", "x-amzn-requestid"}


@pytest.fixture
def moto_app() -> Any:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return DomainDispatcherApplication(create_backend_app)


def _client() -> Any:
    return boto3.client("dynamodb", region_name=REGION, endpoint_url=ENDPOINT)


def _run(route: Callable[..., Any]) -> tuple[list[tuple[str, int, Any]], list[Any], list[tuple[int, dict[str, str]]]]:
    """The wire story through `route`: the raw answers, what the client parsed, and each answer's status and
    headers."""
    client = _client()
    heads: list[tuple[int, dict[str, str]]] = []

    def routed(request: AWSPreparedRequest, **kwargs: Any) -> Any:
        answer = route(request, **kwargs)
        headers = {name.lower(): value for name, value in answer.headers.items() if name.lower() not in _PER_CALL}
        if request.headers["X-Amz-Target"].endswith((b"CreateTable", b"DeleteTable")):
            del headers["x-amz-crc32"], headers["content-length"]  # of a body holding the table's creation time
        heads.append((answer.status_code, headers))
        return answer

    client.meta.events.register("before-send", routed)
    answers = wire._story(client)
    return answers, list(wire._parsed), heads


def test_given_the_wire_story_when_answered_by_moto_s_handler_directly_then_everything_is_as_through_wsgi(
    moto_app: Any,
) -> None:
    from local.in_process import dynamodb_directly, router

    # Given the same story of puts, reads, queries, updates, transactions and errors, answered through moto's
    # WSGI app (dispatcher, Flask) as the edge does
    through_wsgi, parsed_through_wsgi, heads_through_wsgi = _run(router(moto_app, ENDPOINT))
    # When it runs again with the shortcut to moto's DynamoDB handler first
    direct, parsed_directly, heads_directly = _run(router(moto_app, ENDPOINT, dynamodb_directly))

    # Then every status, header, body and parsed result is the same, errors included, and the story did meet
    # items, failed conditions, cancelled transactions and missing tables
    assert direct == through_wsgi
    assert parsed_directly == parsed_through_wsgi
    assert heads_directly == heads_through_wsgi
    failed = [body for _, status, body in through_wsgi if status >= 400]
    assert any("ConditionalCheckFailed" in body["__type"] for body in failed)
    assert any("TransactionCanceled" in body["__type"] for body in failed)
    assert any("ResourceNotFound" in body["__type"] for body in failed)
    assert any(body and body.get("Items") for _, _, body in through_wsgi)


def test_given_a_dynamodb_request_the_wsgi_path_would_take_when_sent_in_process_then_the_shortcut_never_sees_it(
    moto_app: Any,
) -> None:
    from local.in_process import dynamodb_directly, router

    # Given a router whose shortcut counts what it answers, and one that only the WSGI path may answer
    answered: list[str] = []

    def counting(request: AWSPreparedRequest) -> Any:
        answer = dynamodb_directly(request)
        answered.append("direct" if answer is not None else "wsgi")
        return answer

    client = _client()
    client.meta.events.register("before-send", router(moto_app, ENDPOINT, counting))
    # When the client creates and lists tables, Then the shortcut answers them
    client.create_table(**_table("shortcut"))
    assert client.list_tables()["TableNames"] == ["shortcut"]
    assert answered == ["direct", "direct"]
    # And a DynamoDB Streams call (another handler) is left to the WSGI path, which answers it
    streams = boto3.client("dynamodbstreams", region_name=REGION, endpoint_url=ENDPOINT)
    streams.meta.events.register("before-send", router(moto_app, ENDPOINT, counting))
    assert streams.list_streams()["Streams"] == []
    assert answered[-1] == "wsgi"


def _table(name: str) -> dict[str, Any]:
    return {
        "TableName": name,
        "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "PK", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }


def test_given_the_wire_story_when_answered_before_signing_then_the_client_returns_and_raises_the_same(
    moto_app: Any,
) -> None:
    from local.in_process import caller, dynamodb_directly, router

    # Given the wire story through the `before-send` path, the shortcut first
    _run(router(moto_app, ENDPOINT, dynamodb_directly))
    after_sending = list(wire._parsed)
    # When it runs again with Strongroom's `before-call` handler answering calls before they are signed
    answered: list[str] = []

    def counting(request: AWSPreparedRequest) -> Any:
        answered.append(str(request.headers["X-Amz-Target"]))
        return dynamodb_directly(request)

    client = _client()
    client.meta.events.register("before-call", caller(counting, ENDPOINT))
    wire._story(client)

    # Then the client returned and raised exactly the same, and every call of the story was answered that way
    assert wire._parsed == after_sending
    assert len(answered) == len(after_sending) + 2  # and the story's CreateTable and DeleteTable
    assert any("ConditionalCheckFailed" in str(answer.get("Error")) for answer in after_sending)
    assert any("TransactionCanceled" in str(answer.get("Error")) for answer in after_sending)


def test_given_the_before_call_handler_when_a_call_is_not_dynamodb_s_at_the_endpoint_then_botocore_makes_it(
    moto_app: Any,
) -> None:
    from local.in_process import caller, dynamodb_directly

    # Given the `before-call` handler of a runtime at another port
    handler = caller(dynamodb_directly, "http://127.0.0.1:10")
    seen: list[str] = []
    client = _client()
    client.meta.events.register("before-call", handler)
    client.meta.events.register("before-send", lambda request, **_: seen.append(request.url))
    # When a DynamoDB call goes to this test's endpoint, Then the handler leaves it to botocore, which sends it
    with pytest.raises(EndpointConnectionError):  # nothing listens there
        client.list_tables()
    assert seen and set(seen) == {f"{ENDPOINT}/"}  # sent (and retried) on the wire


@pytest.fixture
def edge(moto_app: Any) -> Iterator[Any]:
    from local.edge import EdgeApp

    def refuse(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        raise AssertionError("only moto should be reached")

    yield EdgeApp(moto_app, refuse, refuse)


def test_given_the_edge_when_its_shortcut_answers_then_writes_are_counted_and_stand_ins_still_win(edge: Any) -> None:
    from local.in_process import router

    client = _client()
    client.meta.events.register("before-send", router(edge, ENDPOINT, edge.shortcut))
    # Given the edge, whose write count tells `serve --state-dir` when to save
    # When DynamoDB calls take its shortcut, Then each counts as a write, as over the WSGI path (all are POSTs)
    client.create_table(**_table("counted"))
    client.put_item(TableName="counted", Item={"PK": {"S": "a"}})
    assert edge.writes == 2
    # And with a stand-in registered for DynamoDB, the shortcut declines: the stand-in answers, as over HTTP
    seen: list[str] = []

    def stand_in(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        seen.append(environ["HTTP_X_AMZ_TARGET"])
        start_response("200 OK", [("Content-Type", "application/x-amz-json-1.0")])
        return [json.dumps({"TableNames": ["from-the-stand-in"]}).encode()]

    edge.stand_ins["dynamodb"] = stand_in
    assert client.list_tables()["TableNames"] == ["from-the-stand-in"]
    assert seen == ["DynamoDB_20120810.ListTables"]
