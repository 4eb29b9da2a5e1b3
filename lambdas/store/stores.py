"""All stores over one table: what services receive."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from lambdas.domain.jobs import BackupJob
from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.store.audit_store import AuditStore
from lambdas.store.codec import sortable
from lambdas.store.job_store import JobStore, backup_job_item
from lambdas.store.leftover_store import LeftoverStore
from lambdas.store.legal_hold_store import LegalHoldStore
from lambdas.store.lifecycle_work import LifecycleWork, announced
from lambdas.store.plan_store import PlanStore
from lambdas.store.protected_store import ProtectedResourceStore, protected_item
from lambdas.store.recovery_point_store import RecoveryPointStore, counted, recovery_point_item
from lambdas.store.restore_testing_store import RestoreTestingStore
from lambdas.store.restore_time_store import RestoreTimeStore
from lambdas.store.running_backup_store import RunningBackupStore, claim, release
from lambdas.store.settings_store import SettingsStore
from lambdas.store.table import MAX_TRANSACTION, Add, ConditionFailed, Put, Table, Write
from lambdas.store.vault_store import VaultStore

COMPLETION_WRITES = 4  # per finished backup: point, protected resource, job, claim released; + 1 per vault


@dataclass(frozen=True)
class Stores:
    vaults: VaultStore
    plans: PlanStore
    jobs: JobStore
    recovery_points: RecoveryPointStore
    protected: ProtectedResourceStore
    settings: SettingsStore
    legal_holds: LegalHoldStore
    running: RunningBackupStore
    leftovers: LeftoverStore
    # The table itself, for the writes that span several stores in one transaction.
    table: Table | None = None

    @property
    def audit(self) -> AuditStore:
        """Audit Manager's frameworks, report plans and jobs, and compliance results, on the same table."""
        if self.table is None:
            raise RuntimeError("the audit store needs the table")
        return AuditStore(self.table)

    @property
    def lifecycle_work(self) -> LifecycleWork:
        """Whether the hourly Lifecycle run may have work (lambdas/store/lifecycle_work.py)."""
        if self.table is None:
            raise RuntimeError("the lifecycle marker needs the table")
        return LifecycleWork(self.table)

    @property
    def restore_testing(self) -> RestoreTestingStore:
        """Restore testing plans and selections, on the same table."""
        if self.table is None:
            raise RuntimeError("the restore testing store needs the table")
        return RestoreTestingStore(self.table)

    @property
    def restore_times(self) -> RestoreTimeStore:
        """The recovery time summary of each resource type, on the same table."""
        if self.table is None:
            raise RuntimeError("the restore time store needs the table")
        return RestoreTimeStore(self.table)

    def start_backups(
        self, jobs: list[BackupJob], expected_state: str, now: datetime, stale: Mapping[str, str] | None = None
    ) -> bool:
        """Jobs saved RUNNING together with their claims on their resources (running_backup_store), in one
        transaction: all of them, or none (False) when a job moved meanwhile or another job's backup of one of
        the resources is still running. Then the caller saves them one by one, to learn which. stale: resource
        ARN -> the job whose claim is left over (that job has ended), taken over instead of waited for."""
        if self.table is None or not jobs or 2 * len(jobs) > MAX_TRANSACTION:
            return False
        stale = stale or {}
        puts = [Put(backup_job_item(job), expect={"State": expected_state}) for job in jobs]
        claims = [claim(job, now, replacing=stale.get(job.ResourceArn)) for job in jobs]
        return self._transact([*puts, *claims])

    def complete_backups(self, done: list[tuple[RecoveryPoint, BackupJob]], expected_state: str, now: datetime) -> bool:
        """Finished backups in one transaction: for each, its recovery point (if not recorded yet), its protected
        resource (if this point is the newest), the job's new state (if the job is still in `expected_state`)
        and its claim on the resource released. False, with nothing written, when any of them does not hold."""
        vaults = {point.BackupVaultName for point, _ in done}
        if self.table is None or not done or COMPLETION_WRITES * len(done) + len(vaults) + 1 > MAX_TRANSACTION:
            return False
        puts: list[Write] = []
        for point, job in done:
            puts += [
                Put(recovery_point_item(point), if_absent=True),
                Put(protected_item(point), newer=("LastBackupAt", sortable(point.CreationDate))),
                Put(backup_job_item(job), expect={"State": expected_state}),
                *([release(job)] if job.HoldsClaim else []),
            ]
        for vault in sorted(vaults):  # one counter write per vault (a transaction writes an item once)
            adds = [counted(point, +1) for point, _ in done if point.BackupVaultName == vault]
            puts.append(Add(adds[0].pk, adds[0].sk, {k: sum(a.amounts[k] for a in adds) for k in adds[0].amounts}))
        puts.append(announced())  # new points: Lifecycle's marker hears of them (lambdas/store/lifecycle_work.py)
        return self._transact(puts)

    def _transact(self, puts: list[Write]) -> bool:
        assert self.table is not None
        try:
            self.table.transact(puts)
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
            RunningBackupStore(table),
            LeftoverStore(table),
            table,
        )
