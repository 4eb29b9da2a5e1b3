"""The web console, deployed: its files in a private bucket behind CloudFront, and people signing in with Cognito.

- The bucket is private (public access blocked, SSL only, SSE-S3) and CloudFront reads it through origin access
  control: the bucket policy lets cloudfront.amazonaws.com read objects only for this distribution (aws:SourceArn).
- Sign-in is Cognito's hosted UI (authorization code with PKCE: no server of ours) on a user pool where only an
  administrator creates users, then the identity pool exchanges the ID token for short-lived credentials of one
  role. That role may reach this API (execute-api:Invoke) and hold the AWS Backup actions the console calls, which
  Strongroom's per-operation authorization checks against the caller's own policies (docs/authorization.md).
- The API answers the console's origin only (BackupApi.allow_browser_origin).
- The files are uploaded after `cdk deploy` (docs/deploying.md): the page reads `config.json`, the ConsoleConfig
  output. A BucketDeployment would add a Lambda function and its wildcard role to every deployment for a copy.
"""

from __future__ import annotations

from aws_cdk import Aws, CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infrastructure import names
from infrastructure.constructs.api import BackupApi
from infrastructure.constructs.nag import acknowledge, printed

# The AWS Backup actions the console calls (console/src): what its people may do, and nothing the console cannot.
CONSOLE_BACKUP_ACTIONS = (
    "backup:CreateBackupPlan",
    "backup:CreateBackupSelection",
    "backup:DescribeBackupJob",
    "backup:DescribeBackupVault",
    "backup:DescribeCopyJob",
    "backup:DescribeRecoveryPoint",
    "backup:DescribeRestoreJob",
    "backup:GetBackupPlan",
    "backup:GetBackupPlanFromTemplate",
    "backup:GetBackupSelection",
    "backup:GetBackupVaultAccessPolicy",
    "backup:GetBackupVaultNotifications",
    "backup:GetRecoveryPointRestoreMetadata",
    "backup:GetSupportedResourceTypes",
    "backup:ListBackupJobs",
    "backup:ListBackupPlanTemplates",
    "backup:ListBackupPlans",
    "backup:ListBackupSelections",
    "backup:ListBackupVaults",
    "backup:ListCopyJobs",
    "backup:ListProtectedResources",
    "backup:ListRecoveryPointsByBackupVault",
    "backup:ListRestoreJobs",
    "backup:StartBackupJob",
    "backup:StartRestoreJob",
    "backup:UpdateRecoveryPointLifecycle",
)
# The role the console hands to StartBackupJob and CreateBackupSelection (docs/console.md).
CONSOLE_BACKUP_ROLE = "service-role/AWSBackupDefaultServiceRole"
SESSION_LENGTH = Duration.hours(1)


class ConsoleSite(Construct):
    """Bucket, distribution, user pool, identity pool and the signed-in role; outputs the URL and config.json."""

    def __init__(self, scope: Construct, construct_id: str, *, api: BackupApi) -> None:
        super().__init__(scope, construct_id)
        region = Stack.of(self).region

        self.bucket = s3.Bucket(
            self,
            "Files",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            # Only the built console: nothing to lose, and a retained bucket never blocks `cdk destroy`.
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.sign_in_domain = f"strongroom-{Aws.ACCOUNT_ID}"
        sign_in_host = f"{self.sign_in_domain}.auth.{region}.amazoncognito.com"
        api_host = f"{api.rest_api.rest_api_id}.execute-api.{region}.{Aws.URL_SUFFIX}"
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="Strongroom web console",
            default_root_object="index.html",
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=_security_headers(
                    self,
                    connect=(
                        f"https://{api_host}",
                        f"https://{sign_in_host}",
                        f"https://cognito-identity.{region}.amazonaws.com",
                        f"https://tagging.{region}.amazonaws.com",
                    ),
                ),
            ),
        )
        self.url = f"https://{self.distribution.distribution_domain_name}"
        api.allow_browser_origin(self.url)

        self.user_pool = cognito.UserPool(
            self,
            "People",
            self_sign_up_enabled=False,  # an administrator creates each user (docs/console.md)
            sign_in_aliases=cognito.SignInAliases(username=True, email=True),
            standard_attributes=cognito.StandardAttributes(email=cognito.StandardAttribute(required=True)),
            password_policy=cognito.PasswordPolicy(
                min_length=14,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.ESSENTIALS,
            user_invitation=cognito.UserInvitationConfig(
                email_subject="Your Strongroom console account",
                email_body=f"Sign in to the Strongroom console at {self.url}/ as {{username}} with the temporary "
                "password {####}, then choose your own and set up an authenticator app.",
            ),
            # The users are the console's people only; a deleted stack leaves no pool behind.
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.user_pool.add_domain(
            "SignIn", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=self.sign_in_domain)
        )
        self.client = self.user_pool.add_client(
            "Console",
            generate_secret=False,  # a page cannot keep a secret: PKCE instead
            auth_flows=cognito.AuthFlow(user_srp=True),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[cognito.OAuthScope.OPENID],
                callback_urls=[f"{self.url}/"],
                logout_urls=[f"{self.url}/"],
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            prevent_user_existence_errors=True,
            id_token_validity=SESSION_LENGTH,
            access_token_validity=SESSION_LENGTH,
            refresh_token_validity=Duration.hours(12),
        )
        self.identity_pool = cognito.CfnIdentityPool(
            self,
            "Identities",
            allow_unauthenticated_identities=False,
            allow_classic_flow=False,
            cognito_identity_providers=[
                cognito.CfnIdentityPool.CognitoIdentityProviderProperty(
                    client_id=self.client.user_pool_client_id,
                    provider_name=self.user_pool.user_pool_provider_name,
                    server_side_token_check=True,
                )
            ],
        )
        self.signed_in_role = self._signed_in_role(api)
        cognito.CfnIdentityPoolRoleAttachment(
            self,
            "IdentityRoles",
            identity_pool_id=self.identity_pool.ref,
            roles={"authenticated": self.signed_in_role.role_arn},
        )

        CfnOutput(self, "Url", value=f"{self.url}/", description="The web console").override_logical_id(
            names.CONSOLE_URL_OUTPUT
        )
        CfnOutput(
            self, "Bucket", value=self.bucket.bucket_name, description="Upload console/dist here"
        ).override_logical_id(names.CONSOLE_BUCKET_OUTPUT)
        CfnOutput(
            self, "DistributionId", value=self.distribution.distribution_id, description="Invalidate after an upload"
        ).override_logical_id(names.CONSOLE_DISTRIBUTION_OUTPUT)
        CfnOutput(
            self,
            "UserPoolId",
            value=self.user_pool.user_pool_id,
            description="aws cognito-idp admin-create-user --user-pool-id <this> (docs/console.md)",
        ).override_logical_id(names.CONSOLE_USER_POOL_OUTPUT)
        CfnOutput(
            self,
            "Config",
            value=Stack.of(self).to_json_string(
                {
                    "region": region,
                    "endpoint": api.rest_api.url,
                    "signingName": "execute-api",
                    "cognito": {
                        "domain": f"https://{sign_in_host}",
                        "clientId": self.client.user_pool_client_id,
                        "userPoolId": self.user_pool.user_pool_id,
                        "identityPoolId": self.identity_pool.ref,
                    },
                }
            ),
            description="The console's config.json (docs/deploying.md)",
        ).override_logical_id(names.CONSOLE_CONFIG_OUTPUT)
        self._acknowledge_findings()

    def _signed_in_role(self, api: BackupApi) -> iam.Role:
        role = iam.Role(
            self,
            "SignedInRole",
            description="Strongroom console: a person signed in through the identity pool",
            max_session_duration=SESSION_LENGTH,
            assumed_by=iam.FederatedPrincipal(
                "cognito-identity.amazonaws.com",
                conditions={
                    "StringEquals": {"cognito-identity.amazonaws.com:aud": self.identity_pool.ref},
                    "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
                },
                assume_role_action="sts:AssumeRoleWithWebIdentity",
            ),
        )
        # API Gateway's door: this API's one stage, any route (the function checks each operation).
        self.api_routes = api.rest_api.arn_for_execute_api("*", "/*", names.API_STAGE_NAME)
        role.add_to_policy(iam.PolicyStatement(actions=["execute-api:Invoke"], resources=[self.api_routes]))
        # What Strongroom's per-operation authorization simulates for this role (lambdas/api/authorization.py).
        role.add_to_policy(iam.PolicyStatement(actions=list(CONSOLE_BACKUP_ACTIONS), resources=["*"]))
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/{CONSOLE_BACKUP_ROLE}"],
                conditions={"StringEquals": {"iam:PassedToService": "backup.amazonaws.com"}},
            )
        )
        # The estate's tagged resources (docs/console.md "The estate"): read-only, AWS's own endpoint.
        role.add_to_policy(iam.PolicyStatement(actions=["tag:GetResources"], resources=["*"]))
        return role

    def _acknowledge_findings(self) -> None:
        acknowledge(
            self.bucket,
            "S1",
            "The bucket holds only the built console, read by CloudFront alone (origin access control); its "
            "uploads are in CloudTrail. Server access logs would log CloudFront's reads of public files.",
        )
        acknowledge(
            self.distribution,
            "CFR1",
            "Who may use the console is decided at sign-in (Cognito, MFA), not by country.",
        )
        acknowledge(
            self.distribution,
            "CFR2",
            "The distribution serves static files only; every API call is IAM-authorized at API Gateway. A WAF web "
            "ACL is a per-account cost and policy choice left to the operator.",
        )
        acknowledge(
            self.distribution,
            "CFR3",
            "Standard logs need an ACL-enabled log bucket; the files are the same for everyone and the API, where "
            "the data is, has its own access log. Enable logging if your policy requires it.",
        )
        acknowledge(
            self.distribution,
            "CFR4",
            "The distribution uses CloudFront's default *.cloudfront.net certificate, whose minimum protocol "
            "CloudFront fixes; a custom domain and certificate (TLSv1.2_2021) is the operator's choice.",
        )
        acknowledge(
            self.user_pool,
            "COG8",
            "Threat protection (advanced security) needs the Plus feature plan, billed per monthly active user; the "
            "pool has no self sign-up, administrator-created users and required TOTP MFA.",
        )
        acknowledge(
            self.signed_in_role,
            "IAM5",
            "AWS Backup's read and start actions the console calls apply to every vault, plan and job the console "
            "lists; Strongroom's Api function checks each against these policies (per-operation authorization).",
            "Resource::*",
        )
        acknowledge(
            self.signed_in_role,
            "IAM5",
            "Any route of this API's one stage: the Api function authorizes each operation itself.",
            f"Resource::{printed(self, self.api_routes)}",
        )


def _security_headers(scope: Construct, *, connect: tuple[str, ...]) -> cloudfront.ResponseHeadersPolicy:
    """The page may run only its own script and style and talk only to the API, sign-in and credential hosts."""
    policy = "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self' " + " ".join(connect),
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )
    return cloudfront.ResponseHeadersPolicy(
        scope,
        "SecurityHeaders",
        comment="Strongroom web console: security headers",
        security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
            content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                content_security_policy=policy, override=True
            ),
            strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                access_control_max_age=Duration.days(365), include_subdomains=True, override=True
            ),
            content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
            frame_options=cloudfront.ResponseHeadersFrameOptions(
                frame_option=cloudfront.HeadersFrameOption.DENY, override=True
            ),
            referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
            ),
        ),
    )
