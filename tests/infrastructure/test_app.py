"""app.py synthesizes offline: no AWS credentials, no Docker, an environment-agnostic stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from infrastructure import names


def test_app_synthesizes_without_credentials_into_an_environment_agnostic_stack(tmp_path: Path) -> None:
    # Given a shell with no AWS credentials, profile or default account/region
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "CDK_DEFAULT_", "CDK_DEPLOY_"))
    }
    env["CDK_OUTDIR"] = str(tmp_path)
    # When app.py runs, as `cdk synth` would run it
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=names.PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # Then it succeeds (cdk-nag included) and writes the stack for any account and region
    assert result.returncode == 0, result.stderr[-4000:]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    stack = manifest["artifacts"][names.STACK_ID]
    assert stack["environment"] == "aws://unknown-account/unknown-region"
    assert (tmp_path / f"{names.STACK_ID}.template.json").is_file()


def test_cdk_json_runs_app_py_and_leaves_the_layer_to_the_tested_powertools_version() -> None:
    cdk_json = json.loads(names.CDK_JSON.read_text())
    assert cdk_json["app"] == "python3 app.py"
    # The layer follows lambdas/requirements.txt; a fixed layer number here would drift from what is tested
    assert "powertools_layer_version" not in cdk_json.get("context", {})
