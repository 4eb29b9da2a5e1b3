"""docs/api.md's API coverage table is the one the model and the registry give today (it cannot drift)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_api_doc_shows_the_current_api_coverage() -> None:
    spec = importlib.util.spec_from_file_location("api_coverage", ROOT / "scripts" / "api_coverage.py")
    assert spec and spec.loader
    coverage = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(coverage)
    readme = (ROOT / "docs" / "api.md").read_text()
    assert coverage.START in readme, "docs/api.md lost its API coverage markers"
    assert coverage.readme_with_table(readme) == readme, "run: python scripts/api_coverage.py --readme"
