"""cdk-nag (AWS Solutions): no finding goes unaddressed, and every acknowledgment says why."""

from __future__ import annotations

from typing import Any


def _aws_solutions(report: dict[str, Any]) -> dict[str, Any]:
    (plugin,) = [p for p in report["pluginReports"] if p["pluginName"] == "AwsSolutions"]
    return plugin


def test_aws_solutions_checks_pass(validation_report: dict[str, Any]) -> None:
    # Given the app synthesized with cdk-nag's AWS Solutions pack
    plugin = _aws_solutions(validation_report)
    # Then no finding is left unacknowledged
    assert plugin["violations"] == []
    assert plugin["conclusion"] == "success"


def test_every_acknowledged_finding_has_a_reason(validation_report: dict[str, Any]) -> None:
    suppressed = _aws_solutions(validation_report)["suppressedViolations"]
    assert suppressed, "expected the known, explained findings (IAM5 wildcards, L1 runtime pin)"
    for finding in suppressed:
        assert len(finding.get("reason", "").strip()) >= 20, finding["ruleName"]


def test_only_wildcards_and_the_runtime_pin_are_acknowledged(validation_report: dict[str, Any]) -> None:
    # A new kind of acknowledged finding (say, an unencrypted resource) must be a deliberate change here.
    rules = {f["ruleName"].split("[")[0] for f in _aws_solutions(validation_report)["suppressedViolations"]}
    assert rules == {"AwsSolutions-IAM5", "AwsSolutions-L1"}
