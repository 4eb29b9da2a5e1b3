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
from typing import Any

MAX_ROUNDS = 100_000  # a bound, not a limit anyone meets: each round delivers at least one message


class LocalQueuePoller:
    def __init__(self, lambda_client: Any, sqs_client: Any) -> None:
        self._lambda = lambda_client
        self.sqs = sqs_client
        self.failed_deliveries = 0

    def _mappings(self) -> list[tuple[str, str, int]]:
        """(queue URL, function ARN, batch size) of every SQS event source mapping."""
        found = []
        for mapping in self._lambda.list_event_source_mappings()["EventSourceMappings"]:
            source = mapping["EventSourceArn"]
            if source.startswith("arn:aws:sqs:"):
                account, name = source.split(":")[4], source.split(":")[5]
                url = self.sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
                found.append((url, mapping["FunctionArn"], int(mapping.get("BatchSize") or 10)))
        return found

    def drain(self) -> int:
        """Delivers until every mapped queue is empty; returns the number of invocations."""
        invocations = 0
        mappings = self._mappings()
        for _ in range(MAX_ROUNDS):
            delivered = False
            for url, function_arn, batch_size in mappings:
                messages = self.sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=batch_size, AttributeNames=["All"]
                ).get("Messages", [])
                if messages:
                    self._deliver(url, function_arn, messages)
                    invocations += 1
                    delivered = True
            if not delivered:
                return invocations
        raise RuntimeError("queues never drained")

    def _deliver(self, url: str, function_arn: str, messages: list[dict[str, Any]]) -> None:
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
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
        answer = self._lambda.invoke(FunctionName=function_arn, Payload=json.dumps({"Records": records}).encode())
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
