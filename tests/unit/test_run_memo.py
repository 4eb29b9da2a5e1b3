"""What a batch call saw is passed, not hidden (lambdas/resources/base.py, RunMemo): the services create one memo
per run and hand it to the batch call and to the calls that follow it for the same jobs, and an adapter keeps each
batch's answers apart from every other adapter's in it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta

from lambdas.resources.base import BatchMemo, NativeBackup, Progress, ResourceInfo, RunMemo, StartCapacity, memo_in
from lambdas.resources.registry import AdapterRegistry
from lambdas.services import plan_service, scheduled_backups, vault_service
from lambdas.services.tracking_service import track_jobs
from tests.fakes import T0, FakeEbs, FakeResolver, World, select_by_tag


def test_given_two_adapters_in_one_run_then_each_batch_is_kept_apart_and_handed_out_once() -> None:
    run, ebs, rds = RunMemo(), object(), object()
    memo_in(run, ebs, "snapshots").remember(lambda: {"snap-1": {"SnapshotId": "snap-1"}})

    assert memo_in(run, rds, "snapshots").take("snap-1") is None  # another adapter's batch is not its own
    assert memo_in(run, ebs, "volumes").take("snap-1") is None  # nor another batch of the same adapter
    assert memo_in(run, ebs, "snapshots").take("snap-1") == {"SnapshotId": "snap-1"}
    assert memo_in(run, ebs, "snapshots").take("snap-1") is None  # once


def test_given_no_run_then_nothing_is_remembered_from_one_call_to_the_next() -> None:
    adapter = object()
    memo_in(None, adapter, "snapshots").remember(lambda: {"snap-1": {}})

    assert memo_in(None, adapter, "snapshots").take("snap-1") is None
    assert isinstance(memo_in(None, adapter, "snapshots"), BatchMemo)


@dataclass
class MemoEbs(FakeEbs):
    """EBS whose batch calls and the calls that follow them say which run's memo they were given."""

    given: list[tuple[str, RunMemo | None]] = field(default_factory=list)

    def backup_statuses(self, native_ids: list[str], *, memo: RunMemo | None = None) -> dict[str, Progress]:
        self.given.append(("backup_statuses", memo))
        return {native_id: self.backup_status(native_id) for native_id in native_ids}

    def describe_many(self, resource_arns: list[str], *, memo: RunMemo | None = None) -> dict[str, ResourceInfo]:
        self.given.append(("describe_many", memo))
        return {arn: self.describe(arn) for arn in resource_arns}

    def restore_metadata(
        self, native_id: str, source: ResourceInfo | None, *, memo: RunMemo | None = None
    ) -> dict[str, str]:
        self.given.append(("restore_metadata", memo))
        return super().restore_metadata(native_id, source, memo=memo)

    def start_capacity(self, resource_arns: list[str], *, memo: RunMemo | None = None) -> StartCapacity:
        self.given.append(("start_capacity", memo))
        return StartCapacity(busy={})

    def start_backup(
        self, resource_arn: str, job_id: str, tags: dict[str, str], *, memo: RunMemo | None = None
    ) -> NativeBackup:
        self.given.append(("start_backup", memo))
        return super().start_backup(resource_arn, job_id, tags, memo=memo)


def _protected(world: World, volumes: int) -> tuple[World, MemoEbs, str, str]:
    ebs = MemoEbs(complete_at_once=False)
    world = replace(world, ebs=ebs, ctx=replace(world.ctx, adapters=AdapterRegistry([ebs]), resolver=FakeResolver(ebs)))
    for n in range(volumes):
        ebs.add_volume(n, backup="daily")
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    rule = {"RuleName": "r", "TargetBackupVaultName": "main", "ScheduleExpression": "cron(0 5 * * ? *)"}
    plan = plan_service.create_plan(world.ctx, {"BackupPlan": {"BackupPlanName": "daily", "Rules": [rule]}}, T0)
    select_by_tag(world, plan)
    return world, ebs, plan.BackupPlanId, plan.Rules[0].RuleId


def _memos(ebs: MemoEbs, *calls: str) -> set[int]:
    return {id(memo) for call, memo in ebs.given if call in calls}


def test_given_a_batch_of_starts_then_the_capacity_call_and_each_start_share_the_batchs_memo(world: World) -> None:
    world, ebs, plan_id, rule_id = _protected(world, 3)

    scheduled_backups.start_backups(world.ctx, plan_id, rule_id, T0, T0)

    starts = [memo for call, memo in ebs.given if call == "start_backup"]
    assert len(starts) == 3 and None not in starts
    assert _memos(ebs, "start_capacity", "start_backup") == {id(starts[0])}


def test_given_a_page_of_completed_backups_then_status_sources_and_metadata_share_the_pages_memo(
    world: World,
) -> None:
    world, ebs, plan_id, rule_id = _protected(world, 3)
    scheduled_backups.start_backups(world.ctx, plan_id, rule_id, T0, T0)
    for snapshot in ebs.snapshots.values():
        snapshot["state"] = "completed"
    ebs.given.clear()

    # When the tracker records the page
    track_jobs(world.ctx, T0 + timedelta(minutes=10))

    # Then the status call, the sources' description and every restore metadata were given one memo, the page's
    tracked = [memo for call, memo in ebs.given if call in ("backup_statuses", "describe_many", "restore_metadata")]
    assert len(tracked) == 5 and None not in tracked
    assert _memos(ebs, "backup_statuses", "describe_many", "restore_metadata") == {id(tracked[0])}
    # and not the memo of the starts before it: nothing one run saw reaches another
    assert id(tracked[0]) not in _memos(ebs, "start_capacity", "start_backup")
