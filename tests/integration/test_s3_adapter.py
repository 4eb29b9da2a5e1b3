"""The S3 adapter against moto's S3: a recovery point is a manifest of the object versions current when the
backup started, kept in Strongroom's vault storage bucket; a restore copies those versions into a new or an
existing bucket, never over an object that exists; deleting the point never touches the customer's versions."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from tests.integration.builders import ACCOUNT, REGION

VAULT_BUCKET = "strongroom-vault-test"
SOURCE = "photos-prod"
SOURCE_ARN = f"arn:aws:s3:::{SOURCE}"


class S3Clock:
    """moto's S3 clock, moved by the test. S3 shows timestamps to the second and the backup's cutoff is S3's
    time when it started: what is written after a tick is after the cutoff. Within a second each write is a
    millisecond later than the one before, so S3 still knows their order (which version is the latest)."""

    def __init__(self) -> None:
        self.now = datetime(2024, 6, 1, 5, 0, 0)  # naive UTC, as moto keeps it

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now

    def tick(self) -> None:
        self.now = self.now.replace(microsecond=0) + timedelta(seconds=1)


@pytest.fixture
def s3_clock(monkeypatch: pytest.MonkeyPatch) -> S3Clock:
    import moto.s3.models

    clock = S3Clock()
    monkeypatch.setattr(moto.s3.models, "utcnow", clock)
    return clock


def vault_bucket() -> Any:
    client = boto3.client("s3", region_name=REGION)
    client.create_bucket(Bucket=VAULT_BUCKET)
    return client


@pytest.fixture
def s3(s3_clock: S3Clock) -> Any:
    return vault_bucket()


def make_adapter(**options: Any) -> Any:
    from lambdas.common import aws
    from lambdas.resources.s3.adapter import S3Adapter
    from lambdas.resources.vault_storage import VaultStorage

    def client() -> Any:
        return aws.client("s3", REGION)

    return S3Adapter(client, REGION, ACCOUNT, VaultStorage(client, VAULT_BUCKET), **options)


@pytest.fixture
def adapter(s3: Any) -> Any:
    return make_adapter()


def make_bucket(s3: Any, name: str = SOURCE, *, versioned: bool = True, tags: dict[str, str] | None = None) -> str:
    s3.create_bucket(Bucket=name)
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    if tags:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]})
    return f"arn:aws:s3:::{name}"


def put(s3: Any, key: str, body: str, bucket: str = SOURCE) -> str:
    return str(s3.put_object(Bucket=bucket, Key=key, Body=body.encode()).get("VersionId"))


def contents(s3: Any, bucket: str) -> dict[str, str]:
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read().decode() for o in listed}


def vault_keys(s3: Any, prefix: str = "") -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=VAULT_BUCKET, Prefix=prefix).get("Contents", [])]


def finish_backup(adapter: Any, native_id: str, polls: int = 50) -> Any:
    from lambdas.resources.base import Phase

    for _ in range(polls):
        progress = adapter.backup_status(native_id)
        if progress.phase != Phase.RUNNING:
            return progress
        time.sleep(0.05)
    raise AssertionError(f"backup {native_id} still running after {polls} polls")


def finish_restore(adapter: Any, restore: Any, polls: int = 50) -> Any:
    from lambdas.resources.base import Phase

    for _ in range(polls):
        progress = adapter.restore_status(restore)
        if progress.phase != Phase.RUNNING:
            return progress
    raise AssertionError(f"restore {restore.native_id} still running after {polls} polls")


def backed_up(s3: Any, clock: S3Clock, adapter: Any, objects: dict[str, str], job_id: str = "JOB-1") -> str:
    """Given a versioned bucket holding these objects and a backup of it started now; S3's clock then ticks."""
    make_bucket(s3)
    for key, body in objects.items():
        put(s3, key, body)
    adapter.start_backup(SOURCE_ARN, job_id, {})
    clock.tick()
    return job_id


# describe


def test_given_a_versioned_tagged_bucket_when_described_then_name_tags_and_key_are_reported(
    s3: Any, adapter: Any
) -> None:
    key_arn = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    arn = make_bucket(s3, tags={"backup": "yes", "team": "media"})
    s3.put_bucket_encryption(
        Bucket=SOURCE,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}}]
        },
    )

    info = adapter.describe(arn)

    assert (info.arn, info.resource_type, info.name) == (arn, "S3", SOURCE)
    assert info.tags == {"backup": "yes", "team": "media"}
    assert info.encryption_key_arn == key_arn
    assert info.is_encrypted is True


@pytest.mark.parametrize(
    ("versioning", "reason"), [(None, "versioning is not enabled"), ("Suspended", "versioning is suspended")]
)
def test_given_a_bucket_without_versioning_when_described_then_refused_with_the_reason(
    s3: Any, adapter: Any, versioning: Any, reason: Any
) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    arn = make_bucket(s3, versioned=False)
    if versioning:
        s3.put_bucket_versioning(Bucket=SOURCE, VersioningConfiguration={"Status": versioning})

    with pytest.raises(InvalidParameterValueException, match=f"{SOURCE} cannot be backed up: {reason}"):
        adapter.describe(arn)


def test_given_no_such_bucket_when_described_then_resource_not_found(adapter: Any) -> None:
    from lambdas.domain.errors import ResourceNotFoundException

    with pytest.raises(ResourceNotFoundException, match="arn:aws:s3:::nowhere-bucket"):
        adapter.describe("arn:aws:s3:::nowhere-bucket")


def test_given_strongroom_vault_bucket_when_described_then_refused(adapter: Any) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    with pytest.raises(InvalidParameterValueException, match="Strongroom's own vault storage"):
        adapter.describe(f"arn:aws:s3:::{VAULT_BUCKET}")


def test_given_buckets_here_and_elsewhere_when_listed_then_this_regions_but_not_the_vault(
    s3: Any, adapter: Any
) -> None:
    make_bucket(s3, "versioned-one", tags={"backup": "yes"})
    make_bucket(s3, "plain-one", versioned=False)
    s3.create_bucket(Bucket="far-away-one", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})

    listed = {info.name: info for info in adapter.list_resources()}

    # The unversioned bucket is listed: a job for it fails with the reason instead of silence.
    assert sorted(listed) == ["plain-one", "versioned-one"]
    assert listed["versioned-one"].tags == {"backup": "yes"}


def test_given_tagged_buckets_when_the_tagging_api_is_asked_with_the_filter_then_they_are_found(
    s3: Any, adapter: Any
) -> None:
    arn = make_bucket(s3, tags={"backup": "yes"})

    found = boto3.client("resourcegroupstaggingapi", region_name=REGION).get_resources(
        TagFilters=[{"Key": "backup", "Values": ["yes"]}], ResourceTypeFilters=[adapter.tagging_filter]
    )["ResourceTagMappingList"]

    assert [mapping["ResourceARN"] for mapping in found] == [arn]


# backup


def test_given_an_unversioned_bucket_when_a_backup_starts_then_refused_and_nothing_is_written(
    s3: Any, adapter: Any
) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    arn = make_bucket(s3, versioned=False)
    put(s3, "a.txt", "a")

    with pytest.raises(InvalidParameterValueException, match="enable versioning on the bucket first"):
        adapter.start_backup(arn, "JOB-1", {})
    assert vault_keys(s3) == []
    assert adapter.find_backup(arn, "JOB-1") is None


def test_given_a_started_backup_when_found_by_job_id_then_the_same_recovery_point_comes_back(
    s3: Any, adapter: Any
) -> None:
    arn = make_bucket(s3)
    other = make_bucket(s3, "other-bucket")
    started = adapter.start_backup(arn, "JOB-1", {"owner": "media"})

    assert started.native_id == "JOB-1"
    assert started.recovery_point_arn == f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:JOB-1"
    assert adapter.find_backup(arn, "JOB-1") == started
    assert adapter.find_backup(arn, "JOB-2") is None
    assert adapter.find_backup(other, "JOB-1") is None


def test_given_a_backup_started_this_second_when_polled_in_it_then_it_waits_to_list() -> None:
    from lambdas.resources.base import Phase

    s3 = vault_bucket()  # S3's real clock here
    adapter = make_adapter()
    arn = make_bucket(s3)
    put(s3, "a.txt", "a")
    time.sleep(1.01 - time.time() % 1)  # at the start of a second: the next lines run well inside it

    adapter.start_backup(arn, "JOB-1", {})
    waiting = adapter.backup_status("JOB-1")
    put(s3, "b.txt", "written in the backup's second")

    # A write later in this second carries the cutoff's timestamp and belongs in the point: listing at
    # once would have missed it.
    assert waiting.phase == Phase.RUNNING
    assert vault_keys(s3, "recovery-points/s3/JOB-1/manifest/") == []
    assert finish_backup(adapter, "JOB-1").size_bytes == len("a") + len("written in the backup's second")


def test_given_changes_after_the_backup_when_restored_to_a_new_bucket_then_exactly_the_backed_up_contents(
    s3: Any, s3_clock: Any, adapter: Any
) -> None:
    from lambdas.resources.base import Phase

    before = {"a.txt": "alpha v1", "b.txt": "bravo v1", "dir/c.txt": "charlie v1", "d.txt": "delta v1"}
    job = backed_up(s3, s3_clock, adapter, before)
    # When the bucket changes after the backup started: overwritten, deleted, created, overwritten twice
    put(s3, "a.txt", "alpha v2")
    s3.delete_object(Bucket=SOURCE, Key="b.txt")
    put(s3, "e.txt", "echo, new")
    put(s3, "dir/c.txt", "charlie v2")
    put(s3, "dir/c.txt", "charlie v3")

    backup = finish_backup(adapter, job)
    restore = adapter.start_restore(job, "RESTORE-1", {"DestinationBucketName": "photos-restored", "NewBucket": "true"})
    progress = finish_restore(adapter, restore)

    assert backup.phase == Phase.COMPLETED
    assert backup.size_bytes == sum(len(body) for body in before.values())
    assert progress.phase == Phase.COMPLETED
    assert restore.created_resource_arn == "arn:aws:s3:::photos-restored"
    assert contents(s3, "photos-restored") == before


def test_given_a_backup_started_twice_when_the_bucket_changed_in_between_then_the_first_cutoff_holds(
    s3: Any, s3_clock: Any, adapter: Any
) -> None:
    job = backed_up(s3, s3_clock, adapter, {"a.txt": "before"})
    put(s3, "a.txt", "after")
    s3_clock.tick()

    again = adapter.start_backup(SOURCE_ARN, job, {})  # the start step retried, a Lambda run twice
    finish_backup(adapter, job)
    restore = adapter.start_restore(job, "RESTORE-1", {"DestinationBucketName": "restored", "NewBucket": "true"})
    finish_restore(adapter, restore)

    assert again == adapter.find_backup(SOURCE_ARN, job)
    assert contents(s3, "restored") == {"a.txt": "before"}


def test_given_a_key_deleted_before_the_backup_when_restored_then_it_stays_deleted(
    s3: Any, s3_clock: Any, adapter: Any
) -> None:
    make_bucket(s3)
    put(s3, "kept.txt", "kept")
    put(s3, "gone.txt", "was here")
    s3.delete_object(Bucket=SOURCE, Key="gone.txt")
    adapter.start_backup(SOURCE_ARN, "JOB-1", {})
    s3_clock.tick()
    finish_backup(adapter, "JOB-1")

    restore = adapter.start_restore("JOB-1", "RESTORE-1", {"DestinationBucketName": "restored", "NewBucket": "true"})
    finish_restore(adapter, restore)

    assert contents(s3, "restored") == {"kept.txt": "kept"}


def test_given_many_versions_and_small_pages_when_listed_in_slices_then_one_entry_per_key(
    s3: Any, s3_clock: Any
) -> None:
    from lambdas.resources.base import Phase

    # Pages of 2 versions, one page per poll: key "a" has 5 versions before the backup, spanning 3 pages.
    adapter = make_adapter(page_size=2, slice_operations=1)
    make_bucket(s3)
    for version in range(5):
        put(s3, "a", f"a{version}")
    put(s3, "b", "b0")
    put(s3, "c", "c0")
    adapter.start_backup(SOURCE_ARN, "JOB-1", {})
    s3_clock.tick()
    put(s3, "a", "after")

    phases = []
    for _ in range(10):
        progress = adapter.backup_status("JOB-1")
        phases.append(progress.phase)
        if progress.phase != Phase.RUNNING:
            break

    assert phases.count(Phase.RUNNING) >= 3  # it resumed from its saved cursor, slice after slice
    assert phases[-1] == Phase.COMPLETED
    manifest = [
        json.loads(line)
        for key in vault_keys(s3, "recovery-points/s3/JOB-1/manifest/")
        for line in s3.get_object(Bucket=VAULT_BUCKET, Key=key)["Body"].read().decode().splitlines()
    ]
    assert sorted(entry["k"] for entry in manifest) == ["a", "b", "c"]
    restore = make_adapter().start_restore("JOB-1", "R-1", {"DestinationBucketName": "restored", "NewBucket": "true"})
    finish_restore(make_adapter(), restore)
    assert contents(s3, "restored") == {"a": "a4", "b": "b0", "c": "c0"}


def test_given_the_bucket_is_deleted_before_the_listing_when_polled_then_the_backup_fails_saying_so(
    s3: Any, s3_clock: Any, adapter: Any
) -> None:
    from lambdas.resources.base import Phase

    arn = make_bucket(s3)
    adapter.start_backup(arn, "JOB-1", {})
    s3.delete_bucket(Bucket=SOURCE)
    s3_clock.tick()

    progress = adapter.backup_status("JOB-1")

    assert progress.phase == Phase.FAILED
    assert progress.message == f"Bucket {SOURCE} was deleted before the backup could list it"


def test_given_a_recovery_point_when_deleted_twice_then_its_manifest_is_gone_and_the_versions_stay(
    s3: Any, s3_clock: Any, adapter: Any
) -> None:
    from lambdas.resources.base import Phase

    job = backed_up(s3, s3_clock, adapter, {"a.txt": "a", "b.txt": "b"})
    finish_backup(adapter, job)
    versions_before = s3.list_object_versions(Bucket=SOURCE)["Versions"]

    adapter.delete_backup(job)
    adapter.delete_backup(job)

    assert vault_keys(s3, "recovery-points/s3/JOB-1/") == []
    assert s3.list_object_versions(Bucket=SOURCE)["Versions"] == versions_before
    assert adapter.find_backup(SOURCE_ARN, job) is None
    assert adapter.backup_status(job).phase == Phase.FAILED


# restore


def test_given_a_recovery_point_when_restore_metadata_is_read_then_it_names_the_source_bucket(
    s3: Any, s3_clock: Any, adapter: Any
) -> None:
    job = backed_up(s3, s3_clock, adapter, {"a.txt": "a"})
    finish_backup(adapter, job)

    assert adapter.restore_metadata(job, None) == {"DestinationBucketName": SOURCE, "NewBucket": "false"}


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({}, "Restore metadata for S3 is missing: DestinationBucketName"),
        ({"DestinationBucketName": ""}, "missing: DestinationBucketName"),
        ({"DestinationBucketName": "Bad_Name"}, "must be a valid bucket name"),
        ({"DestinationBucketName": VAULT_BUCKET}, "Strongroom's own vault storage"),
        ({"DestinationBucketName": "not-there-yet"}, "does not exist: set NewBucket to true"),
        ({"DestinationBucketName": SOURCE, "NewBucket": "true"}, f"Bucket {SOURCE} already exists"),
        ({"DestinationBucketName": "new-one", "NewBucket": "yes"}, "NewBucket must be true or false"),
        ({"DestinationBucketName": SOURCE, "ItemsToRestore": "photos/"}, "must be a JSON list of 1 to 5"),
        ({"DestinationBucketName": SOURCE, "ItemsToRestore": json.dumps(["a"] * 6)}, "JSON list of 1 to 5"),
        ({"DestinationBucketName": SOURCE, "ItemsToRestore": '["s3://elsewhere/a"]'}, "not in the backed-up bucket"),
        ({"DestinationBucketName": SOURCE, "Encrypted": "true", "EncryptionType": "ROT13"}, "SSE-S3 or SSE-KMS"),
        ({"DestinationBucketName": SOURCE, "KMSKey": "arn:aws:kms:us-east-1:1:key/x"}, "KMSKey needs"),
    ],
)
def test_given_bad_restore_metadata_when_checked_then_refused_and_nothing_is_made(
    s3: Any, s3_clock: Any, adapter: Any, metadata: Any, message: Any
) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    job = backed_up(s3, s3_clock, adapter, {"a.txt": "a"})
    finish_backup(adapter, job)
    buckets_before = sorted(b["Name"] for b in s3.list_buckets()["Buckets"])

    with pytest.raises(InvalidParameterValueException, match=message):
        adapter.check_restore(job, metadata)
    with pytest.raises(InvalidParameterValueException, match=message):
        adapter.start_restore(job, "RESTORE-1", metadata)

    assert sorted(b["Name"] for b in s3.list_buckets()["Buckets"]) == buckets_before
    assert vault_keys(s3, "restores/") == []


def test_given_a_backup_still_running_when_a_restore_is_checked_then_refused(s3: Any, adapter: Any) -> None:
    from lambdas.domain.errors import InvalidParameterValueException

    arn = make_bucket(s3)
    adapter.start_backup(arn, "JOB-1", {})

    with pytest.raises(InvalidParameterValueException, match="not complete"):
        adapter.check_restore("JOB-1", {"DestinationBucketName": SOURCE})
    with pytest.raises(InvalidParameterValueException, match="no manifest"):
        adapter.check_restore("NO-SUCH-JOB", {"DestinationBucketName": SOURCE})


def test_given_changes_after_the_backup_when_restored_in_place_then_only_missing_keys_come_back(
    s3: Any, s3_clock: Any, adapter: Any
) -> None:
    from lambdas.resources.base import Phase

    job = backed_up(s3, s3_clock, adapter, {"a.txt": "alpha v1", "b.txt": "bravo v1", "c.txt": "charlie v1"})
    put(s3, "a.txt", "alpha v2")
    s3.delete_object(Bucket=SOURCE, Key="b.txt")
    put(s3, "new.txt", "created later")
    finish_backup(adapter, job)
    metadata = adapter.restore_metadata(job, None)

    adapter.check_restore(job, metadata)
    restore = adapter.start_restore(job, "RESTORE-1", metadata)

    assert finish_restore(adapter, restore).phase == Phase.COMPLETED
    # AWS Backup's rule: not destructive. The deleted key is back; what exists now is left as it is.
    assert contents(s3, SOURCE) == {
        "a.txt": "alpha v2",
        "b.txt": "bravo v1",
        "c.txt": "charlie v1",
        "new.txt": "created later",
    }


def test_given_items_to_restore_when_restored_then_only_that_prefix_and_key_come_back(
    s3: Any, s3_clock: Any, adapter: Any
) -> None:
    job = backed_up(
        s3,
        s3_clock,
        adapter,
        {"photos/1.jpg": "one", "photos/2.jpg": "two", "photosynthesis.txt": "no", "docs/a.txt": "a"},
    )
    finish_backup(adapter, job)
    items = json.dumps([f"s3://{SOURCE}/photos/", "docs/a.txt"])

    restore = adapter.start_restore(
        job, "RESTORE-1", {"DestinationBucketName": "partial", "NewBucket": "true", "ItemsToRestore": items}
    )
    finish_restore(adapter, restore)

    assert contents(s3, "partial") == {"photos/1.jpg": "one", "photos/2.jpg": "two", "docs/a.txt": "a"}


def test_given_a_version_deleted_for_good_when_restored_then_the_job_fails_naming_it(
    s3: Any, s3_clock: Any, adapter: Any
) -> None:
    from lambdas.resources.base import Phase

    make_bucket(s3)
    lost_version = put(s3, "lost.txt", "will be purged")
    put(s3, "kept.txt", "kept")
    adapter.start_backup(SOURCE_ARN, "JOB-1", {})
    s3_clock.tick()
    finish_backup(adapter, "JOB-1")
    s3.delete_object(Bucket=SOURCE, Key="lost.txt", VersionId=lost_version)

    restore = adapter.start_restore("JOB-1", "RESTORE-1", {"DestinationBucketName": "restored", "NewBucket": "true"})
    progress = finish_restore(adapter, restore)

    assert progress.phase == Phase.FAILED
    assert f"lost.txt version {lost_version}" in (progress.message or "")
    assert "1 of 2 objects could not be restored" in (progress.message or "")
    assert contents(s3, "restored") == {"kept.txt": "kept"}


def test_given_versions_deleted_for_good_when_restored_in_slices_then_each_failure_is_reported_once(
    s3: Any, s3_clock: Any
) -> None:
    from lambdas.resources.base import ObjectFailure, Phase

    # Given a backup of three objects, two of whose versions are then deleted for good
    adapter = make_adapter(slice_operations=1)  # one object per restore_status call
    make_bucket(s3)
    lost = {key: put(s3, key, key) for key in ("a-lost.txt", "c-lost.txt")}
    put(s3, "b-kept.txt", "kept")
    adapter.start_backup(SOURCE_ARN, "JOB-1", {})
    s3_clock.tick()
    finish_backup(adapter, "JOB-1")
    for key, version in lost.items():
        s3.delete_object(Bucket=SOURCE, Key=key, VersionId=version)

    # When the restore runs a slice at a time
    restore = adapter.start_restore("JOB-1", "RESTORE-1", {"DestinationBucketName": "restored", "NewBucket": "true"})
    reported: list[ObjectFailure] = []
    progress = adapter.restore_status(restore)
    reported.extend(progress.failed_objects)
    while progress.phase == Phase.RUNNING:
        progress = adapter.restore_status(restore)
        reported.extend(progress.failed_objects)
    reported.extend(adapter.restore_status(restore).failed_objects)  # read again once over: nothing new

    # Then each lost object is reported once, in the slice that met it, and the restore fails at its end
    assert sorted((f.key, f.version_id) for f in reported) == sorted(lost.items())
    assert all(f.reason in ("NoSuchVersion", "404", "NoSuchKey") for f in reported)
    assert progress.phase == Phase.FAILED
    assert contents(s3, "restored") == {"b-kept.txt": "kept"}


def test_given_a_new_bucket_restore_when_sliced_and_retried_then_one_bucket_versioned_and_found(
    s3: Any, s3_clock: Any
) -> None:
    from lambdas.resources.base import RESTORE_TAG, Phase

    adapter = make_adapter(slice_operations=1)
    job = backed_up(s3, s3_clock, adapter, {"a": "1", "b": "2", "c": "3"})
    finish_backup(adapter, job)
    metadata = {"DestinationBucketName": "restored", "NewBucket": "true"}

    first = adapter.start_restore(job, "RESTORE-1", metadata)
    # A retried start (the workflow's step ran twice) adopts the bucket it made instead of failing on it.
    again = adapter.start_restore(job, "RESTORE-1", metadata)
    running = adapter.restore_status(first)

    assert first == again == adapter.find_restore(job, "RESTORE-1", metadata)
    assert adapter.find_restore(job, "RESTORE-2", metadata) is None
    assert running.phase == Phase.RUNNING and running.percent_done == "33.3"
    assert finish_restore(adapter, first).phase == Phase.COMPLETED
    assert contents(s3, "restored") == {"a": "1", "b": "2", "c": "3"}
    assert s3.get_bucket_versioning(Bucket="restored")["Status"] == "Enabled"
    assert s3.get_bucket_tagging(Bucket="restored")["TagSet"] == [{"Key": RESTORE_TAG, "Value": "RESTORE-1"}]


def test_given_encryption_metadata_when_restored_then_objects_are_written_with_that_key(
    s3: Any, s3_clock: Any, adapter: Any
) -> None:
    key_arn = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    job = backed_up(s3, s3_clock, adapter, {"secret.txt": "s3cr3t"})
    finish_backup(adapter, job)

    restore = adapter.start_restore(
        job,
        "RESTORE-1",
        {
            "DestinationBucketName": "sealed",
            "NewBucket": "true",
            "Encrypted": "true",
            "EncryptionType": "SSE-KMS",
            "KMSKey": key_arn,
        },
    )
    finish_restore(adapter, restore)

    head = s3.head_object(Bucket="sealed", Key="secret.txt")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == key_arn


def test_given_no_restore_state_when_status_is_read_then_failed(s3: Any, adapter: Any) -> None:
    from lambdas.resources.base import NativeRestore, Phase

    progress = adapter.restore_status(NativeRestore("NO-SUCH-RESTORE", "arn:aws:s3:::x"))

    assert progress.phase == Phase.FAILED


def test_given_no_vault_bucket_when_a_backup_starts_then_a_clear_deployment_error(adapter: Any) -> None:
    from lambdas.resources.vault_storage import VaultStorageMissing

    s3 = boto3.client("s3", region_name=REGION)
    s3.delete_bucket(Bucket=VAULT_BUCKET)
    arn = make_bucket(s3)

    with pytest.raises(VaultStorageMissing, match=f"{VAULT_BUCKET} does not exist: the deployment must create it"):
        adapter.start_backup(arn, "JOB-1", {})
