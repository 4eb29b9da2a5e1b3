"""A rule's firing fans out: the selection is resolved a page at a time and each page of at most 100 resources
goes to the queue as a batch, which a worker turns into jobs. No invocation holds the whole selection's work."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from lambdas.domain.jobs import BackupJobState
from lambdas.domain.plans import BackupPlan
from lambdas.domain.selections import BackupSelectionInput, Resource
from lambdas.services import plan_service, scheduled_backups, vault_service
from lambdas.services.backup_batches import RESOURCES_PER_BATCH, BackupBatch, BatchResult
from tests.fakes import ROLE, T0, FakeResolver, World


@dataclass
class RecordingQueue:
    """The batch queue, holding what was sent; `yielded_at_send` says how far the selection had been read."""

    resolver: CountingResolver
    sent: list[BackupBatch] = field(default_factory=list)
    yielded_at_send: list[int] = field(default_factory=list)

    def send(self, batches: Sequence[BackupBatch]) -> None:
        self.sent.extend(batches)
        self.yielded_at_send.append(self.resolver.yielded)


@dataclass
class CountingResolver:
    inner: FakeResolver
    yielded: int = 0

    def stream(
        self, selections: Iterable[BackupSelectionInput], opted_out: frozenset[str] = frozenset()
    ) -> Iterator[Resource]:
        for resource in self.inner.stream(selections, opted_out):
            self.yielded += 1
            yield resource

    def resolve(
        self, selections: Iterable[BackupSelectionInput], opted_out: frozenset[str] = frozenset()
    ) -> list[Resource]:
        return self.inner.resolve(selections, opted_out)


def protect(world: World, volumes: int, selections: int = 1) -> BackupPlan:
    for n in range(volumes):
        world.ebs.add_volume(n, backup="daily", tier="gold" if n % 2 else "silver")
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    plan = plan_service.create_plan(
        world.ctx,
        {"BackupPlan": {"BackupPlanName": "daily", "Rules": [{"RuleName": "daily", "TargetBackupVaultName": "main"}]}},
        T0,
    )
    conditions = [("backup", "daily"), ("tier", "gold")][:selections]
    for n, (key, value) in enumerate(conditions):
        tags = [{"ConditionType": "STRINGEQUALS", "ConditionKey": key, "ConditionValue": value}]
        plan_service.create_selection(
            world.ctx,
            plan.BackupPlanId,
            {"BackupSelection": {"SelectionName": f"s{n}", "IamRoleArn": ROLE, "ListOfTags": tags}},
            T0,
        )
    return plan


def queued(world: World) -> tuple[World, RecordingQueue]:
    resolver = CountingResolver(FakeResolver(world.ebs))
    queue = RecordingQueue(resolver)
    return replace(world, ctx=replace(world.ctx, resolver=resolver, backup_batches=queue)), queue


def test_given_2500_selected_volumes_when_the_rule_fires_then_batches_of_100_are_queued_as_the_selection_is_read(
    world: World,
) -> None:
    # Given a rule selecting 2,500 volumes, and a queue between the firing and the workers
    plan = protect(world, 2500)
    world, queue = queued(world)
    # When the rule fires
    result = scheduled_backups.start_backups(world.ctx, plan.BackupPlanId, plan.Rules[0].RuleId, T0, T0)
    # Then 25 batches of at most 100 resources were queued, each resource in exactly one
    assert (result.selected, result.batches, result.inline) == (2500, 25, None)
    assert all(len(batch.resources) <= RESOURCES_PER_BATCH for batch in queue.sent)
    arns = [resource.arn for batch in queue.sent for resource in batch.resources]
    assert sorted(arns) == sorted(world.ebs.volumes)
    # and they were sent ten at a time while the selection was still being read, not after holding all of it
    assert queue.yielded_at_send[:2] == [1000, 2000]
    # and the firing itself created no job: the workers do
    assert world.ctx.stores.jobs.backup_jobs()[0] == []


def test_given_two_selections_choosing_the_same_volume_then_it_is_queued_once(world: World) -> None:
    plan = protect(world, 10, selections=2)  # every "gold" volume is also "daily"
    world, queue = queued(world)
    scheduled_backups.start_backups(world.ctx, plan.BackupPlanId, plan.Rules[0].RuleId, T0, T0)
    arns = [resource.arn for batch in queue.sent for resource in batch.resources]
    assert sorted(arns) == sorted(world.ebs.volumes)


def test_given_queued_batches_when_a_worker_runs_each_and_one_twice_then_one_running_job_per_resource(
    world: World,
) -> None:
    plan = protect(world, 250)
    queued_world, queue = queued(world)
    scheduled_backups.start_backups(queued_world.ctx, plan.BackupPlanId, plan.Rules[0].RuleId, T0, T0)
    # When the worker starts every batch, and the first is delivered a second time
    results = [scheduled_backups.start_backup_batch(world.ctx, batch, T0) for batch in [*queue.sent, queue.sent[0]]]
    # Then every resource has one RUNNING job, and the second delivery created and started nothing
    jobs = world.ctx.stores.jobs.backup_jobs(limit=1000)[0]
    assert len(jobs) == 250
    assert {job.State for job in jobs} == {BackupJobState.RUNNING}
    assert results[-1] == BatchResult(created=0, started=0, already_existed=100, waiting=0)
    assert sum(r.created for r in results) == 250
    assert len(world.ebs.snapshots) == 250


def test_given_the_plan_deleted_before_its_batch_runs_then_the_batch_makes_nothing(world: World) -> None:
    plan = protect(world, 5)
    queued_world, queue = queued(world)
    scheduled_backups.start_backups(queued_world.ctx, plan.BackupPlanId, plan.Rules[0].RuleId, T0, T0)
    # Given the plan deleted (its selection first, as AWS Backup asks) after the firing queued its batch
    for selection in world.ctx.stores.plans.selections(plan.BackupPlanId):
        plan_service.delete_selection(world.ctx, plan.BackupPlanId, selection.SelectionId, T0)
    plan_service.delete_plan(world.ctx, plan.BackupPlanId, T0)
    # Then the batch, when it runs, makes no job
    assert scheduled_backups.start_backup_batch(world.ctx, queue.sent[0], T0) == BatchResult()
    assert world.ctx.stores.jobs.backup_jobs()[0] == []
