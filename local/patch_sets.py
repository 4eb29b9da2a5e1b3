"""Every patch set the local runtime applies to the emulator, in the order it applies them (local/patching.py says
how a set is applied and undone; docs/emulation.md how to write one). The runtime, the tests that need the whole
emulator as the runtime has it, and the benchmarks (through the runtime) all take the list from here.

What a resource type needs emulated is named by its own spec (TypeSpec.local_emulation, lambdas/resources/<type>/
spec.py), not here: the list below holds only what Strongroom itself needs of the emulator, and the types' sets
come from the registry (lambdas/resources/types.py), each module once, in the registry's order."""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from lambdas.resources.spec import TypeSpec
from lambdas.resources.types import TYPES
from local import (
    dynamodb_gaps,
    emulator_speed,
    iam_gaps,
    object_lock_clock,
    schedule_cache,
    scheduler_gaps,
    strict_events,
)
from local.emulator_gaps import InvocationLog, in_process
from local.patching import PatchSet


def for_types(specs: Iterable[TypeSpec] = TYPES) -> tuple[PatchSet, ...]:
    """The PATCHES of every module the types name for their local emulation, each module once (a module may be a
    stand-in instead, with an install(host) that local/type_stand_ins.py calls; one with neither is a mistake)."""
    modules = dict.fromkeys(module for spec in specs for module in spec.local_emulation)
    sets: list[PatchSet] = []
    for name in modules:
        module = importlib.import_module(name)
        patches = getattr(module, "PATCHES", None)
        if isinstance(patches, PatchSet):
            sets.append(patches)
        elif not callable(getattr(module, "install", None)):
            raise TypeError(f"{name}, named for a type's local emulation, has neither PATCHES nor install(host)")
    return tuple(sets)


# Stricter than moto, or filling what it lacks, for Strongroom's own services (each module's docstring says what AWS
# does and where it says so), then for the resource types (their specs name the modules).
GAPS: tuple[PatchSet, ...] = (
    strict_events.PATCHES,  # EventBridge refuses `aws.` sources
    dynamodb_gaps.PATCHES,  # transactions roll back what they touched, at the transaction's cost
    scheduler_gaps.PATCHES,  # schedule group refusals
    iam_gaps.PATCHES,  # SimulatePrincipalPolicy, for the Api function's per-operation authorization
    *for_types(),
)
# Costs, never answers; after the gaps they wrap (emulator_speed wraps dynamodb_gaps' Table.all_items).
SPEED: tuple[PatchSet, ...] = (schedule_cache.PATCHES, emulator_speed.PATCHES)
# On the engine's virtual clock: S3 retention (Strongroom's vault bucket) ends when the virtual time says.
CLOCK: tuple[PatchSet, ...] = (object_lock_clock.PATCHES,)


def runtime(log: InvocationLog | None = None) -> PatchSet:
    """What the local runtime applies at start and undoes at stop; `log` counts the in-process Lambda invokes."""
    return PatchSet("local runtime", [in_process(log), *GAPS, *SPEED, *CLOCK])
