"""Property: whatever the plan, the vault lock, the legal holds, the manual deletions and the clock jumps,
no recovery point (copies included) is deleted before its retention, none is deleted while a legal hold or
the vault lock protects it, and none is left past its expiry once a lifecycle run could delete it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdas.domain.errors import InvalidRequestException
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.services import legal_hold_service, recovery_point_service, vault_service
from tests.unit.retention_sim import DR_VAULT, Simulation, World

START = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)

schedules = st.sampled_from(
    ["cron(0 5 * * ? *)", "cron(30 14 * * ? *)", "cron(0 3 ? * SUN *)", "cron(0 5 1 * ? *)", "cron(0 */12 * * ? *)"]
)


@st.composite
def lifecycles(draw: st.DrawFn) -> dict[str, int] | None:
    kind = draw(st.sampled_from(["none", "delete", "cold"]))
    if kind == "none":
        return None
    if kind == "delete":
        return {"DeleteAfterDays": draw(st.integers(1, 120))}
    cold = draw(st.integers(1, 40))
    return {"MoveToColdStorageAfterDays": cold, "DeleteAfterDays": cold + draw(st.integers(90, 130))}


@st.composite
def rules(draw: st.DrawFn) -> list[dict[str, Any]]:
    drawn = []
    for n in range(draw(st.integers(1, 3))):
        rule: dict[str, Any] = {
            "RuleName": f"rule{n}",
            "TargetBackupVaultName": "main",
            "ScheduleExpression": draw(schedules),
            "StartWindowMinutes": draw(st.sampled_from([60, 480])),
            "CompletionWindowMinutes": 10080,
        }
        lifecycle = draw(lifecycles())
        if lifecycle:
            rule["Lifecycle"] = lifecycle
        if draw(st.booleans()):
            copy: dict[str, Any] = {"DestinationBackupVaultArn": DR_VAULT}
            copy_lifecycle = draw(lifecycles())
            if copy_lifecycle:
                copy["Lifecycle"] = copy_lifecycle
            rule["CopyActions"] = [copy]
        drawn.append(rule)
    return drawn


# Each step: the clock jumps ahead (up to 30 days, through the daily lifecycle runs), then one action on a
# recovery point picked by index among those made so far.
steps = st.lists(
    st.tuples(
        st.integers(1, 24 * 30),
        st.sampled_from(["hold", "hold", "cancel", "delete", "delete", "none"]),
        st.integers(0, 1000),
    ),
    min_size=3,
    max_size=20,
)


def _protected(world: World, point: RecoveryPoint, now: datetime) -> str | None:
    """Why a point may not be deleted at `now`: a legal hold or its vault's lock; None when it may."""
    if legal_hold_service.holds_on(world.ctx, point.RecoveryPointArn):
        return "held"
    vault = world.ctx.stores.vaults.find(point.BackupVaultName)
    until = vault.Lock.retained_until(point.CreationDate) if vault and vault.Lock else None
    return "locked" if until is not None and now < until else None


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(rules=rules(), lock_days=st.one_of(st.none(), st.integers(1, 90)), steps=steps)
def test_no_point_is_deleted_early_under_a_hold_or_lock_nor_kept_past_its_expiry(
    rules: list[dict[str, Any]], lock_days: int | None, steps: list[tuple[int, str, int]]
) -> None:
    sim = Simulation.start(START, volumes=2)
    if lock_days:
        vault_service.put_lock(sim.home.ctx, "main", {"MinRetentionDays": lock_days}, START)
        # A rule the lock refuses makes FAILED jobs, not points: keep the plans the lock allows.
        for rule in rules:
            days = (rule.get("Lifecycle") or {}).get("DeleteAfterDays")
            if days is not None and days < lock_days:
                rule["Lifecycle"] = {"DeleteAfterDays": lock_days}
    sim.protect(rules)
    holds: list[str] = []
    manual: dict[str, datetime] = {}

    for hours, action, amount in steps:
        for _ in range(max(1, hours // 24)):  # a jump of up to 30 days, a day at a time
            _round(sim, sim.now + timedelta(hours=min(24, hours)), manual)
        if action == "hold" and sim.where:
            arn = sorted(sim.where)[amount % len(sim.where)]
            world = sim.where[arn]
            point = sim.point(arn)
            hold = legal_hold_service.create(
                world.ctx,
                {
                    "Title": f"hold {len(holds)}",
                    "Description": "litigation",
                    "RecoveryPointSelection": {
                        "VaultNames": [point.BackupVaultName],
                        "ResourceIdentifiers": [point.ResourceArn],
                        "DateRange": {"FromDate": point.CreationDate, "ToDate": point.CreationDate},
                    },
                },
                sim.now,
            )
            holds.append(f"{world.ctx.account}:{hold.LegalHoldId}")
        elif action == "cancel" and holds:
            account, hold_id = holds.pop(amount % len(holds)).split(":")
            world = sim.home if account == sim.home.ctx.account else sim.other
            legal_hold_service.cancel(world.ctx, {"LegalHoldId": hold_id, "CancelDescription": "settled"}, sim.now)
        elif action == "delete" and sim.where:
            arn = sorted(sim.where)[amount % len(sim.where)]
            world, point = sim.where[arn], sim.point(arn)
            if point.StorageClass == "DELETED":
                continue
            why = _protected(world, point, sim.now)
            try:
                recovery_point_service.delete(
                    world.ctx, {"RecoveryPointArn": arn, "BackupVaultName": point.BackupVaultName}, sim.now
                )
            except InvalidRequestException:
                assert why is not None, f"{arn} could not be deleted by hand though nothing protects it"
            else:
                assert why is None, f"{arn} was deleted by hand while {why}"
                manual[arn] = sim.now


def _round(sim: Simulation, moment: datetime, manual: dict[str, datetime]) -> None:
    before = {arn: sim.point(arn) for arn in sim.where}
    deleted_before = set(sim.deleted_at)
    sim.advance_to(moment)
    # Deleted by this lifecycle run: never before its DeleteAt, never while held or locked
    for arn in set(sim.deleted_at) - deleted_before:
        point = before.get(arn) or sim.point(arn)
        delete_at = point.CalculatedLifecycle.DeleteAt
        assert delete_at is not None and delete_at <= moment, f"{arn} deleted before its retention"
        assert arn not in manual
        why = _protected(sim.where[arn], point, moment)
        assert why is None, f"{arn} deleted by its lifecycle while {why}"
    # Left after the run: nothing past its DeleteAt that neither a hold nor the lock protects
    for arn in sim.where:
        point = sim.point(arn)
        if point.StorageClass == "DELETED":
            continue
        delete_at = point.CalculatedLifecycle.DeleteAt
        if delete_at is not None and delete_at <= moment:
            assert _protected(sim.where[arn], point, moment), f"{arn} left past its expiry {delete_at}"
        cold_at = point.CalculatedLifecycle.MoveToColdStorageAt
        if cold_at is not None and cold_at <= moment and not (delete_at and delete_at <= moment):
            assert point.StorageClass == "COLD", f"{arn} still WARM after {cold_at}"
