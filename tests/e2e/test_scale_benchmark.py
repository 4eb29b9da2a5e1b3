"""The scale benchmark keeps running, and keeps within its call budget: a small run of each mix completes every
job with at most 5 AWS calls per resource (every service counted). Timings are printed by the benchmark, never
asserted here."""

from __future__ import annotations

import pytest

from benchmarks import scale


@pytest.mark.parametrize("mix", [scale.DEFAULT_MIX, {"RDS": 1}], ids=["mixed", "rds"])
def test_given_a_rule_over_twenty_resources_when_benchmarked_then_every_job_completes_within_five_calls_each(
    mix: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the benchmark quiets Powertools for its run; restored for the tests after this one
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "ERROR")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    result = scale.run(20, mix)
    assert (result.jobs, result.completed) == (20, 20)
    calls = sum(result.calls.values()) / result.size
    assert calls <= 5, sorted(result.calls.items(), key=lambda kv: -kv[1])
    # and the fan-out ran: StartBackups queued, StartBackupBatch started
    assert result.invocations["strongroom-StartBackupBatch"] >= 1
    assert ("sqs", "SendMessageBatch") in result.calls
    assert "per job" in scale.report(result)
