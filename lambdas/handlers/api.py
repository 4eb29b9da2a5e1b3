"""The AWS Backup API behind API Gateway (IAM-authorized): one function answers every operation."""

from __future__ import annotations

import base64
from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.api.dispatcher import dispatch
from lambdas.common import clock
from lambdas.common.config import console_origin
from lambdas.common.observability import logger, metrics, tracer
from lambdas.domain.access_policy import Caller
from lambdas.handlers.wiring import service_context


def _body(event: APIGatewayProxyEvent) -> str | bytes | None:
    """The body: text as API Gateway hands it over, or the bytes of a base64-encoded (binary) one, which the
    protocol reads as UTF-8 JSON or refuses (so a body that is not UTF-8 is a 400, never an exception)."""
    body = event.body
    if not body or not event.is_base64_encoded:
        return body
    try:
        return base64.b64decode(body)
    except ValueError:  # not base64 at all: the bytes of the text, for the protocol to refuse
        return body.encode()


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId", clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler
@event_source(data_class=APIGatewayProxyEvent)
def handler(event: APIGatewayProxyEvent, context: LambdaContext) -> dict[str, Any]:
    query = event.multi_value_query_string_parameters or {}
    # API Gateway always fills the identity; read it leniently so a hand-made event cannot crash the handler.
    identity = event.request_context.get("identity") or {}
    caller = Caller(
        arn=identity.get("userArn") or "",
        account=identity.get("accountId") or "",
        source_ip=identity.get("sourceIp"),
        access_key=identity.get("accessKey"),
    )
    status, headers, body = dispatch(
        service_context,
        event.http_method,
        # API Gateway hands over the path decoded; the protocol matches ARNs with slashes either way.
        event.path,
        {key: list(values) for key, values in query.items()},
        dict(event.headers or {}),
        _body(event),
        clock.now(),
        caller,
    )
    return {"statusCode": status, "headers": {**headers, **cors_headers(console_origin())}, "body": body}


def cors_headers(origin: str | None) -> dict[str, str]:
    """What lets the deployed console's page (another origin than API Gateway's) read an answer: its origin only,
    and the headers the AWS SDK reads an error's name and the request id from. No origin configured: nothing."""
    if not origin:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": "x-amzn-ErrorType, x-amzn-RequestId",
        "Vary": "Origin",
    }
