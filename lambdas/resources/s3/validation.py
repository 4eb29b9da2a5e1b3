"""Restore testing's data check for S3 buckets: a manifest of the bucket's current objects (key, size, ETag and
SHA-256 checksum when S3 keeps one) and its number of object versions, recorded when the backup completes,
compared with the restored bucket's; the restored bucket emptied and deleted after the window.

A manifest of up to MANIFEST_LIMIT objects is kept whole, so a failed check names the keys missing, changed or
added; past that only the count and a digest are kept, and a failed check says the contents differ. An ETag of a
multipart upload ("...-N") depends on how the object was uploaded, not on its bytes, so for those the size and
the checksum are compared, never the ETag."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from lambdas.domain.restore_testing.checks import Verdict
from lambdas.domain.restore_testing.comparing import manifest_differences
from lambdas.domain.restore_testing.picking import restored_name

MANIFEST_LIMIT = 1000
# The record is read inside the tracking run that completes the backup (a 5-minute function): a bucket with more
# object versions than this is not listed to the end, and its restore test checks that the restore completed.
MAX_RECORDED_VERSIONS = 100_000
_NOT_BUCKET_NAME = r"[^a-z0-9-]"


class TooLargeToRecord(Exception):
    pass


def _bucket(arn: str) -> str:
    return arn.split(":::", 1)[-1].split("/", 1)[0]


def _signature(entry: dict[str, Any]) -> str:
    etag = str(entry.get("ETag", "")).strip('"')
    checksum = entry.get("ChecksumSHA256") or ""
    return f"{entry.get('Size', 0)}:{'' if '-' in etag else etag}:{checksum}"


class S3Validation:
    resource_type = "S3"

    def __init__(self, s3: Callable[[], Any]) -> None:
        self._s3 = s3

    def _manifest(self, bucket: str, limit: int | None = None) -> tuple[dict[str, str], int]:
        """Current objects (key -> signature) and the number of object versions."""
        current: dict[str, str] = {}
        versions = 0
        paginator = self._s3().get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=bucket):
            for version in page.get("Versions", []):
                versions += 1
                if version.get("IsLatest"):
                    current[version["Key"]] = _signature(version)
            if limit is not None and versions > limit:
                raise TooLargeToRecord(f"{bucket} holds more than {limit} object versions")
        return current, versions

    @staticmethod
    def _digest(manifest: dict[str, str]) -> str:
        return hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()

    def record(self, resource_arn: str) -> dict[str, str]:
        try:
            manifest, versions = self._manifest(_bucket(resource_arn), MAX_RECORDED_VERSIONS)
        except TooLargeToRecord:
            return {}
        record = {"objectCount": str(len(manifest)), "versionCount": str(versions), "digest": self._digest(manifest)}
        if len(manifest) <= MANIFEST_LIMIT:
            record["manifest"] = json.dumps(manifest, sort_keys=True)
        return record

    def test_metadata(self, metadata: dict[str, str], run_id: str) -> dict[str, str]:
        source = (metadata.get("DestinationBucketName") or "bucket").lower()
        return {
            **metadata,
            "DestinationBucketName": restored_name(source, run_id, 63, _NOT_BUCKET_NAME),
            "NewBucket": "true",
        }

    def check(self, recorded: dict[str, str], restored_arn: str) -> Verdict:
        manifest, _ = self._manifest(_bucket(restored_arn))
        count = int(recorded["objectCount"])
        if self._digest(manifest) == recorded["digest"]:
            return Verdict(True, f"{count} objects with the keys, sizes and checksums recorded at backup time")
        if "manifest" not in recorded:
            return Verdict(False, f"The restored bucket holds {len(manifest)} objects; the backup recorded {count} "
                                  "with other contents")  # fmt: skip
        return manifest_differences("bucket", json.loads(recorded["manifest"]), manifest)

    def delete(self, restored_arn: str) -> bool:
        bucket = _bucket(restored_arn)
        client = self._s3()
        try:
            paginator = client.get_paginator("list_object_versions")
            for page in paginator.paginate(Bucket=bucket):
                doomed = [
                    {"Key": v["Key"], "VersionId": v["VersionId"]}
                    for v in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
                ]
                for start in range(0, len(doomed), 1000):  # DeleteObjects takes at most 1,000 keys
                    client.delete_objects(
                        Bucket=bucket, Delete={"Objects": doomed[start : start + 1000], "Quiet": True}
                    )
            client.delete_bucket(Bucket=bucket)
        except ClientError as error:
            if error.response["Error"]["Code"] == "NoSuchBucket":
                return True
            raise
        return True


def build(client: Callable[[str], Callable[[], Any]]) -> S3Validation:
    return S3Validation(client("s3"))
