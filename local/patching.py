"""One way to patch the emulator: a patch is data, a patch set applies a list of them and undoes exactly that.

The local runtime makes moto as strict as AWS, fills what moto lacks and removes what moto wastes, by replacing
attributes of moto's classes and modules (docs/emulation.md lists the sets). Each replacement is a `Patch`: where
(an object, or an import path resolved only when applied, so declaring a patch imports nothing), which attribute,
the value put there (made from the value found there, when it wraps it), and why (the AWS behaviour it matches,
from the page that says so). A `PatchSet` applies its members in order and undoes them in reverse.

Guarantees, each tested in tests/unit/test_patching.py:
- A patch of an attribute that is not there is refused when applied (`PatchTargetMissing`): a moto upgrade
  that renames what we patch fails at start, loudly, instead of leaving a patch that nothing calls. A patch
  that adds what moto lacks (`Patch.add`) is refused when moto has it (`PatchTargetExists`): time to drop it.
- A set applied twice is applied once; each `apply()` hands back its own undo, and the set comes off when the
  last one is undone (a test may apply a set the runtime already holds). Undoing twice does nothing.
- Undo puts back exactly what was there: the object's own value, or nothing when the attribute was inherited
  (a class attribute shows through an instance again, a base class's method through a subclass).
- Several patches of one attribute stack; undoing one that others have wrapped since takes it out of the stack
  and wraps the others again around what is left, so no patch is lost and none lingers.
- A set that fails half-way (a missing attribute) takes off what it had applied before raising."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeAlias

_ABSENT: Any = object()  # "the object had no value of its own under that name"
_lock = threading.RLock()


class PatchTargetMissing(LookupError):
    """The attribute a patch replaces is not there: the emulator changed under the patch."""


class PatchTargetExists(LookupError):
    """The attribute a patch adds is there already: the emulator gained it, the patch may go."""


def resolve(target: object) -> Any:
    """An object as given, or the one an import path names: "package.module" or "package.module:Name.attr"."""
    if not isinstance(target, str):
        return target
    module_name, _, attributes = target.partition(":")
    found: Any = importlib.import_module(module_name)
    for name in filter(None, attributes.split(".")):
        found = getattr(found, name)
    return found


def _name(target: object) -> str:
    if isinstance(target, str):
        return target
    return str(getattr(target, "__qualname__", None) or getattr(target, "__name__", None) or type(target).__name__)


@dataclass(frozen=True)
class Patch:
    """`target.attribute` replaced by `make(what is there)`, for the reason `why`."""

    target: object  # the object, or an import path (see resolve)
    attribute: str
    make: Callable[[Any], object]
    why: str
    adds: bool = False  # the emulator lacks the attribute altogether (an operation moto does not implement)

    @classmethod
    def wrap(cls, target: object, attribute: str, make: Callable[[Any], object], *, why: str) -> Patch:
        """The value is made from the value found there (which it usually calls)."""
        return cls(target, attribute, make, why)

    @classmethod
    def replace(cls, target: object, attribute: str, value: object, *, why: str) -> Patch:
        """The value found there is set aside whole."""
        return cls(target, attribute, lambda _found: value, why)

    @classmethod
    def add(cls, target: object, attribute: str, value: object, *, why: str) -> Patch:
        """An attribute the target lacks (refused when it has it)."""
        return cls(target, attribute, lambda _found: value, why, adds=True)

    def describe(self) -> str:
        return f"{_name(self.target)}.{self.attribute}"


def _own(owner: Any, attribute: str) -> Any:
    """The owner's own value under the name (a class's raw descriptor, not what getattr makes of it), or _ABSENT
    when it has none (inherited, or not there at all)."""
    try:
        return vars(owner).get(attribute, _ABSENT)
    except TypeError:  # an object without __dict__ (slots): its attributes are its own
        return getattr(owner, attribute, _ABSENT)


@dataclass(eq=False)
class _Layer:
    """One patch in place on one owner: what it put there, and what was the owner's own before it."""

    patch: Patch
    owner: Any
    before: Any = _ABSENT

    def put(self) -> None:
        name = self.patch.attribute
        self.before = _own(self.owner, name)
        found = None if self.patch.adds else getattr(self.owner, name)
        setattr(self.owner, name, self.patch.make(found))

    def take_off(self) -> None:
        if self.before is _ABSENT:
            delattr(self.owner, self.patch.attribute)  # what was inherited shows through again
        else:
            setattr(self.owner, self.patch.attribute, self.before)


# (id of the owner, attribute) -> the layers in place, bottom first. A layer holds its owner, so the id stays its.
_stacks: dict[tuple[int, str], list[_Layer]] = {}


def _check(patch: Patch, owner: Any, stack: list[_Layer]) -> None:
    there = bool(stack) or hasattr(owner, patch.attribute)
    emulator_has_it = there and not (stack and stack[0].patch.adds)
    if patch.adds and emulator_has_it:
        raise PatchTargetExists(f"{patch.describe()} exists: the emulator has it now, this patch may go ({patch.why})")
    if not patch.adds and not there:
        raise PatchTargetMissing(
            f"{patch.describe()} is not there: the emulator changed, so this patch must be rewritten ({patch.why})"
        )


def _put(patch: Patch) -> _Layer:
    owner = resolve(patch.target)
    stack = _stacks.setdefault((id(owner), patch.attribute), [])
    _check(patch, owner, stack)
    layer = _Layer(patch, owner)
    layer.put()
    stack.append(layer)
    return layer


def _take_off(layer: _Layer) -> None:
    key = (id(layer.owner), layer.patch.attribute)
    stack = _stacks[key]
    at = stack.index(layer)
    above = stack[at + 1 :]
    if layer.patch.adds and above:
        raise PatchTargetMissing(
            f"{layer.patch.describe()} was added by a patch others wrap since ({above[0].patch.why}): undo those first"
        )
    for each in reversed(above):  # later patches wrapped this one: off first, then wrapped again around the rest
        each.take_off()
    layer.take_off()
    del stack[at:]
    for each in above:
        each.put()
        stack.append(each)
    if not stack:
        del _stacks[key]


# A member of a set: a patch, another set, or a function listing patches when the set is applied (for a name
# bound in modules that are only known then).
Member: TypeAlias = "Patch | PatchSet | Callable[[], Iterable[Patch]]"


class Applied:
    """One application of a set: call it (or `.undo()`) to take it back; twice does nothing."""

    def __init__(self, patch_set: PatchSet) -> None:
        self._set: PatchSet | None = patch_set

    def undo(self) -> None:
        with _lock:
            if self._set is not None:
                self._set._release()  # spent only once it has worked: a refused undo may be asked again
                self._set = None

    __call__ = undo


@dataclass(eq=False)
class PatchSet:
    """Patches applied together, in order, and undone together, in reverse. `after_apply` and `before_undo` are
    for state the patches keep beside moto (a cache to start afresh, records to forget)."""

    name: str
    members: Sequence[Member]
    after_apply: Callable[[], None] | None = None
    before_undo: Callable[[], None] | None = None
    _holders: int = field(default=0, init=False)
    _undo: list[Callable[[], None]] = field(default_factory=list, init=False)

    @property
    def active(self) -> bool:
        return self._holders > 0

    def apply(self) -> Applied:
        with _lock:
            if self._holders == 0:
                self._apply_members()
            self._holders += 1
            return Applied(self)

    @contextmanager
    def applied(self) -> Iterator[None]:
        undo = self.apply()
        try:
            yield
        finally:
            undo()

    def patches(self) -> Iterator[Patch]:
        """Every patch the set declares, nested sets included (functions listing patches are not called)."""
        for member in self.members:
            if isinstance(member, Patch):
                yield member
            elif isinstance(member, PatchSet):
                yield from member.patches()

    def _apply_members(self) -> None:
        try:
            for member in self.members:
                if isinstance(member, PatchSet):
                    self._undo.append(member.apply())
                elif isinstance(member, Patch):
                    self._undo.append(_layer_undo(_put(member)))
                else:
                    for patch in member():
                        self._undo.append(_layer_undo(_put(patch)))
            if self.after_apply is not None:
                self.after_apply()
        except BaseException:
            self._unwind()
            raise

    def _release(self) -> None:
        if self._holders == 1:
            if self.before_undo is not None:
                self.before_undo()
            self._unwind()
        self._holders -= 1

    def _unwind(self) -> None:
        while self._undo:
            self._undo[-1]()
            self._undo.pop()


def _layer_undo(layer: _Layer) -> Callable[[], None]:
    return lambda: _take_off(layer)
