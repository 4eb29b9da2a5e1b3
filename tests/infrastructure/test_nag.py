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


# What is acknowledged, and why, in one place. A new kind of acknowledged finding (say, an unencrypted
# resource) must be a deliberate change here.
ACKNOWLEDGED_RULES = {
    "AwsSolutions-IAM5",  # wildcards scoped to a resource type, an account and a region (permissions.py)
    "AwsSolutions-L1",  # the runtime is pinned with the Powertools layer and the local runtime
    "AwsSolutions-IAM4",  # API Gateway's account-wide CloudWatch role uses AWS's managed policy
    "AwsSolutions-COG4",  # the Backup API is IAM-authorized, not Cognito
    "AwsSolutions-APIG2",  # the Api function validates requests against botocore's backup model
    "AwsSolutions-APIG3",  # WAF is the operator's choice; callers are IAM principals of the account
    "AwsSolutions-S1",  # the vault bucket is reached by Strongroom's roles only; CloudTrail data events audit it
}


def test_only_the_known_kinds_of_finding_are_acknowledged(validation_report: dict[str, Any]) -> None:
    rules = {f["ruleName"].split("[")[0] for f in _aws_solutions(validation_report)["suppressedViolations"]}
    assert rules == ACKNOWLEDGED_RULES


def test_managed_policies_are_acknowledged_only_for_api_gateways_cloudwatch_role(
    validation_report: dict[str, Any],
) -> None:
    # Given the acknowledged IAM4 findings (an AWS managed policy attached to a role)
    managed = [
        f
        for f in _aws_solutions(validation_report)["suppressedViolations"]
        if f["ruleName"].startswith("AwsSolutions-IAM4")
    ]
    # Then there is one: the policy API Gateway's account-level logging role needs, on that role only
    (finding,) = managed
    assert finding["ruleName"] == (
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]"
    )
    assert [c["constructPath"] for c in finding["violatingConstructs"]] == [
        "Strongroom/Api/RestApi/CloudWatchRole/Resource"
    ]


def test_server_access_logging_is_acknowledged_only_for_the_vault_bucket(validation_report: dict[str, Any]) -> None:
    # Given the acknowledged S1 findings (a bucket without server access logs)
    unlogged = [
        f for f in _aws_solutions(validation_report)["suppressedViolations"] if f["ruleName"] == "AwsSolutions-S1"
    ]
    # Then there is one, on the vault storage bucket: a new bucket must log, or say why not
    (finding,) = unlogged
    assert [c["constructPath"] for c in finding["violatingConstructs"]] == ["Strongroom/Storage/VaultBucket/Resource"]
