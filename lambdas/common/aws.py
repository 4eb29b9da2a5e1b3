"""boto3 clients: made on first use (never at import), cached per service and region, with adaptive
retries so throttling slows Strongroom down instead of failing it. AWS_ENDPOINT_URL, when set (the local
runtime), is honoured by boto3 itself."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

_RETRIES = Config(retries={"mode": "adaptive", "max_attempts": 10}, connect_timeout=5, read_timeout=30)
_lock = threading.Lock()


# (service, operation, seconds the call took, billed units) -> None. Empty in Lambda; the benchmark listens here
# to count every AWS call Strongroom makes, by service and operation, the time the service took to answer, and
# what it is billed by: events put, DynamoDB request units (a transactional write costs two).
CallListener = Callable[[str, str, float, int], None]
_listeners: list[CallListener] = []


def listen_to_calls(listener: CallListener) -> Callable[[], None]:
    """Hears every call of the clients made from now on; returns the function that stops listening."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener)


def _units(operation: str, params: dict[str, Any]) -> int:
    if operation == "PutEvents":
        return len(params.get("Entries", []))
    if operation == "TransactWriteItems":
        return 2 * len(params.get("TransactItems", []))
    if operation == "BatchWriteItem":
        return sum(len(requests) for requests in params.get("RequestItems", {}).values())
    return 1


def _counted(model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    """Before the request is built, while `params` are still the API's parameters."""
    context["strongroom_units"] = _units(model.name, params) if _listeners else 1


def _started(context: dict[str, Any], **_: Any) -> None:
    context["strongroom_started"] = time.perf_counter()


def _answered(model: Any, context: dict[str, Any], **_: Any) -> None:
    started = context.get("strongroom_started")
    elapsed = time.perf_counter() - started if started is not None else 0.0
    for listener in list(_listeners):
        listener(model.service_model.service_name, model.name, elapsed, int(context.get("strongroom_units", 1)))


# The local runtime's in-process path to its emulator (local/in_process.py): a botocore `before-send` handler
# that answers a request without the socket, and a `before-call` one that answers some calls before they are
# even signed. None in Lambda, where every call goes on the wire.
_sender: Callable[..., Any] | None = None
_caller: Callable[..., Any] | None = None


def _send(**kwargs: Any) -> Any:
    sender = _sender
    return sender(**kwargs) if sender is not None else None


def _call(**kwargs: Any) -> Any:
    answer = _caller
    return answer(**kwargs) if answer is not None else None


def send_in_process(sender: Callable[..., Any] | None, caller: Callable[..., Any] | None = None) -> None:
    """For the local runtime: sender(request=...) -> the response, or None to send it over the wire;
    caller(model=..., params=..., request_signer=...) -> (response, parsed), or None to make the call as usual."""
    global _sender, _caller
    _sender, _caller = sender, caller


def _heard(client: Any) -> Any:
    client.meta.events.register("before-parameter-build", _counted)
    client.meta.events.register("before-call", _started)
    client.meta.events.register("before-call", _call)  # after _started: a call answered here is timed too
    client.meta.events.register("after-call", _answered)
    client.meta.events.register("before-send", _send)
    return client


@lru_cache(maxsize=64)
def _client(service: str, region: str | None) -> Any:
    with _lock:  # boto3's default session is not thread-safe while it builds clients
        return _heard(boto3.session.Session().client(service, region_name=region, config=_RETRIES))


# An emulator that lacks a service (Storage Gateway) or part of one (FSx) registers a stand-in here;
# only the local runtime and tests do, so in Lambda this stays empty.
_stand_ins: dict[str, Callable[[Any, str | None], Any]] = {}


def client(service: str, region: str | None = None) -> Any:
    real = _client(service, region)
    stand_in = _stand_ins.get(service)
    return stand_in(real, region) if stand_in else real


def client_as(service: str, region: str, credentials: dict[str, str] | None) -> Any:
    """A client with other credentials (an assumed role in another account); None means the function's own.
    Not cached: assumed credentials expire, and their callers cache what they build."""
    if credentials is None:
        return client(service, region)
    real = _heard(boto3.session.Session(**credentials).client(service, region_name=region, config=_RETRIES))
    stand_in = _stand_ins.get(service)
    return stand_in(real, region) if stand_in else real


def use_stand_in(service: str, factory: Callable[[Any, str | None], Any] | None) -> None:
    """factory(real client, region) -> the client to use instead; None removes the stand-in."""
    if factory is None:
        _stand_ins.pop(service, None)
    else:
        _stand_ins[service] = factory


def reset_clients() -> None:
    """For tests and the local runtime, when the endpoint or credentials change."""
    _client.cache_clear()
