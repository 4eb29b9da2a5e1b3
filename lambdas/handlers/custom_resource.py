"""CloudFormation custom resource requests: the deploy-time hook of a function whose own ARN is the service token.

CloudFormation invokes the function asynchronously and waits (up to an hour) for an answer PUT to the
request's presigned ResponseURL, so the answer is sent on every path, failures included: an unanswered
request leaves the deploy hanging, and a Lambda retry would answer twice.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from lambdas.common.observability import logger

# CloudFormation refuses answers over 4096 bytes; a reason is the only free text in ours.
MAX_REASON_CHARS = 1000


class CustomResourceRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    RequestType: Literal["Create", "Update", "Delete"]
    ResponseURL: str
    StackId: str
    RequestId: str
    LogicalResourceId: str
    PhysicalResourceId: str | None = None


def is_custom_resource_request(event: Mapping[str, Any]) -> bool:
    return "RequestType" in event and "ResponseURL" in event


def _put(url: str, body: bytes) -> None:
    # The presigned URL is signed without a content type: sending one would break the signature.
    request = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": ""})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def answer(
    request: CustomResourceRequest,
    physical_id: str,
    work: Callable[[], Mapping[str, Any]],
    *,
    send: Callable[[str, bytes], None] | None = None,
) -> dict[str, Any]:
    """Run `work` on Create and Update (Delete has nothing to undo) and tell CloudFormation how it went."""
    status, reason, data = "SUCCESS", "", {}
    if request.RequestType != "Delete":
        try:
            data = dict(work())
        except Exception as error:  # noqa: BLE001 (every failure must reach CloudFormation, not only the log)
            logger.exception("Deploy-time step failed")
            status, reason = "FAILED", f"{type(error).__name__}: {error}"[:MAX_REASON_CHARS]
    body = {
        "Status": status,
        "Reason": reason or f"See the function's log stream for request {request.RequestId}",
        "PhysicalResourceId": request.PhysicalResourceId or physical_id,
        "StackId": request.StackId,
        "RequestId": request.RequestId,
        "LogicalResourceId": request.LogicalResourceId,
        # Only counts: Data must stay small.
        "Data": {key: value for key, value in data.items() if isinstance(value, int | str | bool)},
    }
    (send or _put)(request.ResponseURL, json.dumps(body).encode())
    return body
