"""The fan-out on the local runtime: StartBackups queues batches, the queue poller delivers them to
StartBackupBatch as Lambda's SQS poller does, a bad message fails alone and ends in the dead-letter queue."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from infrastructure import constants
from lambdas.domain.jobs import BackupJobState
from local.runtime import LocalRuntime
from tests.e2e.test_engine_on_local_runtime import make_volume, protect_tagged

FIRING = "2026-05-01T05:00:00Z"


def test_given_a_rule_over_150_volumes_when_it_fires_then_two_batches_start_every_job(runtime: LocalRuntime) -> None:
    # Given a rule selecting 150 volumes by tag
    protect_tagged(runtime)
    for _ in range(150):
        make_volume(runtime)
    # When its schedule fires (the scheduler then lets the queue poller deliver, as Lambda would)
    runtime.advance(datetime(2026, 5, 1, 5, 1, tzinfo=UTC) - runtime.clock.now())
    # Then StartBackups queued two batches and StartBackupBatch started one job per volume
    assert runtime.invocations.counts[f"strongroom-{constants.START_BACKUP_BATCH.key}"] == 1
    jobs = runtime.services().stores.jobs.backup_jobs(limit=1000)[0]
    assert len(jobs) == 150
    assert {job.State for job in jobs} <= {BackupJobState.RUNNING, BackupJobState.COMPLETED}
    assert not runtime.scheduler.failures


def test_given_a_bad_message_beside_a_good_one_then_only_the_bad_one_is_retried_and_dead_lettered(
    runtime: LocalRuntime,
) -> None:
    plan = protect_tagged(runtime)
    make_volume(runtime)
    sqs = runtime.client("sqs")
    url = sqs.get_queue_url(QueueName=constants.BACKUP_BATCH_QUEUE.name)["QueueUrl"]
    # Given a good batch queued by a firing and a message that is not a batch at all
    payload = {"plan_id": plan.BackupPlanId, "rule_id": plan.Rules[0].RuleId, "scheduled_time": FIRING}
    runtime.client("lambda").invoke(
        FunctionName=runtime.deployment.function_arns[constants.START_BACKUPS.key], Payload=json.dumps(payload).encode()
    )
    sqs.send_message(QueueUrl=url, MessageBody='{"plan_id": "nothing else"}')
    # When the poller delivers them
    runtime.queues.drain()
    # Then the good batch's job started
    (job,) = runtime.services().stores.jobs.backup_jobs()[0]
    assert job.State in (BackupJobState.RUNNING, BackupJobState.COMPLETED)
    # and the bad message alone was reported failed, delivered again up to maxReceiveCount, then dead-lettered
    assert runtime.queues.failed_deliveries == constants.BACKUP_BATCH_QUEUE.max_receive_count
    dead = sqs.get_queue_url(QueueName=constants.BACKUP_BATCH_QUEUE.dead_letter_name)["QueueUrl"]
    (letter,) = sqs.receive_message(QueueUrl=dead, MaxNumberOfMessages=10)["Messages"]
    assert letter["Body"] == '{"plan_id": "nothing else"}'
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
