"""An S3 restore's metadata, checked and read into a plan before any job exists (AWS Backup's keys:
DestinationBucketName, NewBucket, Encrypted / EncryptionType / KMSKey, ItemsToRestore)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lambdas.domain.errors import InvalidParameterValueException
from lambdas.resources.vault_copy.points import flag, items_to_restore

_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
MAX_ITEMS_TO_RESTORE = 5


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


def restore_plan(source_bucket: str, metadata: dict[str, str], vault_bucket: str) -> RestorePlan:
    destination = metadata.get("DestinationBucketName")
    if not destination:
        raise InvalidParameterValueException("Restore metadata for S3 is missing: DestinationBucketName")
    if not _BUCKET_NAME.match(destination) or ".." in destination:
        raise InvalidParameterValueException(
            f"Restore metadata DestinationBucketName must be a valid bucket name, got {destination!r}"
        )
    if destination == vault_bucket:
        raise InvalidParameterValueException(
            f"Bucket {destination} is Strongroom's own vault storage and cannot be a restore destination"
        )
    return RestorePlan(
        source_bucket=source_bucket,
        destination=destination,
        new_bucket=flag(metadata.get("NewBucket"), "NewBucket"),
        items=_items(metadata.get("ItemsToRestore"), source_bucket),
        encryption=_encryption(metadata),
    )


def _items(raw: str | None, source_bucket: str) -> tuple[str, ...]:
    example = f'["s3://{source_bucket}/photos/"]'
    items = items_to_restore(raw, MAX_ITEMS_TO_RESTORE, "S3 URIs", example, empty_ok=False)
    keys = []
    for item in items or ():
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
    if not flag(metadata.get("Encrypted"), "Encrypted") and not encryption_type:
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
