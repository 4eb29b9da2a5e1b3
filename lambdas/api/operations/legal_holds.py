"""Legal hold operations: create, get, cancel, list, and list the recovery points of a hold."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lambdas.api.operations import operation
from lambdas.api.operations.paging import page_size
from lambdas.domain.legal_holds import LegalHold
from lambdas.services import legal_hold_service
from lambdas.services.context import ServiceContext


def _without_empty(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value not in ({}, None)}


def _summary(hold: LegalHold) -> dict[str, Any]:
    """The LegalHold shape of ListLegalHolds."""
    return _without_empty(
        {
            "Title": hold.Title,
            "Status": hold.Status,
            "Description": hold.Description,
            "LegalHoldId": hold.LegalHoldId,
            "LegalHoldArn": hold.LegalHoldArn,
            "CreationDate": hold.CreationDate,
            "CancellationDate": hold.CancellationDate,
        }
    )


def _described(hold: LegalHold) -> dict[str, Any]:
    return _without_empty(
        {
            **_summary(hold),
            "CancelDescription": hold.CancelDescription,
            "RetainRecordUntil": hold.RetainRecordUntil,
            "RecoveryPointSelection": hold.RecoveryPointSelection.model_dump(exclude_none=True),
        }
    )


@operation("CreateLegalHold")
def create_legal_hold(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    hold = legal_hold_service.create(ctx, request, now)
    return _without_empty(
        {
            **_summary(hold),
            "RecoveryPointSelection": hold.RecoveryPointSelection.model_dump(exclude_none=True),
        }
    )


@operation("GetLegalHold")
def get_legal_hold(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    return _described(legal_hold_service.get(ctx, request["LegalHoldId"], now))


@operation("CancelLegalHold")
def cancel_legal_hold(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    legal_hold_service.cancel(ctx, request, now)
    return {}


@operation("ListLegalHolds")
def list_legal_holds(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    holds, token = legal_hold_service.list_holds(ctx, page_size(request), request.get("NextToken"), now)
    return {"LegalHolds": [_summary(hold) for hold in holds], "NextToken": token}


@operation("ListRecoveryPointsByLegalHold")
def list_recovery_points_by_legal_hold(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    points, token = legal_hold_service.list_points(
        ctx, request["LegalHoldId"], page_size(request), request.get("NextToken"), now
    )
    return {
        "RecoveryPoints": [point.model_dump(exclude={"LegalHoldId"}) for point in points],
        "NextToken": token,
    }
