"""Rich tables for people: ages, sizes and states written the way one reads them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from rich.table import Table
from rich.text import Text

from strongroom_cli.overview import Overview, Rpo

STATE_STYLES = {
    "COMPLETED": "green",
    "RUNNING": "cyan",
    "PENDING": "cyan",
    "CREATED": "cyan",
    "FAILED": "bold red",
    "ABORTED": "red",
    "EXPIRED": "red",
    "PARTIAL": "yellow",
    "met": "green",
    "missed": "bold red",
    "no plan": "yellow",
}


def styled(value: str) -> Text:
    return Text(value, style=STATE_STYLES.get(value, ""))


def age(delta: timedelta | None) -> str:
    if delta is None:
        return "-"
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _name(arn: str) -> str:
    return arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]


def protected(overview: Overview) -> Table:
    table = Table(title=f"Protected resources ({len(overview.protected)})")
    for column in ("Resource", "Type", "Last backup", "Vault"):
        table.add_column(column)
    for resource in overview.protected:
        table.add_row(
            str(resource.get("ResourceName") or resource["ResourceArn"]),
            str(resource.get("ResourceType", "")),
            when(resource.get("LastBackupTime")),
            _name(str(resource.get("LastBackupVaultArn", ""))),
        )
    return table


def uncovered(arns: Sequence[str], estate_size: int) -> Table:
    table = Table(title=f"Covered by no plan: {len(arns)} of {estate_size} resources in the estate")
    table.add_column("Resource")
    for arn in arns:
        table.add_row(Text(arn, style="yellow"))
    return table


def jobs_by_state(counts: Mapping[str, Mapping[str, int]], since: datetime) -> Table:
    states = sorted({state for by_state in counts.values() for state in by_state})
    table = Table(title=f"Jobs since {when(since)}")
    table.add_column("Kind")
    for state in states:
        table.add_column(styled(state), justify="right")
    table.add_column("Total", justify="right")
    for kind, by_state in counts.items():
        table.add_row(kind, *(str(by_state.get(state, 0)) for state in states), str(sum(by_state.values())))
    return table


def rpo(rows: Iterable[Rpo]) -> Table:
    table = Table(title="Recovery point objective: newest point against the plan's frequency")
    for column in ("Resource", "Type", "Newest point", "Age", "Rule", "Every", "RPO"):
        table.add_column(column)
    for row in rows:
        rule = row.rule
        table.add_row(
            row.resource_arn,
            row.resource_type,
            when(row.newest),
            age(row.age),
            rule.label if rule else "-",
            age(rule.every) if rule else "-",
            styled(row.verdict),
        )
    return table


def storage(overview: Overview) -> Table:
    classes = sorted({tier for tiers in overview.storage.values() for tier in tiers}) or ["WARM"]
    table = Table(title="Storage by vault")
    table.add_column("Vault")
    table.add_column("Points", justify="right")
    for tier in classes:
        table.add_column(tier, justify="right")
    table.add_column("Total", justify="right")
    for vault in sorted(overview.points):
        tiers: Mapping[str, int] = overview.storage.get(vault, {})
        table.add_row(
            vault,
            str(overview.points[vault]),
            *(size(tiers.get(tier, 0)) for tier in classes),
            size(sum(tiers.values())),
        )
    return table


def attention(failed: Sequence[Mapping[str, Any]]) -> Table:
    table = Table(title=f"Failed jobs needing attention ({len(failed)})")
    for column in ("Kind", "Job", "State", "Resource", "Created", "Message"):
        table.add_column(column)
    for job in failed:
        table.add_row(
            str(job["Kind"]),
            job_id(job),
            styled(str(job.get("State") or job.get("Status"))),
            str(job.get("ResourceArn") or job.get("RecoveryPointArn") or ""),
            when(job.get("CreationDate")),
            str(job.get("StatusMessage", "")),
        )
    return table


def job_id(job: Mapping[str, Any]) -> str:
    return str(job.get("BackupJobId") or job.get("CopyJobId") or job.get("RestoreJobId") or "")


def jobs(listed: Mapping[str, Sequence[Mapping[str, Any]]], title: str) -> Table:
    table = Table(title=title)
    for column in ("Kind", "Job", "State", "Type", "Resource", "Vault", "Created", "Done", "Message"):
        table.add_column(column)
    rows = sorted(
        ((kind, job) for kind, jobs_of_kind in listed.items() for job in jobs_of_kind),
        key=lambda pair: pair[1]["CreationDate"],
        reverse=True,
    )
    for kind, job in rows:
        state = str(job.get("State") or job.get("Status"))
        vault = job.get("BackupVaultName") or _name(str(job.get("SourceBackupVaultArn", ""))) or "-"
        done = when(job.get("CompletionDate")) if job.get("CompletionDate") else f"{job.get('PercentDone', '0')}%"
        table.add_row(
            kind,
            job_id(job),
            styled(state),
            str(job.get("ResourceType", "")),
            str(job.get("ResourceArn") or job.get("CreatedResourceArn") or job.get("RecoveryPointArn") or ""),
            str(vault),
            when(job.get("CreationDate")),
            done,
            str(job.get("StatusMessage", "")),
        )
    return table
