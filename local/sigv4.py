"""SigV4 verification for the local edge, standing in for API Gateway's IAM authorization: the request must
be signed with a known access key and its secret, for this Region, for the API's service, recently, over the
body it carries; otherwise it gets the 403 and the error type API Gateway sends (x-amzn-ErrorType).

What API Gateway checks and this does too:
- the Authorization header is complete (Credential, SignedHeaders, Signature; a X-Amz-Date; `host` signed),
  else IncompleteSignatureException; no Authorization at all is MissingAuthenticationTokenException;
- the access key is known, else UnrecognizedClientException;
- the credential scope: its date is X-Amz-Date's date, its Region is the runtime's Region, its service is
  `backup` (what boto3 and the AWS CLI sign with) or `execute-api` (what a client of a deployed Strongroom
  signs with, clients/strongroom_backup.py), else InvalidSignatureException;
- X-Amz-Date is within CLOCK_SKEW of the real wall clock (never the virtual clock: clients sign with their
  own wall time, and AWS compares with its own), else InvalidSignatureException "Signature expired" (or
  "not yet current");
- the signature is computed over the body actually received: the payload hash in the canonical request is
  always the SHA-256 of the body, whatever X-Amz-Content-SHA256 claims, so a body changed after signing
  and `UNSIGNED-PAYLOAD` both fail as InvalidSignatureException (API Gateway signs no unsigned payloads)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ALGORITHM = "AWS4-HMAC-SHA256"
# API Gateway (like Lambda and most JSON APIs) refuses a signature more than 5 minutes from its own time:
# its message reads "Signature expired: <date> is now earlier than <now - 5 min> (<now> - 5 min.)".
CLOCK_SKEW = timedelta(minutes=5)
API_SERVICES = ("backup", "execute-api")
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
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


@dataclass(frozen=True)
class _Authorization:
    access_key: str
    date: str
    region: str
    service: str
    terminator: str
    signed_headers: list[str]
    signature: str


def _incomplete(message: str) -> SignatureRejected:
    return SignatureRejected("IncompleteSignatureException", message)


def _invalid(message: str) -> SignatureRejected:
    return SignatureRejected("InvalidSignatureException", message)


def _parse(header: str) -> _Authorization:
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise _incomplete(f"Unsupported Authorization Type: '{algorithm}'. Authorization={header}")
    parameters: dict[str, str] = {}
    for part in rest.split(","):
        name, sep, value = part.strip().partition("=")
        if sep:
            parameters[name] = value
    missing = [name for name in ("Credential", "Signature", "SignedHeaders") if not parameters.get(name)]
    if missing:
        required = " ".join(f"Authorization header requires '{name}' parameter." for name in missing)
        raise _incomplete(f"{required} Authorization={header}")
    scope = parameters["Credential"].split("/")
    if len(scope) != 5 or not all(scope):
        raise _incomplete(
            f"Credential should be of the form <key>/<date>/<region>/<service>/aws4_request, "
            f"not '{parameters['Credential']}'."
        )
    key, date, region, service, terminator = scope
    return _Authorization(
        key, date, region, service, terminator, parameters["SignedHeaders"].split(";"), parameters["Signature"]
    )


class _BodySigner(SigV4Auth):  # type: ignore[misc]  # botocore ships no type hints
    """SigV4 with the payload hash taken from the body received, never from the X-Amz-Content-SHA256 header:
    the header is a claim, the body is the fact (botocore's signer trusts the header, as a client may)."""

    def __init__(self, credentials: Credentials, service: str, region: str, body: bytes) -> None:
        super().__init__(credentials, service, region)
        self._body_hash = hashlib.sha256(body).hexdigest()

    def canonical_request(self, request: AWSRequest) -> str:
        # The canonical request's last line is the payload hash; everything before it is botocore's.
        signed_part, _, _claimed = super().canonical_request(request).rpartition("\n")
        return f"{signed_part}\n{self._body_hash}"


def _check_freshness(amz_date: str, now: datetime) -> None:
    try:
        signed_at = datetime.strptime(amz_date, _AMZ_DATE).replace(tzinfo=UTC)
    except ValueError:
        raise _incomplete(f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'.") from None
    if signed_at < now - CLOCK_SKEW:
        raise _invalid(
            f"Signature expired: {amz_date} is now earlier than {(now - CLOCK_SKEW).strftime(_AMZ_DATE)} "
            f"({now.strftime(_AMZ_DATE)} - {int(CLOCK_SKEW.total_seconds() // 60)} min.)"
        )
    if signed_at > now + CLOCK_SKEW:
        raise _invalid(
            f"Signature not yet current: {amz_date} is still later than {(now + CLOCK_SKEW).strftime(_AMZ_DATE)} "
            f"({now.strftime(_AMZ_DATE)} + {int(CLOCK_SKEW.total_seconds() // 60)} min.)"
        )


def verify(request: SignedRequest, secrets: dict[str, str], region: str, now: datetime | None = None) -> str:
    """Returns the access key that signed the request; raises SignatureRejected otherwise. `now` is the real
    wall clock (a test may pass its own)."""
    lowered = {k.lower(): v for k, v in request.headers.items()}
    header = lowered.get("authorization", "")
    if not header:
        raise SignatureRejected("MissingAuthenticationTokenException", "Missing Authentication Token")
    auth = _parse(header)
    amz_date = lowered.get("x-amz-date", "")
    if not amz_date:
        raise _incomplete(
            f"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
            f"Authorization={header}"
        )
    if "host" not in auth.signed_headers:
        raise _incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    secret = secrets.get(auth.access_key)
    if secret is None:
        raise SignatureRejected("UnrecognizedClientException", "The security token included in the request is invalid.")
    if auth.terminator != "aws4_request":
        raise _invalid(f"Credential should be scoped with a valid terminator: 'aws4_request', not '{auth.terminator}'.")
    if auth.date != amz_date[:8]:
        raise _invalid(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{auth.date}' != '{amz_date[:8]}', from 'X-Amz-Date'."
        )
    if auth.region != region:
        raise _invalid(f"Credential should be scoped to a valid region, not '{auth.region}'. ")
    if auth.service not in API_SERVICES:
        raise _invalid(f"Credential should be scoped to correct service: '{API_SERVICES[0]}'. ")
    _check_freshness(amz_date, now or datetime.now(UTC))
    headers = {name: lowered[name] for name in auth.signed_headers if name in lowered}
    aws_request = AWSRequest(method=request.method, url=request.url, data=request.body, headers=headers)
    aws_request.context["timestamp"] = amz_date
    credentials = Credentials(auth.access_key, secret, lowered.get("x-amz-security-token"))
    signer = _BodySigner(credentials, auth.service, region, request.body)
    canonical = signer.canonical_request(aws_request)
    expected = signer.signature(signer.string_to_sign(aws_request, canonical), aws_request)
    if not hmac.compare_digest(expected, auth.signature):
        raise _invalid(_MISMATCH + _payload_hint(lowered.get("x-amz-content-sha256"), request.body))
    return auth.access_key


def _payload_hint(claimed: str | None, body: bytes) -> str:
    """Says why, when the client's claimed payload hash is the reason (API Gateway's message stops before)."""
    if claimed is None:
        return ""
    if claimed == UNSIGNED_PAYLOAD:
        return " This API does not accept UNSIGNED-PAYLOAD: sign the SHA-256 of the body."
    if claimed.lower() != hashlib.sha256(body).hexdigest():
        return " The body received does not hash to the X-Amz-Content-SHA256 the request was signed with."
    return ""
