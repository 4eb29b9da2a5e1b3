"""An in-memory S3 client with what the copy-into-vault engine calls: versioned objects, listings, server-side
copies, and S3 Object Lock refusing deletes (DeleteObjects reports each locked version in Errors, as S3 does)."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def error(code: str, operation: str = "Call") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, operation)


@dataclass
class Version:
    key: str
    version_id: str
    body: bytes
    modified: datetime
    extra: dict[str, Any] = field(default_factory=dict)


class FakeS3:
    def __init__(self) -> None:
        self.buckets: dict[str, list[Version]] = {}  # oldest first
        self.locked: set[tuple[str, str]] = set()  # (bucket, key) under a retention or legal hold
        self.fail_copies_after: int | None = None  # a crash: copies past this many raise InternalError
        self.copies = 0
        self._ids = itertools.count(1)
        self._clock = itertools.count(0)

    # helpers for tests

    def current(self, bucket: str) -> dict[str, bytes]:
        latest: dict[str, Version] = {}
        for version in self.buckets.get(bucket, []):
            latest[version.key] = version
        return {key: v.body for key, v in latest.items() if v.body is not None}

    def put(self, bucket: str, key: str, body: bytes) -> str:
        self.buckets.setdefault(bucket, [])
        version = Version(key, f"v{next(self._ids)}", body, T0 + timedelta(seconds=next(self._clock)))
        self.buckets[bucket].append(version)
        return version.version_id

    def _bucket(self, bucket: str) -> list[Version]:
        if bucket not in self.buckets:
            raise error("NoSuchBucket")
        return self.buckets[bucket]

    def _find(self, bucket: str, key: str, version_id: str | None = None) -> Version:
        matches = [v for v in self._bucket(bucket) if v.key == key and version_id in (None, v.version_id)]
        if not matches:
            raise error("NoSuchVersion" if version_id else "NoSuchKey")
        return matches[-1]

    # the client

    def put_object(self, Bucket: str, Key: str, Body: bytes, **extra: Any) -> dict[str, Any]:
        self._bucket(Bucket)
        return {"VersionId": self.put(Bucket, Key, Body)}

    def head_bucket(self, Bucket: str) -> dict[str, Any]:
        if Bucket not in self.buckets:
            raise error("404")
        return {}

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        version = self._find(Bucket, Key)
        return {"Body": io.BytesIO(version.body), "LastModified": version.modified, "ResponseMetadata": {}}

    def head_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        try:
            version = self._find(Bucket, Key)
        except ClientError:
            raise error("404") from None
        return {"ContentLength": len(version.body), "LastModified": version.modified}

    def upload_fileobj(self, stream: Any, bucket: str, key: str) -> None:
        self.put_object(Bucket=bucket, Key=key, Body=stream.read())

    def copy_object(self, CopySource: dict[str, str], Bucket: str, Key: str, **extra: Any) -> dict[str, Any]:
        self.copies += 1
        if self.fail_copies_after is not None and self.copies > self.fail_copies_after:
            raise error("InternalError", "CopyObject")
        source = self._find(CopySource["Bucket"], CopySource["Key"], CopySource.get("VersionId"))
        self._bucket(Bucket)
        self.buckets[Bucket].append(
            Version(Key, f"v{next(self._ids)}", source.body, T0 + timedelta(seconds=next(self._clock)), extra)
        )
        return {}

    def delete_objects(self, Bucket: str, Delete: dict[str, Any]) -> dict[str, Any]:
        errors = []
        for doomed in Delete["Objects"]:
            if (Bucket, doomed["Key"]) in self.locked:
                errors.append({"Key": doomed["Key"], "VersionId": doomed["VersionId"], "Code": "AccessDenied"})
                continue
            self.buckets[Bucket] = [
                v for v in self.buckets[Bucket] if (v.key, v.version_id) != (doomed["Key"], doomed["VersionId"])
            ]
        return {"Errors": errors} if errors else {}

    def get_paginator(self, operation: str) -> Any:
        fake = self

        class Paginator:
            def paginate(self, Bucket: str, Prefix: str = "", StartAfter: str = "") -> Iterator[dict[str, Any]]:
                versions = [v for v in fake._bucket(Bucket) if v.key.startswith(Prefix)]
                if operation == "list_object_versions":
                    yield {"Versions": [{"Key": v.key, "VersionId": v.version_id} for v in versions]}
                    return
                latest = {v.key: v for v in versions}
                yield {
                    "Contents": [
                        {"Key": key, "Size": len(v.body)} for key, v in sorted(latest.items()) if key > StartAfter
                    ]
                }

        return Paginator()
