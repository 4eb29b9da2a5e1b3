"""Lambda's SQS poller, locally. moto delivers a queue's messages to a mapped function inside SendMessage
itself, one message per invocation, and deletes them whatever the function answers (partial batch failures are
ignored). So the local bootstrap creates the event source mappings disabled, and this poller delivers from them
as Lambda does: up to BatchSize messages per invocation, the messages the function reports in
batchItemFailures (or all of them, when it fails) made visible again, the others deleted. moto moves a message
received more than the queue's maxReceiveCount times to the dead-letter queue.

Delivery is sequential (Lambda would run up to the mapping's MaximumConcurrency at once): one emulator process
gains nothing from parallel invokes, and the order stays reproducible."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_log = logging.getLogger("strongroom.local.queue_poller")
MAX_ROUNDS = 100_000  # a bound, not a limit anyone meets: each round delivers at least one message


@dataclass(frozen=True)
class _Mapping:
    queue_url: str
    queue_arn: str
    function_arn: str
    batch_size: int


class LocalQueuePoller:
    def __init__(
        self, lambda_client: Any, sqs_client: Any, may_hold_messages: Callable[[str], bool] = lambda _arn: True
    ) -> None:
        self._lambda = lambda_client
        self.sqs = sqs_client
        # By queue ARN: False only when the queue holds no message at all (local/service_internals.py).
        self._may_hold_messages = may_hold_messages
        self.failed_deliveries = 0
        self.delivery_errors = 0  # deliveries that broke (not a function's reported failure): logged and counted
        self._mapped: list[_Mapping] | None = None

    def _mappings(self) -> list[_Mapping]:
        """Every SQS event source mapping, read once: the bootstrap makes them and nothing changes them after, and
        the scheduler drains after every firing (thousands when days are fast-forwarded)."""
        if self._mapped is None:
            self._mapped = []
            for mapping in self._lambda.list_event_source_mappings()["EventSourceMappings"]:
                source = mapping["EventSourceArn"]
                if source.startswith("arn:aws:sqs:"):
                    account, name = source.split(":")[4], source.split(":")[5]
                    url = self.sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
                    batch_size = int(mapping.get("BatchSize") or 10)
                    self._mapped.append(_Mapping(url, source, mapping["FunctionArn"], batch_size))
        return self._mapped

    def forget_mappings(self) -> None:
        """After a reset or a restore, the mappings are read again."""
        self._mapped = None

    def drain_if_pending(self) -> int:
        """What the scheduler runs after each firing: a drain, unless no mapped queue holds any message (most
        firings queue nothing, and each empty receive costs a round trip through the emulator)."""
        if not any(self._may_hold_messages(mapping.queue_arn) for mapping in self._mappings()):
            return 0
        return self.drain()

    def drain(self) -> int:
        """Delivers until every mapped queue is empty; returns the number of invocations."""
        invocations = 0
        mappings = self._mappings()
        for _ in range(MAX_ROUNDS):
            delivered = False
            for mapping in mappings:
                try:
                    messages = self.sqs.receive_message(
                        QueueUrl=mapping.queue_url, MaxNumberOfMessages=mapping.batch_size, AttributeNames=["All"]
                    ).get("Messages", [])
                    if messages:
                        invocations += 1
                        delivered = True
                        self._deliver(mapping, messages)
                except Exception as error:  # noqa: BLE001 - one batch's failure is counted, the others go on
                    # One batch that cannot be delivered must not stop the others (nor the scheduler that drains):
                    # its messages stay in the queue, visible again after their timeout, and go to the
                    # dead-letter queue after maxReceiveCount receives, as with Lambda's poller.
                    self.delivery_errors += 1
                    _log.warning("queue poller: delivering from %s failed: %r", mapping.queue_arn, error)
            if not delivered:
                return invocations
        raise RuntimeError("queues never drained")

    def _deliver(self, mapping: _Mapping, messages: list[dict[str, Any]]) -> None:
        url, queue_arn = mapping.queue_url, mapping.queue_arn
        records = [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": queue_arn.split(":")[3],
            }
            for message in messages
        ]
        answer = self._lambda.invoke(
            FunctionName=mapping.function_arn, Payload=json.dumps({"Records": records}).encode()
        )
        body = json.loads(answer["Payload"].read() or b"{}")
        if answer.get("FunctionError"):
            failed = {message["MessageId"] for message in messages}
        else:
            failed = {item["itemIdentifier"] for item in (body or {}).get("batchItemFailures", [])}
        self.failed_deliveries += len(failed)
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=url, Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(done)]
            )
        for message in messages:
            if message["MessageId"] in failed:
                # Visible again at once: locally there is no one else to wait for.
                self.sqs.change_message_visibility(
                    QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
