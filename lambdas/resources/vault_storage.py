"""Where Strongroom keeps backup data itself: one S3 bucket it owns (the "vault storage bucket").

EBS, RDS or DynamoDB keep their own backups; S3 and EFS do not, so for those types Strongroom writes the
recovery point's content here. One bucket per deployment (per account and Region), laid out by prefix:

    recovery-points/<type>/<backup job id>/backup.json      the recovery point's state and counters
    recovery-points/<type>/<backup job id>/manifest/<n>.jsonl  what the point holds, 1,000 entries a part
    recovery-points/<type>/<backup job id>/data/<sha256>     file contents (EFS only)
    restores/<restore job id>.json                           a restore's cursor, so it resumes where it stopped

Deleting a recovery point deletes its prefix (every version of every object under it, should the bucket be
versioned). Nothing outside these prefixes is ever read or written.

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
_NOT_FOUND = ("NoSuchKey", "404", "NotFound")


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
            if error.response["Error"]["Code"] in _NOT_FOUND:
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
            if error.response["Error"]["Code"] in _NOT_FOUND:
                raise KeyError(key) from None
            raise
        return body

    def keys(self, prefix: str) -> Iterator[str]:
        for page in self._s3().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield str(item["Key"])

    def delete_prefix(self, prefix: str) -> int:
        """Every object and every version under the prefix; idempotent. Returns how many were deleted."""
        deleted = 0
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
                    client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
                    deleted += len(batch)
        except ClientError as error:
            if error.response["Error"]["Code"] == "NoSuchBucket":
                return deleted  # nothing can be left under a prefix of a bucket that is gone
            raise
        return deleted


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
