"""Where Strongroom keeps backup data itself: one S3 bucket it owns (the "vault storage bucket").

EBS, RDS or DynamoDB keep their own backups; S3 and EFS do not, so for those types Strongroom writes the
recovery point's content here. One bucket per deployment (per account and Region), laid out by prefix:

    recovery-points/<type>/<backup job id>/backup.json      the recovery point's state and counters
    recovery-points/<type>/<backup job id>/manifest/<n>.jsonl  what the point holds, 1,000 entries a part
    recovery-points/<type>/<backup job id>/data/<sha256>     file contents (EFS only)
    restores/<restore job id>.json                           a restore's cursor, so it resumes where it stopped

Deleting a recovery point deletes its prefix (every version of every object under it, should the bucket be
versioned). Nothing outside these prefixes is ever read or written.

Copies. A copy job into a vault of this deployment writes the copy under the copy job's id as its native id,
`recovery-points/<type>/<copy job id>/`, copying objects server-side (CopyObject) from the source deployment's
bucket, found by its default name (`default_vault_bucket` of the source's account and Region), into this one,
each encrypted with the destination vault's KMS key (SSE-KMS). The copy runs in the destination's Region with
the destination's credentials, in slices from backup_status, with its cursor in its `backup.json`. Across
accounts the destination pulls: nothing is shared per point (share_backup does nothing), so the SOURCE
deployment's bucket policy must let the destination account's copy role read `recovery-points/*`
(s3:GetObject, s3:ListBucket) and the bucket's key policy must let it decrypt. The stack does not write that
grant yet (to come with the storage construct's copy destination accounts); without it a cross-account copy of
an S3 or EFS point fails saying which bucket it cannot read. Same-account copies need no grant.

Cold storage: moving an EFS recovery point to cold storage rewrites its data/ objects in COLD_STORAGE_CLASS,
S3 Glacier Instant Retrieval (a copy of each object onto itself). Its minimum storage duration is 90 days, as
AWS Backup's cold tier's is, and it is read like any other object, so restores need no thaw and work as
before. The small state and manifest objects stay in S3 Standard. (In a versioned bucket the rewrite leaves
the Standard copy as a noncurrent version: keep the bucket unversioned, or expire noncurrent versions.)

The bucket name reaches the adapters as a constructor argument. The deployment names it: the CDK stack
creates the bucket and passes its name in `STRONGROOM_VAULT_BUCKET`; until the configuration carries that
key, `default_vault_bucket` derives the same name from the account and Region, which the stack and the
local bootstrap can both create. The stack should make it private (Block Public Access, TLS only,
BucketOwnerEnforced), encrypted with Strongroom's KMS key by default, unversioned (or with noncurrent
versions expiring quickly), and never deleted with the stack.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, BinaryIO

from botocore.exceptions import ClientError

from lambdas.domain.errors import DependencyFailureException

VAULT_BUCKET_ENV = "STRONGROOM_VAULT_BUCKET"  # proposed key for lambdas/common/env_keys.py
MANIFEST_PART_SIZE = 1000
COLD_STORAGE_CLASS = "GLACIER_IR"
_SINGLE_COPY_LIMIT = 5 * 1024**3  # CopyObject's limit; larger objects are copied in parts
NOT_FOUND = ("NoSuchKey", "404", "NotFound")


def default_vault_bucket(account: str, region: str) -> str:
    """The vault storage bucket's name when the deployment does not name it: unique per account and Region."""
    return f"strongroom-vault-{account}-{region}"


def recovery_point_prefix(resource_kind: str, native_id: str) -> str:
    return f"recovery-points/{resource_kind}/{native_id}/"


def restore_state_key(restore_job_id: str) -> str:
    return f"restores/{restore_job_id}.json"


class VaultStorageMissing(DependencyFailureException):
    """The vault storage bucket does not exist: a deployment error that waiting will not fix."""


@dataclass(frozen=True)
class StoredJson:
    value: dict[str, Any]
    last_modified: datetime  # S3's clock, not the caller's
    server_time: datetime | None  # the Date of S3's response: S3's clock now


class VaultStorage:
    def __init__(self, s3: Callable[[], Any], bucket: str) -> None:
        self._s3 = s3
        self.bucket = bucket

    def s3(self) -> Any:
        return self._s3()

    def _missing_bucket(self, error: ClientError) -> VaultStorageMissing | None:
        if error.response["Error"]["Code"] == "NoSuchBucket":
            return VaultStorageMissing(
                f"Strongroom's vault storage bucket {self.bucket} does not exist: the deployment must create it"
            )
        return None

    def put_json(self, key: str, value: dict[str, Any]) -> None:
        body = json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
        try:
            self._s3().put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/json")
        except ClientError as error:
            raise self._missing_bucket(error) or error from None

    def read_json(self, key: str) -> StoredJson | None:
        try:
            response = self._s3().get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response["Error"]["Code"] in NOT_FOUND:
                return None
            raise self._missing_bucket(error) or error from None
        value = json.loads(response["Body"].read())
        return StoredJson(value, response["LastModified"], _server_time(response))

    def get_json(self, key: str) -> dict[str, Any] | None:
        stored = self.read_json(key)
        return stored.value if stored else None

    def put_lines(self, key: str, entries: list[dict[str, Any]]) -> None:
        body = "".join(json.dumps(entry, separators=(",", ":")) + "\n" for entry in entries).encode()
        try:
            self._s3().put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/x-ndjson")
        except ClientError as error:
            raise self._missing_bucket(error) or error from None

    def get_lines(self, key: str) -> list[dict[str, Any]]:
        body = self._s3().get_object(Bucket=self.bucket, Key=key)["Body"].read().decode()
        return [json.loads(line) for line in body.splitlines() if line]

    def upload(self, key: str, stream: BinaryIO) -> None:
        """Any size: boto3's managed transfer switches to a multipart upload for large streams."""
        try:
            self._s3().upload_fileobj(stream, self.bucket, key)
        except ClientError as error:
            raise self._missing_bucket(error) or error from None

    def open(self, key: str) -> BinaryIO:
        """A streaming body; KeyError when the object is gone."""
        try:
            body: BinaryIO = self._s3().get_object(Bucket=self.bucket, Key=key)["Body"]
        except ClientError as error:
            if error.response["Error"]["Code"] in NOT_FOUND:
                raise KeyError(key) from None
            raise
        return body

    def keys(self, prefix: str) -> Iterator[str]:
        for page in self._s3().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield str(item["Key"])

    def change_storage_class(self, prefix: str, storage_class: str, budget: WorkBudget) -> bool:
        """Rewrites every object under the prefix in `storage_class` (a copy onto itself, keeping its metadata,
        tags and KMS key: a copy's objects are under its vault's key, not the bucket's default), skipping those
        already there, so a call stopped by its budget resumes where it stopped. True when every object is in
        that class."""
        client = self._s3()
        try:
            pages = client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
            for page in pages:
                for item in page.get("Contents", []):
                    if item.get("StorageClass", "STANDARD") == storage_class:
                        continue
                    if budget.exhausted:
                        return False
                    source = {"Bucket": self.bucket, "Key": item["Key"]}
                    head = client.head_object(Bucket=self.bucket, Key=item["Key"])
                    extra: dict[str, str] = {"StorageClass": storage_class}
                    if head.get("ServerSideEncryption") == "aws:kms" and head.get("SSEKMSKeyId"):
                        extra.update(ServerSideEncryption="aws:kms", SSEKMSKeyId=head["SSEKMSKeyId"])
                    if int(item.get("Size", 0)) > _SINGLE_COPY_LIMIT:
                        client.copy(source, self.bucket, item["Key"], ExtraArgs=extra)
                    else:
                        client.copy_object(
                            Bucket=self.bucket, Key=item["Key"], CopySource=source, MetadataDirective="COPY", **extra
                        )
                    budget.spend()
        except ClientError as error:
            raise self._missing_bucket(error) or error from None
        return True

    # copies into this bucket (copy jobs): server-side, from another deployment's bucket or a customer's

    def over(self, bucket: str) -> VaultStorage:
        """The same client over another bucket: another deployment's vault storage, which a copy reads."""
        return VaultStorage(self._s3, bucket)

    def copy_in(self, source: dict[str, str], key: str, size: int, kms_key_arn: str) -> None:
        """One object copied server-side into this bucket (CopyObject, or a multipart copy above 5 GB), keeping its
        metadata and tags and encrypted with `kms_key_arn` (SSE-KMS). `source` is CopyObject's CopySource: Bucket,
        Key and, for a version, VersionId; the source may be in another Region or account (whose policy must let
        this caller read it)."""
        encryption = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_arn}
        client = self._s3()
        try:
            if size > _SINGLE_COPY_LIMIT:
                client.copy(source, self.bucket, key, ExtraArgs=encryption)
            else:
                client.copy_object(CopySource=source, Bucket=self.bucket, Key=key, **encryption)
        except ClientError as error:
            raise self._missing_bucket(error) or error from None

    def copy_prefix_in(
        self,
        source: VaultStorage,
        source_prefix: str,
        prefix: str,
        kms_key_arn: str,
        budget: WorkBudget,
        after: str | None,
        skip: frozenset[str] = frozenset(),
    ) -> tuple[bool, str | None, int]:
        """Every object under `source_prefix` of the source bucket, copied to the same name under `prefix` here (see
        copy_in), in key order from the key after `after`, until done or out of budget. Names in `skip` (relative
        to the prefix) are left out. Returns (done, the last key copied, to resume after, bytes copied)."""
        copied = 0
        client = self._s3()
        request: dict[str, Any] = {"Bucket": source.bucket, "Prefix": source_prefix}
        if after is not None:
            request["StartAfter"] = after
        for page in client.get_paginator("list_objects_v2").paginate(**request):
            for item in page.get("Contents", []):
                name = str(item["Key"])[len(source_prefix) :]
                if name not in skip:
                    if budget.exhausted:
                        return False, after, copied
                    size = int(item.get("Size", 0))
                    self.copy_in({"Bucket": source.bucket, "Key": item["Key"]}, prefix + name, size, kms_key_arn)
                    budget.spend()
                    copied += size
                after = str(item["Key"])
        return True, after, copied

    def delete_prefix(self, prefix: str) -> list[str]:
        """Every object and every version under the prefix; idempotent. Returns the versions S3 refused to delete
        (S3 Object Lock: a retention or a legal hold), which stay: DeleteObjects reports them one by one, even in
        quiet mode, instead of failing the call."""
        refused: list[str] = []
        client = self._s3()
        try:
            pages = client.get_paginator("list_object_versions").paginate(Bucket=self.bucket, Prefix=prefix)
            for page in pages:
                doomed = [
                    {"Key": item["Key"], "VersionId": item["VersionId"]}
                    for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
                ]
                for start in range(0, len(doomed), 1000):
                    batch = doomed[start : start + 1000]
                    answer = client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
                    refused += [f"{error['Key']}: {error.get('Code')}" for error in answer.get("Errors", [])]
        except ClientError as error:
            if error.response["Error"]["Code"] == "NoSuchBucket":
                return refused  # nothing can be left under a prefix of a bucket that is gone
            raise
        return refused


def manifest_part_key(prefix: str, part: int) -> str:
    return f"{prefix}manifest/{part:06d}.jsonl"


def _server_time(response: dict[str, Any]) -> datetime | None:
    date = response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    if not date:
        return None
    try:
        return parsedate_to_datetime(date)
    except (TypeError, ValueError):
        return None


class WorkBudget:
    """How much one call may do before it saves its cursor and returns: a wall-time limit (Lambda's timeout is
    the real constraint) and an optional count of operations (which makes tests deterministic)."""

    def __init__(self, seconds: float, operations: int | None = None) -> None:
        self._deadline = time.monotonic() + seconds
        self._left = operations

    def spend(self) -> None:
        if self._left is not None:
            self._left -= 1

    @property
    def exhausted(self) -> bool:
        return (self._left is not None and self._left <= 0) or time.monotonic() >= self._deadline
