"""Resolves a plan's selections into resources: exact ARNs are described one by one, tags go through
the Resource Groups Tagging API (one paginated call per tag condition, 100 resources a page), and
wildcard ARNs list the resource type. Matching itself is domain logic (lambdas.domain.selections)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from lambdas.common.observability import logger
from lambdas.domain.arns import resource_type_of
from lambdas.domain.errors import BackupError
from lambdas.domain.selections import BackupSelectionInput, Resource, selects
from lambdas.resources.base import ResourceInfo
from lambdas.resources.registry import AdapterRegistry


class ResourceResolver(Protocol):
    def resolve(self, selections: Iterable[BackupSelectionInput]) -> list[Resource]: ...


class SelectionResolver:
    def __init__(self, tagging: Callable[[], Any], adapters: AdapterRegistry) -> None:
        self._tagging = tagging
        self._adapters = adapters

    def resolve(self, selections: Iterable[BackupSelectionInput]) -> list[Resource]:
        found: dict[str, Resource] = {}
        for selection in selections:
            for candidate in self._candidates(selection):
                if candidate.arn not in found and selects(selection, candidate):
                    found[candidate.arn] = candidate
        return sorted(found.values(), key=lambda resource: resource.arn)

    def _candidates(self, selection: BackupSelectionInput) -> Iterator[Resource]:
        for pattern in selection.Resources:
            if "*" in pattern:
                yield from self._listed(pattern)
            else:
                described = self._described(pattern)
                if described is not None:
                    yield described
        for condition in selection.ListOfTags:
            yield from self._tagged([{"Key": condition.ConditionKey, "Values": [condition.ConditionValue]}])
        if not selection.Resources and not selection.ListOfTags:
            equals = selection.Conditions.StringEquals
            yield from self._tagged([{"Key": c.ConditionKey, "Values": [c.ConditionValue]} for c in equals])

    def _described(self, arn: str) -> Resource | None:
        try:
            info = self._adapters.for_arn(arn).describe(arn)
        except BackupError as error:
            logger.warning("selected resource skipped", extra={"resource_arn": arn, "reason": error.message})
            return None
        return Resource(arn=info.arn, tags=info.tags)

    def _listed(self, pattern: str) -> Iterator[Resource]:
        adapters = self._adapters.all()
        # A wildcard in the service or type part leaves every type as a candidate.
        if pattern != "*":
            with contextlib.suppress(BackupError):
                adapters = [self._adapters.for_arn(pattern.replace("*", "x"))]
        for adapter in adapters:
            infos: Iterable[ResourceInfo] = adapter.list_resources()
            for info in infos:
                yield Resource(arn=info.arn, tags=info.tags)

    def _tagged(self, tag_filters: list[dict[str, Any]]) -> Iterator[Resource]:
        filters = [adapter.tagging_filter for adapter in self._adapters.all()]
        paginator = self._tagging().get_paginator("get_resources")
        for page in paginator.paginate(TagFilters=tag_filters, ResourceTypeFilters=filters, ResourcesPerPage=100):
            for mapping in page.get("ResourceTagMappingList", []):
                arn = mapping["ResourceARN"]
                try:
                    resource_type_of(arn)
                except BackupError:
                    continue
                yield Resource(arn=arn, tags={tag["Key"]: tag["Value"] for tag in mapping.get("Tags", [])})
