"""The local edge checks SigV4 as API Gateway's IAM authorization does (local/sigv4.py): each story signs a
request with botocore's own signer, then changes one thing a client or an attacker could change."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from local.sigv4 import SignatureRejected, SignedRequest, verify

URL = "http://127.0.0.1:4566/backup-vaults/vault-a"
SECRETS = {"test": "test"}
REGION = "us-east-1"
BODY = b'{"BackupVaultTags": {"team": "a"}}'


def _signed(
    body: bytes = BODY,
    service: str = "backup",
    region: str = REGION,
    secret: str = "test",
    extra: dict[str, str] | None = None,
) -> SignedRequest:
    headers = {"Content-Type": "application/json", **(extra or {})}
    request = AWSRequest(method="PUT", url=URL, data=body, headers=headers)
    SigV4Auth(Credentials("test", secret), service, region).add_auth(request)
    return SignedRequest("PUT", URL, dict(request.headers.items()), body)


def _with(request: SignedRequest, *, body: bytes | None = None, **headers: str) -> SignedRequest:
    changed = {**request.headers, **{k.replace("_", "-"): v for k, v in headers.items()}}
    return SignedRequest(request.method, request.url, changed, request.body if body is None else body)


def _refusal(request: SignedRequest, now: datetime | None = None) -> SignatureRejected:
    with pytest.raises(SignatureRejected) as refused:
        verify(request, SECRETS, REGION, now)
    return refused.value


def test_given_a_request_signed_as_boto3_signs_then_it_is_accepted_for_backup_and_execute_api() -> None:
    # Given requests signed for `backup` (boto3, the AWS CLI) and `execute-api` (a deployed Strongroom's client)
    # Then both name their access key
    assert verify(_signed(), SECRETS, REGION) == "test"
    assert verify(_signed(service="execute-api"), SECRETS, REGION) == "test"


def test_given_no_authorization_then_missing_authentication_token() -> None:
    request = _signed()
    unsigned = SignedRequest(request.method, request.url, {"Host": "127.0.0.1:4566"}, request.body)
    refused = _refusal(unsigned)
    assert (refused.code, refused.message) == ("MissingAuthenticationTokenException", "Missing Authentication Token")


def test_given_an_authorization_without_signature_or_date_then_incomplete_signature() -> None:
    request = _signed()
    truncated = request.headers["Authorization"].split(", Signature=")[0]
    refused = _refusal(_with(request, Authorization=truncated))
    assert refused.code == "IncompleteSignatureException"
    assert "requires 'Signature' parameter" in refused.message
    without_date = {k: v for k, v in request.headers.items() if k.lower() != "x-amz-date"}
    refused = _refusal(SignedRequest(request.method, request.url, without_date, request.body))
    assert (refused.code, "X-Amz-Date" in refused.message) == ("IncompleteSignatureException", True)


def test_given_an_unknown_access_key_then_unrecognized_client() -> None:
    with pytest.raises(SignatureRejected) as refused:
        verify(_signed(), {"someone-else": "x"}, REGION)
    assert refused.value.code == "UnrecognizedClientException"


def test_given_a_body_changed_after_signing_then_invalid_signature_even_without_a_payload_hash_header() -> None:
    # Given a signed request whose body an intermediary changed
    tampered = _with(_signed(), body=b'{"BackupVaultTags": {"team": "b"}}')
    # Then the body is hashed into the canonical request, and the signature no longer matches
    assert _refusal(tampered).code == "InvalidSignatureException"


def test_given_a_signed_payload_hash_header_then_the_body_must_hash_to_it() -> None:
    # Given X-Amz-Content-SHA256 signed with the body's true hash, the request passes
    honest = _signed(extra={"X-Amz-Content-SHA256": hashlib.sha256(BODY).hexdigest()})
    assert verify(honest, SECRETS, REGION) == "test"
    # When the body changes but the signed header still claims the old hash
    refused = _refusal(_with(honest, body=b'{"BackupVaultTags": {}}'))
    # Then the header is not believed: the body decides
    assert refused.code == "InvalidSignatureException"
    assert "does not hash to the X-Amz-Content-SHA256" in refused.message


def test_given_unsigned_payload_then_the_api_refuses_it() -> None:
    refused = _refusal(_signed(extra={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}))
    assert refused.code == "InvalidSignatureException"
    assert "UNSIGNED-PAYLOAD" in refused.message


def test_given_a_signature_older_or_newer_than_five_minutes_of_real_time_then_it_has_expired() -> None:
    request = _signed()
    signed_at = datetime.strptime(request.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    # Within the skew either way: accepted
    assert verify(request, SECRETS, REGION, signed_at + timedelta(minutes=4, seconds=59)) == "test"
    assert verify(request, SECRETS, REGION, signed_at - timedelta(minutes=4, seconds=59)) == "test"
    # A replay a year later, or a minute past the window: expired, in API Gateway's words
    for later in (timedelta(days=365), timedelta(minutes=5, seconds=1)):
        refused = _refusal(request, signed_at + later)
        assert refused.code == "InvalidSignatureException"
        assert refused.message.startswith(f"Signature expired: {request.headers['X-Amz-Date']} is now earlier than")
    # A clock far ahead of ours: not yet current
    refused = _refusal(request, signed_at - timedelta(minutes=6))
    assert (refused.code, refused.message.startswith("Signature not yet current")) == (
        "InvalidSignatureException",
        True,
    )


def test_given_a_credential_scope_for_another_region_service_or_date_then_invalid_signature() -> None:
    refused = _refusal(_signed(region="eu-west-1"))
    assert (refused.code, "valid region, not 'eu-west-1'" in refused.message) == ("InvalidSignatureException", True)
    refused = _refusal(_signed(service="ec2"))
    assert (refused.code, "correct service" in refused.message) == ("InvalidSignatureException", True)
    # Given X-Amz-Date moved to the next day while the scope still names the signing day
    request = _signed()
    next_day = (datetime.strptime(request.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ") + timedelta(days=1)).strftime(
        "%Y%m%dT%H%M%SZ"
    )
    refused = _refusal(_with(request, X_Amz_Date=next_day))
    assert refused.code == "InvalidSignatureException"
    assert "Date in Credential scope does not match" in refused.message


def test_given_a_wrong_secret_then_invalid_signature() -> None:
    refused = _refusal(_signed(secret="wrong"))
    assert refused.code == "InvalidSignatureException"
    assert refused.message.startswith("The request signature we calculated does not match")
