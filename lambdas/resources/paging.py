"""Reading every page of a listing whose service hands back a token for the next page (FSx's NextToken, Storage
Gateway's Marker), written once for the adapters that page by hand: one call per page, as a boto3 paginator
would make, with the page's token passed on as the next request's."""

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
