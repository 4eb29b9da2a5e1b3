"""The local scheduler's and poller's calls inside the emulator (local/service_internals.py) answer as moto's Lambda
API would, and the after-firing drain skips only queues that hold nothing."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.queue_poller import LocalQueuePoller
from local.service_internals import BackendInvoker, queue_may_hold_messages

ARN = "arn:aws:lambda:eu-west-1:210987654321:function:other"


class FakeLambdaBackend:
    """moto's LambdaBackend.invoke: the payload returned, the error flag written into the response headers."""

    def __init__(self, answer: bytes, error: str | None = None) -> None:
        self.answer, self.error = answer, error
        self.calls: list[tuple[str, str]] = []

    def invoke(self, name: str, qualifier: Any, body: str, headers: Any, response_headers: dict[str, str]) -> bytes:
        self.calls.append((name, body))
        if self.error:
            response_headers["x-amz-function-error"] = self.error
        return self.answer


@pytest.fixture
def backends(monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, FakeLambdaBackend]]:
    import moto.awslambda.models as models

    found: dict[str, dict[str, FakeLambdaBackend]] = {}
    monkeypatch.setattr(models, "lambda_backends", found)
    return found


def test_given_a_function_that_fails_then_the_answer_carries_its_error_as_boto3s_would(backends: Any) -> None:
    backends["123456789012"] = {"us-east-1": FakeLambdaBackend(b'{"errorType": "Boom"}', error="Handled")}
    invoker = BackendInvoker(object(), "123456789012", "us-east-1")
    # When the scheduler invokes it by name
    answer = invoker.invoke(FunctionName="strongroom-TrackJobs", Payload=b'{"a": 1}')
    # Then the error flag and the payload are those moto's Lambda API answers with
    assert answer["FunctionError"] == "Handled"
    assert json.loads(answer["Payload"].read()) == {"errorType": "Boom"}
    assert backends["123456789012"]["us-east-1"].calls == [("strongroom-TrackJobs", '{"a": 1}')]


def test_given_a_function_arn_then_its_own_account_and_region_answer(backends: Any) -> None:
    home, other = FakeLambdaBackend(b"{}"), FakeLambdaBackend(b'"fine"')
    backends.update({"123456789012": {"us-east-1": home}, "210987654321": {"eu-west-1": other}})
    # When a firing targets a function ARN in another account and Region
    answer = BackendInvoker(object(), "123456789012", "us-east-1").invoke(FunctionName=ARN, Payload=b"{}")
    # Then that account's backend ran it, and it succeeded
    assert (len(other.calls), len(home.calls), "FunctionError" in answer) == (1, 0, False)


def test_given_a_response_over_lambdas_limit_then_it_is_refused_as_moto_refuses_it(backends: Any) -> None:
    backends["123456789012"] = {"us-east-1": FakeLambdaBackend(b"x" * 6_000_001)}
    answer = BackendInvoker(object(), "123456789012", "us-east-1").invoke(FunctionName="big", Payload=b"{}")
    assert answer["FunctionError"] == "Unhandled"
    assert json.loads(answer["Payload"].read())["errorType"] == "Function.ResponseSizeTooLarge"


def test_given_another_call_then_it_goes_to_the_client() -> None:
    class Client:
        def list_event_source_mappings(self) -> str:
            return "from the client"

    assert BackendInvoker(Client(), "1", "r").list_event_source_mappings() == "from the client"


@mock_aws
def test_a_queue_is_skipped_only_while_it_holds_no_message_at_all() -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="batches")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert queue_may_hold_messages(arn) is False  # Given an empty queue: nothing to receive
    sqs.send_message(QueueUrl=url, MessageBody="job")
    assert queue_may_hold_messages(arn) is True  # a visible message
    handle = sqs.receive_message(QueueUrl=url, VisibilityTimeout=300)["Messages"][0]["ReceiptHandle"]
    assert queue_may_hold_messages(arn) is True  # in flight: it may come back, so the receive is still made
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
    assert queue_may_hold_messages(arn) is False
    # An unknown queue is not judged here: the receive is made and answers as it would
    assert queue_may_hold_messages(arn.replace("batches", "gone")) is True


class CountingQueues:
    def __init__(self) -> None:
        self.receives = 0

    def get_queue_url(self, QueueName: str, QueueOwnerAWSAccountId: str) -> dict[str, str]:
        return {"QueueUrl": QueueName}

    def receive_message(self, **_: Any) -> dict[str, Any]:
        self.receives += 1
        return {"Messages": []}


class OneMapping:
    def list_event_source_mappings(self) -> dict[str, Any]:
        return {"EventSourceMappings": [{"EventSourceArn": "arn:aws:sqs:us-east-1:1:q", "FunctionArn": "fn"}]}


@pytest.mark.parametrize(("holds", "receives"), [(False, 0), (True, 1)])
def test_the_after_firing_drain_receives_only_from_a_queue_that_may_hold_messages(holds: bool, receives: int) -> None:
    queues = CountingQueues()
    poller = LocalQueuePoller(OneMapping(), queues, lambda _arn: holds)
    poller.drain_if_pending()
    assert queues.receives == receives
