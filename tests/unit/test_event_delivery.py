"""PutEvents answers 200 while refusing entries one by one: the delivery retries the refusals EventBridge calls
temporary, and counts (EventsNotDelivered) and logs whatever it could not deliver, never only logs it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lambdas.common.observability import metrics
from lambdas.services.event_delivery import EVENTS_NOT_DELIVERED_METRIC, MAX_ATTEMPTS, PutEventsDelivery


@dataclass
class RefusingEventBridge:
    """Answers each PutEvents call with the next script: per entry (by DetailType), an ErrorCode or None."""

    scripts: list[dict[str, str | None]] = field(default_factory=list)
    call_error: str | None = None
    calls: list[list[str]] = field(default_factory=list)

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # boto3's parameter name
        self.calls.append([entry["DetailType"] for entry in Entries])
        if self.call_error:
            raise ClientError({"Error": {"Code": self.call_error, "Message": "no"}}, "PutEvents")
        script = self.scripts.pop(0) if self.scripts else {}
        results: list[dict[str, str]] = []
        for entry in Entries:
            code = script.get(entry["DetailType"])
            results.append({"ErrorCode": code, "ErrorMessage": code} if code else {"EventId": "id"})
        return {"FailedEntryCount": sum(1 for r in results if "ErrorCode" in r), "Entries": results}


def entries(*names: str) -> list[dict[str, Any]]:
    return [{"Source": "strongroom.backup", "DetailType": name, "Detail": "{}"} for name in names]


@pytest.fixture
def counted() -> Iterator[Any]:
    metrics.clear_metrics()

    def value() -> float:
        metric = metrics.provider.metric_set.get(EVENTS_NOT_DELIVERED_METRIC)
        return sum(metric["Value"]) if metric else 0

    yield value
    metrics.clear_metrics()


def test_given_entries_throttled_once_when_sent_then_only_those_are_sent_again_and_nothing_is_lost(counted) -> None:
    # Given EventBridge throttling two of three entries in its first answer
    bus = RefusingEventBridge(scripts=[{"b": "ThrottlingException", "c": "InternalFailure"}])
    waits: list[float] = []

    # When the three are sent
    lost = PutEventsDelivery(lambda: bus, waits.append).send(entries("a", "b", "c"))

    # Then the second call carries only the two refused, after a short wait, and nothing is counted lost
    assert bus.calls == [["a", "b", "c"], ["b", "c"]]
    assert len(waits) == 1 and 0 < waits[0] <= 0.2
    assert lost == [] and counted() == 0


def test_given_a_source_eventbridge_refuses_when_sent_then_it_is_not_retried_and_is_counted(counted) -> None:
    # Given EventBridge refusing an entry for good (a source Strongroom may not use)
    bus = RefusingEventBridge(scripts=[{"b": "NotAuthorizedForSourceException"}])

    lost = PutEventsDelivery(lambda: bus, lambda _: None).send(entries("a", "b"))

    # Then it is sent once, reported lost with its code, and counted in the metric
    assert bus.calls == [["a", "b"]]
    assert [(entry["DetailType"], code) for entry, code in lost] == [("b", "NotAuthorizedForSourceException")]
    assert counted() == 1


def test_given_an_entry_throttled_every_time_then_the_retries_are_bounded_with_growing_waits_then_counted(
    counted,
) -> None:
    bus = RefusingEventBridge(scripts=[{"a": "ThrottlingException"}] * 10)
    waits: list[float] = []

    lost = PutEventsDelivery(lambda: bus, waits.append).send(entries("a"))

    assert len(bus.calls) == MAX_ATTEMPTS
    assert len(waits) == MAX_ATTEMPTS - 1
    assert waits[-1] > 0.2, "the waits grow (exponential backoff)"
    assert [code for _, code in lost] == ["ThrottlingException"]
    assert counted() == 1


@pytest.mark.parametrize(("error", "calls"), [("ThrottlingException", MAX_ATTEMPTS), ("AccessDeniedException", 1)])
def test_given_the_whole_call_fails_then_a_temporary_failure_is_retried_and_a_final_one_is_not(
    counted, error: str, calls: int
) -> None:
    bus = RefusingEventBridge(call_error=error)

    lost = PutEventsDelivery(lambda: bus, lambda _: None).send(entries("a", "b"))

    assert len(bus.calls) == calls
    assert len(lost) == 2 and counted() == 2
