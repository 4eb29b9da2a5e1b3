"""What a restore testing run chooses, as pure functions: which vaults a plan includes, which recovery point of
a resource it restores (LATEST_WITHIN_WINDOW or RANDOM_WITHIN_WINDOW within SelectionWindowDays), and names for
the restored resource that cannot collide with the source."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from fnmatch import fnmatchcase

from lambdas.domain.recovery_points import RecoveryPoint, RecoveryPointStatus
from lambdas.domain.restore_testing.plans import PointSelection, SelectionAlgorithm


def vault_matches(patterns: Iterable[str], vault_arn: str, vault_name: str) -> bool:
    """A pattern is "*", a vault ARN, or an ARN with wildcards ("...:backup-vault:prod-*"); a bare name is taken
    as the vault's name (AWS asks for ARNs; a name is what a user means by it)."""
    for pattern in patterns:
        target = vault_arn if pattern.startswith("arn:") else vault_name
        if pattern == "*" or fnmatchcase(target, pattern):
            return True
    return False


def eligible(point: RecoveryPoint, selection: PointSelection, now: datetime) -> bool:
    return (
        point.Status == RecoveryPointStatus.COMPLETED
        and point.CreationDate >= now - timedelta(days=selection.SelectionWindowDays)
        and point.CreationDate <= now
        and vault_matches(selection.IncludeVaults, point.BackupVaultArn, point.BackupVaultName)
        and not vault_matches(selection.ExcludeVaults, point.BackupVaultArn, point.BackupVaultName)
    )


def pick_point(
    points: Iterable[RecoveryPoint], selection: PointSelection, now: datetime, rng: random.Random
) -> RecoveryPoint | None:
    """The point a run restores for one resource, or None when none is eligible. Points are ordered first so a
    seeded random choice is the same choice however the store listed them."""
    candidates = sorted(
        (p for p in points if eligible(p, selection, now)), key=lambda p: (p.CreationDate, p.RecoveryPointArn)
    )
    if not candidates:
        return None
    if selection.Algorithm == SelectionAlgorithm.LATEST_WITHIN_WINDOW:
        return candidates[-1]
    return rng.choice(candidates)


def restored_name(source_name: str, run_id: str, max_length: int, allowed: str = r"[^a-zA-Z0-9-]") -> str:
    """The restored resource's name: the source's with a suffix of the run's id, shortened to fit, so it never
    equals the source's nor another run's. `allowed`: the characters the service refuses, as a regex class."""
    suffix = f"-rt-{run_id.lower()[:12]}"
    cleaned = re.sub(allowed, "-", source_name).strip("-") or "restored"
    return cleaned[: max_length - len(suffix)].rstrip("-") + suffix
