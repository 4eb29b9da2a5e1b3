"""The local edge's door to Strongroom's AWS Backup API: verify the SigV4 signature as API Gateway's IAM
authorization would, turn the HTTP request into the API Gateway proxy event the Api function receives
in the cloud, and run that function's handler in process."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from local.emulator_gaps import InvocationLog, invoke_in_process
from local.iam_identity import LocalIdentities, LocalIdentity
from local.sigv4 import SignatureRejected, SignedRequest, verify

StartResponse = Callable[..., Any]
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")


def _status_line(code: int) -> str:
    from http import HTTPStatus

    return f"{code} {HTTPStatus(code).phrase}"


def _event_body(body: bytes) -> dict[str, Any]:
    """The body as API Gateway hands it to the function: text, or base64 when it is not UTF-8 (as for a
    binary media type), so bytes that are not text reach the function's own refusal, not a crash here."""
    if not body:
        return {"body": None, "isBase64Encoded": False}
    try:
        return {"body": body.decode("utf-8"), "isBase64Encoded": False}
    except UnicodeDecodeError:
        return {"body": base64.b64encode(body).decode(), "isBase64Encoded": True}


class BackupApiApp:
    def __init__(
        self,
        handler: str,
        function_name: str,
        environment: Callable[[], dict[str, str]],
        secrets: dict[str, str],
        account: str,
        log: InvocationLog | None = None,
        region: str = "us-east-1",
    ) -> None:
        self._account = account
        self._region = region  # a signature's credential scope must name it, as API Gateway's Region
        self._handler = handler
        self._function_name = function_name
        self._environment = environment
        self._identities = LocalIdentities(secrets, account)
        self._log = log

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
        raw_path, _, raw_query = raw_uri.partition("?")
        headers = {
            key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                headers[key.replace("_", "-").title()] = environ[key]
        url = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', 'localhost')}{raw_uri}"
        identity = self._signer(headers)
        secrets = {identity.access_key: identity.secret} if identity else {}
        try:
            access_key = verify(SignedRequest(environ["REQUEST_METHOD"], url, headers, body), secrets, self._region)
        except SignatureRejected as rejected:
            return self._respond(
                start_response,
                403,
                {"Content-Type": "application/json", "x-amzn-ErrorType": rejected.code},
                json.dumps({"message": rejected.message}),
            )
        query = parse_qs(raw_query, keep_blank_values=True)
        event = {
            "resource": "/{proxy+}",
            "path": raw_path,
            "httpMethod": environ["REQUEST_METHOD"],
            "headers": headers,
            "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
            "multiValueQueryStringParameters": query or None,
            "pathParameters": {"proxy": raw_path.lstrip("/")},
            "requestContext": {
                "requestId": headers.get("Amz-Sdk-Invocation-Id", "local"),
                "stage": "local",
                # what API Gateway's IAM authorization hands the function about the signer
                "identity": {
                    "accessKey": access_key,
                    "accountId": identity.account if identity else self._account,
                    "userArn": identity.arn if identity else "",
                    "sourceIp": environ.get("REMOTE_ADDR", "127.0.0.1"),
                },
            },
            **_event_body(body),
        }
        payload, errored = invoke_in_process(self._handler, self._function_name, self._environment(), event, self._log)
        if errored:
            return self._respond(start_response, 502, {"Content-Type": "application/json"}, payload)
        answer = json.loads(payload)
        return self._respond(
            start_response, answer["statusCode"], answer.get("headers") or {}, answer.get("body") or ""
        )

    def _signer(self, headers: dict[str, str]) -> LocalIdentity | None:
        """The identity of the access key the Authorization header names (root, an emulated IAM user or role
        session), whose secret then verifies the signature; None for a key nobody has."""
        authorization = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        match = _CREDENTIAL.search(authorization)
        return self._identities.find(match.group(1)) if match else None

    @staticmethod
    def _respond(start_response: StartResponse, status: int, headers: dict[str, str], body: str) -> list[bytes]:
        data = body.encode()
        start_response(_status_line(status), [*headers.items(), ("Content-Length", str(len(data)))])
        return [data]
