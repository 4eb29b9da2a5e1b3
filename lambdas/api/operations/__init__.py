"""The registry of implemented AWS Backup operations: name (as in botocore's model) -> implementation.

An implementation takes the service context, the parsed input (model member names, model types) and the
time, and returns the output as a dict of model member names. Modules register with @operation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from lambdas.services.context import ServiceContext

Operation = Callable[[ServiceContext, dict[str, Any], datetime], dict[str, Any]]
REGISTRY: dict[str, Operation] = {}


def operation(name: str) -> Callable[[Operation], Operation]:
    def register(implementation: Operation) -> Operation:
        if name in REGISTRY:
            raise ValueError(f"operation {name} registered twice")
        REGISTRY[name] = implementation
        return implementation

    return register


def load_all() -> dict[str, Operation]:
    """Imports every operations module once, so each registers its operations."""
    from lambdas.api.operations import catalog  # noqa: F401

    return REGISTRY
