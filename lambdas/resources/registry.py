"""Which adapter handles which resource type."""

from __future__ import annotations

from collections.abc import Iterable

from lambdas.domain.arns import resource_type_of
from lambdas.domain.errors import InvalidParameterValueException
from lambdas.resources.base import ResourceAdapter


class AdapterRegistry:
    def __init__(self, adapters: Iterable[ResourceAdapter]) -> None:
        self._by_type = {adapter.resource_type: adapter for adapter in adapters}

    def for_type(self, resource_type: str) -> ResourceAdapter:
        adapter = self._by_type.get(resource_type)
        if adapter is None:
            raise InvalidParameterValueException(
                f"Resource type {resource_type} is not supported; supported: {', '.join(sorted(self._by_type))}"
            )
        return adapter

    def for_arn(self, resource_arn: str) -> ResourceAdapter:
        return self.for_type(resource_type_of(resource_arn))

    def resource_type_of(self, resource_arn: str) -> str:
        return self.for_arn(resource_arn).resource_type_for(resource_arn)

    def supported_types(self) -> list[str]:
        return sorted(self._by_type)

    def all(self) -> list[ResourceAdapter]:
        return list(self._by_type.values())
