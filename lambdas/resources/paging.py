"""Reading listings, written once for every adapter: the pages of a listing whose service hands back a token for the
next page (FSx's NextToken, Storage Gateway's Marker), for the adapters that page by hand (one call per page, as a
boto3 paginator would make); and the items named by a filter on many values, which a service takes only so many
of in one call (EC2 200, RDS 100)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any


def token_pages(call: Callable[..., dict[str, Any]], token: str, **request: Any) -> Iterator[dict[str, Any]]:
    """Each answer of `call(**request)`, asking again with the token the last answer gave until one gives none."""
    while True:
        response = call(**request)
        yield response
        if not response.get(token):
            return
        request[token] = response[token]


def listed(call: Callable[..., dict[str, Any]], key: str, token: str, **request: Any) -> Iterator[dict[str, Any]]:
    """The items under `key` of every page."""
    for page in token_pages(call, token, **request):
        yield from page.get(key, [])


def filtered(
    client: Any, operation: str, key: str, filter_name: str, values: list[str], per_call: int, **request: Any
) -> Iterator[dict[str, Any]]:
    """The items under `key` that `operation` lists for a filter on `values`, `per_call` values a call, each call's
    pages read through the boto3 paginator. A value that names nothing is simply not listed."""
    paginator = client.get_paginator(operation)
    for start in range(0, len(values), per_call):
        chunk = [{"Name": filter_name, "Values": values[start : start + per_call]}]
        for page in paginator.paginate(Filters=chunk, **request):
            yield from page[key]
