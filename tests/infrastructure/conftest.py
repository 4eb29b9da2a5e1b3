"""One synth per context for the whole infrastructure suite: the real app (cdk-nag included), offline.
A synth costs seconds of jsii; a context used by more than one file is synthesized here, once per worker."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import cx_api
from aws_cdk.assertions import Template

from infrastructure.synth import stack_template, synthesize
from tests.infrastructure.contexts import COPY_SOURCES


@pytest.fixture(scope="session")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> cx_api.CloudAssembly:
    return synthesize(outdir=str(tmp_path_factory.mktemp("cdk.out")))


@pytest.fixture(scope="session")
def template(assembly: cx_api.CloudAssembly) -> dict[str, Any]:
    return stack_template(assembly)


@pytest.fixture(scope="session")
def cdk_template(template: dict[str, Any]) -> Template:
    return Template.from_json(template)


@pytest.fixture(scope="session")
def validation_report(assembly: cx_api.CloudAssembly) -> dict[str, Any]:
    return json.loads((Path(assembly.directory) / "validation-report.json").read_text())


@pytest.fixture(scope="session")
def with_sources(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    """The stack of a deployment that accepts copies from two accounts (COPY_SOURCES), and its cdk-nag report."""
    outdir = tmp_path_factory.mktemp("with-sources")
    assembly = synthesize({"copy_source_accounts": ",".join(COPY_SOURCES)}, outdir=str(outdir))
    report = json.loads((outdir / "validation-report.json").read_text())
    return stack_template(assembly), report
