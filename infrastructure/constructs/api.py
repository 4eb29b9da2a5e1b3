"""The Backup API: AWS Backup's REST API (rest-json) on API Gateway, IAM-authorized, one function behind it.

Every route of botocore's `backup` model (PUT /backup-vaults/{name}, PUT /backup/plans/, GET /backup-jobs/...)
reaches the Api function through one Lambda proxy integration; the function matches the route and validates
the input against the model, so API Gateway does neither.

Authorization happens in two steps. API Gateway's IAM authorization checks the SigV4 signature and
`execute-api:Invoke` (who may reach the API at all). The function then checks the AWS Backup action itself
(`backup:DeleteRecoveryPoint` on the point, `iam:PassRole` on a restore's role, ...) against the caller's
identity policies with `iam:SimulatePrincipalPolicy` (lambdas/api/authorization.py, docs/authorization.md), so
AWS's managed AWS Backup policies apply as they are. Per-route `execute-api` ARNs could not express
resource-level permissions (a vault, a recovery point) nor AWS Backup's action names.
"""

from __future__ import annotations

import json

from aws_cdk import CfnOutput, Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infrastructure import names
from infrastructure.constructs.nag import acknowledge

# Stage-wide defaults for every method; the account's API Gateway quota is shared, so stay well below it.
THROTTLING_RATE_LIMIT = 50
THROTTLING_BURST_LIMIT = 100

# What a browser page may send the API (allow_browser_origin): the methods of AWS Backup's routes, and the headers
# the AWS SDK for JavaScript signs or adds (CORS has no prefix wildcard: amz-sdk-* is spelled out).
CORS_METHODS = ("GET", "PUT", "POST", "DELETE")
CORS_HEADERS = (
    "Authorization",
    "Content-Type",
    "X-Amz-Date",
    "X-Amz-Security-Token",
    "X-Amz-Content-Sha256",
    "X-Amz-User-Agent",
    "amz-sdk-invocation-id",
    "amz-sdk-request",
)
# What the page may read of an answer beyond the basics: the SDK names an error from x-amzn-ErrorType.
CORS_EXPOSED_HEADERS = ("x-amzn-ErrorType", "x-amzn-RequestId")

# One JSON line per request. Requests refused before the function (a bad signature, a missing permission,
# throttling) are only visible here, so the error and the caller are logged; bodies never are.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "extendedRequestId": "$context.extendedRequestId",
        "requestTime": "$context.requestTime",
        "caller": "$context.identity.caller",
        "userArn": "$context.identity.userArn",
        "sourceIp": "$context.identity.sourceIp",
        "userAgent": "$context.identity.userAgent",
        "httpMethod": "$context.httpMethod",
        "path": "$context.path",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "responseLatency": "$context.responseLatency",
        "integrationStatus": "$context.integration.status",
        "integrationLatency": "$context.integration.latency",
        "errorMessage": "$context.error.message",
        "errorType": "$context.error.responseType",
        "xrayTraceId": "$context.xrayTraceId",
    }
)


class BackupApi(Construct):
    """A regional REST API: `ANY /` and `ANY /{proxy+}`, both IAM-authorized, proxied to the Api function."""

    def __init__(self, scope: Construct, construct_id: str, *, function: lambda_.IFunction) -> None:
        super().__init__(scope, construct_id)

        access_logs = logs.LogGroup(self, "AccessLogs", retention=names.LOG_RETENTION)
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=names.API_NAME,
            description="Strongroom: the AWS Backup API (SigV4-signed requests, IAM-authorized)",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # Every method requires a SigV4 signature and execute-api:Invoke on it.
            default_method_options=apigw.MethodOptions(authorization_type=apigw.AuthorizationType.IAM),
            default_integration=apigw.LambdaIntegration(function, proxy=True, allow_test_invoke=False),
            # API Gateway logs to CloudWatch only once the region's account settings name a role that may.
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name=names.API_STAGE_NAME,
                tracing_enabled=True,
                throttling_rate_limit=THROTTLING_RATE_LIMIT,
                throttling_burst_limit=THROTTLING_BURST_LIMIT,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.custom(ACCESS_LOG_FORMAT),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
            ),
        )
        self.rest_api.root.add_method("ANY")
        self.proxy = self.rest_api.root.add_proxy(any_method=True)

        # API Gateway would create the execution log group itself, kept forever; create it first, retained a month.
        execution_logs = logs.LogGroup(
            self,
            "ExecutionLogs",
            log_group_name=f"API-Gateway-Execution-Logs_{self.rest_api.rest_api_id}/{names.API_STAGE_NAME}",
            retention=names.LOG_RETENTION,
        )
        self.rest_api.deployment_stage.node.add_dependency(execution_logs)

        # The CLI and SDKs take this as their endpoint URL (the stage is part of it).
        self.rest_api.node.try_remove_child("Endpoint")
        self.endpoint = CfnOutput(
            self,
            "Endpoint",
            value=self.rest_api.url,
            description="The Backup API: aws backup --endpoint-url <this URL> (requests signed for execute-api)",
        )
        self.endpoint.override_logical_id(names.API_ENDPOINT_OUTPUT)

        self._acknowledge_findings()

    def allow_browser_origin(self, origin: str) -> None:
        """Let pages of one origin (the deployed console's) call the API from a browser, and read its answers.

        The browser's preflight OPTIONS carries no signature, so API Gateway answers it itself (a mock integration,
        no IAM authorization, never reaching the function) with only the methods and headers a SigV4-signed AWS SDK
        request uses. Refusals made before the function (a bad signature, throttling) get the origin through the
        DEFAULT_4XX/5XX gateway responses; the function's own answers through its environment (lambdas/handlers/api.py).
        """
        for resource in (self.rest_api.root, self.proxy):
            resource.add_cors_preflight(
                allow_origins=[origin],
                allow_methods=list(CORS_METHODS),
                allow_headers=list(CORS_HEADERS),
                expose_headers=list(CORS_EXPOSED_HEADERS),
                max_age=Duration.hours(1),
            )
        for kind in (apigw.ResponseType.DEFAULT_4_XX, apigw.ResponseType.DEFAULT_5_XX):
            self.rest_api.add_gateway_response(
                f"Cors{kind.response_type}",
                type=kind,
                response_headers={
                    "Access-Control-Allow-Origin": f"'{origin}'",
                    "Access-Control-Expose-Headers": f"'{', '.join(CORS_EXPOSED_HEADERS)}'",
                    "Vary": "'Origin'",
                },
            )
        # cdk-nag's APIG4 and COG4 leave OPTIONS methods alone: a preflight is unsigned by design.

    def _acknowledge_findings(self) -> None:
        acknowledge(
            self.rest_api,
            "COG4",
            "Callers are AWS principals: every method uses IAM authorization (SigV4, execute-api:Invoke), as "
            "AWS Backup's own API does; a Cognito user pool would add a second identity store.",
        )
        acknowledge(
            self.rest_api,
            "APIG2",
            "The function validates every request against botocore's backup model (the same shapes, limits "
            "and error names as AWS Backup); API Gateway request models would duplicate it and answer with "
            "errors the AWS CLI and SDKs do not understand.",
        )
        acknowledge(
            self.rest_api,
            "APIG3",
            "Only IAM-authenticated principals of the account can call the API and the stage is throttled; "
            "a WAF web ACL is a per-account cost and policy choice left to the operator (associate one with "
            "the stage if required).",
        )
        acknowledge(
            self.rest_api,
            "IAM4",
            "API Gateway's CloudWatch role is one setting per account and region, shared by every REST API "
            "there; AWS's managed AmazonAPIGatewayPushToCloudWatchLogs policy is what each of them expects.",
            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
        )
