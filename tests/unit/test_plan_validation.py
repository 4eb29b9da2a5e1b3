"""Plans are validated the way AWS Backup validates them, with AWS Backup's error names."""

from __future__ import annotations

from typing import Any

import pytest

from lambdas.domain.errors import InvalidParameterValueException, MissingParameterValueException
from lambdas.domain.plans import BackupPlanInput
from lambdas.domain.validation import parse_model


def plan(**rule: Any) -> dict[str, Any]:
    return {"BackupPlanName": "p", "Rules": [{"RuleName": "r", "TargetBackupVaultName": "vault", **rule}]}


def test_given_a_minimal_rule_when_parsed_then_aws_defaults_apply() -> None:
    parsed = parse_model(BackupPlanInput, plan())
    rule = parsed.Rules[0]
    assert (rule.ScheduleExpression, rule.StartWindowMinutes, rule.CompletionWindowMinutes) == (
        "cron(0 5 ? * * *)",
        480,
        10080,
    )
    assert rule.ScheduleExpressionTimezone == "Etc/UTC"


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ({"Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 100}}, "at least 90 days after"),
        ({"ScheduleExpression": "cron(0 5 * * * *)"}, "day-of-month and day-of-week"),
        ({"ScheduleExpression": "cron(0 5 ? * *)"}, "cron"),
        ({"ScheduleExpression": "rate(1 day)"}, "not a cron expression"),
        ({"ScheduleExpression": "cron(0/30 * ? * * *)"}, "more often than once an hour"),
        ({"StartWindowMinutes": 59}, "at least 60 minutes"),
        ({"StartWindowMinutes": 120, "CompletionWindowMinutes": 150}, "greater than StartWindowMinutes"),
        ({"ScheduleExpressionTimezone": "Mars/Olympus"}, "Mars/Olympus"),
        ({"RuleName": "has space"}, "RuleName"),
        ({"Lifecycle": {"DeleteAfterDays": 0}}, "DeleteAfterDays"),
    ],
)
def test_given_an_invalid_rule_when_parsed_then_invalid_parameter_value_names_the_problem(
    rule: dict[str, Any], words: str
) -> None:
    with pytest.raises(InvalidParameterValueException) as raised:
        parse_model(BackupPlanInput, plan(**rule))
    assert words in raised.value.message


def test_given_eleven_rules_when_parsed_then_refused_as_over_the_limit() -> None:
    rules = [{"RuleName": f"r{i}", "TargetBackupVaultName": "vault"} for i in range(11)]
    with pytest.raises(InvalidParameterValueException, match="at most 10 rules"):
        parse_model(BackupPlanInput, {"BackupPlanName": "p", "Rules": rules})


def test_given_two_rules_with_one_name_when_parsed_then_refused() -> None:
    rules = [{"RuleName": "daily", "TargetBackupVaultName": "vault"}] * 2
    with pytest.raises(InvalidParameterValueException, match="repeated: daily"):
        parse_model(BackupPlanInput, {"BackupPlanName": "p", "Rules": rules})


def test_given_a_rule_without_a_vault_when_parsed_then_missing_parameter() -> None:
    with pytest.raises(MissingParameterValueException, match="TargetBackupVaultName"):
        parse_model(BackupPlanInput, {"BackupPlanName": "p", "Rules": [{"RuleName": "r"}]})


def test_given_a_cold_tier_exactly_90_days_before_deletion_when_parsed_then_accepted() -> None:
    parsed = parse_model(BackupPlanInput, plan(Lifecycle={"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 120}))
    assert parsed.Rules[0].Lifecycle is not None
    assert parsed.Rules[0].Lifecycle.DeleteAfterDays == 120
