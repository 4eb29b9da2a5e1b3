"""PutEvents that does not lose events quietly.

PutEvents answers 200 even when it refuses entries: each refused entry carries an ErrorCode in the answer and
FailedEntryCount counts them. EventBridge documents which codes are worth another try (ThrottlingException,
InternalFailure) and which are final (NotAuthorizedForSourceException, AccessDeniedException, MalformedDetail,
InvalidArgument...). The retryable entries are sent again, a bounded number of times with exponential backoff and
jitter; whatever is still refused is counted in the `EventsNotDelivered` metric (an alarm watches it) and logged
with its error codes. A lost event never fails the job it describes, but it is never lost silently either."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import ClientError

from lambdas.common.observability import logger, metrics

EVENTS_NOT_DELIVERED_METRIC = "EventsNotDelivered"
RETRYABLE_ENTRY_ERRORS = frozenset({"ThrottlingException", "InternalFailure"})
# A whole call that failed after botocore's own retries: these are worth one more round of ours.
RETRYABLE_CALL_ERRORS = frozenset({"ThrottlingException", "InternalException", "InternalFailure", "ServiceUnavailable"})
MAX_ATTEMPTS = 4  # the first send and three retries: at most 0.2 + 0.4 + 0.8 s of waiting
BASE_DELAY_SECONDS = 0.2

Entry = dict[str, Any]


class PutEventsDelivery:
    def __init__(
        self,
        events: Callable[[], Any],
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self._events = events
        self._sleep = sleep
        self._max_attempts = max_attempts

    def send(self, entries: list[Entry]) -> list[tuple[Entry, str]]:
        """Sends at most ten entries (PutEvents' limit); returns those not delivered, each with its error code,
        after counting and logging them."""
        pending = entries
        lost: list[tuple[Entry, str]] = []
        for attempt in range(self._max_attempts):
            refused = self._put(pending)
            lost.extend((entry, code) for entry, code in refused if code not in RETRYABLE_ENTRY_ERRORS)
            retry = [(entry, code) for entry, code in refused if code in RETRYABLE_ENTRY_ERRORS]
            if not retry:
                break
            if attempt == self._max_attempts - 1:
                lost.extend(retry)
                break
            pending = [entry for entry, _ in retry]
            delay = BASE_DELAY_SECONDS * 2**attempt
            self._sleep(random.uniform(delay / 2, delay))  # jitter, not cryptography
        if lost:
            _report(lost)
        return lost

    def _put(self, entries: list[Entry]) -> list[tuple[Entry, str]]:
        """The entries refused by one PutEvents call, each with its error code."""
        try:
            response = self._events().put_events(Entries=entries)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", "ClientError"))
            # A retryable failure of the whole call is retried as its entries would be; any other is final.
            return [(entry, "ThrottlingException" if code in RETRYABLE_CALL_ERRORS else code) for entry in entries]
        except Exception as error:  # noqa: BLE001 - a connection failure: the entries may be sent again
            logger.warning("PutEvents call failed", extra={"error": repr(error)})
            return [(entry, "InternalFailure") for entry in entries]
        if not response.get("FailedEntryCount"):
            return []
        results = response.get("Entries", [])
        return [
            (entry, str(result["ErrorCode"]))
            for entry, result in zip(entries, results, strict=False)
            if result.get("ErrorCode")
        ]


def _report(lost: list[tuple[Entry, str]]) -> None:
    metrics.add_metric(name=EVENTS_NOT_DELIVERED_METRIC, unit=MetricUnit.Count, value=len(lost))
    logger.error(
        "events not delivered to EventBridge",
        extra={
            "error_codes": dict(Counter(code for _, code in lost)),
            "detail_types": [entry.get("DetailType") for entry, _ in lost],
            "source": sorted({str(entry.get("Source")) for entry, _ in lost}),
        },
    )
