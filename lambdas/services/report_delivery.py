"""Where report files go: the plan's S3 bucket, written as AWS Backup Audit Manager writes them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from botocore.exceptions import ClientError


class ReportRefused(Exception):
    """The bucket is missing or refused the write; the message is the job's StatusMessage."""


class ReportWriter(Protocol):
    def write(self, bucket: str, key: str, body: bytes, content_type: str) -> None:
        """Writes the object or raises ReportRefused."""


class S3ReportWriter:
    """PutObject with the ACL AWS's bucket policy for reports requires (s3:x-amz-acl bucket-owner-full-control)."""

    def __init__(self, s3: Callable[[], Any]) -> None:
        self._s3 = s3

    def write(self, bucket: str, key: str, body: bytes, content_type: str) -> None:
        try:
            self._s3().put_object(
                Bucket=bucket, Key=key, Body=body, ContentType=content_type, ACL="bucket-owner-full-control"
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code == "NoSuchBucket":
                raise ReportRefused(f"The S3 bucket {bucket} does not exist") from None
            if code in ("AccessDenied", "AllAccessDisabled", "AccessControlListNotSupported"):
                raise ReportRefused(
                    f"Access denied writing to S3 bucket {bucket}: its bucket policy must allow s3:PutObject "
                    "(see docs/audit-manager.md)"
                ) from None
            raise ReportRefused(f"Could not write the report to S3 bucket {bucket}: {code}") from None
