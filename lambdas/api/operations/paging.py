"""MaxResults and NextToken, as the model bounds them."""

from __future__ import annotations

from typing import Any

from lambdas.domain.errors import InvalidParameterValueException

DEFAULT_PAGE = 1000


def page_size(request: dict[str, Any], maximum: int = 1000) -> int:
    size = request.get("MaxResults", DEFAULT_PAGE if maximum >= DEFAULT_PAGE else maximum)
    if not 1 <= int(size) <= maximum:
        raise InvalidParameterValueException(f"MaxResults must be between 1 and {maximum}, got {size}")
    return int(size)
