"""S3 buckets: point-in-time backups of a versioned bucket, kept as a manifest of object versions.

Backup. A recovery point records, for every key, the version that was current when the backup started: the
newest version (or delete marker) whose LastModified is not later than the backup's cutoff. The cutoff is
S3's own clock, not Strongroom's: the LastModified of the recovery point's state object, written when the
backup starts. S3 timestamps have a resolution of one second, so writes in the same second as the start
count as before it; the listing waits until S3's clock has left that second, so nothing written in it is
missed. The listing runs in slices (a time and page budget per backup_status call, which track_jobs makes
every few minutes) and saves its cursor, so a bucket of any size is listed without a Lambda timing out and a
crash resumes where it stopped. The manifest is written to Strongroom's vault storage bucket in parts of
up to 1,000 entries (key, version id, ETag, size).

What it is not. The recovery point references versions; it does not copy them. It restores only while the
bucket keeps those versions: a version deleted permanently (DeleteObject with a VersionId) or expired by a
lifecycle rule (NoncurrentVersionExpiration) before the point expires cannot be restored: the restore goes on,
fails at the end saying which, and reports each one as it happens (restore_status's failed_objects, which the
restore service notifies as S3_RESTORE_OBJECT_FAILED). A backup copies no object, so none can fail alone.
Keep noncurrent versions at least as long as the longest retention that protects the bucket.
Only versioned buckets qualify (AWS Backup's rule too): an unversioned bucket is refused with
InvalidParameterValueException, at describe and at start_backup. Strongroom's own vault bucket is refused.

Restore. Metadata keys follow AWS Backup's: DestinationBucketName (required; default: the source bucket),
NewBucket ("true" creates it, versioned), Encrypted / EncryptionType (SSE-S3 | SSE-KMS) / KMSKey applied
to the restored objects, ItemsToRestore (a JSON list of one to five S3 URIs or keys; one ending in "/" is a
prefix). Each recorded version is copied server-side (CopyObject with VersionId; multipart copy above 5 GB),
keeping its metadata and tags. Like AWS Backup the restore is not destructive: a key that currently exists
in the destination is skipped, a key whose current version is a delete marker is restored, and keys that
were not in the backup are left alone. The copy runs in slices from restore_status (the restore workflow's
poll loop) with a saved cursor. Delete removes the manifest only, never the customer's object versions.

Copies (copy jobs to another vault, Region or account). A point referencing versions in the customer's bucket
would be no copy at all (it would die with the bucket or its Region), so a copy holds the data: the
destination deployment's adapter copies every recorded version server-side from the customer's bucket
(CopyObject with VersionId; multipart above 5 GB) into its own vault storage bucket, under the copy job's id
(`recovery-points/s3/<copy job id>/data/<part>-<index>`), encrypted with the destination vault's KMS key, and
writes the copy's manifest, whose entries name those data objects ("d"). The copy runs in slices from
backup_status (track_jobs) with its cursor in the copy's `backup.json`. A version gone from the bucket by then
fails the copy, naming it (and the data copied so far is deleted). A copy of a copy reads the first copy's
data objects. A restore of a copy reads the data objects instead of the customer's versions, and otherwise
works as above (the default DestinationBucketName is still the source bucket). Deleting a copy deletes its
data. Across accounts, the destination's copy role must be able to read the source deployment's vault bucket
(see vault_storage) AND the customer bucket's versions (s3:GetObjectVersion, s3:GetObjectVersionTagging, and
kms:Decrypt for SSE-KMS objects): that is the customer's bucket policy, which Strongroom does not write;
share_backup does nothing. Objects are copied one at a time (slices of a few seconds per tracking run), so a
large bucket takes many runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from lambdas.common import clock
from lambdas.domain.arns import parse_arn
from lambdas.domain.errors import InvalidParameterValueException, ResourceNotFoundException
from lambdas.domain.native_locks import NativeLock
from lambdas.resources.base import (
    RESTORE_TAG,
    CopySource,
    NativeBackup,
    NativeLockState,
    NativeRestore,
    ObjectFailure,
    Phase,
    Progress,
    ResourceInfo,
)
from lambdas.resources.vault_storage import (
    PrefixLock,
    VaultStorage,
    VaultStorageMissing,
    WorkBudget,
    copy_source_header,
    default_vault_bucket,
    manifest_part_key,
    recovery_point_prefix,
    restore_state_key,
)

_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
_MISSING_BUCKET = ("NoSuchBucket", "404", "NotFound")
_MISSING_VERSION = ("NoSuchVersion", "NoSuchKey", "404", "NotFound", "InvalidArgument", "AccessDenied", "403")
SINGLE_COPY_LIMIT = 5 * 1024**3  # CopyObject's limit; larger objects are copied in parts
MAX_ITEMS_TO_RESTORE = 5
RUNNING, COMPLETED, FAILED = "RUNNING", "COMPLETED", "FAILED"


def bucket_arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


def _true(value: str | None, key: str) -> bool:
    if value is None or value == "":
        return False
    if value.lower() not in ("true", "false"):
        raise InvalidParameterValueException(f"Restore metadata {key} must be true or false, got {value!r}")
    return value.lower() == "true"


@dataclass(frozen=True)
class RestorePlan:
    source_bucket: str
    destination: str
    new_bucket: bool
    items: tuple[str, ...]  # keys, or prefixes ending in "/"; empty: the whole bucket
    encryption: dict[str, str]

    def selects(self, key: str) -> bool:
        if not self.items:
            return True
        return any(key == item or (item.endswith("/") and key.startswith(item)) for item in self.items)


class S3Adapter:
    resource_type = "S3"
    tagging_filter = "s3:bucket"
    supports_cold_storage = False

    def __init__(
        self,
        s3: Callable[[], Any],
        region: str,
        account: str,
        storage: VaultStorage,
        *,
        page_size: int = 1000,
        listing_seconds: float = 5.0,
        copy_seconds: float = 30.0,
        slice_operations: int | None = None,
    ) -> None:
        """listing_seconds: per backup_status call; track_jobs polls every open job in one 5-minute Lambda,
        so each gets a few seconds (about 20 pages, 20,000 versions). copy_seconds: per restore_status call,
        which the restore workflow's poll Lambda (60 s timeout) makes for one restore."""
        self._s3 = s3
        self._region = region
        self._account = account
        self._storage = storage
        self._page_size = page_size
        self._listing_seconds = listing_seconds
        self._copy_seconds = copy_seconds
        self._slice_operations = slice_operations

    # where things are

    def _prefix(self, native_id: str) -> str:
        return recovery_point_prefix("s3", native_id)

    def _header_key(self, native_id: str) -> str:
        return self._prefix(native_id) + "backup.json"

    def _recovery_point_arn(self, native_id: str) -> str:
        return f"arn:aws:backup:{self._region}:{self._account}:recovery-point:{native_id}"

    # describe

    def _bucket_region(self, bucket: str) -> str:
        location = self._s3().get_bucket_location(Bucket=bucket).get("LocationConstraint")
        return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(location, location)

    def _info(self, bucket: str) -> ResourceInfo:
        client = self._s3()
        try:
            tags = {t["Key"]: t["Value"] for t in client.get_bucket_tagging(Bucket=bucket).get("TagSet", [])}
        except ClientError as error:
            if error.response["Error"]["Code"] != "NoSuchTagSet":
                raise
            tags = {}
        key_arn = None
        try:
            rules = client.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
            key_arn = (rules[0].get("ApplyServerSideEncryptionByDefault") or {}).get("KMSMasterKeyID")
        except ClientError as error:
            if error.response["Error"]["Code"] != "ServerSideEncryptionConfigurationNotFoundError":
                raise
        return ResourceInfo(
            arn=bucket_arn(bucket),
            resource_type=self.resource_type,
            name=bucket,
            size_bytes=None,  # S3 has no cheap bucket size; the backup reports the bytes it references
            tags=tags,
            encryption_key_arn=key_arn,
            is_encrypted=True,  # S3 encrypts every new object at rest
        )

    def _check_protectable(self, resource_arn: str) -> str:
        bucket = parse_arn(resource_arn).resource_id
        if bucket == self._storage.bucket:
            raise InvalidParameterValueException(
                f"Bucket {bucket} is Strongroom's own vault storage and cannot be protected by Strongroom"
            )
        try:
            status = self._s3().get_bucket_versioning(Bucket=bucket).get("Status")
        except ClientError as error:
            if error.response["Error"]["Code"] in _MISSING_BUCKET:
                raise ResourceNotFoundException(f"S3 bucket {resource_arn} does not exist") from None
            raise
        if status != "Enabled":
            state = "suspended" if status == "Suspended" else "not enabled"
            raise InvalidParameterValueException(
                f"S3 bucket {bucket} cannot be backed up: versioning is {state}. "
                "Strongroom backs up versioned buckets only; enable versioning on the bucket first."
            )
        return bucket

    def resource_type_for(self, resource_arn: str) -> str:
        return self.resource_type

    def describe(self, resource_arn: str) -> ResourceInfo:
        return self._info(self._check_protectable(resource_arn))

    def list_resources(self) -> Iterator[ResourceInfo]:
        """Every bucket of this Region but the vault's own, unversioned ones included: a job for one of those
        fails with the reason, instead of the bucket going unprotected without a word."""
        request: dict[str, Any] = {}
        while True:
            response = self._s3().list_buckets(**request)
            for bucket in response.get("Buckets", []):
                name = bucket["Name"]
                if name == self._storage.bucket:
                    continue
                try:
                    if self._bucket_region(name) != self._region:
                        continue
                    yield self._info(name)
                except ClientError as error:
                    if error.response["Error"]["Code"] not in _MISSING_BUCKET:
                        raise
            if not response.get("ContinuationToken"):
                return
            request["ContinuationToken"] = response["ContinuationToken"]

    # backup

    def find_backup(self, resource_arn: str, job_id: str) -> NativeBackup | None:
        header = self._storage.get_json(self._header_key(job_id))
        if header is None or header.get("source_arn") != resource_arn:
            return None
        return NativeBackup(job_id, self._recovery_point_arn(job_id))

    def start_backup(self, resource_arn: str, job_id: str, tags: dict[str, str]) -> NativeBackup:
        """Quick on purpose (start_backups starts many jobs in one Lambda): it only records the cutoff. The
        header's LastModified, S3's clock, is the backup's point in time."""
        bucket = self._check_protectable(resource_arn)
        found = self.find_backup(resource_arn, job_id)
        if found is not None:
            return found  # started already: rewriting the header would move the cutoff
        header = {
            "resource_type": self.resource_type,
            "source_arn": resource_arn,
            "bucket": bucket,
            "job_id": job_id,
            "tags": tags,
            "status": RUNNING,
            "cutoff": None,
            "key_marker": None,
            "version_marker": None,
            "current_key": None,
            "current_resolved": False,
            "parts": 0,
            "objects": 0,
            "bytes": 0,
        }
        self._storage.put_json(self._header_key(job_id), header)
        return NativeBackup(job_id, self._recovery_point_arn(job_id))

    def backup_status(self, native_id: str) -> Progress:
        stored = self._storage.read_json(self._header_key(native_id))
        if stored is None:
            return Progress(Phase.FAILED, message=f"Recovery point {native_id} is missing from vault storage")
        header = stored.value
        if header["status"] != RUNNING:
            return _backup_progress(header)
        if "copy" in header:  # a copy job's copy (copy_in), not a backup
            self._copy_in_slice(header)
            self._storage.put_json(self._header_key(native_id), header)
            return _backup_progress(header)
        if header["cutoff"] is None:
            header["cutoff"] = stored.last_modified.isoformat()  # never rewritten before this line runs
        cutoff = datetime.fromisoformat(header["cutoff"])
        # S3's clock, from its response's Date; the wall clock where a response has none (moto's GetObject).
        # Real time on purpose: the question is about S3's timestamps, not Strongroom's (virtual) "now".
        s3_now = stored.server_time or clock.wall_time()
        if s3_now < cutoff + timedelta(seconds=1):
            return Progress(Phase.RUNNING, "0.0", 0)  # S3 is still in the cutoff's second: list after it
        self._list_slice(header, cutoff)
        self._storage.put_json(self._header_key(native_id), header)
        return _backup_progress(header)

    def _list_slice(self, header: dict[str, Any], cutoff: datetime) -> None:
        budget = WorkBudget(self._listing_seconds, self._slice_operations)
        prefix = self._prefix(header["job_id"])
        while not budget.exhausted:
            request: dict[str, Any] = {"Bucket": header["bucket"], "MaxKeys": self._page_size}
            if header["key_marker"] is not None:
                request["KeyMarker"] = header["key_marker"]
                request["VersionIdMarker"] = header["version_marker"] or ""
            try:
                page = self._s3().list_object_versions(**request)
            except ClientError as error:
                if error.response["Error"]["Code"] in _MISSING_BUCKET:
                    header["status"] = FAILED
                    header["message"] = f"Bucket {header['bucket']} was deleted before the backup could list it"
                    return
                raise
            budget.spend()
            recorded = _resolve_page(page, cutoff, header)
            if recorded:
                self._storage.put_lines(manifest_part_key(prefix, header["parts"]), recorded)
                header["parts"] += 1
                header["objects"] += len(recorded)
                header["bytes"] += sum(entry["s"] for entry in recorded)
            if not page.get("IsTruncated"):
                header["status"] = COMPLETED
                return
            header["key_marker"] = page.get("NextKeyMarker")
            header["version_marker"] = page.get("NextVersionIdMarker")

    # locks: S3 Object Lock over the point's objects in the vault bucket (vault_storage.PrefixLock)

    def lock_backup(self, native_id: str, lock: NativeLock) -> None:
        PrefixLock(self._storage).lock_backup(self._prefix(native_id), lock)

    def unlock_backup(self, native_id: str) -> None:
        PrefixLock(self._storage).unlock(self._prefix(native_id))

    def backup_lock(self, native_id: str) -> NativeLockState | None:
        return PrefixLock(self._storage).backup_lock(self._prefix(native_id))

    def delete_backup(self, native_id: str) -> None:
        """The manifest only: the object versions it points at are the customer's and stay. (A copy's prefix also
        holds the copied data, which goes with it.)"""
        self._storage.delete_prefix(self._prefix(native_id))

    # copies

    def share_backup(self, native_id: str, account: str) -> None:
        """Nothing per point: the destination reads the source vault bucket and the customer's bucket, whose
        policies must let its copy role read them (see the module docstring)."""

    def copy_in(self, source: CopySource, copy_job_id: str, kms_key_arn: str, tags: dict[str, str]) -> NativeBackup:
        """Starts the copy: checks the source point can be read and is complete, and records the copy's state;
        backup_status copies the data."""
        found = self.find_backup(source.resource_arn, copy_job_id)
        if found is not None:
            return found
        source_storage = self._storage.over(default_vault_bucket(source.account, source.region))
        source_header = copy_source_header(source_storage, self._prefix(source.native_id), self._account)
        header = {
            "resource_type": self.resource_type,
            "source_arn": source.resource_arn,
            "bucket": source_header["bucket"],
            "job_id": copy_job_id,
            "tags": tags,
            "status": RUNNING,
            "cutoff": source_header.get("cutoff"),
            "parts": 0,
            "objects": 0,
            "bytes": 0,
            "copy": {
                "vault_bucket": source_storage.bucket,
                "native_id": source.native_id,
                "region": source.region,
                "account": source.account,
                "kms_key_arn": kms_key_arn,
                "parts": source_header.get("parts", 0),
                "part": 0,
                "index": 0,
                "failed": 0,
                "errors": [],
            },
        }
        self._storage.put_json(self._header_key(copy_job_id), header)
        return NativeBackup(copy_job_id, self._recovery_point_arn(copy_job_id))

    def _copy_in_slice(self, header: dict[str, Any]) -> None:
        """Copies the source's versions (or, for a copy of a copy, its data objects) part by part; a part of the
        copy's manifest is written once its objects are all copied, so a slice resumes at the part's index."""
        copy = header["copy"]
        source = self._storage.over(copy["vault_bucket"])
        source_prefix, prefix = self._prefix(copy["native_id"]), self._prefix(header["job_id"])
        budget = WorkBudget(self._listing_seconds, self._slice_operations)
        while copy["part"] < copy["parts"]:
            try:
                entries = source.get_lines(manifest_part_key(source_prefix, copy["part"]))
            except (ClientError, VaultStorageMissing) as error:
                if isinstance(error, ClientError) and error.response["Error"]["Code"] not in _MISSING_VERSION:
                    raise  # throttling and the like: the next tracking run resumes here
                header["status"] = FAILED
                header["message"] = (
                    f"The source recovery point's manifest could not be read from {source.bucket}: {error}"
                )
                self._discard_copy(prefix)
                return
            while copy["index"] < len(entries):
                if budget.exhausted:
                    return
                budget.spend()
                self._copy_entry(entries[copy["index"]], header["bucket"], source.bucket, prefix, copy)
                copy["index"] += 1
            copied = [{**entry, "d": _data_key(prefix, copy["part"], i)} for i, entry in enumerate(entries)]
            self._storage.put_lines(manifest_part_key(prefix, copy["part"]), copied)
            header["parts"] += 1
            header["objects"] += len(entries)
            header["bytes"] += sum(entry["s"] for entry in entries)
            copy["part"] += 1
            copy["index"] = 0
        if copy["failed"]:
            header["status"] = FAILED
            header["message"] = (
                f"{copy['failed']} of {header['objects']} objects could not be copied (their versions are gone from "
                f"{header['bucket']}, or cannot be read): {'; '.join(copy['errors'])}"
            )
            self._discard_copy(prefix)
        else:
            header["status"] = COMPLETED

    def _copy_entry(
        self, entry: dict[str, Any], bucket: str, source_vault: str, prefix: str, copy: dict[str, Any]
    ) -> None:
        if entry.get("d"):
            source = {"Bucket": source_vault, "Key": entry["d"]}
        else:
            source = {"Bucket": bucket, "Key": entry["k"], "VersionId": entry["v"]}
        try:
            self._storage.copy_in(
                source, _data_key(prefix, copy["part"], copy["index"]), entry["s"], copy["kms_key_arn"]
            )
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code not in _MISSING_VERSION:
                raise
            copy["failed"] += 1
            if len(copy["errors"]) < 5:
                copy["errors"].append(f"{entry['k']} version {entry['v']}: {code}")

    def _discard_copy(self, prefix: str) -> None:
        """A failed copy keeps its state (backup.json, with the reason) and drops the data it copied."""
        for part in ("data/", "manifest/"):
            self._storage.delete_prefix(prefix + part)

    def move_to_cold(self, native_id: str) -> bool:
        """Ignored, as AWS Backup ignores it for S3: the point is a manifest of object versions that stay
        in the customer's bucket, so there is nothing of Strongroom's to archive (the manifest is small, and
        archiving it would only make restores wait)."""
        return False

    # restore

    def restore_metadata(self, native_id: str, source: ResourceInfo | None) -> dict[str, str]:
        header = self._storage.get_json(self._header_key(native_id)) or {}
        bucket = header.get("bucket") or (source.name if source and source.name else "")
        return {"DestinationBucketName": bucket, "NewBucket": "false"}

    def _plan(self, native_id: str, metadata: dict[str, str]) -> RestorePlan:
        header = self._storage.get_json(self._header_key(native_id))
        if header is None:
            raise InvalidParameterValueException(
                f"Recovery point {native_id} has no manifest in vault storage and cannot be restored"
            )
        if header["status"] != COMPLETED:
            raise InvalidParameterValueException(f"Recovery point {native_id} is not complete and cannot be restored")
        destination = metadata.get("DestinationBucketName")
        if not destination:
            raise InvalidParameterValueException("Restore metadata for S3 is missing: DestinationBucketName")
        if not _BUCKET_NAME.match(destination) or ".." in destination:
            raise InvalidParameterValueException(
                f"Restore metadata DestinationBucketName must be a valid bucket name, got {destination!r}"
            )
        if destination == self._storage.bucket:
            raise InvalidParameterValueException(
                f"Bucket {destination} is Strongroom's own vault storage and cannot be a restore destination"
            )
        return RestorePlan(
            source_bucket=header["bucket"],
            destination=destination,
            new_bucket=_true(metadata.get("NewBucket"), "NewBucket"),
            items=_items(metadata.get("ItemsToRestore"), header["bucket"]),
            encryption=_encryption(metadata),
        )

    def _bucket_exists(self, bucket: str) -> bool:
        try:
            self._s3().head_bucket(Bucket=bucket)
        except ClientError as error:
            if error.response["Error"]["Code"] in _MISSING_BUCKET:
                return False
            raise
        return True

    def _restore_tag(self, bucket: str) -> str | None:
        try:
            tag_set = self._s3().get_bucket_tagging(Bucket=bucket).get("TagSet", [])
        except ClientError:
            return None
        return next((t["Value"] for t in tag_set if t["Key"] == RESTORE_TAG), None)

    def check_restore(self, native_id: str, metadata: dict[str, str]) -> None:
        plan = self._plan(native_id, metadata)
        exists = self._bucket_exists(plan.destination)
        if plan.new_bucket and exists:
            raise InvalidParameterValueException(
                f"Bucket {plan.destination} already exists: choose another DestinationBucketName, "
                "or set NewBucket to false to restore into it"
            )
        if not plan.new_bucket and not exists:
            raise InvalidParameterValueException(
                f"Bucket {plan.destination} does not exist: set NewBucket to true to create it"
            )

    def find_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore | None:
        state = self._storage.get_json(restore_state_key(restore_job_id))
        if state is None or state.get("native_id") != native_id:
            return None
        return NativeRestore(restore_job_id, bucket_arn(state["destination"]))

    def start_restore(self, native_id: str, restore_job_id: str, metadata: dict[str, str]) -> NativeRestore:
        found = self.find_restore(native_id, restore_job_id, metadata)
        if found is not None:
            return found  # started already: a new state would lose the cursor
        plan = self._plan(native_id, metadata)
        if plan.new_bucket:
            self._create_bucket(plan.destination, restore_job_id)
        elif not self._bucket_exists(plan.destination):
            raise InvalidParameterValueException(
                f"Bucket {plan.destination} does not exist: set NewBucket to true to create it"
            )
        header = self._storage.get_json(self._header_key(native_id)) or {}
        state = {
            "native_id": native_id,
            "source_bucket": plan.source_bucket,
            "destination": plan.destination,
            "items": list(plan.items),
            "encryption": plan.encryption,
            "status": RUNNING,
            "parts": header.get("parts", 0),
            "total": header.get("objects", 0),
            "part": 0,
            "index": 0,
            "examined": 0,
            "restored": 0,
            "skipped": 0,
            "failed": 0,
            "bytes": 0,
            "errors": [],
        }
        self._storage.put_json(restore_state_key(restore_job_id), state)
        return NativeRestore(restore_job_id, bucket_arn(plan.destination))

    def _create_bucket(self, bucket: str, restore_job_id: str) -> None:
        client = self._s3()
        if self._bucket_exists(bucket):
            if self._restore_tag(bucket) == restore_job_id:
                return  # this restore made it before a crash: adopt it
            raise InvalidParameterValueException(
                f"Bucket {bucket} already exists: choose another DestinationBucketName, "
                "or set NewBucket to false to restore into it"
            )
        request: dict[str, Any] = {"Bucket": bucket}
        if self._region != "us-east-1":
            request["CreateBucketConfiguration"] = {"LocationConstraint": self._region}
        try:
            client.create_bucket(**request)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("BucketAlreadyExists", "InvalidBucketName"):
                raise InvalidParameterValueException(
                    f"Bucket {bucket} cannot be created: {error.response['Error'].get('Message', '')}"
                ) from None
            if error.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
                raise
        client.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": RESTORE_TAG, "Value": restore_job_id}]})
        # Versioned, so the restored bucket can be protected in its turn.
        client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

    def restore_status(self, restore: NativeRestore) -> Progress:
        key = restore_state_key(restore.native_id)
        state = self._storage.get_json(key)
        if state is None:
            return Progress(Phase.FAILED, message=f"Restore {restore.native_id} has no state in vault storage")
        failed: list[ObjectFailure] = []  # this slice's, for S3_RESTORE_OBJECT_FAILED once the state is saved
        if state["status"] == RUNNING:
            self._copy_slice(state, failed)
            self._storage.put_json(key, state)
        return replace(_restore_progress(state), failed_objects=tuple(failed))

    def _copy_slice(self, state: dict[str, Any], failed: list[ObjectFailure]) -> None:
        budget = WorkBudget(self._copy_seconds, self._slice_operations)
        prefix = self._prefix(state["native_id"])
        plan = RestorePlan(
            state["source_bucket"], state["destination"], False, tuple(state["items"]), state["encryption"]
        )
        while state["part"] < state["parts"]:
            try:
                entries = self._storage.get_lines(manifest_part_key(prefix, state["part"]))
            except ClientError as error:
                state["status"] = FAILED
                state["message"] = f"The recovery point's manifest could not be read: {error}"
                return
            while state["index"] < len(entries):
                if budget.exhausted:
                    return
                entry = entries[state["index"]]
                if plan.selects(entry["k"]):
                    budget.spend()
                    self._restore_object(plan, entry, state, failed)
                state["index"] += 1
                state["examined"] += 1
            state["part"] += 1
            state["index"] = 0
        if state["failed"]:
            state["status"] = FAILED
            state["message"] = (
                f"{state['failed']} of {state['restored'] + state['skipped'] + state['failed']} objects could not "
                f"be restored (their versions are gone from {state['source_bucket']}): {'; '.join(state['errors'])}"
            )
        else:
            state["status"] = COMPLETED

    def _restore_object(
        self, plan: RestorePlan, entry: dict[str, Any], state: dict[str, Any], failed: list[ObjectFailure]
    ) -> None:
        client = self._s3()
        try:
            client.head_object(Bucket=plan.destination, Key=entry["k"])
            state["skipped"] += 1  # not destructive: an object that exists now is left as it is
            return
        except ClientError as error:
            if error.response["Error"]["Code"] not in ("404", "NoSuchKey", "NotFound", "405"):
                raise
        source = {"Bucket": plan.source_bucket, "Key": entry["k"], "VersionId": entry["v"]}
        if entry.get("d"):  # a copy's point: its data is in vault storage
            source = {"Bucket": self._storage.bucket, "Key": entry["d"]}
        try:
            if entry["s"] > SINGLE_COPY_LIMIT:
                client.copy(source, plan.destination, entry["k"], ExtraArgs=plan.encryption or None)
            else:
                client.copy_object(CopySource=source, Bucket=plan.destination, Key=entry["k"], **plan.encryption)
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code not in _MISSING_VERSION:
                raise
            state["failed"] += 1
            failed.append(ObjectFailure(entry["k"], entry.get("v"), code))
            if len(state["errors"]) < 5:
                state["errors"].append(f"{entry['k']} version {entry['v']}: {code}")
            return
        state["restored"] += 1
        state["bytes"] += entry["s"]


def _data_key(prefix: str, part: int, index: int) -> str:
    """Where a copy keeps the object of its manifest's part `part`, entry `index`."""
    return f"{prefix}data/{part:06d}-{index:06d}"


def _resolve_page(page: dict[str, Any], cutoff: datetime, header: dict[str, Any]) -> list[dict[str, Any]]:
    """For each key, the newest version or delete marker at or before the cutoff decides; a version is
    recorded, a delete marker means the key did not exist then. A key's versions may span pages, so whether
    the current key is decided already travels in the header."""
    versions = [(item, False) for item in page.get("Versions", [])]
    markers = [(item, True) for item in page.get("DeleteMarkers", [])]
    # S3 returns versions and delete markers in two lists; merged by key, newest first. Within one second
    # the current one (IsLatest) is the newest; the lists keep their own order otherwise.
    merged = sorted(
        [*versions, *markers],
        key=lambda pair: (pair[0]["Key"], -pair[0]["LastModified"].timestamp(), not pair[0].get("IsLatest")),
    )
    recorded: list[dict[str, Any]] = []
    for item, is_marker in merged:
        if item["Key"] != header["current_key"]:
            header["current_key"] = item["Key"]
            header["current_resolved"] = False
        if header["current_resolved"] or item["LastModified"] > cutoff:
            continue
        header["current_resolved"] = True
        if not is_marker:
            recorded.append(
                {"k": item["Key"], "v": item["VersionId"], "e": item.get("ETag", ""), "s": int(item.get("Size", 0))}
            )
    return recorded


def _items(raw: str | None, source_bucket: str) -> tuple[str, ...]:
    if raw is None or raw.strip() == "":
        return ()
    try:
        items = json.loads(raw)
    except ValueError:
        items = None
    if (
        not isinstance(items, list)
        or not 1 <= len(items) <= MAX_ITEMS_TO_RESTORE
        or not all(isinstance(i, str) and i for i in items)
    ):
        raise InvalidParameterValueException(
            f"Restore metadata ItemsToRestore must be a JSON list of 1 to {MAX_ITEMS_TO_RESTORE} S3 URIs "
            f'(e.g. ["s3://{source_bucket}/photos/"]), got {raw!r}'
        )
    keys = []
    for item in items:
        key = item
        if item.startswith("s3://"):
            bucket, _, key = item[len("s3://") :].partition("/")
            if bucket != source_bucket:
                raise InvalidParameterValueException(
                    f"ItemsToRestore item {item} is not in the backed-up bucket {source_bucket}"
                )
        if not key:
            raise InvalidParameterValueException(f"ItemsToRestore item {item!r} names no object or prefix")
        keys.append(key)
    return tuple(keys)


def _encryption(metadata: dict[str, str]) -> dict[str, str]:
    encryption_type = metadata.get("EncryptionType")
    key = metadata.get("KMSKey")
    if not _true(metadata.get("Encrypted"), "Encrypted") and not encryption_type:
        if key:
            raise InvalidParameterValueException(
                "Restore metadata KMSKey needs Encrypted true and EncryptionType SSE-KMS"
            )
        return {}  # the destination bucket's default encryption applies
    if encryption_type in (None, "", "SSE-S3"):
        if key:
            raise InvalidParameterValueException("Restore metadata KMSKey needs EncryptionType SSE-KMS")
        return {"ServerSideEncryption": "AES256"}
    if encryption_type == "SSE-KMS":
        return {"ServerSideEncryption": "aws:kms", **({"SSEKMSKeyId": key} if key else {})}
    raise InvalidParameterValueException(
        f"Restore metadata EncryptionType must be SSE-S3 or SSE-KMS, got {encryption_type!r}"
    )


def _backup_progress(header: dict[str, Any]) -> Progress:
    if header["status"] == COMPLETED:
        return Progress(Phase.COMPLETED, "100.0", header["bytes"])
    if header["status"] == FAILED:
        return Progress(Phase.FAILED, message=header.get("message") or "The backup failed")
    # The number of versions is unknown until the listing ends: no percentage, the bytes referenced so far.
    return Progress(Phase.RUNNING, None, header["bytes"])


def _restore_progress(state: dict[str, Any]) -> Progress:
    if state["status"] == COMPLETED:
        return Progress(Phase.COMPLETED, "100.0", state["bytes"])
    if state["status"] == FAILED:
        return Progress(Phase.FAILED, message=state.get("message") or "The restore failed")
    total = state["total"] or 1
    return Progress(Phase.RUNNING, f"{min(99.9, 100.0 * state['examined'] / total):.1f}", state["bytes"])
