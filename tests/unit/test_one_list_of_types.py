"""The registry (lambdas/resources/types.py) is the one list of resource types: no other module keeps a table per type.

A table per type outside the packages is how a new type gets forgotten (its cdk-nag reasons, its emulator patches,
its events): the guard reads every module of lambdas/, infrastructure/, local/ and scripts/ and refuses a literal
keyed by, or listing, the types: a dict whose keys name a type ("Redshift": ...) or one of a type's ARN kinds
(("redshift", "cluster"): ...), and a list, tuple or set naming two types or more; and an import, by name, of a
module a type's spec names for its local emulation (the local runtime takes those from the registry). What a type
needs goes into its package (lambdas/resources/<type>/), as data its spec carries, and the table is built from the
registry."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from lambdas.resources.spec import TypeSpec
from lambdas.resources.types import TYPES

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("lambdas", "infrastructure", "local", "scripts")
PACKAGES = ROOT / "lambdas" / "resources"

# Per-type tables left where they are, each saying why or where it belongs; none may be added.
KNOWN: dict[str, str] = {
    "lambdas/resources/grants.py": "the grant blocks several types share (EBS snapshots), with their wildcards' "
    "reasons: each type's spec takes them from there",
    "lambdas/domain/plans.py": "IndexAction's ResourceTypes, AWS Backup's own enum (the types AWS indexes), not a "
    "list of Strongroom's types",
    "lambdas/services/events.py": "the restore-object-failed event of S3: belongs in S3's spec (services are other "
    "helpers' to edit)",
    "lambdas/services/native_backup_import.py": "the listings of EBS and DynamoDB backups made elsewhere: belong in "
    "their adapters (list_native_backups), as the other types' are",
}


def _type_names(specs: tuple[TypeSpec, ...]) -> frozenset[str]:
    return frozenset(spec.resource_type for spec in specs)


def _type_kinds(specs: tuple[TypeSpec, ...]) -> frozenset[tuple[str, str]]:
    """The (service, resource kind) pairs that belong to one type: its ARN forms and the kinds its grants explain."""
    kinds = {(form.service, form.kind) for spec in specs for form in spec.arn_forms}
    kinds |= {kind for spec in specs for kind in spec.wildcard_reasons}
    return frozenset(kind for kind in kinds if kind[1])  # ("s3", "") names every S3 ARN, not a type's table


def _constant(node: ast.AST) -> object:
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        return None


def per_type_tables(source: str, names: frozenset[str], kinds: frozenset[tuple[str, str]]) -> list[str]:
    """Each literal in `source` keyed by types or kinds, or listing two types or more: "line N: what"."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            keys = [_constant(key) for key in node.keys if key is not None]
            typed = [key for key in keys if (isinstance(key, str) and key in names) or key in kinds]
            if typed:
                found.append(f"line {node.lineno}: a table keyed by {typed}")
        elif isinstance(node, ast.List | ast.Tuple | ast.Set):
            listed = [value for value in map(_constant, node.elts) if isinstance(value, str) and value in names]
            if len(listed) >= 2:
                found.append(f"line {node.lineno}: a list of types {listed}")
    return found


def named_imports(source: str, modules: frozenset[str]) -> list[str]:
    """Each import in `source` of one of `modules` (dotted paths), by name: "line N: module"."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        found += [f"line {node.lineno}: {module}" for module in imported if module in modules]
    return found


def _outside_the_packages() -> list[Path]:
    packages = {spec.parent for spec in PACKAGES.glob("*/spec.py")}
    registry = PACKAGES / "types.py"
    return [
        path
        for top in SCANNED
        for path in sorted((ROOT / top).rglob("*.py"))
        if path != registry and not any(package in path.parents for package in packages)
    ]


def test_given_the_modules_outside_the_packages_then_none_keeps_a_table_per_type() -> None:
    names, kinds = _type_names(TYPES), _type_kinds(TYPES)
    found = {
        str(path.relative_to(ROOT)): tables
        for path in _outside_the_packages()
        if (tables := per_type_tables(path.read_text(), names, kinds))
    }
    unexpected = {path: tables for path, tables in found.items() if path not in KNOWN}
    assert unexpected == {}, "move these into the types' packages (their specs) and build them from the registry"
    assert set(KNOWN) <= set(found), "a known table is gone: remove it from KNOWN"


def test_given_the_modules_outside_the_packages_then_none_imports_a_types_emulation_by_name() -> None:
    emulation = frozenset(module for spec in TYPES for module in spec.local_emulation)
    found = {
        str(path.relative_to(ROOT)): imports
        for path in _outside_the_packages()
        if (imports := named_imports(path.read_text(), emulation))
    }
    assert found == {}, "a type's emulation is applied through the registry (local/patch_sets.for_types)"


def test_given_the_registry_then_the_runtime_applies_each_types_patches_once() -> None:
    import importlib

    from local import patch_sets

    named = dict.fromkeys(module for spec in TYPES for module in spec.local_emulation)
    with_patches = [
        importlib.import_module(module).PATCHES for module in named if module.rsplit(".", 1)[1] != "stand_in"
    ]
    applied = [patch_set for patch_set in patch_sets.GAPS if any(patch_set is own for own in with_patches)]
    assert len(applied) == len(with_patches) == len(set(map(id, applied))) > 0


def test_given_the_registry_when_the_stand_ins_are_installed_then_each_answers_at_the_edge_until_undone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lambdas.common import aws
    from local import type_stand_ins
    from local.fakes.storagegateway import GatewayTagging

    # Given the edge of a runtime (its stand-ins) and no moto behind it (clients are made, never called)
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(variable, "test")
    host = type_stand_ins.StandInHost("us-east-1", "123456789012", {}, lambda service, region: None)

    # When the types' stand-ins are installed from the registry
    undo = type_stand_ins.install(host)
    try:
        # Then FSx and Storage Gateway answer at the edge, and the Tagging API lists gateway volumes
        assert set(host.stand_ins) == {"fsx", "storagegateway"}
        assert isinstance(aws.client("resourcegroupstaggingapi", "us-east-1"), GatewayTagging)
    finally:
        undo()
    # and undoing leaves the edge and the clients as they were
    assert host.stand_ins == {}
    assert not isinstance(aws.client("resourcegroupstaggingapi", "us-east-1"), GatewayTagging)


def test_given_a_type_naming_a_module_without_patches_then_the_runtime_refuses_to_start() -> None:
    from dataclasses import replace

    from local import patch_sets

    (redshift,) = [spec for spec in TYPES if spec.resource_type == "Redshift"]
    with pytest.raises(TypeError, match=r"local\.clock, named for a type's local emulation, has neither"):
        patch_sets.for_types([replace(redshift, local_emulation=("local.clock",))])
    with pytest.raises(ValueError, match="outside local/"):
        replace(redshift, local_emulation=("lambdas.resources.redshift.adapter",))


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ('REASONS = {("redshift", "cluster"): "named at run time"}', True),
        ('EVENTS = {"S3": "S3_RESTORE_OBJECT_FAILED"}', True),
        ('COPYABLE = ("EBS", "RDS")', True),
        ("from typing import Literal\nKinds = Literal['EBS', 'S3']", True),
        ('if resource_type == "S3":\n    pass', False),
        ('ONE = ["EBS"]', False),
        ('SHARED = {("kms", "key"): "vault keys"}', False),
    ],
)
def test_given_a_module_when_it_keys_or_lists_types_then_the_guard_names_it(source: str, caught: bool) -> None:
    assert bool(per_type_tables(source, _type_names(TYPES), _type_kinds(TYPES))) is caught


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("from local import redshift_gaps", True),
        ("import local.rds_gaps", True),
        ("from local.redshift_gaps import PATCHES", True),
        ("from local import strict_events", False),
    ],
)
def test_given_a_module_when_it_imports_a_types_emulation_then_the_guard_names_it(source: str, caught: bool) -> None:
    emulation = frozenset(module for spec in TYPES for module in spec.local_emulation)
    assert bool(named_imports(source, emulation)) is caught
