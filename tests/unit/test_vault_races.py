"""Two requests changing one vault at once: neither silently undoes the other. A change that loses the race
is applied again, once, to the vault as the winner left it; a change that loses twice is refused."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from lambdas.domain.errors import ConflictException
from lambdas.domain.vaults import BackupVault
from lambdas.services import vault_service
from tests.fakes import T0, World

POLICY = json.dumps(
    {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "backup:DeleteRecoveryPoint", "Resource": "*"}]}
)


def race(world: World, meanwhile: Callable[[], None], times: int = 1) -> None:
    """Every one of the next `times` reads of the vault is followed, before its caller saves, by `meanwhile`:
    another request that reads and saves the vault in between."""
    vaults = world.ctx.stores.vaults
    read = vaults.get
    left = [times]

    def get_then_lose_the_race(name: str) -> BackupVault:
        vault = read(name)
        if left[0] > 0:
            left[0] -= 1
            meanwhile()
        return vault

    object.__setattr__(vaults, "get", get_then_lose_the_race)


def test_given_a_tag_change_racing_a_lock_when_both_are_saved_then_the_vault_has_both(world: World) -> None:
    # Given a vault, and a TagResource that lands between PutBackupVaultLockConfiguration's read and its save
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    race(
        world,
        lambda: world.ctx.stores.vaults.save(
            world.ctx.stores.vaults.find("main").model_copy(  # type: ignore[union-attr]
                update={"Tags": {"team": "core"}}
            )
        ),
    )

    # When the lock is put
    vault_service.put_lock(world.ctx, "main", {"MinRetentionDays": 7}, T0)

    # Then neither change is lost: the lock was applied again on top of the tags
    stored = world.ctx.stores.vaults.get("main")
    assert stored.Lock is not None and stored.Lock.MinRetentionDays == 7
    assert stored.Tags == {"team": "core"}
    assert stored.Version == 3  # created, tagged, locked


def test_given_a_lock_put_while_a_tag_update_is_in_flight_then_the_tag_update_keeps_the_lock(world: World) -> None:
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    race(world, lambda: vault_service.put_lock(world.ctx, "main", {"MinRetentionDays": 30}, T0))

    vault_service.set_tags(world.ctx, "main", {"team": "core"})

    stored = world.ctx.stores.vaults.get("main")
    assert stored.Tags == {"team": "core"}
    assert stored.Lock is not None and stored.Lock.MinRetentionDays == 30


def test_given_a_change_that_loses_the_race_twice_then_conflict_and_the_winners_stay(world: World) -> None:
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    topics = iter(["arn:aws:sns:us-east-1:123456789012:first", "arn:aws:sns:us-east-1:123456789012:second"])

    def notifications_meanwhile() -> None:
        request = {"SNSTopicArn": next(topics), "BackupVaultEvents": ["BACKUP_JOB_COMPLETED"]}
        world.ctx.stores.vaults.save(
            world.ctx.stores.vaults.find("main").model_copy(  # type: ignore[union-attr]
                update={"Notifications": vault_service.VaultNotifications.model_validate(request)}
            )
        )

    race(world, notifications_meanwhile, times=2)

    with pytest.raises(ConflictException, match="changed by another request"):
        vault_service.put_access_policy(world.ctx, "main", POLICY)

    stored = world.ctx.stores.vaults.get("main")
    assert stored.AccessPolicy is None
    assert stored.Notifications is not None and stored.Notifications.SNSTopicArn.endswith(":second")
