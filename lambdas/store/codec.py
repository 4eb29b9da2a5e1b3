"""Entity <-> item mapping helpers and opaque pagination tokens."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from lambdas.domain.errors import InvalidParameterValueException
from lambdas.store.schema import TABLE_PARTITION_KEY, TABLE_SORT_KEY
from lambdas.store.table import Item

M = TypeVar("M", bound=BaseModel)


def to_item(pk: str, sk: str, entity: BaseModel, **attributes: Any) -> Item:
    item: Item = {TABLE_PARTITION_KEY: pk, TABLE_SORT_KEY: sk, "data": entity.model_dump_json(exclude_none=True)}
    item.update({name: value for name, value in attributes.items() if value is not None})
    return item


def from_item(model: type[M], item: Item) -> M:
    return model.model_validate_json(item["data"])


def sortable(moment: datetime) -> str:
    """ISO-8601 in UTC with a fixed width, so string order is time order."""
    if moment.tzinfo is None:
        raise ValueError("timestamps in the store are timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def encode_token(key: Item | None) -> str | None:
    if key is None:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def decode_token(token: str | None) -> Item | None:
    if not token:
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, TypeError):
        raise InvalidParameterValueException(f"Invalid NextToken: {token!r}") from None
    if not isinstance(decoded, dict):
        raise InvalidParameterValueException(f"Invalid NextToken: {token!r}")
    return decoded
