"""Integration tests run against moto's in-process AWS: fake credentials, no endpoint or profile leaking in
from the shell, and a fresh emulated account (and fresh cached boto3 clients) for every test."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from moto import mock_aws

from tests.integration.builders import REGION


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")  # a fresh EC2 backend in milliseconds, not seconds
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def emulated_aws(aws_credentials: None) -> Iterator[None]:
    with mock_aws():
        from lambdas.common import aws

        aws.reset_clients()  # a client cached by an earlier test points at that test's (gone) backend
        yield
        aws.reset_clients()


@pytest.fixture
def adapter_gaps() -> Iterator[None]:
    """moto with the gaps the adapters' batch and quota calls meet filled (local/adapter_gaps.py)."""
    from local import adapter_gaps

    with adapter_gaps.PATCHES.applied():
        yield


@pytest.fixture
def aws_calls() -> Iterator[Counter[str]]:
    """Every AWS call made through lambdas.common.aws clients during the test, by operation."""
    from lambdas.common import aws

    heard: Counter[str] = Counter()
    stop = aws.listen_to_calls(lambda service, operation, *_: heard.update([operation]))
    yield heard
    stop()
