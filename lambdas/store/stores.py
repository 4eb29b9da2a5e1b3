"""All stores over one table: what services receive."""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.store.job_store import JobStore
from lambdas.store.legal_hold_store import LegalHoldStore
from lambdas.store.plan_store import PlanStore
from lambdas.store.protected_store import ProtectedResourceStore
from lambdas.store.recovery_point_store import RecoveryPointStore
from lambdas.store.settings_store import SettingsStore
from lambdas.store.table import Table
from lambdas.store.vault_store import VaultStore


@dataclass(frozen=True)
class Stores:
    vaults: VaultStore
    plans: PlanStore
    jobs: JobStore
    recovery_points: RecoveryPointStore
    protected: ProtectedResourceStore
    settings: SettingsStore
    legal_holds: LegalHoldStore

    @classmethod
    def over(cls, table: Table) -> Stores:
        return cls(
            VaultStore(table),
            PlanStore(table),
            JobStore(table),
            RecoveryPointStore(table),
            ProtectedResourceStore(table),
            SettingsStore(table),
            LegalHoldStore(table),
        )
