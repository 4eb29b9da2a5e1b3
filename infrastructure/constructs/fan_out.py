"""Fan-out: the queue between a rule's firing (StartBackups, a page of resources per message) and the function
that starts each batch's jobs (StartBackupBatch), with its dead-letter queue.

The event source reports partial batch failures (only the failed messages come back) and caps the consumer's
concurrency, which bounds how fast native backups are requested from the account's API quotas."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infrastructure import constants


class FanOut(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, spec: constants.QueueSpec) -> None:
        super().__init__(scope, construct_id)
        self._spec = spec
        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            queue_name=spec.dead_letter_name,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            queue_name=spec.name,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(spec.visibility_timeout_seconds),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=spec.max_receive_count, queue=self.dead_letters),
        )

    def connect(self, producer: iam.IGrantable, consumer: lambda_.Function) -> None:
        """The producer may send; the consumer is invoked with the queue's messages (and may receive them)."""
        self.queue.grant_send_messages(producer)
        consumer.add_event_source(
            sources.SqsEventSource(
                self.queue,
                batch_size=self._spec.batch_size,
                report_batch_item_failures=True,
                max_concurrency=self._spec.max_concurrency,
            )
        )
