"""One request, start to end: parse with the model, run the operation, render the answer or the error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from lambdas.api import error_codes, protocol
from lambdas.api.operations import load_all
from lambdas.api.unsupported_fields import refuse_unsupported
from lambdas.common.observability import logger
from lambdas.domain.access_policy import Caller, denies, parse_policy
from lambdas.domain.errors import (
    AccessDeniedException,
    BackupError,
    InvalidRequestException,
    ServiceUnavailableException,
)
from lambdas.services.context import ServiceContext


def _enforce_vault_policy(ctx: ServiceContext, name: str, request: dict[str, Any], caller: Caller) -> None:
    """A vault's access policy is checked on every operation that names the vault or one of its points."""
    point_arn = request.get("RecoveryPointArn")
    vault_name = request.get("BackupVaultName")
    if vault_name is None and point_arn:
        point = ctx.stores.recovery_points.find(point_arn)
        vault_name = point.BackupVaultName if point else None
    if not vault_name:
        return
    vault = ctx.stores.vaults.find(vault_name)
    if vault is None or vault.AccessPolicy is None:
        return
    policy = parse_policy(vault.AccessPolicy)
    action = f"backup:{name}"
    resources = [point_arn] if point_arn else []
    resources.append(vault.BackupVaultArn)
    if any(denies(policy, caller, action, resource) for resource in resources):
        raise AccessDeniedException(
            f"{caller.arn} is not authorized to perform {action} on {resources[0]}: "
            f"an explicit deny in the access policy of backup vault {vault_name}"
        )


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
        _enforce_vault_policy(ctx, name, request, caller)
        output = implementation(ctx, request, now)
        return protocol.render(name, output)
    except BackupError as error:
        return protocol.render_error(error_codes.for_operation(name, error) if name else error)
    except Exception:  # noqa: BLE001 - an unexpected failure answers as AWS does, and is logged in full
        logger.exception("operation failed")
        return protocol.render_error(ServiceUnavailableException("Strongroom failed to process the request"))
