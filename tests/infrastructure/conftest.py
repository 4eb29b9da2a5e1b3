"""One synth per context for the whole infrastructure suite: the real app (cdk-nag included), offline.
A synth costs about 25 s of CPU (jsii); a context used by more than one file is synthesized here once per run:
the first xdist worker to need it synthesizes it into the run's shared temporary directory, under a file lock,
and the other reads that cloud assembly (a synth is deterministic: same sources, same context, same template)."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import cx_api
from aws_cdk.assertions import Template

from infrastructure.synth import stack_template, synthesize
from tests.infrastructure.contexts import COPY_SOURCES


def synthesized_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, context: Mapping[str, str] | None = None
) -> Path:
    """The cloud assembly directory of the app under `context`, synthesized by whichever worker asked first."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if "PYTEST_XDIST_WORKER" in os.environ else base  # xdist: the run's, above each worker's
    outdir = shared / f"synth-{name}"
    with (shared / f"synth-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other worker waits here, then finds it done
        if not (outdir / "synthesized").exists():
            synthesize(context, outdir=str(outdir))
            (outdir / "synthesized").touch()
    return outdir


@pytest.fixture(scope="session")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> cx_api.CloudAssembly:
    return cx_api.CloudAssembly(str(synthesized_once(tmp_path_factory, "default")))


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
    outdir = synthesized_once(tmp_path_factory, "with-sources", {"copy_source_accounts": ",".join(COPY_SOURCES)})
    report = json.loads((outdir / "validation-report.json").read_text())
    return stack_template(cx_api.CloudAssembly(str(outdir))), report
