"""Throttling is normal on AWS. With every third request of Strongroom's clients answered with the service's
throttling error (EC2's RequestLimitExceeded, DynamoDB's, EventBridge's and the tagging API's
ThrottlingException), a rule protecting sixty volumes still ends with every job COMPLETED, one snapshot per
volume and one recovery point per job.

The injection is harsher than AWS: botocore hands a request to every `before-send` handler, so the emulator
still carries out a request whose answer is replaced by the throttling error. A retried CreateSnapshot then
makes a second snapshot for the same job, which is the case of an answer lost on the network; the tracker
finds such duplicates (EbsAdapter.find_duplicates) and Lifecycle deletes them, and this test fails without
that."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.integration.builders import ACCOUNT, REGION, ROLE, T0

VOLUMES = 60


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


class Throttling:
    """Answers every third request of Strongroom's clients with the service's throttling error: botocore's
    own retries (Strongroom's clients retry ten times) must carry every call through."""

    def __init__(self) -> None:
        self.requests = itertools.count(1)
        self.lock = threading.Lock()
        self.throttled = 0
        self.on = False

    def __call__(self, request: Any, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        with self.lock:
            if not self.on or next(self.requests) % 3:
                return None
            self.throttled += 1
        if "ec2." in request.url:
            body = (
                b"<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded."
                b"</Message></Error></Errors><RequestID>throttled</RequestID></Response>"
            )
            return AWSResponse(request.url, 503, {}, _Raw(body))
        body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
        return AWSResponse(request.url, 400, {"x-amzn-ErrorType": "ThrottlingException"}, _Raw(body))


@pytest.fixture
def throttled(monkeypatch: pytest.MonkeyPatch) -> Iterator[Throttling]:
    """Every client Strongroom makes from now on answers through the throttler; retries wait no time (the
    test is about what happens, not how long backing off takes)."""
    from botocore.retries import standard

    from lambdas.common import aws

    throttling = Throttling()
    heard = aws._heard

    def throttled_client(client: Any) -> Any:
        client.meta.events.register_first("before-send", throttling)
        return heard(client)

    monkeypatch.setattr(aws, "_heard", throttled_client)
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    # botocore's retry quota (500 tokens, 5 a retry, 1 back a success) gives up on a client throttled on every
    # third call for this long; the test is about each call's ten retries, so the quota never runs out here.
    monkeypatch.setattr(standard.RetryQuotaChecker, "acquire_retry_quota", lambda self, context: True)
    # Adaptive mode also paces requests after throttling (a client-side token bucket that sleeps); the same
    # retries without the pacing, so the test is about what happens, not about waiting.
    monkeypatch.setattr(aws, "_RETRIES", aws._RETRIES.merge(Config(retries={"mode": "standard", "max_attempts": 10})))
    aws.reset_clients()
    yield throttling
    aws.reset_clients()


def engine() -> Any:
    """The engine as a deployment wires it, on moto: real adapters, resolver, event sink and catalog table."""
    from lambdas.common import aws
    from lambdas.resources.catalog import build_adapters
    from lambdas.resources.registry import AdapterRegistry
    from lambdas.services.context import ServiceContext
    from lambdas.services.events import AwsEventSink
    from lambdas.services.selection_resolver import SelectionResolver
    from lambdas.store.dynamodb_table import DynamoDbTable
    from lambdas.store.schema import CATALOG_TABLE_NAME
    from lambdas.store.stores import Stores
    from local.bootstrap import table_definition

    boto3.client("dynamodb", region_name=REGION).create_table(**table_definition(CATALOG_TABLE_NAME))
    boto3.client("events", region_name=REGION).create_event_bus(Name="strongroom")

    def client(service: str) -> Any:
        return lambda: aws.client(service, REGION)

    adapters = AdapterRegistry(build_adapters(client, REGION, ACCOUNT))
    return ServiceContext(
        account=ACCOUNT,
        region=REGION,
        default_key_arn=f"arn:aws:kms:{REGION}:{ACCOUNT}:key/default",
        stores=Stores.over(DynamoDbTable(aws.client("dynamodb", REGION), CATALOG_TABLE_NAME)),
        adapters=adapters,
        events=AwsEventSink(client("events"), client("sns"), "strongroom", ACCOUNT, REGION),
        resolver=SelectionResolver(client("resourcegroupstaggingapi"), adapters),
    )


def test_given_every_third_call_throttled_when_a_rule_protects_sixty_volumes_then_every_job_completes_once(
    throttled: Throttling,
) -> None:
    from lambdas.domain.jobs import BackupJobState
    from lambdas.services import plan_service, scheduled_backups, vault_service
    from lambdas.services.lifecycle_service import run_lifecycle
    from lambdas.services.tracking_service import track_jobs

    ec2 = boto3.client("ec2", region_name=REGION)
    for _ in range(VOLUMES):
        ec2.create_volume(
            AvailabilityZone=f"{REGION}a",
            Size=1,
            TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "backup", "Value": "yes"}]}],
        )
    ctx = engine()
    # Given a vault, a plan and a tag selection of the sixty volumes
    vault_service.create_vault(ctx, {"BackupVaultName": "main"}, T0)
    plan = plan_service.create_plan(
        ctx,
        {"BackupPlan": {"BackupPlanName": "p", "Rules": [{"RuleName": "r", "TargetBackupVaultName": "main"}]}},
        T0,
    )
    tags = [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "yes"}]
    selection = {"BackupSelection": {"SelectionName": "s", "IamRoleArn": ROLE, "ListOfTags": tags}}
    plan_service.create_selection(ctx, plan.BackupPlanId, selection, T0)
    throttled.on = True
    # When the rule fires and the tracker runs every five minutes
    scheduled_backups.start_backups(ctx, plan.BackupPlanId, plan.Rules[0].RuleId, T0, T0)
    for run in range(1, 13):
        track_jobs(ctx, T0 + timedelta(minutes=5 * run))
        if not ctx.stores.jobs.open_backup_jobs(limit=1)[0]:
            break
    # and Lifecycle runs hourly (it deletes the duplicates the tracker found)
    for hour in range(1, 4):
        run_lifecycle(ctx, T0 + timedelta(hours=hour))
        if not ctx.stores.leftovers.oldest(1):
            break
    throttled.on = False
    # Then every job is COMPLETED, and there is one snapshot per volume and one recovery point per job
    assert throttled.throttled > VOLUMES
    jobs = ctx.stores.jobs.backup_jobs(limit=1000)[0]
    assert len(jobs) == VOLUMES
    assert {job.State for job in jobs} == {BackupJobState.COMPLETED}, [j.StatusMessage for j in jobs][:3]
    snapshots = boto3.client("ec2", region_name=REGION).describe_snapshots(OwnerIds=["self"])["Snapshots"]
    per_volume: dict[str, int] = {}
    for snapshot in snapshots:
        per_volume[snapshot["VolumeId"]] = per_volume.get(snapshot["VolumeId"], 0) + 1
    assert len(per_volume) == VOLUMES and set(per_volume.values()) == {1}
    points = ctx.stores.recovery_points.search(vault_name="main", limit=1000)[0]
    assert sorted(p.RecoveryPointArn for p in points) == sorted(j.RecoveryPointArn or "" for j in jobs)
