"""The web console deployed (`-c console=true`): files only CloudFront can read, sign-in for administrator-created
people only, a signed-in role that reaches this API and the console's AWS Backup actions only, and an API that
answers the console's origin, and no other, from a browser."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from infrastructure import constants, names
from infrastructure.constructs.api import CORS_HEADERS
from infrastructure.constructs.console_site import CONSOLE_BACKUP_ACTIONS
from infrastructure.synth import stack_template, synthesize
from lambdas.common.env_keys import ENV_CONSOLE_ORIGIN
from tests.infrastructure import reading

Template = dict[str, Any]


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> tuple[Template, dict[str, Any]]:
    """The stack with the console, and its cdk-nag report."""
    outdir = tmp_path_factory.mktemp("with-console")
    assembly = synthesize({names.CONSOLE_CONTEXT: "true"}, outdir=str(outdir))
    return stack_template(assembly), json.loads((Path(outdir) / "validation-report.json").read_text())


@pytest.fixture(scope="module")
def template(console: tuple[Template, dict[str, Any]]) -> Template:
    return console[0]


def _only(template: Template, resource_type: str) -> tuple[str, dict[str, Any]]:
    found = reading.resources(template, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {len(found)}"
    ((logical_id, resource),) = found.items()
    return logical_id, resource


def _text(value: Any) -> str:
    """A (possibly joined) template value as text, GetAtt as <Id.Attr>, so equal values compare equal however split."""
    if isinstance(value, dict) and "Fn::Join" in value:
        delimiter, parts = value["Fn::Join"]
        return str(delimiter).join(_text(part) for part in parts)
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return "<{}.{}>".format(*value["Fn::GetAtt"])
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    return str(value)


def _origin(template: Template) -> dict[str, Any]:
    """The console's origin as the template spells it: https:// and the distribution's domain name."""
    distribution_id, _ = _only(template, "AWS::CloudFront::Distribution")
    return {"Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution_id, "DomainName"]}]]}


def test_the_bucket_is_private_and_readable_only_by_the_distribution(template: Template) -> None:
    # Given the console's bucket and the distribution in front of it
    bucket_id, bucket = _console_bucket(template)
    distribution_id, distribution = _only(template, "AWS::CloudFront::Distribution")
    properties = bucket["Properties"]
    # Then nothing public gets in, and what is stored is encrypted
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    # And the bucket policy refuses plain HTTP, and lets CloudFront read objects for this distribution only
    (policy,) = [
        p["Properties"]
        for p in reading.resources(template, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]
    statements = policy["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
    )
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert len(allows) == 1
    (allow,) = allows
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert reading.as_list(allow["Action"]) == ["s3:GetObject"]
    assert reading.mentions(allow["Condition"]["StringEquals"]["AWS:SourceArn"], distribution_id)
    # And the distribution reaches it through origin access control (signed requests), never an OAI
    (origin,) = distribution["Properties"]["DistributionConfig"]["Origins"]
    assert origin["S3OriginConfig"].get("OriginAccessIdentity", "") == ""
    oac_id, oac = _only(template, "AWS::CloudFront::OriginAccessControl")
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": [oac_id, "Id"]}
    assert oac["Properties"]["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    assert not reading.resources(template, "AWS::CloudFront::CloudFrontOriginAccessIdentity")


def _console_bucket(template: Template) -> tuple[str, dict[str, Any]]:
    """The bucket the distribution's origin names (the stack has other buckets: the vault's)."""
    _, distribution = _only(template, "AWS::CloudFront::Distribution")
    (origin,) = distribution["Properties"]["DistributionConfig"]["Origins"]
    bucket_id = origin["DomainName"]["Fn::GetAtt"][0]
    return bucket_id, reading.resources(template, "AWS::S3::Bucket")[bucket_id]


def test_the_distribution_serves_https_only_with_security_headers(template: Template) -> None:
    # Given the distribution's one behavior
    _, distribution = _only(template, "AWS::CloudFront::Distribution")
    behavior = distribution["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    # Then plain HTTP is redirected, and only reads are allowed
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["AllowedMethods"] == ["GET", "HEAD"]
    # And every answer carries the security headers: HSTS, nosniff, no framing, a CSP allowing only own scripts
    policy_id, policy = _only(template, "AWS::CloudFront::ResponseHeadersPolicy")
    assert behavior["ResponseHeadersPolicyId"] == {"Ref": policy_id}
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    csp = json.dumps(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp


def test_only_administrators_create_users_and_mfa_is_required(template: Template) -> None:
    # Given the console's user pool
    _, pool = _only(template, "AWS::Cognito::UserPool")
    properties = pool["Properties"]
    # Then nobody signs up on their own, passwords are strong and a second factor (TOTP) is required
    assert properties["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    passwords = properties["Policies"]["PasswordPolicy"]
    assert passwords["MinimumLength"] >= 14
    assert all(passwords[key] for key in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"))
    assert properties["MfaConfiguration"] == "ON"
    assert properties["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    # And the console's client keeps no secret and signs in with the code flow (PKCE) back to the console only
    _, client = _only(template, "AWS::Cognito::UserPoolClient")
    client_properties = client["Properties"]
    assert client_properties["GenerateSecret"] is False
    assert client_properties["AllowedOAuthFlows"] == ["code"]
    assert [_text(url) for url in client_properties["CallbackURLs"]] == [f"{_text(_origin(template))}/"]


def test_unauthenticated_identities_are_off(template: Template) -> None:
    # Given the identity pool
    pool_id, pool = _only(template, "AWS::Cognito::IdentityPool")
    properties = pool["Properties"]
    # Then only people signed in to the console's user pool get credentials, through the enhanced flow only
    assert properties["AllowUnauthenticatedIdentities"] is False
    assert properties["AllowClassicFlow"] is False
    (provider,) = properties["CognitoIdentityProviders"]
    assert provider["ServerSideTokenCheck"] is True
    # And it hands out one role, for authenticated identities only
    _, attachment = _only(template, "AWS::Cognito::IdentityPoolRoleAttachment")
    assert set(attachment["Properties"]["Roles"]) == {"authenticated"}
    assert attachment["Properties"]["IdentityPoolId"] == {"Ref": pool_id}


def _signed_in_role(template: Template) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (role_id, role)
        for role_id, role in reading.resources(template, "AWS::IAM::Role").items()
        if role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
        == {"Federated": "cognito-identity.amazonaws.com"}
    ]
    return found


def test_the_signed_in_role_trusts_authenticated_identities_of_this_pool_only(template: Template) -> None:
    pool_id, _ = _only(template, "AWS::Cognito::IdentityPool")
    _, role = _signed_in_role(template)
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert trust["Condition"] == {
        "StringEquals": {"cognito-identity.amazonaws.com:aud": {"Ref": pool_id}},
        "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
    }


def test_the_signed_in_role_reaches_this_api_and_the_consoles_actions_only(template: Template) -> None:
    # Given the signed-in role's policies
    role_id, _ = _signed_in_role(template)
    statements = reading.statements_of_role(template, role_id)
    api_id, _ = _only(template, "AWS::ApiGateway::RestApi")
    # Then API Gateway lets it invoke this API's stage and nothing else
    (invoke,) = [s for s in statements if "execute-api:Invoke" in reading.as_list(s["Action"])]
    assert reading.as_list(invoke["Action"]) == ["execute-api:Invoke"]
    (resource,) = reading.as_list(invoke["Resource"])
    assert reading.mentions(resource, api_id) and f"/{names.API_STAGE_NAME}/" in json.dumps(resource)
    # And beside it, only what Strongroom's per-operation authorization checks for the console's calls: the
    # AWS Backup actions the console uses, passing the default backup role to AWS Backup, reading tags
    assert reading.actions(statements) == {
        "execute-api:Invoke",
        *CONSOLE_BACKUP_ACTIONS,
        "iam:PassRole",
        "tag:GetResources",
    }
    assert not [a for a in reading.actions(statements) if "*" in a or a.startswith(("backup:Delete", "backup:Put"))]
    (pass_role,) = [s for s in statements if "iam:PassRole" in reading.as_list(s["Action"])]
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "backup.amazonaws.com"}}
    assert "role/service-role/AWSBackupDefaultServiceRole" in json.dumps(pass_role["Resource"])
    # And the console calls no AWS Backup operation its people are not allowed (console/src names each command)
    sources = " ".join(path.read_text() for path in (names.PROJECT_ROOT / "console" / "src").rglob("*.js"))
    used = {f"backup:{name}" for name in re.findall(r"\b([A-Z]\w+)Command\b", sources)} - {"backup:GetResources"}
    assert used == set(CONSOLE_BACKUP_ACTIONS)


def test_the_api_answers_preflights_for_the_console_origin_only(template: Template) -> None:
    # Given the API's OPTIONS methods, one on / and one on /{proxy+}
    options = [m["Properties"] for m in reading.resources(template, "AWS::ApiGateway::Method").values()]
    preflights = [m for m in options if m["HttpMethod"] == "OPTIONS"]
    assert len(preflights) == 2
    for method in preflights:
        # Then API Gateway answers them itself (a browser's preflight is unsigned), never reaching the function
        assert method["AuthorizationType"] == "NONE"
        assert method["Integration"]["Type"] == "MOCK"
        (answer,) = method["Integration"]["IntegrationResponses"]
        parameters = answer["ResponseParameters"]
        # With the console's origin, and only the headers a SigV4-signed SDK request carries
        origin = parameters["method.response.header.Access-Control-Allow-Origin"]
        assert _text(origin) == f"'{_text(_origin(template))}'"
        allowed = parameters["method.response.header.Access-Control-Allow-Headers"].strip("'").split(",")
        assert allowed == list(CORS_HEADERS)
        assert "Access-Control-Allow-Credentials" not in json.dumps(parameters)
    # And every other method still requires a SigV4 signature
    assert all(m["AuthorizationType"] == "AWS_IAM" for m in options if m["HttpMethod"] != "OPTIONS")


def test_refusals_before_the_function_carry_the_console_origin(template: Template) -> None:
    # Given API Gateway's own answers (a refused signature, throttling, an integration failure)
    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in reading.resources(template, "AWS::ApiGateway::GatewayResponse").values()
    }
    # Then the 4XX and 5XX defaults carry the console's origin, so the page can show why it was refused
    assert set(responses) >= {"DEFAULT_4XX", "DEFAULT_5XX"}
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        origin = responses[kind]["ResponseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"]
        assert _text(origin) == f"'{_text(_origin(template))}'"


def test_the_api_function_knows_the_console_origin(template: Template) -> None:
    # The function's own answers (lambdas/handlers/api.py) name the origin its environment gives
    variables = reading.function(template, constants.API)[1]["Environment"]["Variables"]
    assert _text(variables[ENV_CONSOLE_ORIGIN]) == _text(_origin(template))


def test_the_outputs_give_the_url_and_the_config(template: Template) -> None:
    outputs = template["Outputs"]
    assert {
        names.CONSOLE_URL_OUTPUT,
        names.CONSOLE_BUCKET_OUTPUT,
        names.CONSOLE_DISTRIBUTION_OUTPUT,
        names.CONSOLE_USER_POOL_OUTPUT,
        names.CONSOLE_CONFIG_OUTPUT,
    } <= set(outputs)
    config = json.dumps(outputs[names.CONSOLE_CONFIG_OUTPUT]["Value"])
    for key in ("signingName", "execute-api", "identityPoolId", "clientId", "userPoolId", "endpoint", "region"):
        assert key in config


# The findings the console adds, each acknowledged with its reason in console_site.py or api.py.
CONSOLE_ACKNOWLEDGED_RULES = {
    "AwsSolutions-CFR1",  # who may use the console is decided at sign-in, not by country
    "AwsSolutions-CFR2",  # WAF is the operator's choice; the distribution serves static files
    "AwsSolutions-CFR3",  # standard logs need an ACL-enabled bucket; the API has its own access log
    "AwsSolutions-CFR4",  # the default *.cloudfront.net certificate: CloudFront fixes its minimum protocol
    "AwsSolutions-COG8",  # threat protection needs the Plus plan, billed per active user
    "AwsSolutions-S1",  # the bucket holds the built console only, read by CloudFront alone
}


def test_the_console_is_cdk_nag_clean_and_says_why(console: tuple[Template, dict[str, Any]]) -> None:
    # Given the stack with the console, checked by cdk-nag's AWS Solutions pack
    (plugin,) = [p for p in console[1]["pluginReports"] if p["pluginName"] == "AwsSolutions"]
    # Then nothing is left unaddressed, and every acknowledgment has a reason
    assert plugin["violations"] == []
    assert plugin["conclusion"] == "success"
    for finding in plugin["suppressedViolations"]:
        assert len(finding.get("reason", "").strip()) >= 20, finding["ruleName"]
    # And the console's kinds of acknowledged finding are exactly those known here
    rules = {
        finding["ruleName"].split("[")[0]
        for finding in plugin["suppressedViolations"]
        if any("/Console/" in c["constructPath"] for c in finding["violatingConstructs"])
    }
    assert rules == CONSOLE_ACKNOWLEDGED_RULES | {"AwsSolutions-IAM5"}
