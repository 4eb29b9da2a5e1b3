"""The web console's own logic (schedules in words and next runs, RPO periods, which plan covers which resource:
console/src/schedule.js and estate.js) is JavaScript; its tests are node's (console/test/). This runs them in
pytest, so `make test` fails when they do."""

from __future__ import annotations

import shutil
import subprocess

from tests.e2e.serve_process import ROOT


def test_the_consoles_javascript_unit_tests_pass() -> None:
    node = shutil.which("node")
    assert node, "node is needed for the console (make setup installs its packages with npm)"
    run = subprocess.run(
        [node, "--test", "console/test/"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout and "# pass 0" not in run.stdout  # they ran, and none failed
