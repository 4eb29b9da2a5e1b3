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
    def stream(
        self, selections: Iterable[BackupSelectionInput], opted_out: frozenset[str] = frozenset()
    ) -> Iterator[Resource]:
        """The selected resources as they are found (each once), a page of the tagging API at a time."""

    def resolve(
        self, selections: Iterable[BackupSelectionInput], opted_out: frozenset[str] = frozenset()
    ) -> list[Resource]:
        """opted_out: resource types the Region does not back up; a tag or a wildcard never selects them,
        an exact ARN still does."""


class SelectionResolver:
    def __init__(self, tagging: Callable[[], Any], adapters: AdapterRegistry) -> None:
        self._tagging = tagging
        self._adapters = adapters

    def stream(
        self, selections: Iterable[BackupSelectionInput], opted_out: frozenset[str] = frozenset()
    ) -> Iterator[Resource]:
        seen: set[str] = set()  # ARNs only: a resource found by two selections or conditions is sent once
        for selection in selections:
            for candidate in self._candidates(selection, opted_out):
                if candidate.arn not in seen and selects(selection, candidate):
                    seen.add(candidate.arn)
                    yield candidate

    def resolve(
        self, selections: Iterable[BackupSelectionInput], opted_out: frozenset[str] = frozenset()
    ) -> list[Resource]:
        return sorted(self.stream(selections, opted_out), key=lambda resource: resource.arn)

    def _candidates(self, selection: BackupSelectionInput, opted_out: frozenset[str]) -> Iterator[Resource]:
        for pattern in selection.Resources:
            if "*" in pattern:
                yield from self._listed(pattern, opted_out)
            else:
                described = self._described(pattern)
                if described is not None:
                    yield described
        for condition in selection.ListOfTags:
            tag_filter = [{"Key": condition.ConditionKey, "Values": [condition.ConditionValue]}]
            yield from self._tagged(tag_filter, opted_out)
        if not selection.Resources and not selection.ListOfTags:
            equals = selection.Conditions.StringEquals
            yield from self._tagged([{"Key": c.ConditionKey, "Values": [c.ConditionValue]} for c in equals], opted_out)

    def _described(self, arn: str) -> Resource | None:
        try:
            info = self._adapters.for_arn(arn).describe(arn)
        except BackupError as error:
            logger.warning("selected resource skipped", extra={"resource_arn": arn, "reason": error.message})
            return None
        return Resource(arn=info.arn, tags=info.tags)

    def _listed(self, pattern: str, opted_out: frozenset[str]) -> Iterator[Resource]:
        adapters = [a for a in self._adapters.all() if a.resource_type not in opted_out]
        # A wildcard in the service or type part leaves every type as a candidate.
        if pattern != "*":
            with contextlib.suppress(BackupError):
                adapters = [a for a in [self._adapters.for_arn(pattern.replace("*", "x"))] if a in adapters]
        for adapter in adapters:
            infos: Iterable[ResourceInfo] = adapter.list_resources()
            for info in infos:
                yield Resource(arn=info.arn, tags=info.tags)

    def _tagged(self, tag_filters: list[dict[str, Any]], opted_out: frozenset[str]) -> Iterator[Resource]:
        filters = [a.tagging_filter for a in self._adapters.all() if a.resource_type not in opted_out]
        if not filters:
            return
        paginator = self._tagging().get_paginator("get_resources")
        for page in paginator.paginate(TagFilters=tag_filters, ResourceTypeFilters=filters, ResourcesPerPage=100):
            for mapping in page.get("ResourceTagMappingList", []):
                arn = mapping["ResourceARN"]
                try:
                    resource_type_of(arn)  # a tagged resource of a type Strongroom cannot protect is not a candidate
                    if opted_out and self._adapters.resource_type_of(arn) in opted_out:
                        continue
                except BackupError:
                    continue
                yield Resource(arn=arn, tags={tag["Key"]: tag["Value"] for tag in mapping.get("Tags", [])})
