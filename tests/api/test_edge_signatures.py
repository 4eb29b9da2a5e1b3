"""Through the local edge over HTTP, the SigV4 refusals API Gateway would send (local/sigv4.py has each case
as a unit story): status 403, x-amzn-ErrorType naming the error, never a 5xx."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from local.runtime import LocalRuntime


def _send(runtime: LocalRuntime, service: str, body: bytes, sent_body: bytes | None = None) -> tuple[int, Any, bytes]:
    url = f"{runtime.endpoint}/backup-vaults/edge-signed"
    signed = AWSRequest(method="PUT", url=url, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials("test", "test"), service, "us-east-1").add_auth(signed)
    request = urllib.request.Request(
        url, data=body if sent_body is None else sent_body, headers=dict(signed.headers.items()), method="PUT"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers, refused.read()


def test_given_a_request_signed_for_a_service_nobody_emulates_on_a_backup_route_then_403_not_500(
    runtime: LocalRuntime,
) -> None:
    status, headers, body = _send(runtime, "not-a-service", b"{}")
    assert (status, headers["x-amzn-ErrorType"]) == (403, "InvalidSignatureException")
    assert b"correct service" in body


def test_given_a_body_changed_in_flight_then_403_and_nothing_is_created(runtime: LocalRuntime, backup: Any) -> None:
    # When the body that arrives is not the body that was signed
    status, headers, _ = _send(runtime, "backup", b"{}", sent_body=b'{"BackupVaultTags": {"evil": "1"}}')
    # Then the edge refuses it, and no vault was made
    assert (status, headers["x-amzn-ErrorType"]) == (403, "InvalidSignatureException")
    names = [v["BackupVaultName"] for v in backup.list_backup_vaults()["BackupVaultList"]]
    assert "edge-signed" not in names
    # And the same request sent as signed is accepted
    assert _send(runtime, "backup", b"{}")[0] == 200
