"""SigV4 verification for the local edge, standing in for API Gateway's IAM authorization: the request
must be signed with a known access key and its secret, or it gets the 403 AWS would give."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request,\s*"
    r"SignedHeaders=(?P<signed>[^,]+),\s*Signature=(?P<signature>[0-9a-f]+)"
)


class SignatureRejected(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SignedRequest:
    method: str
    url: str  # scheme://host/raw-path?raw-query, as the client signed it
    headers: dict[str, str]
    body: bytes


def verify(request: SignedRequest, secrets: dict[str, str]) -> str:
    """Returns the access key that signed the request; raises SignatureRejected otherwise."""
    lowered = {k.lower(): v for k, v in request.headers.items()}
    match = _AUTHORIZATION.match(lowered.get("authorization", ""))
    if match is None:
        raise SignatureRejected("MissingAuthenticationTokenException", "Missing Authentication Token")
    access_key = match["key"]
    secret = secrets.get(access_key)
    if secret is None:
        raise SignatureRejected("UnrecognizedClientException", "The security token included in the request is invalid.")
    signed_names = match["signed"].split(";")
    headers = {name: lowered[name] for name in signed_names if name in lowered}
    aws_request = AWSRequest(method=request.method, url=request.url, data=request.body, headers=headers)
    aws_request.context["timestamp"] = lowered.get("x-amz-date", "")
    auth = SigV4Auth(
        Credentials(access_key, secret, lowered.get("x-amz-security-token")), match["service"], match["region"]
    )
    canonical = auth.canonical_request(aws_request)
    expected = auth.signature(auth.string_to_sign(aws_request, canonical), aws_request)
    if not hmac.compare_digest(expected, match["signature"]):
        raise SignatureRejected(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method.",
        )
    return access_key
