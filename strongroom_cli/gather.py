"""What each command reads through the Backup API, and the estate file `status --estate` takes."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from lambdas.domain.selections import BackupSelectionInput, Resource
from strongroom_cli.connection import every
from strongroom_cli.overview import Plan, Rule

JOB_KINDS = ("backup", "copy", "restore")
_LISTINGS = {
    "backup": ("list_backup_jobs", "BackupJobs", "ByState"),
    "copy": ("list_copy_jobs", "CopyJobs", "ByState"),
    "restore": ("list_restore_jobs", "RestoreJobs", "ByStatus"),
}


def plans(client: Any) -> list[Plan]:
    """Every plan's rules and its selections' documents (GetBackupPlan, GetBackupSelection)."""
    found = []
    for listed in every(client, "list_backup_plans", "BackupPlansList"):
        plan_id = listed["BackupPlanId"]
        document = client.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]
        name = str(document.get("BackupPlanName", listed.get("BackupPlanName", plan_id)))
        selections = tuple(
            BackupSelectionInput.model_validate(
                client.get_backup_selection(BackupPlanId=plan_id, SelectionId=selection["SelectionId"])[
                    "BackupSelection"
                ]
            )
            for selection in every(client, "list_backup_selections", "BackupSelectionsList", BackupPlanId=plan_id)
        )
        rules = tuple(Rule.of(plan_id, name, rule) for rule in document.get("Rules", []))
        found.append(Plan(plan_id, name, rules, selections))
    return found


def plan_documents(client: Any) -> list[dict[str, Any]]:
    """Each plan as GetBackupPlan answers it, for `plans`."""
    return [
        client.get_backup_plan(BackupPlanId=listed["BackupPlanId"])
        for listed in every(client, "list_backup_plans", "BackupPlansList")
    ]


def recovery_points(client: Any) -> list[dict[str, Any]]:
    """Every recovery point of every vault, each carrying its vault's name."""
    points = []
    for vault in every(client, "list_backup_vaults", "BackupVaultList"):
        name = vault["BackupVaultName"]
        for point in every(client, "list_recovery_points_by_backup_vault", "RecoveryPoints", BackupVaultName=name):
            points.append({"BackupVaultName": name, **point})
    return points


def jobs(
    client: Any,
    kinds: tuple[str, ...] = JOB_KINDS,
    since: datetime | None = None,
    state: str | None = None,
    vault: str | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Each kind's jobs with AWS Backup's own filters: created after `since`, in `state`, of a vault (backup jobs
    by ByBackupVaultName; copy jobs by source or destination vault, read from their ARNs)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for kind in kinds:
        operation, key, state_filter = _LISTINGS[kind]
        request: dict[str, Any] = {}
        if since is not None:
            request["ByCreatedAfter"] = since
        if state is not None:
            request[state_filter] = state
        if vault is not None and kind == "backup":
            request["ByBackupVaultName"] = vault
        listed = list(every(client, operation, key, **request))
        if vault is not None and kind == "copy":
            listed = [job for job in listed if vault in (_vault_name(job, "Source"), _vault_name(job, "Destination"))]
        found[kind] = listed
    return found


def _vault_name(job: dict[str, Any], side: str) -> str:
    return str(job.get(f"{side}BackupVaultArn", "")).rsplit(":", 1)[-1]


def estate(path: Path) -> list[Resource]:
    """The account's resources: the JSON `aws resourcegroupstaggingapi get-resources` prints (ARNs and tags),
    or plain text, one ARN a line."""
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("{"):
        mappings = json.loads(text).get("ResourceTagMappingList", [])
        return [
            Resource(arn=mapping["ResourceARN"], tags={tag["Key"]: tag["Value"] for tag in mapping.get("Tags", [])})
            for mapping in mappings
        ]
    return [Resource(arn=line.strip()) for line in text.splitlines() if line.strip() and not line.startswith("#")]
