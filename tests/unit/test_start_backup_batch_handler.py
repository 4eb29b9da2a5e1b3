"""The StartBackupBatch function: each SQS record is one batch; a record that fails (a bad body, no time left)
is reported alone in batchItemFailures, so only it is delivered again, and the others' jobs are started."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest

from lambdas.domain.jobs import BackupJobState
from lambdas.services import plan_service, scheduled_backups, vault_service
from lambdas.services.backup_batches import BackupBatch
from tests.fakes import T0, World, select_by_tag


@dataclass
class Context:
    """A Lambda context whose remaining time is read from a list, one value per question."""

    remaining_ms: Iterator[int]
    function_name: str = "strongroom-StartBackupBatch"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:strongroom-StartBackupBatch"
    aws_request_id: str = "request-1"

    def get_remaining_time_in_millis(self) -> int:
        return next(self.remaining_ms)


def record(message_id: str, body: str) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": f"handle-{message_id}",
        "body": body,
        "attributes": {},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:strongroom-backup-batches",
        "awsRegion": "us-east-1",
    }


@pytest.fixture
def queued(world: World, monkeypatch: pytest.MonkeyPatch) -> tuple[World, list[BackupBatch]]:
    """A rule over 3 volumes fired with a queue: its batch, ready to deliver to the handler."""
    from lambdas.handlers import start_backup_batch

    for n in range(3):
        world.ebs.add_volume(n, backup="daily")
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    plan = plan_service.create_plan(
        world.ctx,
        {"BackupPlan": {"BackupPlanName": "p", "Rules": [{"RuleName": "r", "TargetBackupVaultName": "main"}]}},
        T0,
    )
    select_by_tag(world, plan)
    sent: list[BackupBatch] = []

    class Queue:
        def send(self, batches: list[BackupBatch]) -> None:
            sent.extend(batches)

    scheduled_backups.start_backups(
        replace(world.ctx, backup_batches=Queue()), plan.BackupPlanId, plan.Rules[0].RuleId, T0, T0
    )
    monkeypatch.setattr(start_backup_batch, "service_context", lambda: world.ctx)
    monkeypatch.setattr(start_backup_batch.clock, "now", lambda: T0)
    return world, sent


def test_given_a_good_batch_and_a_bad_body_then_only_the_bad_record_is_reported_failed(queued: Any) -> None:
    from lambdas.handlers import start_backup_batch

    world, (batch,) = queued
    event = {"Records": [record("good", batch.model_dump_json()), record("bad", '{"plan_id": "x"}')]}
    answer = start_backup_batch.handler(event, Context(iter([300_000] * 10)))
    assert answer == {"batchItemFailures": [{"itemIdentifier": "bad"}]}
    assert {job.State for job in world.ctx.stores.jobs.backup_jobs()[0]} == {BackupJobState.RUNNING}


def test_given_no_time_left_for_the_second_record_then_it_is_reported_failed_and_not_begun(queued: Any) -> None:
    from lambdas.handlers import start_backup_batch

    world, (batch,) = queued
    first, second = (
        batch.model_copy(update={"resources": batch.resources[:2]}),
        batch.model_copy(update={"resources": batch.resources[2:]}),
    )
    event = {"Records": [record("first", first.model_dump_json()), record("second", second.model_dump_json())]}
    # When the invocation has 200 s left at the first record and 60 s at the second
    answer = start_backup_batch.handler(event, Context(iter([200_000, 60_000, 60_000])))
    # Then the second is handed back untouched: two jobs exist, the third resource's job is not even created
    assert answer == {"batchItemFailures": [{"itemIdentifier": "second"}]}
    assert sorted(job.ResourceArn for job in world.ctx.stores.jobs.backup_jobs()[0]) == sorted(
        resource.arn for resource in first.resources
    )
