"""scripts/run_moto_backup_tests.py's summary: a failure of moto's tests is expected only when listed with the
reason (moto-only behaviour, with AWS's evidence, or not implemented); any other failure makes the run fail,
and a listed test that passes is pointed out so the list does not go stale."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
  <testcase classname="test_backup" name="test_create_backup_vault" />
  <testcase classname="test_backup" name="test_list_backup_plans"><failure message="vault" /></testcase>
  <testcase classname="test_backup" name="test_backup_vault_lock_immutable"><skipped message="server" /></testcase>
  {extra}
</testsuite></testsuites>"""


@pytest.fixture(scope="module")
def runner() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_moto", ROOT / "scripts" / "run_moto_backup_tests.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def summarize(runner: ModuleType, tmp_path: Path, extra: str = "") -> tuple[list[str], bool]:
    report = tmp_path / "results.xml"
    report.write_text(JUNIT.format(extra=extra))
    lines, as_expected = runner.summary(runner.outcomes(report))
    return list(lines), bool(as_expected)


def test_given_only_listed_failures_when_summarized_then_counts_reasons_and_success(
    runner: ModuleType, tmp_path: Path
) -> None:
    # Given a run whose one failure is a test listed as relying on moto-only behaviour
    lines, as_expected = summarize(runner, tmp_path)
    # Then the counts, the failure under its evidence, and the run as expected
    assert lines[0] == "moto's AWS Backup tests against Strongroom: 1 passed, 1 failed, 1 skipped"
    assert "create-a-vault.html" in lines[1] and lines[2] == "    test_backup.py::test_list_backup_plans"
    assert as_expected


def test_given_a_failure_nobody_listed_when_summarized_then_the_run_fails_naming_it(
    runner: ModuleType, tmp_path: Path
) -> None:
    extra = '<testcase classname="test_backup" name="test_tag_resource"><error message="500" /></testcase>'
    lines, as_expected = summarize(runner, tmp_path, extra)
    assert "  UNEXPECTED failure: test_backup.py::test_tag_resource" in lines
    assert not as_expected


def test_given_a_listed_test_that_now_passes_when_summarized_then_the_list_is_flagged_stale(
    runner: ModuleType, tmp_path: Path
) -> None:
    extra = '<testcase classname="test_backup_report_plans" name="test_create_report_plan" />'
    lines, _ = summarize(runner, tmp_path, extra)
    assert any("passed (update the lists): test_backup_report_plans.py::test_create_report_plan" in x for x in lines)
