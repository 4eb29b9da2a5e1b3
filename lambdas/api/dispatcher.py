"""One request, start to end: parse with the model, run the operation, render the answer or the error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from lambdas.api import authorization, error_codes, protocol
from lambdas.api.operations import load_all
from lambdas.api.unsupported_fields import refuse_unsupported
from lambdas.common.observability import logger
from lambdas.domain.access_policy import Caller
from lambdas.domain.errors import (
    BackupError,
    InvalidRequestException,
    ServiceUnavailableException,
)
from lambdas.services.context import ServiceContext


def dispatch(
    context: Callable[[], ServiceContext],
    method: str,
    raw_path: str,
    query: dict[str, list[str]],
    headers: dict[str, str],
    body: str | bytes | None,
    now: datetime,
    caller: Caller,
) -> protocol.Response:
    name: str | None = None
    try:
        name, path_params = protocol.route(method, raw_path)
        request = protocol.read_input(name, path_params, query, headers, body)
        implementation = load_all().get(name)
        if implementation is None:
            raise InvalidRequestException(f"Strongroom does not implement the AWS Backup operation {name} yet")
        logger.append_keys(operation=name)
        refuse_unsupported(name, request)
        ctx = context()
        authorization.authorize(ctx, name, request, caller, now)  # AccessDeniedException unless allowed
        output = implementation(ctx, request, now)
        return protocol.render(name, output)
    except BackupError as error:
        return protocol.render_error(error_codes.for_operation(name, error) if name else error)
    except Exception:  # noqa: BLE001 - an unexpected failure answers as AWS does, and is logged in full
        logger.exception("operation failed")
        return protocol.render_error(ServiceUnavailableException("Strongroom failed to process the request"))
