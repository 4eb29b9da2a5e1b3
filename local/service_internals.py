"""What AWS's own machinery does inside the service, done inside the emulator: the scheduler's and the SQS
poller's Lambda invokes, and the poller's "is there anything to receive?".

On AWS, EventBridge Scheduler and Lambda's SQS poller are parts of AWS: they invoke a function without crossing
the public API as a client would. The local runtime's scheduler and poller did cross it (botocore serializing
the request, the edge's WSGI app, Flask, moto's response layer, botocore parsing the answer back) for each of
the demo's 3,800 firings, a quarter of a firing's cost apart from the function's own work
(docs/performance.md). Here they call moto's Lambda backend, as moto's own EventBridge rules do: the same
`LambdaFunction.invoke` (so the same in-process handler, environment and invocation log), the same function
lookup (an unknown function raises, and the firing is counted as failed as before), the same "Handled" error
flag and the same 6 MB response limit as moto's Lambda API answers with.

`queue_may_hold_messages` tells the scheduler's after-firing drain that a mapped queue has no message at all
(visible, in flight or delayed), so the receive that would answer nothing is not made. It can only say "maybe"
for a queue that holds anything, so no message is ever left undelivered by it."""

from __future__ import annotations

import json
import sys
from io import BytesIO
from typing import Any

# moto's Lambda API (moto/awslambda/responses.py `invoke`) refuses a response larger than this, as Lambda does.
MAX_RESPONSE_BYTES = 6_000_000
_TOO_LARGE = {
    "errorMessage": "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
    "errorType": "Function.ResponseSizeTooLarge",
}


def _account_region(function: str, account: str, region: str) -> tuple[str, str]:
    """A function ARN names its own account and Region; a bare name is the runtime's."""
    if function.startswith("arn:"):
        parts = function.split(":")
        return parts[4], parts[3]
    return account, region


class BackendInvoker:
    """`invoke(FunctionName=..., Payload=...)` answering as boto3's Lambda client does (Payload a stream,
    FunctionError set when the function failed), through moto's Lambda backend. Any other call goes to `client`."""

    def __init__(self, client: Any, account: str, region: str) -> None:
        self._client = client
        self._account = account
        self._region = region

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def invoke(self, FunctionName: str, Payload: bytes | str = b"") -> dict[str, Any]:
        from moto.awslambda.models import lambda_backends

        account, region = _account_region(FunctionName, self._account, self._region)
        headers: dict[str, str] = {}
        body = Payload.decode() if isinstance(Payload, bytes) else Payload
        payload = lambda_backends[account][region].invoke(FunctionName, None, body, {}, headers)
        raw = payload.encode() if isinstance(payload, str) else (payload or b"")
        if sys.getsizeof(raw) > MAX_RESPONSE_BYTES:
            raw, headers["x-amz-function-error"] = json.dumps(_TOO_LARGE).encode(), "Unhandled"
        answer: dict[str, Any] = {"StatusCode": 200, "Payload": BytesIO(raw), "ExecutedVersion": "$LATEST"}
        if "x-amz-function-error" in headers:
            answer["FunctionError"] = headers["x-amz-function-error"]
        return answer


def queue_may_hold_messages(queue_arn: str) -> bool:
    """False only when the emulated queue holds no message at all; True when it may (or when it is unknown,
    so that the receive is made and answers as it would)."""
    from moto.sqs.models import sqs_backends

    parts = queue_arn.split(":")
    region, account, name = parts[3], parts[4], parts[5]
    queue = sqs_backends[account][region].queues.get(name)
    if queue is None:
        return True
    return bool(queue._messages)  # every message moto keeps, visible, in flight or delayed
