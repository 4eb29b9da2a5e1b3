"""Vault locks and legal holds over a point kept in vault storage: S3 Object Lock on every version under its
prefix, so they hold against anyone deleting the objects, not only against Strongroom's API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from botocore.exceptions import ClientError

from lambdas.common import clock
from lambdas.domain.native_locks import NativeLock
from lambdas.resources.base import NativeLockState
from lambdas.resources.vault_storage import NOT_FOUND, VaultStorage


class PrefixLock:
    """S3 Object Lock over every version under a recovery point's prefix (the bucket has Object Lock enabled): a
    retention (GOVERNANCE or COMPLIANCE, until a date) for a vault lock, and the object legal hold for a legal hold.
    S3 refuses to shorten a COMPLIANCE retention or to remove it (AccessDenied): such a version keeps it. Objects
    written after the lock (a header rewritten by a later call) are not locked until the next lock call."""

    def __init__(self, storage: VaultStorage) -> None:
        self._storage = storage

    def lock_backup(self, prefix: str, lock: NativeLock) -> None:
        """A point's lock as S3 keeps it. S3 has no cooling-off period: a compliance lock with one is a COMPLIANCE
        retention at once."""
        retention = lock.retention
        asked = (retention.mode.value.upper(), retention.until) if retention is not None else None
        self.lock(prefix, asked, held=lock.held_until is not None)

    def backup_lock(self, prefix: str) -> NativeLockState | None:
        state = self.state(prefix)
        return NativeLockState(*state) if state else None

    def _versions(self, prefix: str) -> Iterator[dict[str, str]]:
        client = self._storage.s3()
        pages = client.get_paginator("list_object_versions").paginate(Bucket=self._storage.bucket, Prefix=prefix)
        for page in pages:
            for item in page.get("Versions", []):
                yield {"Key": item["Key"], "VersionId": item["VersionId"]}

    def lock(self, prefix: str, retention: tuple[str, datetime] | None, held: bool) -> int:
        """retention: (GOVERNANCE|COMPLIANCE, until) or None to leave the retention as it is. Returns the versions
        locked."""
        client, bucket = self._storage.s3(), self._storage.bucket
        locked = 0
        for version in self._versions(prefix):
            if retention is not None:
                mode, until = retention
                try:
                    client.put_object_retention(
                        Bucket=bucket,
                        **version,
                        Retention={"Mode": mode, "RetainUntilDate": until},
                        BypassGovernanceRetention=True,
                    )
                except ClientError as error:
                    if error.response["Error"]["Code"] != "AccessDenied":
                        raise  # AccessDenied: a COMPLIANCE retention that lasts longer already, which stays
            client.put_object_legal_hold(Bucket=bucket, **version, LegalHold={"Status": "ON" if held else "OFF"})
            locked += 1
        return locked

    def unlock(self, prefix: str) -> None:
        """Legal holds off and GOVERNANCE retentions removed; COMPLIANCE retentions stay until they end."""
        client, bucket = self._storage.s3(), self._storage.bucket
        for version in self._versions(prefix):
            client.put_object_legal_hold(Bucket=bucket, **version, LegalHold={"Status": "OFF"})
            try:
                client.put_object_retention(Bucket=bucket, **version, Retention={}, BypassGovernanceRetention=True)
            except ClientError as error:
                if error.response["Error"]["Code"] != "AccessDenied":
                    raise

    def state(self, prefix: str) -> tuple[str, datetime] | None:
        """The lock on the prefix's header object (backup.json), as HeadObject tells it: (governance|compliance,
        until), a legal hold counting as a governance lock without end; None when it has none that holds now."""
        try:
            head = self._storage.s3().head_object(Bucket=self._storage.bucket, Key=prefix + "backup.json")
        except ClientError as error:
            if error.response["Error"]["Code"] in NOT_FOUND:
                return None
            raise
        if head.get("ObjectLockLegalHoldStatus") == "ON":
            return "governance", datetime.max.replace(tzinfo=UTC)
        mode, until = head.get("ObjectLockMode"), head.get("ObjectLockRetainUntilDate")
        if mode and until and until > clock.now():
            return str(mode).lower(), until
        return None
