"""Restore testing's check of RDS DB instances: the RDS family's, written once (rds_family/validation.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lambdas.resources.rds_family.validation import RdsFamilyValidation, instance_check


def build(client: Callable[[str], Callable[[], Any]]) -> RdsFamilyValidation:
    return instance_check(client("rds"))
