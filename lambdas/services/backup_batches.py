"""The fan-out of a rule's firing: the selection is resolved page by page and every page of resources becomes a
BackupBatch, sent to a queue; a worker (lambdas.handlers.start_backup_batch) creates and starts the batch's jobs.
No invocation holds the whole selection's work, and a batch that fails is delivered again on its own.

Gateway: SqsBackupBatchQueue sends batches ten to a SendMessageBatch call. Without a queue (unit tests, a
context built in process), the batches are started in the same call (InlineBackupBatches)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

RESOURCES_PER_BATCH = 100  # one DynamoDB transaction of job creations, ~20 KB of message
MESSAGES_PER_SEND = 10  # SendMessageBatch's limit
SEND_ATTEMPTS = 5


class BatchResource(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    arn: str = Field(min_length=1)
    name: str
    iam_role_arn: str = Field(min_length=1)


class BackupBatch(BaseModel):
    """Part of one firing of a plan rule: the jobs of these resources for this scheduled time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    plan_id: str = Field(min_length=1)
    rule_id: str = Field(min_length=1)
    scheduled_time: datetime
    fired_at: datetime
    correlation_id: str
    resources: list[BatchResource] = Field(min_length=1, max_length=RESOURCES_PER_BATCH)


@dataclass(frozen=True)
class BatchResult:
    created: int = 0
    started: int = 0
    already_existed: int = 0
    waiting: int = 0  # left CREATED by a quota or a still-running backup of the same resource

    def __add__(self, other: BatchResult) -> BatchResult:
        return BatchResult(
            self.created + other.created,
            self.started + other.started,
            self.already_existed + other.already_existed,
            self.waiting + other.waiting,
        )


class BackupBatchQueue(Protocol):
    def send(self, batches: Sequence[BackupBatch]) -> BatchResult | None:
        """Hands the batches on; returns what starting them did when they were started in this very call,
        None when they were queued for a worker."""


class SqsBackupBatchQueue:
    def __init__(self, sqs: Callable[[], Any], queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def send(self, batches: Sequence[BackupBatch]) -> None:
        for first in range(0, len(batches), MESSAGES_PER_SEND):
            entries = {
                str(n): batch.model_dump_json() for n, batch in enumerate(batches[first : first + MESSAGES_PER_SEND])
            }
            self._send(entries)

    def _send(self, entries: dict[str, str]) -> None:
        # SendMessageBatch can accept some entries and refuse others (throttled, an internal error): only
        # those are sent again. A batch sent twice is harmless, its jobs are created only if absent.
        for _ in range(SEND_ATTEMPTS):
            answer = self._sqs().send_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": entry_id, "MessageBody": body} for entry_id, body in entries.items()],
            )
            failed = answer.get("Failed", [])
            if not failed:
                return
            entries = {item["Id"]: entries[item["Id"]] for item in failed}
        raise RuntimeError(f"{len(entries)} backup batches could not be queued: {failed}")


class InlineBackupBatches:
    """Starts each batch right away, in the caller's invocation (what a context without a queue does)."""

    def __init__(self, start: Callable[[BackupBatch], BatchResult]) -> None:
        self._start = start

    def send(self, batches: Sequence[BackupBatch]) -> BatchResult:
        total = BatchResult()
        for batch in batches:
            total = total + self._start(batch)
        return total
