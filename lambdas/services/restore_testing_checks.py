"""The data checks of restore testing, by resource type (the Protocol: lambdas/domain/restore_testing/checks.py;
each type's check: lambdas/resources/<type>/validation.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from lambdas.domain.restore_testing.checks import RestoreCheck, Verdict


class RestoreChecks:
    def __init__(self, checks: Iterable[RestoreCheck]) -> None:
        self._by_type = {check.resource_type: check for check in checks}

    def for_type(self, resource_type: str) -> RestoreCheck | None:
        return self._by_type.get(resource_type)

    def record(self, resource_type: str, resource_arn: str) -> dict[str, str]:
        """The record of a completed backup; empty for a type with no check yet. A source that cannot be read
        leaves the record empty: the backup still counts, and the check then says it had nothing to compare."""
        check = self._by_type.get(resource_type)
        if check is None:
            return {}
        try:
            return check.record(resource_arn)
        except Exception:  # noqa: BLE001 - a record is a courtesy to a later test, never a reason to fail a backup
            return {}

    def supported_types(self) -> list[str]:
        return sorted(self._by_type)


ClientFactory = Callable[[str], Callable[[], Any]]


def build_restore_checks(client: ClientFactory) -> RestoreChecks:
    """The checks Strongroom ships; a type without one is tested by its restore completing (docs/restore-testing.md)."""
    from lambdas.resources.dynamodb import validation as dynamodb
    from lambdas.resources.s3 import validation as s3

    return RestoreChecks([dynamodb.build(client), s3.build(client)])


__all__ = ["RestoreCheck", "RestoreChecks", "Verdict", "build_restore_checks"]
