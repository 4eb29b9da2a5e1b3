"""A fake of boto3's `backup` client holding what a few AWS Backup answers would hold: the CLI's logic is tested
on it without any endpoint. Listings page one item at a time, so every caller must follow NextToken."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError


def _error(code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "Operation")


def _paged(key: str, items: list[dict[str, Any]], request: dict[str, Any]) -> dict[str, Any]:
    start = int(request.get("NextToken") or 0)
    page: dict[str, Any] = {key: items[start : start + 1]}
    if start + 1 < len(items):
        page["NextToken"] = str(start + 1)
    return page


@dataclass
class FakeBackup:
    protected: list[dict[str, Any]] = field(default_factory=list)
    vaults: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # name -> recovery points
    plans: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> BackupPlan document
    selections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # plan id -> BackupSelection docs
    backup_jobs: list[dict[str, Any]] = field(default_factory=list)
    copy_jobs: list[dict[str, Any]] = field(default_factory=list)
    restore_jobs: list[dict[str, Any]] = field(default_factory=list)
    restore_metadata: dict[str, dict[str, str]] = field(default_factory=dict)
    restore_progress: list[dict[str, Any]] = field(default_factory=list)  # what DescribeRestoreJob says, in turn
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def _call(self, name: str, request: dict[str, Any]) -> None:
        self.calls.append((name, dict(request)))

    def list_protected_resources(self, **request: Any) -> dict[str, Any]:
        self._call("ListProtectedResources", request)
        return _paged("Results", self.protected, request)

    def list_backup_vaults(self, **request: Any) -> dict[str, Any]:
        self._call("ListBackupVaults", request)
        return _paged("BackupVaultList", [{"BackupVaultName": name} for name in self.vaults], request)

    def list_recovery_points_by_backup_vault(self, **request: Any) -> dict[str, Any]:
        self._call("ListRecoveryPointsByBackupVault", request)
        return _paged("RecoveryPoints", self.vaults[request["BackupVaultName"]], request)

    def describe_recovery_point(self, **request: Any) -> dict[str, Any]:
        self._call("DescribeRecoveryPoint", request)
        for point in self.vaults.get(request["BackupVaultName"], []):
            if point["RecoveryPointArn"] == request["RecoveryPointArn"]:
                return dict(point)
        raise _error("ResourceNotFoundException", "Recovery point not found")

    def get_recovery_point_restore_metadata(self, **request: Any) -> dict[str, Any]:
        self._call("GetRecoveryPointRestoreMetadata", request)
        return {"RestoreMetadata": dict(self.restore_metadata[request["RecoveryPointArn"]])}

    def start_restore_job(self, **request: Any) -> dict[str, Any]:
        self._call("StartRestoreJob", request)
        return {"RestoreJobId": "restore-1"}

    def describe_restore_job(self, **request: Any) -> dict[str, Any]:
        self._call("DescribeRestoreJob", request)
        if len(self.restore_progress) > 1:
            return self.restore_progress.pop(0)
        return self.restore_progress[0]

    def list_backup_plans(self, **request: Any) -> dict[str, Any]:
        self._call("ListBackupPlans", request)
        listed = [
            {"BackupPlanId": plan_id, "BackupPlanName": doc["BackupPlanName"]} for plan_id, doc in self.plans.items()
        ]
        return _paged("BackupPlansList", listed, request)

    def get_backup_plan(self, **request: Any) -> dict[str, Any]:
        self._call("GetBackupPlan", request)
        return {"BackupPlanId": request["BackupPlanId"], "BackupPlan": self.plans[request["BackupPlanId"]]}

    def list_backup_selections(self, **request: Any) -> dict[str, Any]:
        self._call("ListBackupSelections", request)
        listed = [{"SelectionId": str(n)} for n, _ in enumerate(self.selections.get(request["BackupPlanId"], []))]
        return _paged("BackupSelectionsList", listed, request)

    def get_backup_selection(self, **request: Any) -> dict[str, Any]:
        self._call("GetBackupSelection", request)
        return {"BackupSelection": self.selections[request["BackupPlanId"]][int(request["SelectionId"])]}

    def _jobs(self, name: str, key: str, jobs: list[dict[str, Any]], state_key: str, request: dict[str, Any]) -> Any:
        self._call(name, request)
        after: datetime | None = request.get("ByCreatedAfter")
        state = request.get("ByState") or request.get("ByStatus")
        found = [
            job
            for job in jobs
            if (after is None or job["CreationDate"] > after)
            and (state is None or job[state_key] == state)
            and (request.get("ByBackupVaultName") in (None, job.get("BackupVaultName")))
        ]
        return _paged(key, found, request)

    def list_backup_jobs(self, **request: Any) -> dict[str, Any]:
        return self._jobs("ListBackupJobs", "BackupJobs", self.backup_jobs, "State", request)

    def list_copy_jobs(self, **request: Any) -> dict[str, Any]:
        return self._jobs("ListCopyJobs", "CopyJobs", self.copy_jobs, "State", request)

    def list_restore_jobs(self, **request: Any) -> dict[str, Any]:
        return self._jobs("ListRestoreJobs", "RestoreJobs", self.restore_jobs, "Status", request)
