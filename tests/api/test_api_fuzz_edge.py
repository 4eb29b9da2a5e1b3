"""The local edge over HTTP: raw SigV4-signed requests no SDK would send (bodies not UTF-8, nested far beyond
any parser's stack, NaN, 1e400, members of the wrong type, a year-10000 query parameter, a wrong method) get
a 4xx with an AWS error code the operation's model lists, never a 5xx or an HTML page. The in-process fuzz
test (tests/unit/test_api_fuzz.py) covers every operation; this smaller run covers the edge's own handling."""

from __future__ import annotations

import json
from typing import Any

import pytest
import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.runtime import LocalRuntime
from tests.shape_strategies import NASTY_BODIES, check_answer

HTTP = urllib3.PoolManager()

# Routes of operations that read a body, and ones that read only the path and query.
ROUTES = [
    ("CreateBackupPlan", "PUT", "/backup/plans/"),
    ("PutBackupVaultAccessPolicy", "PUT", "/backup-vaults/edge-fuzz/access-policy"),
    ("GetBackupPlanFromJSON", "POST", "/backup/template/json/toPlan"),
    ("StartBackupJob", "PUT", "/backup-jobs"),
    ("UpdateGlobalSettings", "PUT", "/global-settings"),
    ("ListBackupVaults", "GET", "/backup-vaults/"),
]


def send(runtime: LocalRuntime, method: str, path: str, body: bytes, query: str = "") -> tuple[int, str | None, str]:
    url = f"{runtime.endpoint}{path}" + (f"?{query}" if query else "")
    request = AWSRequest(method=method, url=url, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials("test", "test"), "backup", "us-east-1").add_auth(request)
    answer = HTTP.request(method, url, body=body, headers=dict(request.headers.items()), retries=False)
    return answer.status, answer.headers.get("x-amzn-ErrorType"), answer.data.decode("utf-8", "replace")


@pytest.fixture(scope="module", autouse=True)
def vault(backup: Any) -> None:
    backup.create_backup_vault(BackupVaultName="edge-fuzz")


@settings(max_examples=24, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(route=st.sampled_from(ROUTES), body=st.sampled_from(NASTY_BODIES))
def test_given_raw_signed_bodies_no_sdk_sends_when_they_reach_the_edge_then_a_model_error_not_a_5xx(
    runtime: LocalRuntime, route: tuple[str, str, str], body: bytes
) -> None:
    operation, method, path = route

    status, code, text = send(runtime, method, path, body)

    check_answer(operation, status, code, text)


def test_given_the_causes_of_the_first_fuzz_run_when_sent_over_http_then_each_is_a_named_4xx(
    runtime: LocalRuntime,
) -> None:
    """Given each input that answered 500 in issue #12, when signed and sent to the edge, then a 4xx that
    names what was wrong."""
    cases = [
        ("ListBackupJobs", "GET", "/backup-jobs/", b"", "createdBefore=10000-01-01T00:00:00Z", "ByCreatedBefore"),
        ("ListBackupVaults", "GET", "/backup-vaults/", b"\xff\xfe", "", "UTF-8"),
        ("CreateBackupPlan", "PUT", "/backup/plans/", b"[" * 100_000, "", "nested"),
        ("UpdateGlobalSettings", "PUT", "/global-settings", b'{"GlobalSettings": {"x": NaN}}', "", "NaN"),
        (
            "PutBackupVaultAccessPolicy",
            "PUT",
            "/backup-vaults/edge-fuzz/access-policy",
            json.dumps({"Policy": {"Statement": []}}).encode(),
            "",
            "Policy",
        ),
        ("-", "PATCH", "/backup-vaults/edge-fuzz", b"", "", "PATCH"),
    ]
    for operation, method, path, body, query, named in cases:
        status, code, text = send(runtime, method, path, body, query)
        assert 400 <= status < 500 and named in text, (operation, status, code, text)
        if operation != "-":
            check_answer(operation, status, code, text)
        else:
            assert code == "InvalidAction"
