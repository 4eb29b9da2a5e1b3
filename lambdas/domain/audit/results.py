"""Compliance results: per resource per control, rolled up per control and per framework."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Compliance(StrEnum):
    COMPLIANT = "COMPLIANT"
    NON_COMPLIANT = "NON_COMPLIANT"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


class ResourceResult(BaseModel):
    """One resource's status under one control of one framework, since `Since` (when it last changed)."""

    model_config = ConfigDict(frozen=True)

    FrameworkName: str
    ControlIndex: int  # a framework may use one control twice, with two scopes
    ControlName: str
    ResourceId: str
    ResourceType: str
    Status: Compliance
    # For NON_COMPLIANT and INSUFFICIENT_DATA: why, in words, and what would fix it.
    Reason: str | None = None
    Since: datetime
    EvaluatedAt: datetime


class ControlResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    FrameworkName: str
    ControlIndex: int
    ControlName: str
    Status: Compliance
    Compliant: int
    NonCompliant: int
    InsufficientData: int
    EvaluatedAt: datetime
    ControlScope: str = ""
    ControlParameters: str = ""


def roll_up(statuses: Iterable[Compliance]) -> Compliance:
    """Any NON_COMPLIANT makes the whole NON_COMPLIANT; else COMPLIANT if anything complied; else (nothing in
    scope, or only unknowns) INSUFFICIENT_DATA."""
    seen = set(statuses)
    if Compliance.NON_COMPLIANT in seen:
        return Compliance.NON_COMPLIANT
    return Compliance.COMPLIANT if Compliance.COMPLIANT in seen else Compliance.INSUFFICIENT_DATA


class FrameworkResult(BaseModel):
    """A framework's status: its controls' statuses rolled up."""

    model_config = ConfigDict(frozen=True)

    FrameworkName: str
    Status: Compliance
    CompliantControls: int
    NonCompliantControls: int
    EvaluatedAt: datetime
