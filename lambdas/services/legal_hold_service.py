"""Legal holds: create one over a selection of recovery points, read it, cancel it, list holds and their
points, and the one guard every deletion path asks (`ensure_not_held`).

Which points a hold covers: the recovery points that exist when the hold is created (live: not deleted, not
disassociated) and match its RecoveryPointSelection. A point made later never joins an existing hold, even
when its creation date falls inside the hold's DateRange. This is AWS Backup's documented behaviour: a hold
is placed on recovery points that already exist, its DateRange may not reach into the future, and a copy of a
held point does not carry the hold. To hold later points, create another hold.

While a hold is CREATING (being applied) or ACTIVE, none of its points can be deleted, whether by expiry
(the point waits in the expiry index and goes on the first lifecycle run after the last hold on it is
canceled), by DeleteRecoveryPoint or by DisassociateRecoveryPoint. A canceled hold protects nothing; its
record, and the list of points it held, stays readable until RetainRecordUntil (forever without one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from lambdas.common.observability import logger
from lambdas.domain.errors import (
    ConflictException,
    InvalidParameterValueException,
    InvalidRequestException,
    InvalidResourceStateException,
    LimitExceededException,
    ResourceNotFoundException,
)
from lambdas.domain.ids import idempotent_job_id, new_id
from lambdas.domain.legal_holds import (
    MAX_ACTIVE_LEGAL_HOLDS,
    CancelLegalHoldInput,
    CreateLegalHoldInput,
    HeldRecoveryPoint,
    LegalHold,
    LegalHoldStatus,
    RecoveryPointSelection,
    legal_hold_arn,
)
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.domain.validation import parse_model
from lambdas.services import native_locks
from lambdas.services.context import ServiceContext

_PAGE = 1000
# Store bounds on creation time are exclusive, the DateRange inclusive: widen by the store's resolution.
_TICK = timedelta(microseconds=1)


class ProtectedByLegalHold(InvalidRequestException):
    """Active legal holds keep the point: deletion and disassociation are refused; expiry waits."""


def holds_on(ctx: ServiceContext, point_arn: str) -> list[LegalHold]:
    """The holds that protect the point now (CREATING or ACTIVE)."""
    holds = (ctx.stores.legal_holds.find(hold_id) for hold_id in ctx.stores.legal_holds.holds_on(point_arn))
    return [hold for hold in holds if hold is not None and hold.protects]


def held_points(ctx: ServiceContext, open_holds: list[LegalHold]) -> dict[str, list[LegalHold]]:
    """Every point a hold protects now, with the holds on it: the points of the open holds (as
    LegalHoldStore.open_holds read them), read once. For the lifecycle run, which would otherwise ask once per
    point (a query, and a read per hold found)."""
    held: dict[str, list[LegalHold]] = {}
    for hold in open_holds:
        if hold.protects:
            for point_arn in _points_of(ctx, hold.LegalHoldId):
                held.setdefault(point_arn, []).append(hold)
    return held


def ever_held_points(ctx: ServiceContext) -> set[str]:
    """Every point any hold was ever applied to, canceled holds included (their records stay until
    RetainRecordUntil): the points whose native backup may still carry a hold's lock."""
    points: set[str] = set()
    token: str | None = None
    while True:
        holds, token = ctx.stores.legal_holds.page(limit=_PAGE, token=token)
        for hold in holds:
            points.update(_points_of(ctx, hold.LegalHoldId))
        if token is None:
            return points


def _points_of(ctx: ServiceContext, hold_id: str) -> Iterator[str]:
    token: str | None = None
    while True:
        members, token = ctx.stores.legal_holds.points_of(hold_id, limit=_PAGE, token=token)
        yield from (member.RecoveryPointArn for member in members)
        if token is None:
            return


def ensure_not_held(ctx: ServiceContext, point: RecoveryPoint) -> None:
    """The one check before a recovery point is deleted or let go: refused while any legal hold is on it."""
    refuse_if_held(point, holds_on(ctx, point.RecoveryPointArn))


def refuse_if_held(point: RecoveryPoint, holds: list[LegalHold]) -> None:
    """ProtectedByLegalHold when `holds` (the holds that protect the point now) is not empty."""
    if holds:
        named = ", ".join(f"{hold.LegalHoldId} ({hold.Title!r})" for hold in holds)
        raise ProtectedByLegalHold(
            f"Recovery point {point.RecoveryPointArn} is under legal hold {named}: it cannot be deleted or "
            "disassociated until every legal hold on it is canceled"
        )


def create(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> LegalHold:
    data = parse_model(CreateLegalHoldInput, request)
    window = data.RecoveryPointSelection.DateRange
    if window is not None and (future := window.check_past(now)):
        raise InvalidParameterValueException(future)
    token = data.IdempotencyToken
    hold_id = idempotent_job_id("legal-hold", token).lower() if token else new_id()
    existing = ctx.stores.legal_holds.find(hold_id) if token else None
    if existing is None:
        if ctx.stores.legal_holds.count_open(MAX_ACTIVE_LEGAL_HOLDS) >= MAX_ACTIVE_LEGAL_HOLDS:
            raise LimitExceededException(
                f"An account can have at most {MAX_ACTIVE_LEGAL_HOLDS} legal holds at a time that are not canceled"
            )
        hold = LegalHold(
            LegalHoldId=hold_id,
            LegalHoldArn=legal_hold_arn(ctx.region, ctx.account, hold_id),
            Title=data.Title,
            Description=data.Description,
            Status=LegalHoldStatus.CREATING,
            CreationDate=now,
            RecoveryPointSelection=data.RecoveryPointSelection,
            IdempotencyToken=token,
            Tags=data.Tags,
        )
        if ctx.stores.legal_holds.create(hold):
            return _apply(ctx, hold)
        existing = ctx.stores.legal_holds.get(hold_id)  # the same token, created meanwhile
    # The same IdempotencyToken: no new hold; one whose application was cut short is finished.
    return _apply(ctx, existing) if existing.Status == LegalHoldStatus.CREATING else existing


def _apply(ctx: ServiceContext, hold: LegalHold) -> LegalHold:
    """Records the hold on every point it covers, then makes it ACTIVE. Safe to run again."""
    covered = _covered(ctx, hold)
    held = [HeldRecoveryPoint.of(hold.LegalHoldId, point) for point in covered]
    ctx.stores.legal_holds.hold_points(held)
    for point in covered:  # the hold holds outside the API too: the native backups are locked
        native_locks.protect(ctx, point, hold.CreationDate, held=True)
    active = hold.model_copy(update={"Status": LegalHoldStatus.ACTIVE})
    try:
        ctx.stores.legal_holds.save(active, LegalHoldStatus.CREATING.value)
    except ConflictException:
        return ctx.stores.legal_holds.get(hold.LegalHoldId)  # canceled while it was being applied
    logger.info("legal hold applied", extra={"legal_hold_id": hold.LegalHoldId, "points": len(held)})
    return active


def _covered(ctx: ServiceContext, hold: LegalHold) -> list[RecoveryPoint]:
    """The live points the hold's selection names, of those that existed when the hold was created. Read
    through the narrowest index: each resource's points, else each vault's, else every vault's."""
    selection = hold.RecoveryPointSelection

    def keep(point: RecoveryPoint) -> bool:
        return selection.selects(point) and point.CreationDate <= hold.CreationDate

    found: dict[str, RecoveryPoint] = {}
    if selection.ResourceIdentifiers:
        for resource_arn in selection.ResourceIdentifiers:
            found.update((p.RecoveryPointArn, p) for p in _every_page(ctx, selection, keep, resource_arn=resource_arn))
    else:
        for vault_name in selection.VaultNames or _every_vault(ctx):
            found.update((p.RecoveryPointArn, p) for p in _every_page(ctx, selection, keep, vault_name=vault_name))
    return sorted(found.values(), key=lambda point: point.RecoveryPointArn)


def _every_page(
    ctx: ServiceContext,
    selection: RecoveryPointSelection,
    keep: Callable[[RecoveryPoint], bool],
    *,
    vault_name: str | None = None,
    resource_arn: str | None = None,
) -> Iterator[RecoveryPoint]:
    window = selection.DateRange
    token: str | None = None
    while True:
        page, token = ctx.stores.recovery_points.search(
            vault_name=vault_name,
            resource_arn=resource_arn,
            keep=keep,
            limit=_PAGE,
            token=token,
            created_after=window.FromDate - _TICK if window else None,
            created_before=window.ToDate + _TICK if window else None,
        )
        yield from page
        if token is None:
            return


def _every_vault(ctx: ServiceContext) -> Iterator[str]:
    token: str | None = None
    while True:
        vaults, token = ctx.stores.vaults.page(limit=_PAGE, token=token)
        yield from (vault.BackupVaultName for vault in vaults)
        if token is None:
            return


def get(ctx: ServiceContext, hold_id: str, now: datetime) -> LegalHold:
    hold = ctx.stores.legal_holds.find(hold_id)
    if hold is None or not hold.is_on_record(now):
        raise ResourceNotFoundException(f"Legal hold {hold_id} does not exist")
    return hold


def cancel(ctx: ServiceContext, request: dict[str, Any], now: datetime) -> LegalHold:
    """Cancels the hold: from now on it protects nothing. Cancelling a canceled hold is refused."""
    data = parse_model(CancelLegalHoldInput, request)
    hold = get(ctx, data.LegalHoldId, now)
    if hold.Status == LegalHoldStatus.CANCELED:
        raise InvalidResourceStateException(
            f"Legal hold {hold.LegalHoldId} was canceled already at {hold.CancellationDate:%Y-%m-%dT%H:%M:%SZ}"
        )
    canceled = hold.canceled(data, now)
    try:
        ctx.stores.legal_holds.save(canceled, hold.Status.value)
    except ConflictException:
        raise InvalidResourceStateException(
            f"Legal hold {hold.LegalHoldId} changed while it was being canceled; read it and try again"
        ) from None
    logger.info("legal hold canceled", extra={"legal_hold_id": hold.LegalHoldId})
    _release(ctx, hold.LegalHoldId, now)
    return canceled


def _release(ctx: ServiceContext, hold_id: str, now: datetime) -> None:
    """The canceled hold's points: each native lock is recomputed (unlocked unless another hold or the vault's
    lock still needs it)."""
    token: str | None = None
    while True:
        held, token = ctx.stores.legal_holds.points_of(hold_id, _PAGE, token)
        for entry in held:
            point = ctx.stores.recovery_points.find(entry.RecoveryPointArn)
            if point is not None and point.StorageClass != "DELETED":
                native_locks.protect(ctx, point, now)
        if token is None:
            return


def list_holds(ctx: ServiceContext, limit: int, token: str | None, now: datetime) -> tuple[list[LegalHold], str | None]:
    """Every hold, active and previous, newest first; a canceled one until its record's retention ends."""
    return ctx.stores.legal_holds.page(limit, token, keep=lambda hold: hold.is_on_record(now))


def list_points(
    ctx: ServiceContext, hold_id: str, limit: int, token: str | None, now: datetime
) -> tuple[list[HeldRecoveryPoint], str | None]:
    """The points the hold was applied to, in ARN order."""
    get(ctx, hold_id, now)
    return ctx.stores.legal_holds.points_of(hold_id, limit, token)
