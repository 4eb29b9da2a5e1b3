"""An S3 backup's one job: listing the bucket's versions as of the cutoff into the point's manifest, a slice per
backup_status call, from the cursor the point's state keeps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from lambdas.resources.s3.state import S3PointState
from lambdas.resources.vault_copy.state import COMPLETED
from lambdas.resources.vault_storage import VaultStorage, WorkBudget, manifest_part_key

MISSING_BUCKET = ("NoSuchBucket", "404", "NotFound")


def list_slice(
    s3: Callable[[], Any], storage: VaultStorage, prefix: str, state: S3PointState, page_size: int, budget: WorkBudget
) -> None:
    """Pages of ListObjectVersions until the listing ends (COMPLETED) or the budget does; each page's recorded
    versions are one manifest part."""
    while not budget.exhausted:
        request: dict[str, Any] = {"Bucket": state.bucket, "MaxKeys": page_size}
        if state.key_marker is not None:
            request["KeyMarker"] = state.key_marker
            request["VersionIdMarker"] = state.version_marker or ""
        try:
            page = s3().list_object_versions(**request)
        except ClientError as error:
            if error.response["Error"]["Code"] in MISSING_BUCKET:
                state.fail(f"Bucket {state.bucket} was deleted before the backup could list it")
                return
            raise
        budget.spend()
        cutoff = datetime.fromisoformat(state.cutoff or "")
        recorded = resolve_page(page, cutoff, state)
        if recorded:
            storage.put_lines(manifest_part_key(prefix, state.parts), recorded)
            state.parts += 1
            state.objects += len(recorded)
            state.bytes += sum(entry["s"] for entry in recorded)
        if not page.get("IsTruncated"):
            state.status = COMPLETED
            return
        state.key_marker = page.get("NextKeyMarker")
        state.version_marker = page.get("NextVersionIdMarker")


def resolve_page(page: dict[str, Any], cutoff: datetime, state: S3PointState) -> list[dict[str, Any]]:
    """For each key, the newest version or delete marker at or before the cutoff decides; a version is
    recorded, a delete marker means the key did not exist then. A key's versions may span pages, so whether
    the current key is decided already travels in the state."""
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
        if item["Key"] != state.current_key:
            state.current_key = item["Key"]
            state.current_resolved = False
        if state.current_resolved or item["LastModified"] > cutoff:
            continue
        state.current_resolved = True
        if not is_marker:
            recorded.append(
                {"k": item["Key"], "v": item["VersionId"], "e": item.get("ETag", ""), "s": int(item.get("Size", 0))}
            )
    return recorded
