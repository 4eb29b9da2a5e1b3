"""The data checks of restore testing, by resource type (the Protocol: lambdas/domain/restore_testing/checks.py;
each type's check: lambdas/resources/<type>/validation.py, found by its package: a package with a validation
module whose build(client) gives the type's check)."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Iterable
from typing import Any

import lambdas.resources
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


def validation_modules() -> list[str]:
    """lambdas.resources.<package>.validation of every resource package that has one (a type gains its check
    with that module alone; rds_family's is the four RDS types' shared code, built by their own modules)."""
    found = []
    for package in pkgutil.iter_modules(lambdas.resources.__path__):
        if not package.ispkg:
            continue
        name = f"lambdas.resources.{package.name}.validation"
        if importlib.util.find_spec(name) is not None:
            found.append(name)
    return sorted(found)


def build_restore_checks(client: ClientFactory) -> RestoreChecks:
    """The checks Strongroom ships, one per type (docs/restore-testing.md)."""
    modules = [importlib.import_module(name) for name in validation_modules()]
    return RestoreChecks(module.build(client) for module in modules if hasattr(module, "build"))


__all__ = ["RestoreCheck", "RestoreChecks", "Verdict", "build_restore_checks", "validation_modules"]
