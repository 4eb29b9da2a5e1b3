"""Cost of one compliance evaluation at scale: a framework with every control over N resources (default 10,000),
half of them selected by a daily plan into a locked vault, each selected one with a recovery point, on the
in-memory table behind a counter, fake EBS listing the resources and a fake tagging resolver.

It prints, per resource evaluated: table calls (queries, gets, writes) and the DynamoDB capacity they would use
(read units: 4 KB per eventually consistent query page counted as AWS does, half a unit each; write units: 1 per
KB written, per item), the adapter's listing calls, the resolver passes, and the wall time with the machine's
load. A second evaluation with nothing changed shows the steady state: results are written only on change.

Run: `.venv/bin/python -m benchmarks.audit [--resources 10000]`. Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from lambdas.domain.recovery_points import RecoveryPoint
from lambdas.domain.vaults import LockConfiguration
from lambdas.services import audit_frameworks, plan_service, vault_service
from lambdas.services.audit_compliance import evaluate_frameworks
from lambdas.store.memory_table import MemoryTable
from lambdas.store.table import Item, Page, Query
from tests.fakes import T0, make_world, select_by_tag

CONTROLS = [
    "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
    "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
    "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK",
    "BACKUP_RECOVERY_POINT_ENCRYPTED",
    "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED",
    "BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION",
    "BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT",
    "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK",
    "BACKUP_LAST_RECOVERY_POINT_CREATED",
    "RESTORE_TIME_FOR_RESOURCES_MEET_TARGET",
]


@dataclass
class Counts:
    queries: int = 0
    gets: int = 0
    write_items: int = 0
    read_units: float = 0.0
    write_units: int = 0
    listings: int = 0
    resolves: int = 0
    seen: dict[str, int] = field(default_factory=dict)


def _size(item: Item) -> int:
    return sum(len(str(k)) + len(str(v)) for k, v in item.items())


class CountingTable(MemoryTable):
    def __init__(self, counts: Counts) -> None:
        super().__init__()
        self.counts = counts
        self.counting = False

    def query(self, query: Query) -> Page:
        page = super().query(query)
        if self.counting:
            self.counts.queries += 1
            # DynamoDB pages at 1 MB; each 4 KB read is half a unit when eventually consistent.
            self.counts.read_units += max(0.5, math.ceil(sum(map(_size, page.items)) / 4096) * 0.5)
        return page

    def get(self, pk: str, sk: str) -> Item | None:
        if self.counting:
            self.counts.gets += 1
            self.counts.read_units += 0.5
        return super().get(pk, sk)

    def _wrote(self, items: list[Item]) -> None:
        if self.counting:
            self.counts.write_items += len(items)
            self.counts.write_units += sum(math.ceil(_size(item) / 1024) for item in items)

    def put(self, item: Item, **conditions: Any) -> None:
        self._wrote([item])
        super().put(item, **conditions)

    # MemoryTable.put_many writes through put: counted there, once per item.


def build(resources: int) -> tuple[Any, CountingTable, Counts]:
    counts = Counts()
    world = make_world()
    table = CountingTable(counts)
    from lambdas.store.stores import Stores

    ctx = world.ctx.__class__(**{**world.ctx.__dict__, "stores": Stores.over(table)})
    vault_service.create_vault(ctx, {"BackupVaultName": "main"}, T0)
    locked = ctx.stores.vaults.get("main").model_copy(update={"Lock": LockConfiguration(MinRetentionDays=7)})
    ctx.stores.vaults.save(locked)
    rule = {"RuleName": "daily", "TargetBackupVaultName": "main", "Lifecycle": {"DeleteAfterDays": 35}}
    plan = plan_service.create_plan(ctx, {"BackupPlan": {"BackupPlanName": "daily", "Rules": [rule]}}, T0)
    world.ctx = ctx
    select_by_tag(world, plan)
    for n in range(resources):
        arn = world.ebs.add_volume(n, **({"backup": "daily"} if n % 2 == 0 else {}))
        if n % 2 == 0:
            ctx.stores.recovery_points.create(
                RecoveryPoint(
                    RecoveryPointArn=f"arn:aws:ec2:us-east-1::snapshot/snap-{n:08d}",
                    BackupVaultName="main",
                    BackupVaultArn="arn:aws:backup:us-east-1:123456789012:backup-vault:main",
                    ResourceArn=arn,
                    ResourceType="EBS",
                    CreationDate=T0,
                    NativeBackupId=f"snap-{n:08d}",
                    IsEncrypted=True,
                )
            )
    listing = world.ebs.list_resources
    resolve = world.ctx.resolver.stream

    def counted_listing() -> Any:
        counts.listings += 1
        return listing()

    def counted_resolve(*args: Any, **kwargs: Any) -> Any:
        counts.resolves += 1
        return resolve(*args, **kwargs)

    world.ebs.list_resources = counted_listing  # type: ignore[method-assign]
    world.ctx.resolver.stream = counted_resolve  # type: ignore[method-assign]
    controls = [{"ControlName": name} for name in CONTROLS]
    audit_frameworks.create(ctx, {"FrameworkName": "everything", "FrameworkControls": controls}, T0)
    return ctx, table, counts


def run(ctx: Any, table: CountingTable, counts: Counts, label: str, resources: int, hours: int) -> None:
    for name in list(vars(counts)):
        setattr(counts, name, {} if name == "seen" else 0)
    table.counting = True
    load = os.getloadavg()
    started = time.perf_counter()
    evaluation = evaluate_frameworks(ctx, T0 + timedelta(hours=hours))
    elapsed = time.perf_counter() - started
    table.counting = False
    per = 1 / resources
    print(f"{label}: {evaluation.evaluated} verdicts over {resources} resources, {evaluation.changes} changes")
    print(
        f"  per resource: {counts.queries * per:.3f} queries, {counts.gets * per:.4f} gets, "
        f"{counts.write_items * per:.3f} items written; {counts.read_units * per:.3f} RCU, "
        f"{counts.write_units * per:.3f} WCU"
    )
    print(f"  whole run: {counts.listings} adapter listings, {counts.resolves} resolver passes, {elapsed:.1f} s")
    print(f"  load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resources", type=int, default=10_000)
    args = parser.parse_args()
    ctx, table, counts = build(args.resources)
    print(f"AuditEvaluate benchmark: {len(CONTROLS)} controls, {args.resources} resources (half protected)")
    run(ctx, table, counts, "first evaluation", args.resources, 1)
    run(ctx, table, counts, "unchanged, an hour later", args.resources, 2)


if __name__ == "__main__":
    main()
