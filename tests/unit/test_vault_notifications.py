"""Vault notifications beyond jobs: a recovery point's changes (lifecycle update, move to cold storage, deletion),
a plan's (created, updated, deleted) and each object an S3 restore cannot restore reach the event sink from the
use case that saved them; the AWS sink turns them into AWS Backup's EventBridge events and, for the events a
vault subscribed to, its SNS notifications; and every event of the model's BackupVaultEvent list is either sent
or documented as never sent."""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import botocore
import pytest

from lambdas.common.observability import metrics
from lambdas.domain.copies import CopyJob, CopyJobState
from lambdas.domain.errors import InvalidParameterValueException
from lambdas.domain.jobs import BackupJobState, RestoreJobStatus
from lambdas.domain.recovery_points import RecoveryPoint, RecoveryPointStatus
from lambdas.domain.vaults import JOB_EVENTS, NEVER_SENT, BackupVault
from lambdas.resources.base import ObjectFailure, Phase, Progress
from lambdas.services import backup_service, plan_service, recovery_point_service, restore_service, vault_service
from lambdas.services.event_details import PlanState
from lambdas.services.events import VAULT_NOTIFICATIONS_NOT_DELIVERED_METRIC, AwsEventSink
from lambdas.services.lifecycle_service import run_lifecycle
from lambdas.services.restore_service import RestoreFailed, RestorePending
from lambdas.services.tracking_service import track_jobs
from tests.fakes import ACCOUNT, REGION, ROLE, T0, World

TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:vault-events"
FAILURES = ["BACKUP_JOB_FAILED", "RESTORE_JOB_FAILED", "COPY_JOB_FAILED"]
NOTIFICATIONS_DOC = Path(__file__).resolve().parents[2] / "docs" / "notifications.md"


def backed_up(world: World, lifecycle: dict[str, int]) -> RecoveryPoint:
    """Given one completed on-demand backup of a volume in vault main, with `lifecycle`: its recovery point."""
    arn = world.ebs.add_volume(1)
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    request = {"BackupVaultName": "main", "ResourceArn": arn, "IamRoleArn": ROLE, "Lifecycle": lifecycle}
    job = backup_service.start_backup_job(world.ctx, request, T0)
    track_jobs(world.ctx, T0 + timedelta(minutes=5))
    assert job.RecoveryPointArn
    return world.ctx.stores.recovery_points.get(job.RecoveryPointArn)


def plan_request(*vaults: str) -> dict[str, Any]:
    rules = [{"RuleName": f"to-{name}", "TargetBackupVaultName": name} for name in vaults]
    return {"BackupPlan": {"BackupPlanName": "daily", "Rules": rules}}


# Recovery points: RECOVERY_POINT_MODIFIED ------------------------------------------------------------------------


def test_given_a_point_when_its_lifecycle_is_updated_then_the_changed_point_is_published(world: World) -> None:
    point = backed_up(world, {"DeleteAfterDays": 35})

    request = {
        "BackupVaultName": "main",
        "RecoveryPointArn": point.RecoveryPointArn,
        "Lifecycle": {"DeleteAfterDays": 90},
    }
    recovery_point_service.update_lifecycle(world.ctx, request, T0 + timedelta(days=1))

    [published] = world.events.recovery_points
    assert published.RecoveryPointArn == point.RecoveryPointArn
    assert published.Lifecycle is not None and published.Lifecycle.DeleteAfterDays == 90
    assert published.CalculatedLifecycle.DeleteAt == T0 + timedelta(days=90)


def test_given_a_point_due_for_cold_storage_when_lifecycle_runs_then_the_cold_point_is_published(
    world: World,
) -> None:
    point = backed_up(world, {"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 100})

    run_lifecycle(world.ctx, T0 + timedelta(days=10, hours=1))

    [published] = world.events.recovery_points
    assert (published.RecoveryPointArn, published.StorageClass) == (point.RecoveryPointArn, "COLD")


def test_given_a_type_that_lost_its_cold_tier_when_the_move_is_due_then_nothing_moved_and_nothing_is_published(
    world: World,
) -> None:
    backed_up(world, {"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 100})
    world.ebs.supports_cold_storage = False

    result = run_lifecycle(world.ctx, T0 + timedelta(days=10, hours=1))

    assert result.cold_ignored and not result.moved_to_cold
    assert world.events.recovery_points == []


def test_given_a_point_past_its_retention_when_lifecycle_runs_then_its_deletion_is_published(world: World) -> None:
    point = backed_up(world, {"DeleteAfterDays": 35})

    run_lifecycle(world.ctx, T0 + timedelta(days=35, minutes=1))

    [published] = world.events.recovery_points
    assert published.RecoveryPointArn == point.RecoveryPointArn
    assert (published.StorageClass, published.Status) == ("DELETED", RecoveryPointStatus.EXPIRED)


def test_given_a_point_when_deleted_on_request_then_its_deletion_is_published(world: World) -> None:
    point = backed_up(world, {"DeleteAfterDays": 35})

    request = {"BackupVaultName": "main", "RecoveryPointArn": point.RecoveryPointArn}
    recovery_point_service.delete(world.ctx, request, T0 + timedelta(days=1))

    [published] = world.events.recovery_points
    assert (published.RecoveryPointArn, published.StorageClass) == (point.RecoveryPointArn, "DELETED")


# Plans: BACKUP_PLAN_CREATED / BACKUP_PLAN_MODIFIED ------------------------------------------------------------


def test_given_a_plan_when_created_updated_and_deleted_then_each_change_goes_to_the_vaults_its_rules_target(
    world: World,
) -> None:
    for name in ("main", "other", "unrelated"):
        vault_service.create_vault(world.ctx, {"BackupVaultName": name}, T0)

    created = plan_service.create_plan(world.ctx, plan_request("main"), T0)
    updated = plan_service.update_plan(world.ctx, created.BackupPlanId, plan_request("other"), T0 + timedelta(hours=1))
    plan_service.delete_plan(world.ctx, created.BackupPlanId, T0 + timedelta(hours=2))

    states = [(state, plan.VersionId, vaults) for state, plan, vaults in world.events.plans]
    assert states[0] == (PlanState.CREATED, created.VersionId, ["main"])
    # a rule moved from main to other: both vaults hear of it
    assert states[1] == (PlanState.MODIFIED, updated.VersionId, ["main", "other"])
    assert states[2][0] == PlanState.DELETED and states[2][2] == ["other"]
    assert len(states) == 3


def test_given_an_invalid_plan_when_created_then_nothing_is_published(world: World) -> None:
    with pytest.raises(InvalidParameterValueException):
        plan_service.create_plan(world.ctx, plan_request("nowhere"), T0)

    assert world.events.plans == []


def test_given_the_vaults_cannot_be_read_when_a_plan_is_deleted_then_the_deletion_stands_and_is_still_published(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    plan = plan_service.create_plan(world.ctx, plan_request("main"), T0)

    def throttled(name: str) -> BackupVault | None:
        raise RuntimeError("ProvisionedThroughputExceededException")

    monkeypatch.setattr(world.ctx.stores.vaults, "find", throttled)
    deleted = plan_service.delete_plan(world.ctx, plan.BackupPlanId, T0 + timedelta(hours=1))

    assert deleted.DeletionDate is not None
    assert world.events.plans[-1] == (PlanState.DELETED, deleted, [])  # the bus still hears of it


# S3 restores: S3_RESTORE_OBJECT_FAILED --------------------------------------------------------------------------


def running_restore(world: World, point: RecoveryPoint | None = None) -> str:
    """Given a restore of `point` (or of a new one) under way: its job id."""
    point = point or backed_up(world, {"DeleteAfterDays": 35})
    request = {"RecoveryPointArn": point.RecoveryPointArn, "IamRoleArn": ROLE, "Metadata": {}}
    job = restore_service.start_restore_job(world.ctx, request, T0 + timedelta(hours=1))
    restore_service.begin_restore(world.ctx, job.RestoreJobId, T0 + timedelta(hours=1))
    return job.RestoreJobId


def test_given_objects_a_restore_cannot_restore_when_polled_then_each_is_published_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = running_restore(world)
    lost = ObjectFailure("photos/1.jpg", "v1", "NoSuchVersion")
    gone = ObjectFailure("photos/2.jpg", "v2", "AccessDenied")
    slices = iter(
        [
            Progress(Phase.RUNNING, "50.0", failed_objects=(lost,)),
            Progress(Phase.RUNNING, "75.0"),
            Progress(Phase.FAILED, message="2 of 3 objects could not be restored", failed_objects=(gone,)),
        ]
    )
    monkeypatch.setattr(world.ebs, "restore_status", lambda restore: next(slices))

    for _ in range(2):
        with pytest.raises(RestorePending):
            restore_service.poll_restore(world.ctx, job_id)
    with pytest.raises(RestoreFailed):
        restore_service.poll_restore(world.ctx, job_id)

    assert world.events.object_failures == [(job_id, lost), (job_id, gone)]


# The AWS sink: which vault events each change becomes ----------------------------------------------------------


@dataclass
class FakeAws:
    """EventBridge and SNS as the sink sees them: what was put and published."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    sns_down: bool = False

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # boto3's parameter name
        self.entries.extend(Entries)
        return {"FailedEntryCount": 0, "Entries": [{"EventId": "1"}]}

    def publish(self, **message: Any) -> dict[str, Any]:
        if self.sns_down:
            raise RuntimeError("AuthorizationError")
        self.messages.append(message)
        return {"MessageId": "1"}

    def notified(self) -> list[str]:
        return [message["MessageAttributes"]["EventType"]["StringValue"] for message in self.messages]

    def detail_types(self) -> list[str]:
        return [entry["DetailType"] for entry in self.entries]


def sink_over(aws: FakeAws) -> AwsEventSink:
    return AwsEventSink(lambda: aws, lambda: aws, "strongroom", ACCOUNT, REGION)


def subscribed(world: World, name: str, events: list[str], topic: str = TOPIC) -> BackupVault:
    if world.ctx.stores.vaults.find(name) is None:
        vault_service.create_vault(world.ctx, {"BackupVaultName": name}, T0)
    return vault_service.put_notifications(world.ctx, name, {"SNSTopicArn": topic, "BackupVaultEvents": events})


def copy_job(point: RecoveryPoint, state: CopyJobState) -> CopyJob:
    return CopyJob(
        CopyJobId=f"COPY-{state.value}",
        AccountId=ACCOUNT,
        SourceBackupVaultArn=point.BackupVaultArn,
        SourceBackupVaultName=point.BackupVaultName,
        SourceRecoveryPointArn=point.RecoveryPointArn,
        DestinationBackupVaultArn=point.BackupVaultArn.replace(":main", ":copies"),
        ResourceArn=point.ResourceArn,
        ResourceType=point.ResourceType,
        IamRoleArn=ROLE,
        State=state,
        CreationDate=T0,
        SourceCreationDate=point.CreationDate,
        CorrelationId="corr",
    )


def test_given_a_failure_only_subscription_when_every_kind_of_change_is_published_then_only_failures_are_notified(
    world: World,
) -> None:
    # Given a vault subscribed to the three failure events only, and one of each job in each state
    point = backed_up(world, {"DeleteAfterDays": 35})
    backup = world.events.backup[-1]  # the job that made the point, COMPLETED
    restore = world.ctx.stores.jobs.get_restore_job(running_restore(world, point))
    vault = subscribed(world, "main", FAILURES)
    aws = FakeAws()
    sink = sink_over(aws)

    # When jobs start, succeed and fail, and the point and a plan change
    for state in ("RUNNING", "COMPLETED", "FAILED"):
        sink.publish_backup_job(backup.model_copy(update={"State": BackupJobState(state)}), vault, T0)
        sink.publish_restore_job(restore.model_copy(update={"Status": RestoreJobStatus(state)}), vault, T0)
        sink.publish_copy_job(copy_job(point, CopyJobState(state)), vault, T0)
    sink.publish_recovery_point(point, vault, T0)
    plan = plan_service.create_plan(world.ctx, plan_request("main"), T0)
    sink.publish_backup_plan(plan, PlanState.CREATED, [vault], T0)

    # Then the topic gets exactly the failures, and the bus every change
    assert sorted(aws.notified()) == sorted(FAILURES)
    assert sorted(aws.detail_types()) == sorted(
        ["Backup Job State Change", "Restore Job State Change", "Copy Job State Change"] * 3
        + ["Recovery Point State Change", "Backup Plan State Change"]
    )


def test_given_a_changed_point_when_published_then_aws_backups_recovery_point_event_and_notification(
    world: World,
) -> None:
    point = backed_up(world, {"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 100})
    vault = subscribed(world, "main", ["RECOVERY_POINT_MODIFIED"])
    aws = FakeAws()

    cold = point.model_copy(update={"StorageClass": "COLD"})
    sink_over(aws).publish_recovery_point(cold, vault, T0 + timedelta(days=10))

    [entry] = aws.entries
    assert (entry["Source"], entry["DetailType"]) == ("strongroom.backup", "Recovery Point State Change")
    assert entry["Resources"] == [point.RecoveryPointArn]
    detail = json.loads(entry["Detail"])
    assert detail["status"] == "COMPLETED" and detail["storageClass"] == "COLD"
    assert detail["backupVaultName"] == "main" and detail["resourceType"] == "EBS"
    assert detail["isEncrypted"] in ("true", "false")
    assert detail["lifecycle"] == {"moveToColdStorageAfterDays": 10, "deleteAfterDays": 100}
    assert detail["calculatedLifeCycle"]["deleteAt"] == (T0 + timedelta(days=100)).isoformat()
    [message] = aws.messages
    assert message["TopicArn"] == TOPIC
    assert json.loads(message["Message"])["event"] == "RECOVERY_POINT_MODIFIED"


def test_given_plan_changes_when_published_then_created_and_modified_reach_each_subscribed_topic_once(
    world: World,
) -> None:
    # Given two vaults sharing a topic, one on its own topic with only creations, one not subscribed
    shared = [subscribed(world, name, ["BACKUP_PLAN_CREATED", "BACKUP_PLAN_MODIFIED"]) for name in ("va", "vb")]
    own = subscribed(world, "vc", ["BACKUP_PLAN_CREATED"], topic=TOPIC + "-c")
    silent = subscribed(world, "vd", ["BACKUP_JOB_FAILED"])
    plan = plan_service.create_plan(world.ctx, plan_request("va", "vb", "vc", "vd"), T0)
    aws = FakeAws()
    sink = sink_over(aws)

    # When the plan is created, changed and deleted
    for state in PlanState:
        sink.publish_backup_plan(plan, state, [*shared, own, silent], T0 + timedelta(hours=1))

    # Then: created to both topics once each; modified and deleted (BACKUP_PLAN_MODIFIED) to the shared one only
    topics = [(message["TopicArn"], json.loads(message["Message"])["event"]) for message in aws.messages]
    assert topics == [
        (TOPIC, "BACKUP_PLAN_CREATED"),
        (TOPIC + "-c", "BACKUP_PLAN_CREATED"),
        (TOPIC, "BACKUP_PLAN_MODIFIED"),
        (TOPIC, "BACKUP_PLAN_MODIFIED"),
    ]
    details = [json.loads(entry["Detail"]) for entry in aws.entries]
    assert [entry["DetailType"] for entry in aws.entries] == ["Backup Plan State Change"] * 3
    assert [detail["state"] for detail in details] == ["CREATED", "MODIFIED", "DELETED"]
    assert [next(k for k in ("creationDate", "modifiedAt", "deletionDate") if k in d) for d in details] == [
        "creationDate",
        "modifiedAt",
        "deletionDate",
    ]
    assert all(detail["backupPlanId"] == plan.BackupPlanId for detail in details)
    assert all(entry["Resources"] == [plan.BackupPlanArn] for entry in aws.entries)


def test_given_s3_objects_that_failed_when_published_then_one_notification_each_and_none_for_other_types(
    world: World,
) -> None:
    restore = world.ctx.stores.jobs.get_restore_job(running_restore(world))
    vault = subscribed(world, "main", ["S3_RESTORE_OBJECT_FAILED"])
    failures = [ObjectFailure("a.txt", "v1", "NoSuchVersion"), ObjectFailure("b.txt", "v2", "AccessDenied")]
    aws = FakeAws()
    sink = sink_over(aws)

    sink.publish_restore_object_failures(restore.model_copy(update={"ResourceType": "S3"}), failures, vault)
    sink.publish_restore_object_failures(restore, failures, vault)  # EBS restores no object by object

    assert aws.notified() == ["S3_RESTORE_OBJECT_FAILED"] * 2
    details = [json.loads(message["Message"])["detail"] for message in aws.messages]
    assert [(d["objectKey"], d["objectVersionId"], d["reason"]) for d in details] == [
        ("a.txt", "v1", "NoSuchVersion"),
        ("b.txt", "v2", "AccessDenied"),
    ]
    assert aws.entries == []  # AWS Backup puts no EventBridge event for an object


def test_given_the_topic_refuses_when_a_point_and_a_plan_change_then_publishing_does_not_fail_and_is_counted(
    world: World,
) -> None:
    point = backed_up(world, {"DeleteAfterDays": 35})
    vault = subscribed(world, "main", ["RECOVERY_POINT_MODIFIED", "BACKUP_PLAN_CREATED"])
    plan = plan_service.create_plan(world.ctx, plan_request("main"), T0)
    aws = FakeAws(sns_down=True)
    metrics.clear_metrics()

    sink_over(aws).publish_recovery_point(point, vault, T0)
    sink_over(aws).publish_backup_plan(plan, PlanState.CREATED, [vault], T0)

    # Then the bus still hears of both changes, and the two lost notifications are counted (an alarm watches it)
    assert aws.detail_types() == ["Recovery Point State Change", "Backup Plan State Change"]
    assert sum(metrics.provider.metric_set[VAULT_NOTIFICATIONS_NOT_DELIVERED_METRIC]["Value"]) == 2
    metrics.clear_metrics()


# Every event of the model: sent, or documented as never sent ----------------------------------------------------


def model_events() -> list[str]:
    path = Path(botocore.__file__).parent / "data" / "backup" / "2018-11-15" / "service-2.json.gz"
    with gzip.open(path) as model:
        return list(json.load(model)["shapes"]["BackupVaultEvent"]["enum"])


def test_every_vault_event_of_the_model_is_sent_or_never_sent_for_a_documented_reason() -> None:
    events = model_events()

    assert set(events) == JOB_EVENTS | set(NEVER_SENT)
    assert not JOB_EVENTS & set(NEVER_SENT)
    section = NOTIFICATIONS_DOC.read_text()
    named = set(re.findall(r"`([A-Z0-9_]+)`", section))
    assert set(events) <= named, f"not in docs/notifications.md: {sorted(set(events) - named)}"


@dataclass
class CountingAws(FakeAws):
    calls: int = 0

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # boto3's parameter name
        assert len(Entries) <= 10, "PutEvents takes at most ten entries"
        self.calls += 1
        return super().put_events(Entries)


def test_given_many_jobs_moved_in_one_batch_then_their_events_go_ten_to_a_call_and_none_is_lost(world: World) -> None:
    # Given 25 job state changes published inside one batch (a rule firing, a tracking run)
    aws = CountingAws()
    sink = sink_over(aws)
    arn = world.ebs.add_volume(1)
    vault_service.create_vault(world.ctx, {"BackupVaultName": "main"}, T0)
    job = backup_service.start_backup_job(
        world.ctx, {"BackupVaultName": "main", "ResourceArn": arn, "IamRoleArn": ROLE}, T0
    )
    with sink.batched():
        for n in range(25):
            sink.publish_backup_job(job.model_copy(update={"BackupJobId": f"JOB-{n}"}), None, T0)
        # Then nothing waits longer than the tenth event
        assert aws.calls == 2
    # And the rest go when the batch ends: 25 events in 3 calls
    assert aws.calls == 3 and len(aws.entries) == 25
    assert {json.loads(e["Detail"])["backupJobId"] for e in aws.entries} == {f"JOB-{n}" for n in range(25)}
    # And outside a batch each event goes at once
    sink.publish_backup_job(job, None, T0)
    assert aws.calls == 4


def test_given_a_sink_told_of_changes_then_points_made_changed_or_copied_and_plans_tell_it_and_nothing_else(
    world: World,
) -> None:
    # Given a sink that tells Audit Manager's trigger of the changes compliance depends on
    point = backed_up(world, {"DeleteAfterDays": 35})
    backup = world.events.backup[-1]
    restore = world.ctx.stores.jobs.get_restore_job(running_restore(world, point))
    told: list[str] = []
    aws = FakeAws()
    sink = AwsEventSink(lambda: aws, lambda: aws, "strongroom", ACCOUNT, REGION, on_change=lambda now: told.append(""))
    # When jobs start, succeed and fail, restores run, and a point and a plan change
    for state in ("RUNNING", "COMPLETED", "FAILED"):
        sink.publish_backup_job(backup.model_copy(update={"State": BackupJobState(state)}), None, T0)
        sink.publish_restore_job(restore.model_copy(update={"Status": RestoreJobStatus(state)}), None, T0)
        sink.publish_copy_job(copy_job(point, CopyJobState(state)), None, T0)
    assert len(told) == 2  # a completed backup and a completed copy each made a recovery point
    sink.publish_recovery_point(point, None, T0)
    sink.publish_backup_plan(plan_service.create_plan(world.ctx, plan_request("main"), T0), PlanState.CREATED, [], T0)
    # Then the trigger heard of exactly the four changes
    assert len(told) == 4
