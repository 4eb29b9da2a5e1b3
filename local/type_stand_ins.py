"""Each resource type's stand-in, installed from the registry: a type whose service the emulator lacks (Storage
Gateway) or answers too little of (FSx restores and copies) names, in its spec's local_emulation
(lambdas/resources/<type>/spec.py), a module under local/ with `install(host) -> undo`. The local runtime installs
every such module once, in the registry's order, at start, and undoes them in reverse at stop; a module may have
PATCHES as well (local/patch_sets.py applies those). No type is named here."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from lambdas.resources.spec import TypeSpec
from lambdas.resources.types import TYPES

Undo = Callable[[], None]


@dataclass(frozen=True)
class StandInHost:
    """What a stand-in is installed into: the runtime's default Region and account, the edge's stand-ins (a signed
    service's name -> the WSGI app that answers it instead of moto), and clients that reach moto itself, past the
    edge (a stand-in that fills moto's gaps asks moto for the rest)."""

    region: str
    account: str
    stand_ins: dict[str, Any]
    moto_client: Callable[[str, str], Any]  # (service, region) -> a boto3 client of moto's own service


def install(host: StandInHost, specs: Iterable[TypeSpec] = TYPES) -> Undo:
    """Installs the stand-in of every module the types name that has one; the undo removes them all."""
    undos: list[Undo] = []
    for module in dict.fromkeys(module for spec in specs for module in spec.local_emulation):
        installer = getattr(importlib.import_module(module), "install", None)
        if installer is not None:
            undos.append(installer(host))

    def undo() -> None:
        for one in reversed(undos):
            one()

    return undo
