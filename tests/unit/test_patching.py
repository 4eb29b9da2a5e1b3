"""The one mechanism the local runtime patches moto with (local/patching.py): patches are applied in order and
undone in reverse, exactly, once, and a patch whose target moved is refused at once instead of lying idle."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

from local.patching import Patch, PatchSet, PatchTargetExists, PatchTargetMissing, resolve


class Base:
    def greet(self) -> str:
        return "base"


def _service() -> type[Any]:
    """A fresh stand-in for one of moto's classes (each test patches its own)."""

    class Service(Base):
        def answer(self) -> str:
            return "moto"

        @staticmethod
        def limit() -> int:
            return 10

        @property
        def state(self) -> str:
            return "creating"

    return Service


def _suffix(text: str) -> Any:
    return lambda found: lambda self: found(self) + text


def test_given_a_set_when_applied_then_each_patch_is_in_place_and_when_undone_everything_is_as_before() -> None:
    service = _service()
    raw_limit = vars(service)["limit"]
    patches = PatchSet(
        "example",
        [
            Patch.wrap(service, "answer", _suffix("+gap"), why="wraps"),
            Patch.replace(service, "limit", staticmethod(lambda: 100), why="AWS's quota"),
            Patch.replace(service, "state", property(lambda self: "available"), why="complete at once"),
            Patch.add(service, "lock", lambda self: "locked", why="moto lacks the action"),
        ],
    )

    undo = patches.apply()
    assert (service().answer(), service.limit(), service().state, service().lock()) == (
        "moto+gap",
        100,
        "available",
        "locked",
    )
    undo()

    assert (service().answer(), service.limit(), service().state) == ("moto", 10, "creating")
    assert vars(service)["limit"] is raw_limit  # the raw descriptor itself, not what getattr made of it
    assert not hasattr(service, "lock")
    assert not patches.active


def test_given_an_inherited_attribute_when_patched_and_undone_then_the_base_shows_through_again() -> None:
    service = _service()
    with PatchSet("inherited", [Patch.wrap(service, "greet", _suffix("!"), why="wraps the base's")]).applied():
        assert service().greet() == "base!"
        assert Base().greet() == "base"  # the base class itself untouched

    assert "greet" not in vars(service)  # not copied down from the base on undo
    Base.greet = lambda self: "changed base"  # type: ignore[method-assign]
    try:
        assert service().greet() == "changed base"
    finally:
        Base.greet = lambda self: "base"  # type: ignore[method-assign]


def test_given_an_instance_whose_method_comes_from_its_class_when_undone_then_no_copy_stays_on_the_instance() -> None:
    service = _service()
    instance = service()
    with PatchSet("instance", [Patch.replace(instance, "answer", lambda: "captured", why="per object")]).applied():
        assert instance.answer() == "captured"
    assert "answer" not in vars(instance)
    assert instance.answer() == "moto"


def test_given_patches_applied_in_order_then_they_are_undone_in_reverse() -> None:
    service = _service()
    seen: list[str] = []

    def step(name: str, attribute: str) -> PatchSet:
        return PatchSet(
            name,
            [Patch.wrap(service, attribute, lambda found: seen.append(f"apply {name}") or found, why=name)],
            before_undo=lambda: seen.append(f"undo {name}"),
        )

    with PatchSet("ordered", [step("first", "answer"), step("second", "limit")]).applied():
        # Each layer puts back what it found, whatever is there when it is undone.
        service.answer = lambda self: "changed meanwhile"  # type: ignore[method-assign]

    assert seen == ["apply first", "apply second", "undo second", "undo first"]
    assert service().answer() == "moto" and service.limit() == 10


def test_given_a_set_applied_twice_then_it_is_applied_once_and_comes_off_with_the_last_undo() -> None:
    service = _service()
    made: list[int] = []
    patches = PatchSet(
        "twice", [Patch.wrap(service, "answer", lambda found: made.append(1) or _suffix("+1")(found), why="x")]
    )

    runtime, test = patches.apply(), patches.apply()
    assert service().answer() == "moto+1" and made == [1]  # not wrapped twice
    test()
    assert service().answer() == "moto+1"  # the runtime still holds it
    test()  # undoing the same application again does nothing
    assert service().answer() == "moto+1"
    runtime()
    assert service().answer() == "moto"
    runtime()
    assert service().answer() == "moto"


def test_given_an_attribute_that_is_not_there_when_applied_then_it_is_refused_and_nothing_stays_patched() -> None:
    service = _service()
    patches = PatchSet(
        "renamed upstream",
        [
            Patch.wrap(service, "answer", _suffix("+gap"), why="applied before the refusal"),
            Patch.wrap(service, "answer_v2", _suffix("+gap"), why="the emulator renamed it"),
        ],
    )

    with pytest.raises(PatchTargetMissing, match=r"answer_v2.*the emulator renamed it"):
        patches.apply()

    assert service().answer() == "moto"  # the first patch taken off again
    assert not patches.active


def test_given_an_added_attribute_that_the_emulator_now_has_then_the_patch_is_refused() -> None:
    service = _service()
    with pytest.raises(PatchTargetExists, match="answer"):
        PatchSet("added upstream", [Patch.add(service, "answer", lambda self: "ours", why="moto lacked it")]).apply()
    assert service().answer() == "moto"


def test_given_two_sets_wrapping_one_attribute_when_the_inner_is_undone_first_then_the_outer_stays_whole() -> None:
    service = _service()
    inner = PatchSet("inner", [Patch.wrap(service, "answer", _suffix("+inner"), why="gap")])
    outer = PatchSet("outer", [Patch.wrap(service, "answer", _suffix("+outer"), why="speed")])
    undo_inner, undo_outer = inner.apply(), outer.apply()
    assert service().answer() == "moto+inner+outer"

    undo_inner()  # out of order: the outer patch is wrapped again around what is left
    assert service().answer() == "moto+outer"
    undo_outer()
    assert service().answer() == "moto"
    assert "answer" in vars(service)  # the class's own method back in place


def test_given_two_sets_wrapping_one_attribute_when_undone_in_reverse_then_each_step_is_as_it_was() -> None:
    service = _service()
    inner = PatchSet("inner", [Patch.wrap(service, "answer", _suffix("+inner"), why="gap")])
    outer = PatchSet("outer", [Patch.wrap(service, "answer", _suffix("+outer"), why="speed")])
    undo_inner, undo_outer = inner.apply(), outer.apply()
    undo_outer()
    assert service().answer() == "moto+inner"
    undo_inner()
    assert service().answer() == "moto"


def test_given_an_added_attribute_wrapped_by_another_set_when_the_add_goes_first_then_that_undo_is_refused() -> None:
    """A wrapper of what only an earlier patch added cannot outlive it: wrapped again, it would find nothing."""
    service = _service()
    undo_add = PatchSet("adds", [Patch.add(service, "lock", lambda self: "locked", why="moto lacks it")]).apply()
    undo_wrap = PatchSet("wraps", [Patch.wrap(service, "lock", _suffix("!"), why="wraps the added one")]).apply()

    with pytest.raises(PatchTargetMissing, match="wraps the added one"):
        undo_add()
    assert service().lock() == "locked!"  # nothing changed by the refused undo

    undo_wrap()
    assert service().lock() == "locked"
    undo_add()
    assert not hasattr(service, "lock")


def test_given_nested_sets_then_the_inner_set_is_shared_and_comes_off_with_its_last_holder() -> None:
    service = _service()
    shared = PatchSet("shared", [Patch.wrap(service, "answer", _suffix("+shared"), why="gap")])
    runtime = PatchSet("runtime", [shared, Patch.replace(service, "limit", staticmethod(lambda: 1), why="quota")])

    undo_runtime = runtime.apply()
    with shared.applied():  # a test that applies a set the runtime already holds
        assert service().answer() == "moto+shared"
    assert service().answer() == "moto+shared" and service.limit() == 1
    undo_runtime()
    assert service().answer() == "moto" and service.limit() == 10
    assert list(p.attribute for p in runtime.patches()) == ["answer", "limit"]


def test_given_an_import_path_then_the_target_is_resolved_only_when_applied() -> None:
    module = types.ModuleType("strongroom_patching_example")
    module.Service = _service()  # type: ignore[attr-defined]
    patches = PatchSet("lazy", [Patch.wrap(f"{module.__name__}:Service", "answer", _suffix("+lazy"), why="x")])
    sys.modules[module.__name__] = module  # declared before the module exists: nothing resolved yet
    try:
        assert resolve(f"{module.__name__}:Service") is module.Service  # type: ignore[attr-defined]
        with patches.applied():
            assert module.Service().answer() == "moto+lazy"  # type: ignore[attr-defined]
        assert module.Service().answer() == "moto"  # type: ignore[attr-defined]
    finally:
        del sys.modules[module.__name__]


def test_given_a_function_listing_patches_then_it_is_asked_at_each_application() -> None:
    first, second = _service(), _service()
    bound: list[type[Any]] = [first]
    patches = PatchSet("bindings", [lambda: [Patch.wrap(each, "answer", _suffix("+b"), why="x") for each in bound]])

    with patches.applied():
        assert first().answer() == "moto+b" and second().answer() == "moto"
    bound.append(second)
    with patches.applied():
        assert first().answer() == "moto+b" and second().answer() == "moto+b"
    assert first().answer() == second().answer() == "moto"


def test_given_hooks_then_they_run_after_applying_and_before_undoing() -> None:
    service = _service()
    seen: list[str] = []
    patches = PatchSet(
        "hooked",
        [Patch.wrap(service, "answer", _suffix("+h"), why="x")],
        after_apply=lambda: seen.append(service().answer()),
        before_undo=lambda: seen.append(service().answer()),
    )
    with patches.applied():
        pass
    assert seen == ["moto+h", "moto+h"]
