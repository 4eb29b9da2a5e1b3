"""All stores over one table: what services receive."""

from __future__ import annotations

from dataclasses import dataclass

from lambdas.domain.jobs import BackupJob
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.store.codec import sortable
from lambdas.store.job_store import JobStore, backup_job_item
from lambdas.store.legal_hold_store import LegalHoldStore
from lambdas.store.plan_store import PlanStore
from lambdas.store.protected_store import ProtectedResourceStore, protected_item
from lambdas.store.recovery_point_store import RecoveryPointStore, recovery_point_item
from lambdas.store.settings_store import SettingsStore
from lambdas.store.table import ConditionFailed, Put, Table
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
    # The table itself, for the writes that span several stores in one transaction.
    table: Table | None = None

    def complete_backup(self, point: RecoveryPoint, job: BackupJob, expected_state: str) -> bool:
        """A finished backup in one transaction: its recovery point (if not recorded yet), its protected
        resource (if this point is the newest) and the job's new state (if the job is still in
        `expected_state`). False, with nothing written, when any of them does not hold."""
        if self.table is None:
            return False
        try:
            self.table.transact(
                [
                    Put(recovery_point_item(point), if_absent=True),
                    Put(protected_item(point), newer=("LastBackupAt", sortable(point.CreationDate))),
                    Put(backup_job_item(job), expect={"State": expected_state}),
                ]
            )
        except ConditionFailed:
            return False
        return True

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
            table,
        )
