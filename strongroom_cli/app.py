"""The `strongroom` command: status, jobs, restore, plans. Every read and every action is a call of boto3's
`backup` client, the API any AWS Backup client uses (docs/cli.md)."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console
from rich.live import Live
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from strongroom_cli import gather, overview, restoring, schedules, views
from strongroom_cli.connection import backup_client, current_time, every

app = typer.Typer(help="Strongroom for people: what is protected, what ran, restores and plans.", no_args_is_help=True)
console = Console()
_DURATION = re.compile(r"^(\d+)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
ATTENTION_WINDOW = timedelta(days=7)


@dataclass
class Connection:
    """How commands reach the API: a client made on first use, and the time answers are read against."""

    make_client: Any
    now_option: datetime | None = None
    endpoint_url: str | None = None
    _client: Any = field(default=None, init=False)

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self.make_client()
        return self._client

    def now(self) -> datetime:
        return current_time(self.now_option, self.endpoint_url)


class JobType(StrEnum):
    backup = "backup"
    restore = "restore"
    copy = "copy"


def _api_errors(command: Callable[..., None]) -> Callable[..., None]:
    """AWS Backup's error, said in one line (exit 1); the endpoint unreachable or no credentials (exit 2)."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except ClientError as error:
            detail = error.response.get("Error", {})
            console.print(f"[bold red]{detail.get('Code')}[/]: {detail.get('Message')}")
            raise typer.Exit(1) from None
        except BotoCoreError as error:
            console.print(f"[bold red]{type(error).__name__}[/]: {error}")
            raise typer.Exit(2) from None

    return run


@app.callback()
def _options(
    ctx: typer.Context,
    endpoint_url: Annotated[
        str | None, typer.Option(envvar="AWS_ENDPOINT_URL", help="The local runtime, or a deployed stack's API")
    ] = None,
    region: Annotated[str | None, typer.Option(envvar="AWS_REGION")] = None,
    profile: Annotated[str | None, typer.Option(envvar="AWS_PROFILE")] = None,
    now: Annotated[
        datetime | None, typer.Option(help="Read ages against this time (default: the local runtime's clock, or now)")
    ] = None,
) -> None:
    if isinstance(ctx.obj, Connection):  # made by the caller (tests)
        return
    ctx.obj = Connection(lambda: backup_client(endpoint_url, region, profile), now, endpoint_url)


def _connection(ctx: typer.Context) -> Connection:
    assert isinstance(ctx.obj, Connection)
    return ctx.obj


def _since(text: str, now: datetime) -> datetime:
    """`90m`, `24h`, `7d`, or an ISO 8601 time."""
    match = _DURATION.match(text.strip())
    if match:
        return now - timedelta(**{_UNITS[match[2]]: int(match[1])})
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r}: expected 90m, 24h, 7d or an ISO 8601 time", param_hint="--since") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@app.command()
@_api_errors
def status(
    ctx: typer.Context,
    estate: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="The account's resources (`aws resourcegroupstaggingapi "
            "get-resources` JSON, or one ARN a line): shows what no plan covers",
        ),
    ] = None,
) -> None:
    """The overview: protected resources, the last 24 hours' jobs, RPO per resource, storage, failures."""
    connection = _connection(ctx)
    client = connection.client
    with console.status("Reading protected resources, plans, recovery points and jobs..."):
        now = connection.now()
        known = gather.estate(estate) if estate else None
        protected = list(every(client, "list_protected_resources", "Results"))
        plans = gather.plans(client)
        points = gather.recovery_points(client)
        recent = gather.jobs(client, since=now - ATTENTION_WINDOW)
    tags = {resource.arn: resource.tags for resource in known or []}
    by_vault, counts = overview.storage(points)
    view = overview.Overview(
        now=now,
        protected=protected,
        jobs_by_state=overview.jobs_by_state(recent, now - timedelta(hours=24)),
        rpo=overview.rpo(protected, points, plans, tags, now),
        storage=by_vault,
        points=counts,
        attention=overview.needing_attention(recent),
        uncovered=overview.uncovered(known, plans) if known is not None else None,
    )
    console.print(f"Strongroom at {views.when(now)}")
    console.print(views.protected(view))
    if view.uncovered is not None and known is not None:
        console.print(views.uncovered(view.uncovered, len(known)))
    console.print(views.jobs_by_state(view.jobs_by_state, now - timedelta(hours=24)))
    console.print(views.rpo(view.rpo))
    console.print(views.storage(view))
    console.print(views.attention(view.attention))
    if view.rpo_missed:
        console.print(f"[bold red]{view.rpo_missed} resource(s) miss their recovery point objective[/]")


@app.command()
@_api_errors
def jobs(
    ctx: typer.Context,
    state: Annotated[str | None, typer.Option(help="COMPLETED, FAILED, RUNNING... (AWS Backup's states)")] = None,
    job_type: Annotated[JobType | None, typer.Option("--type", help="Only this kind of job")] = None,
    vault: Annotated[str | None, typer.Option(help="Backup jobs of this vault, copy jobs from or to it")] = None,
    since: Annotated[str, typer.Option(help="Created since: 90m, 24h, 7d or an ISO 8601 time")] = "24h",
    watch: Annotated[bool, typer.Option(help="Refresh the table until Ctrl-C")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between refreshes with --watch")] = 2.0,
    refreshes: Annotated[int, typer.Option(hidden=True, help="Stop --watch after this many refreshes")] = 0,
) -> None:
    """Backup, copy and restore jobs, with AWS Backup's filters; --watch follows them live."""
    if vault is not None and job_type is JobType.restore:
        raise typer.BadParameter("restore jobs belong to no vault in AWS Backup's API", param_hint="--vault")
    kinds: tuple[str, ...] = (job_type.value,) if job_type else gather.JOB_KINDS
    if vault is not None:
        kinds = tuple(kind for kind in kinds if kind != "restore")
    connection = _connection(ctx)

    def table() -> Table:
        now = connection.now()
        listed = gather.jobs(connection.client, kinds, _since(since, now), state.upper() if state else None, vault)
        return views.jobs(listed, f"{', '.join(kinds)} jobs since {views.when(_since(since, now))}")

    if not watch:
        console.print(table())
        return
    done = 0
    with Live(table(), console=console, refresh_per_second=4) as live:
        try:
            while not refreshes or done < refreshes:
                time.sleep(interval)
                live.update(table())
                done += 1
        except KeyboardInterrupt:
            pass


@app.command()
@_api_errors
def restore(
    ctx: typer.Context,
    recovery_point_arn: Annotated[str, typer.Argument(help="The recovery point to restore")],
    metadata: Annotated[
        list[str] | None, typer.Option("--metadata", "-m", help="KEY=VALUE over the point's restore metadata")
    ] = None,
    vault: Annotated[
        str | None, typer.Option(help="The point's vault (found by reading the vaults if not given)")
    ] = None,
    iam_role_arn: Annotated[
        str | None, typer.Option(help="The restore role (default: the point's backup role)")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to follow the job")] = 3600.0,
    interval: Annotated[float, typer.Option(help="Seconds between looks at the job")] = 2.0,
) -> None:
    """Restore a recovery point with its restore metadata (and your overrides), and follow the job to its end."""
    client = _connection(ctx).client
    try:
        changes = restoring.overrides(metadata or [])
        with console.status("Reading the recovery point and its restore metadata..."):
            plan = restoring.prepare(client, recovery_point_arn, vault, iam_role_arn, changes)
    except restoring.RestoreError as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(2) from None
    shown = Table(title=f"Restoring a {plan.resource_type} point from vault {plan.vault}")
    shown.add_column("Metadata")
    shown.add_column("Value")
    for key, value in sorted(plan.metadata.items()):
        shown.add_row(key, value + (" (yours)" if key in changes else ""))
    console.print(shown)
    job_id = restoring.start(client, recovery_point_arn, plan)
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console,
    )
    with progress:
        task = progress.add_task(f"restore job {job_id}: PENDING", total=100)

        def show(job: dict[str, Any]) -> None:
            done = 100.0 if job.get("Status") == "COMPLETED" else float(job.get("PercentDone") or 0)
            progress.update(task, completed=done, description=f"restore job {job_id}: {job.get('Status')}")

        job = restoring.follow(client, job_id, show, timeout, interval)
    final = str(job.get("Status"))
    if final == "COMPLETED":
        console.print(f"[green]COMPLETED[/]: {job.get('CreatedResourceArn', '')}")
        return
    if final in restoring.FINAL:
        console.print(f"[bold red]{final}[/]: {job.get('StatusMessage', '')}")
        raise typer.Exit(1)
    console.print(
        f"[yellow]still {final} after {timeout:g} s[/]: follow it with `strongroom jobs --type restore --watch`"
    )
    raise typer.Exit(3)


@app.command()
@_api_errors
def plans(
    ctx: typer.Context, runs: Annotated[int, typer.Option(help="How many next runs to show per rule")] = 3
) -> None:
    """Each plan's rules: schedule in words, next runs, lifecycle, copies."""
    connection = _connection(ctx)
    with console.status("Reading the plans..."):
        now = connection.now()
        documents = gather.plan_documents(connection.client)
    if not documents:
        console.print("No backup plans.")
    for document in documents:
        plan = document["BackupPlan"]
        table = Table(title=f"Plan {plan.get('BackupPlanName')} ({document.get('BackupPlanId')})")
        for column in ("Rule", "Vault", "Schedule", "In words", "Next runs", "Lifecycle", "Copies to"):
            table.add_column(column)
        for rule in plan.get("Rules", []):
            expression = str(rule.get("ScheduleExpression", ""))
            zone = rule.get("ScheduleExpressionTimezone")
            try:
                upcoming = (
                    [views.when(run) for run in schedules.next_runs(expression, zone, now, runs)] if expression else []
                )
            except ValueError as error:
                upcoming = [f"invalid: {error}"]
            table.add_row(
                str(rule.get("RuleName")),
                str(rule.get("TargetBackupVaultName")),
                expression or "on demand",
                schedules.in_words(expression, zone) if expression else "-",
                "\n".join(upcoming) or "-",
                _lifecycle(rule.get("Lifecycle") or {}),
                "\n".join(str(copy["DestinationBackupVaultArn"]) for copy in rule.get("CopyActions", [])) or "-",
            )
        console.print(table)


def _lifecycle(lifecycle: dict[str, Any]) -> str:
    parts = []
    if lifecycle.get("MoveToColdStorageAfterDays"):
        parts.append(f"cold after {lifecycle['MoveToColdStorageAfterDays']} d")
    if lifecycle.get("DeleteAfterDays"):
        parts.append(f"deleted after {lifecycle['DeleteAfterDays']} d")
    return ", ".join(parts) or "kept"


def main() -> None:
    app()
